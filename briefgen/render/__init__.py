"""The render/write stage: one `Briefing` -> HTML, PDF, DOCX and JSON files, all written atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from briefgen.errors import RenderError
from briefgen.models import Briefing, RenderOptions
from briefgen.render.docx import render_docx
from briefgen.render.html import render_html
from briefgen.render.jsonfile import render_json
from briefgen.render.pdf import render_pdf

Renderer = Callable[[Briefing, RenderOptions], bytes]
RENDERERS: dict[str, Renderer] = {
    "html": render_html,
    "pdf": render_pdf,
    "docx": render_docx,
    "json": render_json,
}


def render_all(briefing: Briefing, formats: tuple[str, ...], options: RenderOptions) -> dict[str, bytes]:
    """Every requested format in memory, so that a failure in one leaves no file of the others."""
    return {fmt: RENDERERS[fmt](briefing, options) for fmt in formats}


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def write_atomically(outputs: dict[Path, bytes]) -> list[Path]:
    """Write each file to a temporary name beside it, then rename: readers never see half a file."""
    staged: list[tuple[Path, Path]] = []
    mode = 0o666 & ~_umask()  # mkstemp makes 0600 files; outputs get the mode a plain open() would give
    try:
        for target, data in outputs.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            staged.append((Path(temporary), target))
            os.chmod(temporary, mode)
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
        for temporary, target in staged:
            os.replace(temporary, target)
    except OSError as exc:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        where = exc.filename or next(iter(outputs)).parent
        raise RenderError(f"{where}: cannot write output: {exc.strerror or exc}") from None
    return [target for _, target in staged]

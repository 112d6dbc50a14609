"""Errors a user can act on, and their exit codes: 1 the build failed (corpus, templates, outputs, lock),
2 the command line or the config is wrong. Schedulers rely on these."""

from collections.abc import Iterator
from contextlib import contextmanager

from briefgen.models import Diagnostic


class BriefgenError(Exception):
    """A failure reported as one line, without a traceback."""

    exit_code = 1


class ConfigError(BriefgenError):
    """The config (or a flag overriding it) is wrong. Carries every problem found."""

    exit_code = 2

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class InputError(BriefgenError):
    """The corpus as a whole is unusable (missing, empty, nothing readable)."""


class RenderError(BriefgenError):
    """A template is missing or broken, or an output could not be written."""


class BusyError(BriefgenError):
    """Another run of the same briefing holds its lock."""


class StrictError(BriefgenError):
    """`--strict` and the run met warnings: nothing is written, and the warnings are what to fix."""

    def __init__(self, diagnostics: tuple[Diagnostic, ...]):
        self.diagnostics = diagnostics
        super().__init__(f"{len(diagnostics)} warning(s) and --strict: nothing written")


class StageError(BriefgenError):
    """An unexpected failure inside a pipeline stage, named with the stage and the file it was working on."""


def unexpected(exc: Exception) -> str:
    """An exception nobody worded for the user, as one short line: "unexpected ValueError: first line"."""
    detail = str(exc).splitlines()[0][:300] if str(exc) else ""
    return f"unexpected {type(exc).__name__}" + (f": {detail}" if detail else "")


@contextmanager
def stage(name: str, subject: object) -> Iterator[None]:
    """Report any unexpected exception inside the block as one line naming the stage and its file.

    Errors briefgen already words for the user pass through unchanged; the original exception stays
    chained, so `-v` shows its traceback.
    """
    try:
        yield
    except BriefgenError:
        raise
    except Exception as exc:
        raise StageError(f"{name}: {subject}: {unexpected(exc)}") from exc

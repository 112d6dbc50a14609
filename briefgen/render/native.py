"""Loading WeasyPrint's C libraries without the slow searches for names that cannot exist here."""

from __future__ import annotations

import ctypes.util
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

LDCONFIG = "/sbin/ldconfig"  # where ctypes.util looks for it too; often not on a user's PATH


@contextmanager
def libraries_found_quickly() -> Iterator[None]:
    """While WeasyPrint is imported, `ctypes.util.find_library` answers from the dynamic loader's cache alone.

    WeasyPrint tries several spellings of each library's name (Windows, macOS and Linux ones), and cffi hands
    every spelling the loader refuses to `find_library`, which on Linux runs ldconfig, then gcc, then ld: about
    25 ms a spelling, 0.4 s of WeasyPrint's 0.5 s import. The Linux spellings (libpango-1.0.so.0) are opened by
    the loader itself, so a library found only through LD_LIBRARY_PATH is found still.
    """
    if not sys.platform.startswith("linux"):
        yield
        return
    try:
        listing = subprocess.run([LDCONFIG, "-p"], capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        listing = ""

    def from_cache(name: str) -> str | None:
        match = re.search(rf"\s(lib{re.escape(name)}\.so\S*)", listing)
        return match[1] if match else None

    original = ctypes.util.find_library
    ctypes.util.find_library = from_cache
    try:
        yield
    finally:
        ctypes.util.find_library = original

"""Text hygiene shared by every reader: applied once at ingest so no later stage meets bad characters."""

from __future__ import annotations

import re
import unicodedata

# C0/C1 controls except tab and newline, lone surrogates, and the non-characters XML and DOCX reject.
_UNWANTED = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_SPACES = re.compile(r"[ \t\x0b\x0c\u00a0\u2000-\u200b\u202f\u205f\u3000]+")  # vertical tab, form feed too
MAX_TEXT_CHARS = 200_000


def clean_lines(text: str) -> list[str]:
    """NFC lines without control characters, one space between words; blank lines are kept as ''."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _UNWANTED.sub("", text)
    return [_SPACES.sub(" ", line).strip() for line in text.split("\n")]


def clean_line(text: str | None) -> str | None:
    """A one-line field (title, outlet): cleaned, or None when nothing is left."""
    if text is None:
        return None
    return " ".join(line for line in clean_lines(str(text)) if line) or None

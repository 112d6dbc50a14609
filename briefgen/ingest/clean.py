"""Text hygiene for every string that reaches a writer: article text at ingest, and the labels of configs,
topics and edits as they are loaded, so that no writer meets a character it cannot store or a run of text
it cannot lay out."""

from __future__ import annotations

import re
import unicodedata

# C0/C1 controls except tab and newline, lone surrogates, and the non-characters XML and DOCX reject.
_UNWANTED = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_SPACES = re.compile(r"[ \t\x0b\x0c\u00a0\u2000-\u200b\u202f\u205f\u3000]+")  # vertical tab, form feed too
MAX_TEXT_CHARS = 200_000
# A run of text with no break opportunity costs a layout engine time that grows with its length, and no
# word or link in news is longer: longer runs are split.
MAX_TOKEN_CHARS = 100
_LONG_TOKEN = re.compile(rf"\S{{{MAX_TOKEN_CHARS + 1},}}")
MAX_LINE_CHARS = 300  # a title, an outlet, a label
MAX_URL_CHARS = 2000  # what browsers and servers accept; a link cut short would lead nowhere
# What a name (a file's, as the file system gives it) may hold that a one-line listing must show as an escape.
_UNPRINTABLE_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")


def _split_long(token: re.Match[str]) -> str:
    text = token.group(0)
    return " ".join(text[i : i + MAX_TOKEN_CHARS] for i in range(0, len(text), MAX_TOKEN_CHARS))


def _lines(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [_SPACES.sub(" ", line).strip() for line in _UNWANTED.sub("", text).split("\n")]


def clean_lines(text: str) -> list[str]:
    """Article text: NFC lines without control characters, one space between words, no run of text longer
    than MAX_TOKEN_CHARS; blank lines are kept as ''."""
    return [_LONG_TOKEN.sub(_split_long, line) for line in _lines(text)]


def clean_line(text: str | None, max_chars: int = MAX_LINE_CHARS) -> str | None:
    """A one-line field (title, outlet, link, label): cleaned, and cut at a word to `max_chars` (its runs are
    left whole: a link must stay one), or None when nothing is left."""
    if text is None:
        return None
    line = " ".join(line for line in _lines(str(text)) if line)
    if len(line) > max_chars:
        line = line[: max_chars - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return line or None


def clean_label(text: str, max_chars: int = MAX_LINE_CHARS) -> str:
    """A label a config, topic or edits file gives (titles, markings, notes): cleaned like article text."""
    return clean_line(text, max_chars) or ""


def escape_name(name: str) -> str:
    """A file name shown as one line: control characters and undecodable bytes (surrogate-escaped by the
    file system layer) as backslash escapes, so that a name can neither break a listing nor a writer."""

    def escaped(match: re.Match[str]) -> str:
        code = ord(match.group(0))
        if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8
            return f"\\x{code - 0xDC00:02x}"
        return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(
            match.group(0), f"\\u{code:04x}" if code > 0xFF else f"\\x{code:02x}"
        )

    return _UNPRINTABLE_NAME.sub(escaped, name)

"""Dates as news text writes them, resolved against a reference date (never the wall clock).

Hand-written patterns rather than a general date parser: news English uses a handful of forms, and a
general parser's locale scans are slow and guess (`05/03/2024`) where a briefing must not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
WEEKDAYS = {
    name: number
    for number, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:(?P<weekday>" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")\.?,?\s+)?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>(?:19|20)\d\d))?"

MONTH_DAY = re.compile(rf"\b{_WEEKDAY}{_MONTH}\s+{_DAY}\b{_YEAR}(?!\s*(?:%|percent))", re.I)
DAY_MONTH = re.compile(rf"\b{_WEEKDAY}(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}{_YEAR}\b", re.I)
ISO = re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b")
MONTH_YEAR = re.compile(rf"\b{_MONTH}\s+(?P<year>(?:19|20)\d\d)\b", re.I)
RELATIVE_WEEKDAY = re.compile(
    r"\b(?P<which>on|last|this|since|by|until)\s+(?P<weekday>monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday)\b",
    re.I,
)
RELATIVE_DAY = re.compile(r"\b(?P<word>yesterday|today|new year[’']?s day|christmas day)\b", re.I)
# Cheap looks that rule the patterns above out, most sentences naming no date: each of them tries every month
# and weekday name at every word. A calendar date holds a digit and (but in ISO form) a month's name, which
# starts with one of these; a relative one holds "day" (a weekday, "yesterday", "Christmas Day").
_DIGIT = re.compile(r"\d")
_MONTH_NAME = re.compile("|".join(sorted({name[:3] for name in MONTHS})), re.I)
_DAY_WORD = re.compile("day", re.I)
_NEW_YEAR = re.compile(r"new year", re.I)


@dataclass(frozen=True)
class DateMention:
    day: date
    precision: str  # "day" or "month"
    start: int
    end: int
    text: str
    year_given: bool  # False when the year was inferred
    weekday_given: bool = False  # a weekday pins an inferred year ("Monday, August 25")

    @property
    def certain(self) -> bool:
        """The date does not depend on the reference date (an article's date may be inferred from it)."""
        return self.year_given or self.weekday_given


# The years a publication date may fall in. Outside them a date is a typo or a trap, and the arithmetic of
# later stages (windows, weeks, "yesterday") would overflow at the ends of the calendar (years 1 and 9999).
EARLIEST, LATEST = date(1900, 1, 1), date(2200, 12, 31)


def plausible(day: date) -> bool:
    return EARLIEST <= day <= LATEST


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _shift(day: date, days: int) -> date | None:
    """`day` moved by `days`, or None past either end of the calendar (a reference date near year 1 or 9999)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None


def infer_year(month: int, day: int, weekday: int | None, reference: date, *, nearest: bool = False) -> date | None:
    """The date with this month and day (and weekday, when given) that a text written on `reference` means.

    By default the latest such date not after `reference` (an article is not dated in the future of the run);
    with `nearest`, the closest one within a year either side (an article's "on October 2" may lie ahead).
    """
    years = range(reference.year + (1 if nearest else 0), reference.year - 29, -1)
    candidates = [
        c for y in years if (c := _safe_date(y, month, day)) is not None and (weekday is None or c.weekday() == weekday)
    ]
    if nearest:
        close = [c for c in candidates if weekday is not None or abs((c - reference).days) <= 366]
        return min(close, key=lambda c: abs((c - reference).days)) if close else None
    return next((c for c in candidates if c <= reference), None)


def _from_match(
    match: re.Match[str], reference: date, nearest: bool = False, ahead: bool = False
) -> tuple[date, bool, bool] | None:
    month = MONTHS[match["month"].lower().rstrip(".")]
    day = int(match["day"])
    weekday_name = match.groupdict().get("weekday")
    weekday = WEEKDAYS[weekday_name.lower().rstrip(".")] if weekday_name else None
    if match["year"]:
        found = _safe_date(int(match["year"]), month, day)
        return (found, True, weekday is not None) if found else None
    if ahead and weekday is None:  # "until June 30" in a plan: the coming June 30
        coming = next(
            (
                c
                for y in (reference.year, reference.year + 1)
                if (c := _safe_date(y, month, day)) is not None and c >= reference
            ),
            None,
        )
        if coming is not None:
            return coming, False, False
    inferred = infer_year(month, day, weekday, reference, nearest=nearest)
    return (inferred, False, weekday is not None) if inferred else None


def find_dates(text: str, reference: date, *, nearest: bool = False, ahead: bool = False) -> list[DateMention]:
    """Every calendar date the text names, in order; a missing year is inferred from `reference`
    (see `infer_year` for `nearest`). With `ahead`, a bare weekday ("on Friday") or a date without a year
    ("until June 30") is the next one, as in a statement about plans, rather than the last one."""
    mentions: list[DateMention] = []
    taken: list[range] = []

    def add(
        start: int, end: int, day: date | None, precision: str, year_given: bool, weekday_given: bool = False
    ) -> None:
        if day is None or any(start in span or end - 1 in span for span in taken):
            return
        taken.append(range(start, end))
        mentions.append(DateMention(day, precision, start, end, text[start:end], year_given, weekday_given))

    digits = _DIGIT.search(text) is not None
    for match in ISO.finditer(text) if digits else ():
        found = _safe_date(int(match["year"]), int(match["month"]), int(match["day"]))
        if found:
            add(match.start(), match.end(), found, "day", True)
    named = (MONTH_DAY, DAY_MONTH) if digits and _MONTH_NAME.search(text) else ()
    for pattern in named:
        for match in pattern.finditer(text):
            resolved = _from_match(match, reference, nearest, ahead)
            if resolved:
                add(match.start(), match.end(), resolved[0], "day", *resolved[1:])
    for match in MONTH_YEAR.finditer(text) if named else ():
        month = MONTHS[match["month"].lower().rstrip(".")]
        add(match.start(), match.end(), date(int(match["year"]), month, 1), "month", True)
    for start, end, day in _relative_days(text, reference, ahead) if _DAY_WORD.search(text) else ():
        add(start, end, day, "day", False)
    mentions.sort(key=lambda m: m.start)
    return mentions


def _relative_days(text: str, reference: date, ahead: bool) -> list[tuple[int, int, date | None]]:
    """(start, end, day) of each weekday ("on Friday") the text names, then of each named day ("yesterday")."""
    found = []
    for match in RELATIVE_WEEKDAY.finditer(text):
        target = WEEKDAYS[match["weekday"].lower()]
        if ahead and match["which"].lower() != "last":
            day = _shift(reference, (target - reference.weekday()) % 7)
        else:
            day = _shift(reference, -((reference.weekday() - target) % 7))
        found.append((match.start("weekday"), match.end(), day))
    for match in RELATIVE_DAY.finditer(text):
        word = match["word"].lower()
        if word == "yesterday":
            day = _shift(reference, -1)
        elif word == "today":
            day = reference
        elif _NEW_YEAR.match(word):
            day = date(reference.year, 1, 1)
        else:
            day = infer_year(12, 25, None, reference)
        found.append((match.start(), match.end(), day))
    return found


_ZERO_LED_YEAR = re.compile(r"(?<![\d:.+-])0\d{2,3}\b")
_DATE_LABEL = re.compile(r"^\s*(?:published|updated|posted|date)(?:\s+on)?\s*[:\s]\s*", re.I)


def date_line(line: str, reference: date) -> DateMention | None:
    """The date when a line holds nothing but one full date (a byline or "Published: ..." line)."""
    stripped = _DATE_LABEL.sub("", line).strip().rstrip(".")
    mentions = find_dates(stripped, reference)
    if len(mentions) == 1 and mentions[0].precision == "day" and len(stripped) - len(mentions[0].text) <= 3:
        return mentions[0]
    return None


def parse_date_string(value: str, reference: date | None = None) -> date | None:
    """A date from a metadata field: ISO date or timestamp, RFC 822, or a written date with a year.

    Ambiguous or partial values give None rather than a guess.
    """
    value = value.strip()
    if not value:
        return None
    iso = re.match(r"^((?:19|20)\d\d)-([01]\d)-([0-3]\d)(?:[T\s][\d:.]+(Z|[+-]\d\d:?\d\d)?)?$", value)
    if iso:
        if iso.group(4) and ("T" in value or " " in value):
            try:
                # the day on the publisher's calendar: 23:30 at UTC-5 is still that day, whatever UTC says
                return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
            except ValueError:
                pass
        return _safe_date(int(iso[1]), int(iso[2]), int(iso[3]))
    if re.match(r"^[A-Za-z]{3},?\s+\d", value):
        if _ZERO_LED_YEAR.search(value):  # email.utils would read year 0001 as 2001, a two-digit year
            return None
        try:
            return parsedate_to_datetime(value).date()
        except (TypeError, ValueError, IndexError, OverflowError):  # OverflowError: a zone offset of 20 digits
            pass
    for pattern in (MONTH_DAY, DAY_MONTH):
        match = pattern.search(value)
        if match and match["year"]:
            resolved = _from_match(match, reference or date.max)
            return resolved[0] if resolved else None
    return None

"""Metadata that wire articles carry in their first lines: a title, a dateline, an "Update:" stamp.

Reports copied from news databases and wire services open with lines such as
``04 Dec 2022; MEMO: Israel approves ...`` (date; outlet: headline), ``Update: 16 September 2022
12:42`` or ``LONDON, Dec 4, 2022 (Reuters) -``. Reading them at import saves typing the date and
outlet of every article by hand. Only what is written is taken: a date without a year is not
completed, a day-first numeric date such as ``04/12/2022`` is ambiguous and left alone, and the
stored text is never changed (these lines stay part of the article).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

# A title is the article's first line; only a "line" that is really a paragraph gets shortened
# (at a word boundary, marked with an ellipsis), so an ordinary headline is never cut.
TITLE_MAX = 300
HEAD_LINES = 6  # how many non-empty lines at the top may hold a dateline or an update stamp

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9,
    "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12,
    "december": 12,
}
_MONTH = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_TIME = (r"(?:(?:,\s*|\s+|\s*[-–—]\s*|\s+at\s+)(?P<hh>\d{1,2})[:.](?P<mm>\d{2})"
         r"(?:\s*(?:GMT|UTC|Z))?)?")
_DATE_PATTERNS = (
    re.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<y>\d{4})" + _TIME,
               re.IGNORECASE),
    re.compile(_MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})" + _TIME,
               re.IGNORECASE),
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T ](?P<hh>\d{2}):(?P<mm>\d{2})"
               r"(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"),
)
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
_UPDATE = re.compile(r"^(?:last\s+)?(?:update[ds]?|published|posted|first\s+published|"
                     r"modified)\s*(?:on|:)?\s*", re.IGNORECASE)
# an outlet is a short name, not a sentence: letters, digits, a few joiners, no end punctuation
_OUTLET = r"[^\W\d_][\w&'’.()/ -]{0,58}[\w).]"
_WIRE = re.compile(r"^[A-Z][A-Z .'’-]+(?:/[A-Z][A-Za-z .'’-]+)?(?:,\s+(?P<when>[^()]{3,40}?))?"
                   r"\s*\((?P<outlet>" + _OUTLET + r")\)\s*[-–—]")


@dataclass(frozen=True, slots=True)
class HeadMetadata:
    """What the first lines say; empty strings where they say nothing."""

    title: str = ""
    outlet: str = ""
    date: str = ""  # ISO 8601: YYYY-MM-DD, or YYYY-MM-DDTHH:MM when the line gives a time


def _valid(y: int, m: int, d: int, hh: str | None, mm: str | None) -> str:
    try:
        day = date(y, m, d)
    except ValueError:
        return ""
    if hh is None or mm is None:
        return day.isoformat()
    try:
        return datetime(y, m, d, int(hh), int(mm)).isoformat(timespec="minutes")
    except ValueError:
        return day.isoformat()


def _date_at(text: str, pos: int = 0, *, whole: bool = False) -> tuple[str, int]:
    """(ISO date, end of the match) for a date starting at ``pos``, or ("", pos)."""
    for pattern in _DATE_PATTERNS:
        found = pattern.fullmatch(text, pos) if whole else pattern.match(text, pos)
        if found is None:
            continue
        g = found.groupdict()
        month = int(g["m"]) if g.get("m") else _MONTHS[g["mon"].lower().rstrip(".")]
        iso = _valid(int(g["y"]), month, int(g["d"]), g.get("hh"), g.get("mm"))
        if iso:
            return iso, found.end()
    return "", pos


def parse_date(value: str) -> str:
    """A written date (``16 September 2022 12:42``, ``Dec. 4, 2022``, ``2022-12-04``) as ISO 8601,
    or "" when it is not one of the forms above (never a guess)."""
    value = value.strip()
    weekday = re.match(_WEEKDAY, value, re.IGNORECASE)
    start = weekday.end() if weekday else 0
    return _date_at(value, start, whole=True)[0]


def iso_date(value: str) -> str:
    """``value`` if it is already ISO 8601 (kept as written, offset included), else the written
    date in ISO form, else "" (not a date this module can read)."""
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ].*)?", value):
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return ""
        return value
    return parse_date(value)


def _dateline(line: str) -> tuple[str, str, str] | None:
    """``DATE; OUTLET: HEADLINE`` (or ``DATE; OUTLET``, ``DATE | OUTLET``): (date, outlet, rest)."""
    weekday = re.match(_WEEKDAY, line, re.IGNORECASE)
    iso, end = _date_at(line, weekday.end() if weekday else 0)
    if not iso:
        return None
    rest = line[end:].strip()
    if not rest:
        return iso, "", ""
    sep = re.match(r"[;|]\s*|[-–—]\s+", rest)
    if sep is None:
        return None
    # after a semicolon or a bar comes the outlet (news databases' form); after a dash, only
    # "OUTLET: headline" names one, since "4 Dec 2022 - Talks resume" is a date and a headline
    rest, semicolon = rest[sep.end():], sep.group().strip() in ";|"
    found = re.match(r"(?P<outlet>" + _OUTLET + r")\s*(?::\s*(?P<head>.*))?$", rest)
    if found is None or (found.group("head") is None and
                         (not semicolon or len(rest.split()) > 6)):
        return iso, "", rest  # a date, then a headline
    return iso, found.group("outlet").strip(), (found.group("head") or "").strip()


def _update_stamp(line: str) -> str:
    found = _UPDATE.match(line)
    return parse_date(line[found.end():]) if found and found.end() else ""


def _wire(line: str) -> tuple[str, str] | None:
    """``CITY, Dec 4, 2022 (Reuters) -``: (date or "" when no year is written, outlet)."""
    found = _WIRE.match(line)
    if found is None:
        return None
    return parse_date(found.group("when") or ""), found.group("outlet").strip()


def shorten_title(line: str) -> str:
    """The whole line, unless it is a paragraph: then cut at a word boundary, with an ellipsis."""
    line = " ".join(line.split())
    if len(line) <= TITLE_MAX:
        return line
    cut = line.rfind(" ", 0, TITLE_MAX)
    return line[:cut if cut > TITLE_MAX // 2 else TITLE_MAX].rstrip(" ,;:-–—") + "…"


def read_head(text: str) -> HeadMetadata:
    """Title, outlet and date from an article's first lines (see the module docstring)."""
    lines = [ln.strip().lstrip("#").strip() for ln in text.split("\n", 60)[:60]]
    lines = [ln for ln in lines if ln]
    title = outlet = when = ""
    for line in lines[:HEAD_LINES]:
        dateline = _dateline(line)
        if dateline is not None:
            found_date, found_outlet, head = dateline
            when = when or found_date
            outlet = outlet or found_outlet
            if head and not title:
                title = head
            continue
        stamp = _update_stamp(line)
        if stamp:
            when = when or stamp
            continue
        wire = _wire(line)
        if wire is not None:
            when = when or wire[0]
            outlet = outlet or wire[1]
        if not title:
            title = line
        if wire is not None:
            break  # the body has begun
    if not title and lines:
        title = lines[0]
    return HeadMetadata(title=shorten_title(title), outlet=outlet, date=when)

"""Dates as written ("on Saturday", "yesterday", "last week", "in 2014"), resolved against the publication date.

::

    publication_date("Sat, 17 May 2025 14:30:00 GMT")    -> date(2025, 5, 17)
    resolve("on Saturday", date(2025, 5, 18))             -> Resolved(date(2025, 5, 17), "day")
    resolve("since 2022", date(2025, 5, 18))              -> None   (a span of time, not a date)

The parsing is dateparser's (relative dates in many languages), with three rules of
news writing on top:

* a weekday names the last such day on or before the publication date: "on Saturday"
  in a paper of Saturday is that Saturday, not the one before. Weekdays are read in
  English and in the article's language, from dateparser's locale data ("samedi",
  "el sábado", "في يوم السبت", "у суботу"), so the rule is the same in every language
  dateparser knows; abbreviations ("sa", "сб") are not read, since in running text
  they are other words. A word for "last" in another language ("samedi dernier") is
  not read: it is the last such day on or before publication, like "samedi";
* the date is never after publication, unless the item speaks of the future
  ("will call Putin on Monday"), when it is the next such day;
* times of day are dropped ("Saturday morning" is a day), and week, month and year
  precision give the first day of the period.

Nothing is guessed: no publication date, or text that names no date ("overnight",
"later that day", "in recent weeks"), gives None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any, Literal

__all__ = ["Resolved", "publication_date", "resolve"]

Precision = Literal["day", "week", "month", "year"]


@dataclass(frozen=True)
class Resolved:
    """A resolved date: the day (first day of the period when coarser) and its precision."""

    day: date
    precision: Precision

    @property
    def iso(self) -> str:
        return self.day.isoformat()


def publication_date(published: str | None) -> date | None:
    """A publication date from RFC 822 ('Sat, 17 May 2025 14:30:00 GMT') or ISO 8601 text; None if unreadable."""
    if not published:
        return None
    text = published.strip()
    for parse in (datetime.fromisoformat, lambda t: datetime.fromisoformat(t[:10]), parsedate_to_datetime):
        try:
            return parse(text).date()
        except (ValueError, TypeError, IndexError):
            continue
    return None


# Words around a date that dateparser does not need ("early on Saturday", "Saturday morning").
_NOISE = re.compile(
    r"\b(?:on|in|at|during|early|earlier|late|later|the|of|hours|morning|afternoon|evening|night|overnight|"
    r"into|around|about|dawn|midday|noon|before|that)\b",
    re.IGNORECASE,
)
# Expressions that name a span of time or no date at all: never a point to resolve.
_NOT_A_DATE = re.compile(
    r"\b(?:since|until|till|between|recent|past few|coming|several|for (?:the )?\w+ (?:days|weeks|months))\b",
    re.IGNORECASE,
)
_RELATIVE = re.compile(r"\b(?:yesterday|today|tonight|last|ago|previous)\b", re.IGNORECASE)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_FUTURE = re.compile(
    r"\b(?:will|would|shall|plans? to|planned|is to|are to|is set to|are set to|is expected to|are expected to|"
    r"upcoming|scheduled|next (?:week|month|year))\b",
    re.IGNORECASE,
)


def speaks_of_future(text: str) -> bool:
    """True when ``text`` (an item's evidence) announces something ("will call", "is set to meet")."""
    return bool(_FUTURE.search(text))


def _cleaned(when: str) -> str:
    without = _NOISE.sub(" ", when.replace(",", " "))
    return " ".join(without.split())


#: Languages written without spaces between words: a weekday's name is found anywhere in the text.
_UNSPACED = frozenset({"zh", "ja", "th", "lo", "km", "my"})


@lru_cache(maxsize=64)
def _weekday_patterns(language: str | None) -> tuple[re.Pattern[str], ...]:
    """One pattern per weekday (Monday first) matching its names in English and in ``language``,
    from dateparser's locale data. Short abbreviations ("sa", "sam", "сб") are left out: in running
    text they are other words."""
    from dateparser.languages.loader import default_loader

    infos = [default_loader.get_locale("en").info]
    if language and language != "en":
        try:
            infos.append(default_loader.get_locale(language).info)
        except ValueError:  # a language dateparser does not know: English names only
            pass
    patterns = []
    for day in _WEEKDAYS:
        names: set[str] = set()
        for info in infos:
            forms = [str(n) for n in info.get(day, [])]
            longest = max((len(n) for n in forms), default=0)
            names |= {n.lower() for n in forms if len(n) >= max(3, 0.6 * longest)}
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        bounded = language not in _UNSPACED
        patterns.append(re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)" if bounded else f"(?:{alternatives})", re.IGNORECASE))
    return tuple(patterns)


def _weekday(when: str, language: str | None = None) -> int | None:
    """The weekday ``when`` names (0 Monday … 6 Sunday), in English or in ``language``; None for none or two."""
    found = {i for i, pattern in enumerate(_weekday_patterns(language)) if pattern.search(when)}
    return found.pop() if len(found) == 1 else None


@lru_cache(maxsize=64)
def _based_parser(language: str | None, base: datetime, prefer: str) -> Any:
    """dateparser's parser for ``language`` (any it detects, for one it does not know) with ``base`` as "now"
    (relative dates count back from it), giving each date's period too. Kept for the next text of that
    language and publication date; one call per text gives both the date and its period (about half
    the time of asking for each)."""
    from dateparser.date import DateDataParser

    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": prefer, "RETURN_TIME_AS_PERIOD": True}
    try:
        return DateDataParser(languages=[language] if language else None, settings=settings)
    except ValueError:  # a language dateparser does not know: let it detect one
        return DateDataParser(settings=settings)


@lru_cache(maxsize=4096)
def resolve(when: str | None, published: date | None, language: str | None = None, future: bool = False) -> Resolved | None:
    """``when`` as a date, read against ``published``; None when either is missing or nothing names a date.

    >>> resolve("on Saturday", date(2025, 5, 18))
    Resolved(day=datetime.date(2025, 5, 17), precision='day')
    >>> resolve("on Saturday", date(2025, 5, 17))  # a Saturday paper: that Saturday
    Resolved(day=datetime.date(2025, 5, 17), precision='day')
    >>> resolve("in 2014", date(2025, 5, 18))
    Resolved(day=datetime.date(2014, 1, 1), precision='year')
    >>> resolve("overnight", date(2025, 5, 18)) is None
    True
    """
    if not when or published is None or _NOT_A_DATE.search(when):
        return None
    weekday = _weekday(when, language)
    if weekday is not None and not _RELATIVE.search(when):
        back = (published.weekday() - weekday) % 7
        if future:
            ahead = (weekday - published.weekday()) % 7
            return Resolved(published + timedelta(days=ahead), "day")
        return Resolved(published - timedelta(days=back), "day")
    text = _cleaned(when)
    if not text or re.fullmatch(r"(?:(?:same|one|a|day|days|week|weeks|month|months|year|years)\s*)+", text, re.I):
        return None
    base = datetime(published.year, published.month, published.day, 12)
    prefer = "future" if future else "past"
    try:
        data = _based_parser(language, base, prefer).get_date_data(text)
        if data is None or data.date_obj is None:
            return None
        found = data.date_obj
    except (ValueError, OverflowError, TypeError, AttributeError):  # text dateparser cannot read: no date
        return None
    if found is None:
        return None
    day = found.date()
    period = data.period
    if period == "year" or (re.fullmatch(r"\d{4}", text) is not None):
        return Resolved(date(day.year, 1, 1), "year")
    if period == "month":
        return Resolved(date(day.year, day.month, 1), "month")
    if period == "week":
        return Resolved(day - timedelta(days=day.weekday()), "week")
    if not future and day > published and not re.search(r"\b(?:1[89]|2\d)\d\d\b", when):
        # a past event dated after its own report: the text was misread. A date written with its
        # year is not misread: the page's publication date is older than the page (an updated page).
        return None
    return Resolved(day, "day")

"""Dates are read with one dateparser call per text: the same answers as the two calls it replaces
(a check that the text names a date, with its period, then ``dateparser.parse`` against the
publication date)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from summarizer.events import dates

EXPRESSIONS = [
    "on May 17", "17 May 2025", "May 17, 2025", "in March", "2014", "in 2014", "yesterday", "today",
    "two days ago", "last month", "early June", "mid-2023", "this week", "last week", "earlier this month",
    "Feb 29", "29 February", "on 3 January", "next week", "in late 2022", "on 24 February 2022", "three weeks ago",
    "last year", "June 2024", "December", "a week ago", "10 days ago", "in January 2023", "on 1 April", "this morning",
    "2 March", "15/03/2024", "2024-03-15", "March 15th", "overnight",
]
OTHER_LANGUAGES = [("le 17 mai", "fr"), ("hier", "fr"), ("la semaine dernière", "fr"), ("ayer", "es"),
                   ("el 3 de marzo", "es"), ("gestern", "de"), ("am 17. Mai", "de"), ("вчера", "ru"),
                   ("3 марта 2024", "ru"), ("вчора", "uk"), ("17 May", "xx")]
PUBLISHED = [date(2025, 5, 18), date(2024, 2, 29), date(2026, 1, 1)]


def _two_calls(when: str, published: date, language: str | None, future: bool) -> tuple[date, str] | None:
    """What resolve read before, for a text that reaches dateparser: the straightforward definition."""
    import dateparser
    from dateparser.date import DateDataParser

    text = dates._cleaned(when)
    languages = [language] if language else None
    settings = {"RELATIVE_BASE": datetime(published.year, published.month, published.day, 12),
                "PREFER_DATES_FROM": "future" if future else "past"}
    try:
        data = DateDataParser(languages=languages, settings={"RETURN_TIME_AS_PERIOD": True}).get_date_data(text)
        if data is None or data.date_obj is None:
            return None
        found = dateparser.parse(text, languages=languages, settings=settings)
    except ValueError:  # a language dateparser does not know
        return None
    if found is None:
        return None
    day = found.date()
    if data.period == "year" or re.fullmatch(r"\d{4}", text):
        return date(day.year, 1, 1), "year"
    if data.period == "month":
        return date(day.year, day.month, 1), "month"
    if data.period == "week":
        return day - timedelta(days=day.weekday()), "week"
    if not future and day > published and not re.search(r"\b(?:1[89]|2\d)\d\d\b", when):
        return None  # a past event dated after its own report: misread
    return day, "day"


@pytest.mark.parametrize(("when", "language"), [(w, None) for w in EXPRESSIONS] + OTHER_LANGUAGES)
def test_one_call_reads_what_the_two_calls_read(when: str, language: str | None) -> None:
    for published in PUBLISHED:
        for future in (False, True):
            got = dates.resolve.__wrapped__(when, published, language, future)
            assert (got and (got.day, got.precision)) == _two_calls(when, published, language, future)

"""The analyst fields of an item (:mod:`summarizer.events`) as short plain-text parts, shared by
every format: the resolved date with its precision, the place in the gazetteer (admin-1 region,
country, coordinates with their precision) and who says so (the attribution and the kind of claim).

A field that is null is left out, never guessed; an item with none of them has no parts.

>>> from summarizer.schema import Attack, Span
>>> a = Attack(evidence=[Span(text="x", start=0, end=1)], region="Sumy region", date="2025-05-17",
...            date_precision="day", admin1="Sumska oblast", country="Ukraine", latitude=50.91741,
...            longitude=34.79906, geo_precision="region",
...            attribution=Span(text="According to officials", start=9, end=31), claim="reported")
>>> analyst_parts(a)
['2025-05-17 (day)', 'Sumska oblast, Ukraine', '50.9174, 34.7991 (region only)', 'reported: “According to officials”']
>>> analyst_parts(Attack(evidence=[Span(text="x", start=0, end=1)], region="Sumy region"))
[]
"""

from __future__ import annotations

from typing import Any

__all__ = ["analyst_parts", "coordinates", "gazetteer_place", "resolved_date", "source"]

#: How the coordinates relate to the place (``geo_precision``), in words.
GEO_PRECISION_WORDS = {
    "town": "town",
    "near": "near the town",
    "region": "region only",
    "country": "country only",
}


def resolved_date(item: Any, *, inline: bool = False) -> str | None:
    """``2025-05-17 (day)``, ``week of 2025-05-12``, ``2025-05 (month)``, ``2014 (year)``; None when unresolved.

    Coarser dates are cut to their period, so the first day of a month is never read as the day.
    ``inline`` is for text already in brackets: ``2025-05-17, day``.
    """
    text = _resolved_date(item)
    if text and inline and text.endswith(")"):
        head, _, precision = text[:-1].rpartition(" (")
        return f"{head}, {precision}"
    return text


def _resolved_date(item: Any) -> str | None:
    iso: str | None = getattr(item, "date", None)
    precision: str | None = getattr(item, "date_precision", None)
    if not iso:
        return None
    if precision == "week":
        return f"week of {iso}"
    if precision == "month":
        return f"{iso[:7]} (month)"
    if precision == "year":
        return f"{iso[:4]} (year)"
    return f"{iso} ({precision})" if precision else iso


def gazetteer_place(item: Any) -> str | None:
    """``Sumska oblast, Ukraine``: the admin-1 region and the country that are known; None if neither."""
    parts = [p for p in (getattr(item, "admin1", None), getattr(item, "country", None)) if p]
    return ", ".join(parts) or None


def coordinates(item: Any) -> str | None:
    """``50.9174, 34.7991 (town)``: latitude, longitude and what they stand for; None without both."""
    lat, lon = getattr(item, "latitude", None), getattr(item, "longitude", None)
    if lat is None or lon is None:
        return None
    text = f"{lat:.4f}, {lon:.4f}"
    precision = getattr(item, "geo_precision", None)
    return f"{text} ({GEO_PRECISION_WORDS.get(precision, precision)})" if precision else text


def source(item: Any) -> str | None:
    """``claimed: “Russian forces said”``: the kind of claim and the attribution's words; None without
    an attribution."""
    span = getattr(item, "attribution", None)
    if span is None:
        return None
    words = f"“{' '.join(span.text.split())}”"
    claim = getattr(item, "claim", None)
    return f"{claim}: {words}" if claim else f"source: {words}"


def analyst_parts(item: Any) -> list[str]:
    """The item's known analyst fields in reading order: date, region and country, coordinates, source."""
    return [p for p in (resolved_date(item), gazetteer_place(item), coordinates(item), source(item)) if p]

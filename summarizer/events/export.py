"""Event tables for analysts: ACLED-shaped CSV and GeoJSON, one row per incident across every report.

::

    builder = EventsBuilder()
    for summary in summaries: builder.add(summary)
    builder.rows()                       -> list of dicts, columns COLUMNS
    write_events(summaries, "events.csv" | "events.geojson")

Columns follow ACLED's (event_date, time_precision, event_type, sub_event_type, actor1, actor2,
country, admin1, location, latitude, longitude, geo_precision, source, notes, fatalities), with
ACLED's codes for the precisions (time: 1 day, 2 week, 3 month or coarser; geo: 1 the town,
2 near it, 3 the region). Then this project's own: the low and high figures across reports,
``disputed``, the attribution and its claim, and for every report its article id and the
offsets of its evidence, so each row can be checked against the articles.

Attacks are merged into incidents, and territorial changes (strategic developments) into one
event per change, with every report (:mod:`summarizer.events.incidents`).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from summarizer.events import enrich
from summarizer.events.dates import publication_date
from summarizer.events.incidents import ClaimEvent, ClaimIndex, Incident, IncidentIndex
from summarizer.schema import Summary

__all__ = ["COLUMNS", "EventsBuilder", "EVENT_SUFFIXES", "to_csv", "to_dataframe", "to_geojson", "write_events"]

EVENT_SUFFIXES = (".csv", ".geojson", ".json")

COLUMNS = [
    "event_id", "event_date", "time_precision", "event_type", "sub_event_type", "actor1", "actor2",
    "country", "country_code", "admin1", "admin1_code", "location", "latitude", "longitude", "geo_precision",
    "source", "notes", "fatalities",
    # this project's own
    "fatalities_low", "fatalities_high", "injured_low", "injured_high", "disputed", "weapons", "date_as_written",
    "claim", "attribution", "article_ids", "evidence", "evidence_offsets", "attribution_offsets",
]

_TIME_CODES = {"day": 1, "week": 2, "month": 3, "year": 3}
_GEO_CODES = {"town": 1, "near": 2, "region": 3}


def _outlet(summary: Summary) -> str:
    a = summary.article
    host = urlparse(a.url).hostname if a.url else None
    return host or a.key


def _join(values: Iterable[Any]) -> str:
    return "; ".join(dict.fromkeys(str(v) for v in values if v not in (None, "")))


class EventsBuilder:
    """Builds the event rows one summary at a time (summaries of the same text count once)."""

    def __init__(self) -> None:
        self._incidents: IncidentIndex[Summary] = IncidentIndex()
        self._territory: ClaimIndex[Summary] = ClaimIndex()
        self._seen: set[str] = set()

    def add(self, summary: Summary) -> None:
        if summary.meta.content_hash in self._seen:
            return
        self._seen.add(summary.meta.content_hash)
        summary = enrich(summary)
        published = publication_date(summary.article.published)
        for attack in summary.attacks:
            self._incidents.add(attack, summary, article=summary.meta.content_hash, published=published)
        for t in summary.territory:
            self._territory.add(t, summary, article=summary.meta.content_hash, published=published)

    def rows(self) -> list[dict[str, Any]]:
        rows = [_attack_row(i) for i in self._incidents.incidents]
        rows += [_territory_row(e) for e in self._territory.events]
        rows.sort(key=lambda r: (r["event_date"] is None, r["event_date"] or ""))
        for n, row in enumerate(rows, 1):
            row["event_id"] = f"E{n}"
        return rows


def _attack_row(incident: Incident[Summary]) -> dict[str, Any]:
    where = incident.location
    first = incident.first
    killed, injured = incident.killed_range, incident.injured_range
    attributed = next((a for a in incident.attacks if a.attribution is not None), None)
    reports = list(zip(incident.sources, incident.attacks))
    weapons = ", ".join(w.replace("_", " ") for w in incident.weapons)
    place = where.place or where.region or where.admin1 or where.country
    notes = " ".join(x for x in [
        f"{incident.when}:" if incident.when else "",
        f"{first.perpetrator}" if first.perpetrator else "",
        f"{weapons} attack" if weapons else "attack",
        f"on {first.target}" if first.target else "",
        f"in {place}" if place else "",
        f"({len(reports)} reports{', figures disputed' if incident.disputed else ''})." if len(reports) > 1 else ".",
    ] if x)
    return {
        "event_id": None,
        "event_date": incident.date,
        "time_precision": _TIME_CODES.get(incident.date_precision or ""),
        "event_type": first.event_type,
        "sub_event_type": first.sub_event_type,
        "actor1": next((a.perpetrator for a in incident.attacks if a.perpetrator), None),
        "actor2": "Civilians" if any(a.civilians for a in incident.attacks) else None,
        "country": where.country,
        "country_code": where.country_code,
        "admin1": where.admin1,
        "admin1_code": where.admin1_code,
        "location": where.place or where.region,
        "latitude": where.latitude,
        "longitude": where.longitude,
        "geo_precision": _GEO_CODES.get(where.geo_precision or ""),
        "source": _join(_outlet(s) for s, _ in reports),
        "notes": notes.replace(" .", ".").replace(" (", " ("),
        "fatalities": incident.killed if incident.killed is not None else 0,
        "fatalities_low": killed[0] if killed else None,
        "fatalities_high": killed[1] if killed else None,
        "injured_low": injured[0] if injured else None,
        "injured_high": injured[1] if injured else None,
        "disputed": incident.disputed,
        "weapons": _join(incident.weapons),
        "date_as_written": incident.when,
        "claim": attributed.claim if attributed else None,
        "attribution": _join(a.attribution.text for a in incident.attacks if a.attribution),
        "article_ids": _join(s.article.key for s, _ in reports),
        "evidence": " … ".join(e.text for _, a in reports for e in a.evidence),
        "evidence_offsets": {s.article.key: [[e.start, e.end] for e in a.evidence] for s, a in reports},
        "attribution_offsets": {
            s.article.key: [a.attribution.start, a.attribution.end] for s, a in reports if a.attribution
        },
    }


def _territory_row(event: ClaimEvent[Summary]) -> dict[str, Any]:
    where, first = event.location, event.first
    reports = list(zip(event.sources, event.items))
    many = f" ({len(reports)} reports)" if len(reports) > 1 else ""
    return {
        "event_id": None,
        "event_date": event.date,
        "time_precision": _TIME_CODES.get(event.date_precision or ""),
        "event_type": "Strategic developments",
        "sub_event_type": "Other",
        "actor1": first.claimant,
        "actor2": None,
        "country": where.country, "country_code": where.country_code,
        "admin1": where.admin1, "admin1_code": where.admin1_code,
        "location": first.place, "latitude": where.latitude, "longitude": where.longitude,
        "geo_precision": _GEO_CODES.get(where.geo_precision or ""),
        "source": _join(_outlet(s) for s, _ in reports),
        "notes": f"{first.claimant}: {first.status.replace('_', ' ')} {first.place}"
        + (f" ({event.when})" if event.when else "") + f"{many}.",
        "fatalities": 0,
        "fatalities_low": None, "fatalities_high": None, "injured_low": None, "injured_high": None,
        "disputed": False, "weapons": "", "date_as_written": event.when,
        "claim": _join(event.claims) or None,
        "attribution": _join(t.attribution.text for t in event.items if t.attribution) or None,
        "article_ids": _join(s.article.key for s, _ in reports),
        "evidence": " … ".join(e.text for _, t in reports for e in t.evidence),
        "evidence_offsets": {s.article.key: [[e.start, e.end] for e in t.evidence] for s, t in reports},
        "attribution_offsets": {
            s.article.key: [t.attribution.start, t.attribution.end] for s, t in reports if t.attribution
        },
    }


def _build(summaries: Iterable[Summary] | EventsBuilder) -> list[dict[str, Any]]:
    if isinstance(summaries, EventsBuilder):
        return summaries.rows()
    builder = EventsBuilder()
    for s in summaries:
        builder.add(s)
    return builder.rows()


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def to_csv(summaries: Iterable[Summary] | EventsBuilder) -> str:
    """The events as CSV (columns :data:`COLUMNS`; offsets as JSON objects keyed by article id)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in _build(summaries):
        writer.writerow({k: _cell(row[k]) for k in COLUMNS})
    return out.getvalue()


def to_geojson(summaries: Iterable[Summary] | EventsBuilder) -> dict[str, Any]:
    """The events as a GeoJSON FeatureCollection; an event without coordinates has a null geometry."""
    features = []
    for row in _build(summaries):
        point = (
            {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]}
            if row["latitude"] is not None and row["longitude"] is not None else None
        )
        features.append({"type": "Feature", "id": row["event_id"], "geometry": point, "properties": row})
    return {"type": "FeatureCollection", "features": features}


def to_dataframe(summaries: Iterable[Summary] | EventsBuilder) -> Any:
    """The events as a pandas DataFrame (columns :data:`COLUMNS`; nullable integer and float dtypes)."""
    from summarizer.tables import _pandas

    pd = _pandas()
    df = pd.DataFrame(_build(summaries), columns=COLUMNS)
    for col in ("time_precision", "geo_precision", "fatalities", "fatalities_low", "fatalities_high",
                "injured_low", "injured_high"):
        df[col] = df[col].astype("Int64")
    for col in ("latitude", "longitude"):
        df[col] = df[col].astype("Float64")
    df["disputed"] = df["disputed"].astype("boolean")
    return df


def write_events(summaries: Iterable[Summary] | EventsBuilder, path: str | os.PathLike[str]) -> str:
    """Write the events to ``path``: GeoJSON for .geojson/.json, else CSV. Returns the format written."""
    target = Path(path)
    if target.suffix.lower() in (".geojson", ".json"):
        text = json.dumps(to_geojson(summaries), ensure_ascii=False, indent=1) + "\n"
        fmt = "geojson"
    else:
        text, fmt = to_csv(summaries), "csv"
    from summarizer.atomic import write_text_atomic

    write_text_atomic(target, text)  # whole or not at all, like the digest
    return fmt

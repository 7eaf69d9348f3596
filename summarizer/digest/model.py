"""The digest's rows: sources, attack events, diplomacy, territory and sanctions entries, the Digest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from summarizer._markup import (
    clip,
    where,
)
from summarizer.events.incidents import ClaimEvent, Incident
from summarizer.schema import Attack

MAX_DAYS_APART = 3
"""Articles published further apart than this never report the same event."""
MAX_LINKS = 12
"""Sources linked on one row; the rest are counted (all are in the list of sources)."""
SHOWN_FAILURES = 50
"""Failed inputs listed by name in a digest; the rest are counted."""


# ---------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class Source:
    """One article the digest cites; ``n`` is its number in the list of sources."""

    n: int
    id: str
    title: str | None = None
    url: str | None = None
    published: str | None = None
    day: date | None = None

    @property
    def label(self) -> str:
        return clip(self.title or self.id, 60)


@dataclass
class AttackEvent:
    """One attack incident, as reported by one or more articles (ACLED's rule: ``killed`` shows low–high)."""

    when: str | None
    place: str
    weapons: list[str]
    killed: tuple[int, int] | None
    injured: tuple[int, int] | None
    sources: list[Source]
    attacks: list[Attack] = field(default_factory=list, repr=False)
    date: str | None = None
    """The resolved date (ISO 8601), when any report's could be resolved."""
    country: str | None = None
    admin1: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    @property
    def disputed(self) -> bool:
        """True when the reports give different figures."""
        return any(r is not None and r[0] != r[1] for r in (self.killed, self.injured))

    @classmethod
    def from_incident(cls, incident: Incident[Source]) -> AttackEvent:
        where_known = incident.location
        first_place = next((a for a in incident.attacks if a.place), incident.first)
        return cls(
            when=incident.when, place=where(first_place), weapons=incident.weapons,
            killed=incident.killed_range, injured=incident.injured_range, sources=incident.sources,
            attacks=incident.attacks, date=incident.date, country=where_known.country, admin1=where_known.admin1,
            latitude=where_known.latitude, longitude=where_known.longitude,
        )


class _Cites:
    """The numbers and publication days of a row's ``sources``, kept beside the list, so whether a source is
    cited already, or close in time, is known without reading every source (rows can gather thousands)."""

    sources: list[Source]

    def _known(self) -> tuple[set[int], set[int]]:
        """(the sources' numbers, their publication days as ordinals)."""
        cache = self.__dict__.get("_cited")
        if cache is None or cache[0] != len(self.sources):  # built lazily; rebuilt if the list changed
            cache = (len(self.sources), {s.n for s in self.sources}, {s.day.toordinal() for s in self.sources if s.day})
            self.__dict__["_cited"] = cache
        return cache[1], cache[2]

    def cites(self, source: Source) -> bool:
        return source.n in self._known()[0]

    def close_in_time(self, source: Source) -> bool:
        """Published within ``MAX_DAYS_APART`` days of one of the sources; unknown days are close to anything."""
        days = self._known()[1]
        if source.day is None or not days:
            return True
        day = source.day.toordinal()
        return any(day + k in days for k in range(-MAX_DAYS_APART, MAX_DAYS_APART + 1))

    def cite(self, source: Source) -> None:
        ns, days = self._known()
        self.sources.append(source)
        ns.add(source.n)
        if source.day:
            days.add(source.day.toordinal())
        self.__dict__["_cited"] = (len(self.sources), ns, days)


@dataclass
class DiplomacyEntry(_Cites):
    kind: str
    actors: list[str]
    what: str
    when: str | None
    day: date | None
    sources: list[Source]


@dataclass
class TerritoryEntry(_Cites):
    place: str
    region: str | None
    claimant: str
    status: str
    when: str | None
    sources: list[Source]
    date: str | None = None
    """The resolved date (ISO 8601), when any report's could be resolved."""

    @classmethod
    def from_event(cls, event: ClaimEvent[Source]) -> TerritoryEntry:
        first = event.first
        region = next((t.region for t in event.items if t.region), None)
        return cls(first.place, region, first.claimant, first.status, event.when, list(event.sources), event.date)


@dataclass
class SanctionEntry(_Cites):
    actors: list[str]
    target: str
    status: str
    what: str
    sources: list[Source]


@dataclass
class Digest:
    sources: list[Source]
    attacks: list[AttackEvent]
    diplomacy: list[DiplomacyEntry]
    territory: list[TerritoryEntry]
    sanctions: list[SanctionEntry]
    failures: list[tuple[str, str | None, str]] = field(default_factory=list)
    """(id, url, error) of the inputs that have no summary."""
    off_topic: int = 0
    """Articles left out because they are not about armed conflict (``Summary.off_topic``)."""

    @property
    def period(self) -> tuple[date, date] | None:
        """The first and last publication dates of the sources, when any is known."""
        return period_of(self.sources)


def period_of(sources: Iterable[Source]) -> tuple[date, date] | None:
    days = [s.day for s in sources if s.day is not None]
    return (min(days), max(days)) if days else None

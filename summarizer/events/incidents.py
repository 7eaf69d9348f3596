"""One incident, many reports: attacks from different articles that are the same event.

Two attacks reported by *different* articles are one incident when

* they happened on the same resolved date, within a day (``date``, day precision); when
  neither is resolved, their dates as written name the same day ("Saturday" and "on
  Saturday morning") and the articles appeared within three days of each other;
* at the same place: the same town (names agree, and their regions when both are known),
  or a town and its region (one report names only the region), or the same region; and
* with compatible weapons (either unknown, a weapon in common, or kin: missile/rocket/air
  strike/glide bomb; shelling/artillery/rocket).

Following ACLED's rule, the incident's ``killed`` is the lowest figure its reports give;
``killed_range`` and ``injured_range`` show the lowest and highest, and an incident whose
reports differ is ``disputed``. Every report is kept with its figures, evidence and attribution.

Near-linear: incidents are indexed by (day, place word), so a new report is compared only with
the incidents of its day and the days either side that share a word of its place.

Territorial changes merge the same way (:class:`ClaimIndex`), but more strictly, since a town and
its region are different claims: two reports from different articles are one :class:`ClaimEvent`
when they name the same place (the same words, and no other admin-1 region or country), the same
kind of change (``status``), the same side as claimant ("Russian forces", "Russia", "Moscow"), and
the same time: resolved dates within a day (coarser ones equal), or, with none, the same day as
written, or, when neither says when, publication dates within a day of each other.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Generic, TypeVar

from summarizer.events.gazetteer import norm
from summarizer.schema import Attack, Territory

__all__ = [
    "ClaimEvent",
    "ClaimIndex",
    "Incident",
    "IncidentIndex",
    "Report",
    "same_claimant",
    "same_place",
    "weapons_compatible",
]

Day = date  # (``Incident.date`` is a property: annotations inside the class use this name)

S = TypeVar("S")

MAX_DAYS_APART = 3
"""Undated reports published further apart than this never report the same incident."""
_COMPARED = 8
"""A new report is compared with an incident's first reports only, at most this many."""

_KIN = (frozenset({"missile", "rocket", "air_strike", "glide_bomb"}), frozenset({"shelling", "artillery", "rocket"}))
_GENERIC = frozenset({
    "region", "regions", "oblast", "province", "district", "area", "city", "town", "village", "settlement", "the",
    "of", "in", "near", "outskirts", "regional", "capital", "centre", "center", "community", "governorate",
    "eastern", "western", "northern", "southern", "central",
})
_WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})
_MONTHS = frozenset({
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
})


@lru_cache(maxsize=8192)
def _words(text: str | None) -> frozenset[str]:
    if not text:
        return frozenset()
    return frozenset(w for w in norm(re.sub(r"['’]s\b", "", text)).split() if w not in _GENERIC)


def _nested(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a) and bool(b) and (a <= b or b <= a)


def weapons_compatible(a: Iterable[str], b: Iterable[str]) -> bool:
    """Either unknown, a weapon in common, or kin (missile and rocket; shelling and artillery)."""
    sa, sb = set(a), set(b)
    if not sa or not sb or sa & sb:
        return True
    return any(sa <= kin and sb <= kin for kin in _KIN)


def _region_words(attack: Attack) -> frozenset[str]:
    return _words(attack.region)


def same_place(a: Attack, b: Attack) -> bool:
    """The same town (and region, when both give one), a town and its region, or the same region."""
    pa, pb = _words(a.place), _words(b.place)
    admin_a, admin_b = a.admin1_code, b.admin1_code
    if admin_a and admin_b and admin_a != admin_b:
        return False
    if a.country_code and b.country_code and a.country_code != b.country_code:
        return False
    if pa and pb:  # two towns: the same name, and the same region when both name one
        ra, rb = _region_words(a), _region_words(b)
        same_region = not ra or not rb or _nested(ra, rb) or (admin_a is not None and admin_a == admin_b)
        return _nested(pa, pb) and same_region
    if pa or pb:  # one names a town, the other only a region: the region must be the town's
        if admin_a and admin_b:
            return admin_a == admin_b
        (town, town_region), region = ((pa, _region_words(a)), _region_words(b)) if pa else ((pb, _region_words(b)), _region_words(a))
        return _nested(region, town_region) or _nested(region, town)
    if admin_a and admin_b:
        return True  # checked equal above
    return _nested(_region_words(a), _region_words(b))


@lru_cache(maxsize=4096)
def _written_day(when: str | None) -> frozenset[str]:
    """The words of a date as written that name a day: weekdays, months and numbers."""
    words = frozenset(norm(when).split()) if when else frozenset()
    return frozenset(w for w in words if w in _WEEKDAYS or w in _MONTHS or w.isdigit())


def _day(item: Attack | Territory) -> date | None:
    if item.date and item.date_precision == "day":
        return _iso_day(item.date)
    return None


@lru_cache(maxsize=4096)
def _iso_day(text: str) -> date:
    return date.fromisoformat(text)


@dataclass
class Report(Generic[S]):
    """One article's report of an incident: its source (whatever the caller uses) and its attack."""

    source: S
    attack: Attack
    published: date | None = None


@dataclass
class Incident(Generic[S]):
    """One attack as reported by one or more articles."""

    reports: list[Report[S]] = field(default_factory=list)
    _articles: set[Hashable] = field(default_factory=set, repr=False)
    _weapons: list[str] = field(default_factory=list, repr=False)
    # The place words of the reports compared (the first 8), and whether one of them names no town.
    _place_words: set[str] = field(default_factory=set, repr=False)
    _placeless: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        for report in self.reports[:_COMPARED]:  # reports given to the constructor
            self._note_place(report)

    def _note_place(self, report: Report[S]) -> None:
        town = _words(report.attack.place)
        self._place_words |= town
        self._placeless = self._placeless or not town

    @property
    def attacks(self) -> list[Attack]:
        return [r.attack for r in self.reports]

    @property
    def sources(self) -> list[S]:
        return [r.source for r in self.reports]

    @property
    def first(self) -> Attack:
        return self.reports[0].attack

    def _best(self, *names: str) -> Attack:
        """The report that knows the most of ``names`` (the first report on a tie)."""
        return max(self.attacks, key=lambda a: sum(getattr(a, n) is not None for n in names))

    @property
    def date(self) -> str | None:
        days = sorted(a.date for a in self.attacks if a.date and a.date_precision == "day")
        return days[0] if days else next((a.date for a in self.attacks if a.date), None)

    @property
    def date_precision(self) -> str | None:
        best = next((a for a in self.attacks if a.date == self.date), None)
        return best.date_precision if best else None

    @property
    def when(self) -> str | None:
        return next((a.when for a in self.attacks if a.when), None)

    @property
    def location(self) -> Attack:
        """The report whose place is known best: a town with coordinates over a region."""
        rank = {"town": 0, "near": 1, "region": 2, "country": 3, None: 4}
        return min(self.attacks, key=lambda a: (rank[a.geo_precision], a.place is None))

    @property
    def weapons(self) -> list[str]:
        """Every weapon any report names, in the order first named."""
        return list(self._weapons)

    @property
    def killed_range(self) -> tuple[int, int] | None:
        return _range(a.killed for a in self.attacks)

    @property
    def injured_range(self) -> tuple[int, int] | None:
        return _range(a.injured for a in self.attacks)

    @property
    def killed(self) -> int | None:
        """ACLED's rule: the lowest figure any report gives."""
        r = self.killed_range
        return r[0] if r else None

    @property
    def injured(self) -> int | None:
        r = self.injured_range
        return r[0] if r else None

    @property
    def disputed(self) -> bool:
        """True when the reports give different figures."""
        return any(r is not None and r[0] != r[1] for r in (self.killed_range, self.injured_range))

    def accepts(self, attack: Attack, article: Hashable, published: Day | None) -> bool:
        if article in self._articles:
            return False  # one article's separate items are separate attacks
        town = _words(attack.place)
        if town and not self._placeless and not town & self._place_words:
            return False  # same_place needs a town word in common with a report that names a town
        if not all(_same_time(r.attack, r.published, attack, published) for r in self.reports[:_COMPARED]):
            return False
        if not any(same_place(r.attack, attack) for r in self.reports[:_COMPARED]):
            return False
        return weapons_compatible(self._weapons, attack.weapons)

    def take(self, report: Report[S], article: Hashable) -> None:
        self.reports.append(report)
        if len(self.reports) <= _COMPARED:
            self._note_place(report)
        self._articles.add(article)
        self._weapons += [w for w in report.attack.weapons if w not in self._weapons]


def _range(values: Iterable[int | None]) -> tuple[int, int] | None:
    known = [v for v in values if v is not None]
    return (min(known), max(known)) if known else None


def _same_time(a: Attack, pub_a: date | None, b: Attack, pub_b: date | None) -> bool:
    da, db = _day(a), _day(b)
    if da and db:
        return abs((da - db).days) <= 1
    if pub_a and pub_b and abs((pub_a - pub_b).days) > MAX_DAYS_APART:
        return False
    wa, wb = _written_day(a.when), _written_day(b.when)
    if da or db:  # one resolved, the other not: the written dates must agree
        return bool(wa and wb and wa == wb)
    return bool(wa) and wa == wb


class IncidentIndex(Generic[S]):
    """Incidents in the order first reported, found through (day, place word) buckets."""

    def __init__(self) -> None:
        self.incidents: list[Incident[S]] = []
        self._buckets: dict[tuple[object, str], list[Incident[S]]] = {}

    @staticmethod
    def _keys(attack: Attack) -> set[str]:
        keys = set(_words(attack.place)) | set(_words(attack.region))
        if attack.admin1_code:
            keys.add(attack.admin1_code)
        return keys

    @staticmethod
    def _times(attack: Attack, around: bool) -> list[object]:
        day = _day(attack)
        if day is not None:
            return [day + timedelta(days=d) for d in ((-1, 0, 1) if around else (0,))]
        written = _written_day(attack.when)
        return [("written", written)] if written else []

    def add(self, attack: Attack, source: S, *, article: Hashable, published: date | None = None) -> Incident[S]:
        """File one report; returns the incident it joined or started."""
        keys = self._keys(attack)
        # A resolved report is also looked for among undated ones with the same written day, and back.
        lookups = self._times(attack, True) + ([("written", _written_day(attack.when))] if _day(attack) else [])
        seen: set[int] = set()
        for when in lookups:
            for key in keys:
                for incident in self._buckets.get((when, key), ()):
                    if id(incident) in seen:
                        continue
                    seen.add(id(incident))
                    if incident.accepts(attack, article, published):
                        incident.take(Report(source, attack, published), article)
                        self._file(incident, attack, keys)
                        return incident
        created: Incident[S] = Incident()
        created.take(Report(source, attack, published), article)
        self.incidents.append(created)
        self._file(created, attack, keys)
        return created

    def _file(self, incident: Incident[S], attack: Attack, keys: set[str]) -> None:
        times = self._times(attack, False)
        if _day(attack) and _written_day(attack.when):
            times.append(("written", _written_day(attack.when)))
        for when in times:
            for key in keys:
                bucket = self._buckets.setdefault((when, key), [])
                if all(x is not incident for x in bucket[-4:]):
                    bucket.append(incident)


# ---------------------------------------------------------------------------
# Territorial changes

_PARTY_WORDS = frozenset({
    "forces", "troops", "army", "military", "government", "officials", "authorities", "ministry", "defence",
    "defense", "units", "armed", "the", "of", "s", "general", "staff", "command",
})
_CAPITALS = {"moscow": "russi", "kremlin": "russi", "kyiv": "ukrai", "kiev": "ukrai"}


@lru_cache(maxsize=4096)
def _side(claimant: str | None) -> frozenset[str]:
    """Who claims, loosely: "Russian forces", "Russia's defence ministry", "Russia" and "Moscow" are one side."""
    words = norm(re.sub(r"['’]s\b", "", claimant)).split() if claimant else []
    return frozenset(_CAPITALS.get(w, w[:5]) for w in words if w not in _PARTY_WORDS)


def same_claimant(a: str | None, b: str | None) -> bool:
    """The same side claims it ("Russian forces" and "Moscow"); two claimants naming no side must be equal."""
    sa, sb = _side(a), _side(b)
    if sa or sb:
        return bool(sa & sb)
    return norm(a or "") == norm(b or "")


def _same_territory_place(a: Territory, b: Territory) -> bool:
    """The same place: the same words (a town is not its region), and no other admin-1 region or country."""
    if a.country_code and b.country_code and a.country_code != b.country_code:
        return False
    if a.admin1_code and b.admin1_code:
        if a.admin1_code != b.admin1_code:
            return False
    else:
        ra, rb = _words(a.region), _words(b.region)
        if ra and rb and not _nested(ra, rb):
            return False
    pa = _words(a.place)
    return bool(pa) and pa == _words(b.place)


def _same_claim_time(a: Territory, pub_a: date | None, b: Territory, pub_b: date | None) -> bool:
    da, db = _day(a), _day(b)
    if da and db:
        return abs((da - db).days) <= 1
    if (a.date and not da) or (b.date and not db):  # a week, month or year: the same period
        return a.date == b.date and a.date_precision == b.date_precision
    if pub_a and pub_b and abs((pub_a - pub_b).days) > MAX_DAYS_APART:
        return False
    wa, wb = _written_day(a.when), _written_day(b.when)
    if da or db or wa or wb:  # one resolved, or a day as written: the written days must agree
        return bool(wa and wb and wa == wb)
    # neither says when: reports of the same claim published within a day of each other
    return pub_a is not None and pub_b is not None and abs((pub_a - pub_b).days) <= 1


@dataclass
class ClaimReport(Generic[S]):
    """One article's report of a territorial change."""

    source: S
    territory: Territory
    published: date | None = None


@dataclass
class ClaimEvent(Generic[S]):
    """One territorial change (a capture, a claim, an annexation…) as reported by one or more articles."""

    reports: list[ClaimReport[S]] = field(default_factory=list)
    _articles: set[Hashable] = field(default_factory=set, repr=False)

    @property
    def items(self) -> list[Territory]:
        return [r.territory for r in self.reports]

    @property
    def sources(self) -> list[S]:
        return [r.source for r in self.reports]

    @property
    def first(self) -> Territory:
        return self.reports[0].territory

    @property
    def date(self) -> str | None:
        days = sorted(t.date for t in self.items if t.date and t.date_precision == "day")
        return days[0] if days else next((t.date for t in self.items if t.date), None)

    @property
    def date_precision(self) -> str | None:
        best = next((t for t in self.items if t.date == self.date), None)
        return best.date_precision if best else None

    @property
    def when(self) -> str | None:
        return next((t.when for t in self.items if t.when), None)

    @property
    def location(self) -> Territory:
        """The report whose place is known best (coordinates of the town over its region's)."""
        rank = {"town": 0, "near": 1, "region": 2, "country": 3, None: 4}
        return min(self.items, key=lambda t: rank[t.geo_precision])

    @property
    def claims(self) -> list[str]:
        """The kinds of claim the reports make (reported, claimed, confirmed), in the order first made."""
        return list(dict.fromkeys(t.claim for t in self.items if t.claim))

    def accepts(self, item: Territory, article: Hashable, published: Day | None) -> bool:
        if article in self._articles:
            return False  # one article's separate items are separate changes
        return all(
            r.territory.status == item.status
            and same_claimant(r.territory.claimant, item.claimant)
            and _same_territory_place(r.territory, item)
            and _same_claim_time(r.territory, r.published, item, published)
            for r in self.reports[:8]
        )

    def take(self, report: ClaimReport[S], article: Hashable) -> None:
        self.reports.append(report)
        self._articles.add(article)


class ClaimIndex(Generic[S]):
    """Territorial changes in the order first reported, found by the words of their place."""

    def __init__(self) -> None:
        self.events: list[ClaimEvent[S]] = []
        self._by_place: dict[frozenset[str], list[ClaimEvent[S]]] = {}

    def add(self, item: Territory, source: S, *, article: Hashable, published: date | None = None) -> ClaimEvent[S]:
        """File one report; returns the change it joined or started."""
        key = _words(item.place) or frozenset({norm(item.place)})
        bucket = self._by_place.setdefault(key, [])
        for event in bucket:
            if event.accepts(item, article, published):
                event.take(ClaimReport(source, item, published), article)
                return event
        created: ClaimEvent[S] = ClaimEvent()
        created.take(ClaimReport(source, item, published), article)
        self.events.append(created)
        bucket.append(created)
        return created

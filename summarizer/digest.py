"""One brief across many summaries: attacks, a diplomacy timeline, territory, sanctions.

::

    build(summaries)               -> Digest (the merged rows, for your own rendering)
    to_markdown(summaries)         Markdown
    to_html_fragment(summaries)    self-contained HTML for notebooks (inline CSS, no scripts)
    to_html(summaries)             a standalone page
    write_digest(summaries, path)  .md / .markdown or .html / .htm, by the file's suffix

Every row names the articles it comes from and links to them (their URL, or
their id in the list of sources when there is no URL).

**Merging.** The same event is often reported by several articles. Every
summary is first resolved (:func:`summarizer.events.enrich`: dates against the
publication date, places in the gazetteer). Attacks from *different* articles
are one incident when they happened on the same resolved date (within a day),
at the same place and with compatible weapons (:mod:`summarizer.events.incidents`).
Following ACLED, an incident's killed figure is the lowest its reports give;
when they differ the row shows the range and marks it disputed. Attacks are
listed by resolved date, and the HTML draws them on an inline SVG map from
their coordinates (no network). Territorial changes merge by the events
export's rule (:class:`summarizer.events.incidents.ClaimIndex`: the same place,
status, side and time), so the digest and ``--events`` group them alike.
Sanctions moves and talks, calls, meetings, agreements and prisoner exchanges
are merged when they name the same target / actors with the same status or
kind. Duplicate summaries (same text) count once.

Pure functions: nothing here reads files (except :func:`write_digest`), the
network or the environment, and every string is escaped for its format.
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from summarizer._markup import (
    DASH,
    base_css,
    cell,
    clip,
    esc,
    html_page,
    html_table,
    md,
    md_code,
    md_link,
    md_table,
    muted,
    safe_url,
    where,
    words,
)
from summarizer.events import enrich
from summarizer.events.dates import publication_date
from summarizer.events.incidents import ClaimEvent, ClaimIndex, Incident, IncidentIndex
from summarizer.events.svgmap import Point, svg_map
from summarizer.schema import Attack, Diplomacy, Sanction, Summary, Territory

__all__ = [
    "AttackEvent",
    "Digest",
    "DigestBuilder",
    "DiplomacyEntry",
    "SanctionEntry",
    "Source",
    "TerritoryEntry",
    "build",
    "to_html",
    "to_html_fragment",
    "to_markdown",
    "write_digest",
]

E = TypeVar("E")

MAX_DAYS_APART = 3
"""Articles published further apart than this never report the same event."""
MAX_LINKS = 12
"""Sources linked on one row; the rest are counted (all are in the list of sources)."""
_MERGED_KINDS = frozenset({"talks", "call", "meeting", "agreement", "prisoner_exchange"})
_SHOWN_FAILURES = 50


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
        return _period(self.sources)


def _period(sources: Iterable[Source]) -> tuple[date, date] | None:
    days = [s.day for s in sources if s.day is not None]
    return (min(days), max(days)) if days else None


# ---------------------------------------------------------------------------
# Normalising


_GENERIC = frozenset({
    "region", "regions", "oblast", "province", "district", "area", "city", "town", "village", "settlement",
    "the", "of", "in", "near", "outskirts", "regional", "capital", "centre", "center", "community",
})
_WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})
_MONTHS = frozenset({
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
})


@lru_cache(maxsize=4096)
def _tokens(text: str | None, drop: frozenset[str] = _GENERIC) -> frozenset[str]:
    if not text:
        return frozenset()
    found = re.findall(r"[^\W_]+", text.lower().replace("\u2019s", "").replace("'s", ""))
    return frozenset(w for w in found if w not in drop)


def _nested(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a) and bool(b) and (a <= b or b <= a)


def _day(published: str | None) -> date | None:
    """A publication date from RFC 822 ('Sat, 17 May 2025 14:30:00 GMT') or ISO 8601 text."""
    return publication_date(published)


def _same_day(a: str | None, b: str | None) -> bool:
    """Dates as written that do not contradict each other (unknown matches anything)."""
    ta, tb = _tokens(a, frozenset()), _tokens(b, frozenset())
    for vocabulary in (_WEEKDAYS, _MONTHS):
        va, vb = ta & vocabulary, tb & vocabulary
        if va and vb and not va & vb:
            return False
    da, db = {t for t in ta if t.isdigit()}, {t for t in tb if t.isdigit()}
    return not (da and db and not da & db)


@lru_cache(maxsize=4096)
def _same_time(when_a: str | None, when_b: str | None, day_a: date | None, day_b: date | None) -> bool:
    """Positive evidence of the same date: the dates as written agree, or the articles appeared within a day.

    Dates as written agree when they share a weekday, a month or a day number
    and contradict on none; articles published more than ``MAX_DAYS_APART``
    days apart never match.
    """
    if not _same_day(when_a, when_b):
        return False
    if day_a is not None and day_b is not None and abs((day_a - day_b).days) > MAX_DAYS_APART:
        return False
    ta, tb = _tokens(when_a, frozenset()), _tokens(when_b, frozenset())
    dated = _WEEKDAYS | _MONTHS
    if ta & tb & dated or {t for t in ta & tb if t.isdigit()}:
        return True
    if ta and ta == tb:
        return True
    return day_a is not None and day_b is not None and abs((day_a - day_b).days) <= 1


# ---------------------------------------------------------------------------
# Building


def _actors(names: Iterable[str]) -> frozenset[str]:
    return _actor_words(tuple(names)) if names else frozenset()


@lru_cache(maxsize=4096)
def _actor_words(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset().union(*(_tokens(n) for n in names))


def _same_diplomacy(entry: DiplomacyEntry, d: Diplomacy, source: Source) -> bool:
    if d.kind != entry.kind or d.kind not in _MERGED_KINDS:
        return False
    if entry.cites(source):
        return False
    if not _same_time(entry.when, d.when, entry.sources[0].day, source.day):
        return False
    return _nested(_actors(entry.actors), _actors(d.actors))


def _same_sanction(entry: SanctionEntry, s: Sanction, source: Source) -> bool:
    return (
        entry.status == s.status
        and not entry.cites(source)
        and _nested(_tokens(entry.target), _tokens(s.target))
        and bool(_actors(entry.actors) & _actors(s.actors))
        and entry.close_in_time(source)
    )


class _Index(Generic[E]):
    """Rows in order, found by the words of their key: only rows sharing a word are compared."""

    def __init__(self) -> None:
        self.rows: list[E] = []
        self._order: dict[int, int] = {}  # id(row) -> its number
        self._by_word: dict[str, set[int]] = {}  # word -> numbers of the rows filed under it

    def candidates(self, words: Iterable[str]) -> list[E]:
        found: set[int] = set()
        for word in words:
            found.update(self._by_word.get(word, ()))
        return [self.rows[n] for n in sorted(found)]

    def add(self, row: E, words: Iterable[str]) -> None:
        """Append ``row``; a row without words can never be found (it merges with nothing)."""
        self._order[id(row)] = len(self.rows)
        self.rows.append(row)
        self._file(self._order[id(row)], words)

    def index(self, row: E, words: Iterable[str]) -> None:
        """File a row already added under more words."""
        self._file(self._order[id(row)], words)

    def _file(self, n: int, words: Iterable[str]) -> None:
        for word in words:
            self._by_word.setdefault(word, set()).add(n)


def _enriched(summary: Summary) -> bool:
    """Whether the pipeline resolved the summary's dates and places already: an item carries one.

    ``enrich`` sets them on every item at once, and is idempotent, so such a summary is merged as it
    is (enriching it again costs about a millisecond for nothing). A summary stored before dates and
    places existed, or one where none could be resolved, is enriched here."""
    placed: list[Attack | Territory] = [*summary.attacks, *summary.territory]
    if any(i.date is not None or i.geo_precision is not None for i in placed):
        return True
    return any(d.date is not None for d in summary.diplomacy)


class DigestBuilder:
    """Builds a :class:`Digest` one summary at a time, holding only the merged rows (not the summaries)."""

    def __init__(self) -> None:
        self.sources: list[Source] = []
        self._seen: set[str] = set()
        self._attacks: IncidentIndex[Source] = IncidentIndex()
        self._diplomacy: _Index[DiplomacyEntry] = _Index()
        self._territory: ClaimIndex[Source] = ClaimIndex()
        self._sanctions: _Index[SanctionEntry] = _Index()
        self.failures: list[tuple[str, str | None, str]] = []
        self.off_topic = 0

    def add(self, summary: Summary) -> None:
        """Merge one summary in (a summary of the same text as an earlier one is skipped;
        an article that is not about armed conflict is only counted)."""
        if summary.meta.content_hash in self._seen:
            return
        self._seen.add(summary.meta.content_hash)
        if summary.off_topic:
            self.off_topic += 1
            return
        # Dates and places decide what merges; a stored summary from before they existed gets them here.
        # (Attribution, which the digest does not show, is left as the pipeline made it.)
        if not _enriched(summary):
            summary = enrich(summary, attribute=False)
        a = summary.article
        source = Source(len(self.sources) + 1, a.key, a.title, a.url, a.published, _day(a.published))
        self.sources.append(source)
        for attack in summary.attacks:
            self._add_attack(attack, source)
        for d in summary.diplomacy:
            # Only talks, calls, meetings, agreements and exchanges merge: index them by kind and actor.
            keys = {f"{d.kind}:{w}" for w in _actors(d.actors)} if d.kind in _MERGED_KINDS else set()
            match = next((e for e in self._diplomacy.candidates(keys) if _same_diplomacy(e, d, source)), None)
            if match is None:
                day = date.fromisoformat(d.date) if d.date and d.date_precision == "day" else source.day
                self._diplomacy.add(DiplomacyEntry(d.kind, list(d.actors), d.what, d.when, day, [source]), keys)
                continue
            match.cite(source)
            match.actors += [x for x in d.actors if x not in match.actors]
            match.when = match.when or d.when
            self._diplomacy.index(match, keys)
        for t in summary.territory:
            # the events export's rule (ClaimIndex), so the digest and ``--events`` group changes alike
            self._territory.add(t, source, article=source.n, published=source.day)
        for move in summary.sanctions:
            targets = _tokens(move.target)
            match_s = next((e for e in self._sanctions.candidates(targets) if _same_sanction(e, move, source)), None)
            if match_s is None:
                self._sanctions.add(SanctionEntry(list(move.actors), move.target, move.status, move.what, [source]), targets)
                continue
            match_s.cite(source)
            match_s.actors += [x for x in move.actors if x not in match_s.actors]

    def _add_attack(self, attack: Attack, source: Source) -> None:
        self._attacks.add(attack, source, article=source.n, published=source.day)

    def add_failure(self, failure: Any) -> None:
        """List an input without a summary (any object with ``id``/``source``, ``url`` and ``error``)."""
        fid = getattr(failure, "id", None) or getattr(failure, "source", None) or "?"
        self.failures.append((str(fid), getattr(failure, "url", None), str(getattr(failure, "error", None) or "failed")))

    def digest(self) -> Digest:
        order = {id(e): i for i, e in enumerate(self._diplomacy.rows)}
        diplomacy = sorted(self._diplomacy.rows, key=lambda e: (e.day is None, e.day or date.min, order[id(e)]))
        return Digest(
            sources=list(self.sources),
            attacks=_by_date([AttackEvent.from_incident(i) for i in self._attacks.incidents]),
            diplomacy=diplomacy,
            territory=[TerritoryEntry.from_event(e) for e in self._territory.events],
            sanctions=list(self._sanctions.rows),
            failures=list(self.failures),
            off_topic=self.off_topic,
        )


def _by_date(events: list[AttackEvent]) -> list[AttackEvent]:
    """Dated incidents first, by resolved date; undated ones after, in the order first reported."""
    return sorted(events, key=lambda e: (e.date is None, e.date or ""))


def build(summaries: Iterable[Summary], *, failures: Iterable[Any] = ()) -> Digest:
    """Merge ``summaries`` into one digest. ``failures`` (objects with ``id``, ``url``, ``error``) are listed.

    >>> from summarizer.batch import summarize_many
    >>> from summarizer.inputs import load_articles
    >>> d = build(summarize_many(load_articles(["seeds/feed-40.xml"]), backend="extractive").summaries)
    >>> len(d.sources), [s.id for s in d.attacks[0].sources]
    (40, ['feed40-01', 'feed40-04'])
    """
    builder = DigestBuilder()
    with _collector_paused():
        for summary in summaries:
            builder.add(summary)
        for failure in failures:
            builder.add_failure(failure)
        return builder.digest()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a bulk merge, back as it was after it.

    The merge makes many small objects that stay alive (rows, sources, copies of items) and no
    reference cycles, so each collection the allocations trigger rescans a heap that holds every
    summary and frees nothing: about 40% of the CPU of merging 10,000 summaries. Objects are still
    freed by reference counting while it is off; any cycle is collected once it is back on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _as_digest(summaries: Iterable[Summary] | Digest, failures: Iterable[Any]) -> Digest:
    return summaries if isinstance(summaries, Digest) else build(summaries, failures=failures)


# ---------------------------------------------------------------------------
# Shared formatting


def _figure(value: tuple[int, int] | None) -> str:
    if value is None:
        return DASH
    low, high = value
    return f"{low:,}" if low == high else f"{low:,}–{high:,}"


def _dates(period: tuple[date, date] | None) -> str | None:
    """``2025-05-17``, or ``2025-05-17 to 2025-05-18``; None when no date is known."""
    if period is None:
        return None
    first, last = period
    return first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"


def _title(d: Digest) -> tuple[str, str]:
    n = len(d.sources)
    period = _dates(d.period)
    when = f", {period}" if period else ""
    counts = (
        f"{len(d.attacks)} attack{'s' if len(d.attacks) != 1 else ''}, {len(d.diplomacy)} diplomatic "
        f"event{'s' if len(d.diplomacy) != 1 else ''}, {len(d.territory)} territorial "
        f"change{'s' if len(d.territory) != 1 else ''}, {len(d.sanctions)} sanctions "
        f"move{'s' if len(d.sanctions) != 1 else ''}"
    )
    failed = f"; {len(d.failures)} input{'s' if len(d.failures) != 1 else ''} failed" if d.failures else ""
    left_out = (
        f"; {d.off_topic} article{'s' if d.off_topic != 1 else ''} not about armed conflict left out"
        if d.off_topic
        else ""
    )
    return f"Digest of {n} article{'s' if n != 1 else ''}{when}", counts + failed + left_out


# ---------------------------------------------------------------------------
# Markdown


def _md_source(s: Source) -> str:
    """A link to the article when its URL is http(s); else its label and id (never a link)."""
    if safe_url(s.url):
        return md_link(md(s.label), s.url)
    return f"{md(s.label)} ({md_code(s.id)})" if s.title else md_code(s.id)


def _more(sources: Sequence[Source]) -> str:
    extra = len(sources) - MAX_LINKS
    return f"; and {extra} more" if extra > 0 else ""


def _md_sources(sources: Sequence[Source]) -> str:
    return "; ".join(_md_source(s) for s in sources[:MAX_LINKS]) + _more(sources)


# The four parts of a digest, in order: heading, what is said when the part is empty, Digest attribute.
_PARTS = (
    ("Attacks", "No attacks reported.", "attacks"),
    ("Diplomacy timeline", "No diplomatic events reported.", "diplomacy"),
    ("Territorial changes", "No territorial changes reported.", "territory"),
    ("Sanctions", "No sanctions moves reported.", "sanctions"),
)
_ATTACK_HEADERS = ("Date", "Published", "Date (as written)", "Place", "Weapon", "Killed", "Injured", "Sources")
_TERRITORY_HEADERS = ("Published", "Place", "Region", "Claimant", "Status", "When", "Sources")


def _skip(d: Digest) -> int:
    """1 to leave out the Published column (no article is dated), else 0.

    Dates as written ("on Saturday") are read against the publication dates.
    """
    return 0 if d.period else 1


def _killed(value: tuple[int, int] | None) -> str:
    """ACLED's rule: the lowest figure, with the range when the reports differ, marked disputed."""
    if value is None or value[0] == value[1]:
        return _figure(value)
    return f"{value[0]:,} ({_figure(value)}, disputed)"


def _md_attacks(d: Digest) -> list[str]:
    skip = 2 * _skip(d)  # no article dated: neither the resolved date nor the publication date
    rows = (
        [
            e.date or DASH, _dates(_period(e.sources)) or DASH,
            md(e.when or DASH), md(e.place), md(", ".join(words(w) for w in e.weapons) or DASH),
            _killed(e.killed), _figure(e.injured), _md_sources(e.sources),
        ][skip:]
        for e in d.attacks
    )
    return md_table(_ATTACK_HEADERS[skip:], rows, right=(5 - skip, 6 - skip))


def _md_diplomacy(d: Digest) -> list[str]:
    out = []
    for e in d.diplomacy:
        day = e.day.isoformat() if e.day else "undated"
        when = f" ({md(e.when)})" if e.when else ""
        actors = f" — {md(', '.join(e.actors))}" if e.actors else ""
        out.append(f"- **{day}**{when} · {md(words(e.kind))}{actors}: {md(e.what)} — {_md_sources(e.sources)}")
    return out


def _md_territory(d: Digest) -> list[str]:
    skip = _skip(d)
    rows = (
        [_dates(_period(e.sources)) or DASH, md(e.place), md(e.region or DASH), md(e.claimant),
         md(words(e.status)), md(e.when or DASH), _md_sources(e.sources)][skip:]
        for e in d.territory
    )
    return md_table(_TERRITORY_HEADERS[skip:], rows)


def _md_sanctions(d: Digest) -> list[str]:
    return [
        f"- **{md(words(move.status))}** · {md(', '.join(move.actors)) or DASH} → {md(move.target)}: {md(move.what)}"
        f" — {_md_sources(move.sources)}"
        for move in d.sanctions
    ]


_MD_PARTS = {"attacks": _md_attacks, "diplomacy": _md_diplomacy, "territory": _md_territory, "sanctions": _md_sanctions}


def to_markdown(summaries: Iterable[Summary] | Digest, *, failures: Iterable[Any] = ()) -> str:
    """The digest as Markdown: tables and a timeline, every row linked to its articles."""
    d = _as_digest(summaries, failures)
    title, counts = _title(d)
    out = [f"# {title}", "", counts + "."]
    for heading, empty, name in _PARTS:
        out += ["", f"## {heading}", ""]
        out += _MD_PARTS[name](d) if getattr(d, name) else [empty]
    out += ["", "## Sources", ""]
    for s in d.sources:
        published = f" — {md(s.published)}" if s.published else ""
        link = f" — {md_link(md(s.url), s.url)}" if s.url else ""
        out.append(f"{s.n}. {md(s.title or s.id)} ({md_code(s.id)}){published}{link}")
    if d.failures:
        out += ["", f"## Failed inputs ({len(d.failures)})", ""]
        for fid, url, error in d.failures[:_SHOWN_FAILURES]:
            link = md_link(md(fid), url) if url else md_code(fid)
            out.append(f"- {link}: {md(clip(error, 200))}")
        if len(d.failures) > _SHOWN_FAILURES:
            out.append(f"- … and {len(d.failures) - _SHOWN_FAILURES} more (see the JSONL output)")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------
# HTML

_P = "smzd"  # CSS class prefix, distinct from a single summary's "smz"
# CSS kinds of the table columns (see summarizer._markup.html_table).
_ATTACK_KINDS = ("", "", "", "text", "", "num", "num", "text")
_TERRITORY_KINDS = ("", "text", "text", "text", "", "", "text")
_SANCTION_KINDS = ("", "text", "text", "prose", "text")


def _safe_url(url: str) -> str | None:
    return url if re.match(r"^https?://", url, re.IGNORECASE) else None


def _html_source(s: Source) -> str:
    url = _safe_url(s.url) if s.url else None
    href = esc(url) if url else f"#{_P}-src-{s.n}"
    return f'<a href="{href}" title="{esc(s.title or s.id)}">{esc(s.label)}</a>'


def _html_sources(sources: Sequence[Source]) -> str:
    return "; ".join(_html_source(s) for s in sources[:MAX_LINKS]) + esc(_more(sources))


def _css() -> str:
    r = f".{_P}-root"
    return (
        base_css(_P)
        + f"{r} h2{{font-size:1.4em;margin:.2em 0}}{r} h3{{font-size:1.1em;margin:1.1em 0 .35em}}"
        f"{r} ul.{_P}-timeline{{list-style:none;padding-left:0;margin:0}}"
        f"{r} ul.{_P}-timeline li{{border-left:3px solid #bcd7ff;padding:.15em 0 .15em .7em;margin:0 0 .3em}}"
        f"{r} .{_P}-day{{font-weight:600;font-variant-numeric:tabular-nums}}"
        f"{r} .{_P}-kind{{display:inline-block;border:1px solid rgba(128,128,128,.45);border-radius:3px;padding:0 .35em;"
        f"font-size:.85em}}"
        f"{r} .{_P}-merged{{font-size:.8em;color:#0a6;margin-left:.3em}}"
        f"{r} ol.{_P}-sources{{padding-left:1.6em}}{r} ol.{_P}-sources li:target{{background:rgba(255,230,0,.3)}}"
        f"{r} code{{font-size:.9em}}{r} time{{white-space:nowrap}}"
        f"{r} .{_P}-failed{{margin:1em 0;padding:.5em .8em;border-left:4px solid #d33;background:rgba(220,50,50,.08)}}"
    )


def _html_dates(period: tuple[date, date] | None) -> str:
    if period is None:
        return muted(_P)
    return " to ".join(f'<time datetime="{day.isoformat()}">{day.isoformat()}</time>' for day in dict.fromkeys(period))


def _merged(sources: Sequence[Source]) -> str:
    return f'<span class="{_P}-merged">{len(sources)} reports</span>' if len(sources) > 1 else ""


def _html_day(day: str | None) -> str:
    return f'<time datetime="{esc(day)}">{esc(day)}</time>' if day else muted(_P)


def _html_attacks(d: Digest) -> str:
    skip = 2 * _skip(d)
    rows = [
        [
            _html_day(e.date), _html_dates(_period(e.sources)),
            cell(_P, e.when), esc(e.place), cell(_P, ", ".join(words(w) for w in e.weapons)),
            esc(_killed(e.killed)) if e.killed else muted(_P), esc(_figure(e.injured)) if e.injured else muted(_P),
            _html_sources(e.sources) + _merged(e.sources),
        ][skip:]
        for e in d.attacks
    ]
    return html_table(_P, _ATTACK_HEADERS[skip:], rows, kinds=_ATTACK_KINDS[skip:]) + _html_map(d)


def _html_map(d: Digest) -> str:
    """An inline SVG map of the attacks that have coordinates, one circle per place (none: no map)."""
    at: dict[tuple[float, float], list[AttackEvent]] = {}
    for e in d.attacks:
        if e.latitude is not None and e.longitude is not None:
            at.setdefault((e.latitude, e.longitude), []).append(e)
    points = []
    for (lat, lon), group in at.items():
        place = clip(group[0].place, 40)
        killed = sum(e.killed[0] for e in group if e.killed)
        label = place if len(group) == 1 else f"{place} ({len(group)})"
        title = "; ".join(f"{e.date or e.when or 'undated'}: killed {_killed(e.killed)}" for e in group[:10])
        points.append(Point(lat, lon, label, killed or None, f"{place}: {title}"))
    return svg_map(points, css_class=f"{_P}-map")


def _html_diplomacy(d: Digest) -> str:
    items = []
    for e in d.diplomacy:
        day = e.day.isoformat() if e.day else "undated"
        when = f" {muted(_P, '(' + e.when + ')')}" if e.when else ""
        actors = f" {esc(', '.join(e.actors))}:" if e.actors else ""
        items.append(
            f'<li><span class="{_P}-day">{esc(day)}</span>{when} <span class="{_P}-kind">{esc(words(e.kind))}</span>'
            f"{actors} {esc(e.what)} — {_html_sources(e.sources)}{_merged(e.sources)}</li>"
        )
    return f'<ul class="{_P}-timeline">{"".join(items)}</ul>'


def _html_territory(d: Digest) -> str:
    skip = _skip(d)
    rows = [
        [_html_dates(_period(e.sources)), esc(e.place), cell(_P, e.region), esc(e.claimant), esc(words(e.status)),
         cell(_P, e.when), _html_sources(e.sources) + _merged(e.sources)][skip:]
        for e in d.territory
    ]
    return html_table(_P, _TERRITORY_HEADERS[skip:], rows, kinds=_TERRITORY_KINDS[skip:])


def _html_sanctions(d: Digest) -> str:
    rows = [
        [esc(words(e.status)), cell(_P, ", ".join(e.actors)), esc(e.target), esc(e.what),
         _html_sources(e.sources) + _merged(e.sources)]
        for e in d.sanctions
    ]
    return html_table(_P, ["Status", "Actors", "Target", "What", "Sources"], rows, kinds=_SANCTION_KINDS)


_HTML_PARTS = {
    "attacks": _html_attacks, "diplomacy": _html_diplomacy, "territory": _html_territory, "sanctions": _html_sanctions,
}


def to_html_fragment(summaries: Iterable[Summary] | Digest, *, failures: Iterable[Any] = ()) -> str:
    """The digest as self-contained HTML (inline CSS, no scripts): for notebooks."""
    d = _as_digest(summaries, failures)
    title, counts = _title(d)
    out = [f'<div class="{_P}-root"><style>{_css()}</style><h2>{esc(title)}</h2><p class="{_P}-muted">{esc(counts)}.</p>']
    for heading, empty, name in _PARTS:
        out.append(f"<h3>{heading}</h3>")
        out.append(_HTML_PARTS[name](d) if getattr(d, name) else f"<p>{muted(_P, empty)}</p>")
    out.append(f'<h3>Sources</h3><ol class="{_P}-sources">')
    for s in d.sources:
        url = _safe_url(s.url) if s.url else None
        link = f' — <a href="{esc(url)}">{esc(url)}</a>' if url else ""
        published = f" {muted(_P, '· ' + s.published)}" if s.published else ""
        out.append(f'<li id="{_P}-src-{s.n}">{esc(s.title or s.id)} <code>{esc(s.id)}</code>{published}{link}</li>')
    out.append("</ol>")
    if d.failures:
        lis = "".join(
            f"<li>{esc(fid)}: {esc(clip(error, 200))}</li>" for fid, _url, error in d.failures[:_SHOWN_FAILURES]
        )
        more = f"<li>… and {len(d.failures) - _SHOWN_FAILURES} more</li>" if len(d.failures) > _SHOWN_FAILURES else ""
        out.append(f'<div class="{_P}-failed"><b>Failed inputs ({len(d.failures)})</b><ul>{lis}{more}</ul></div>')
    out.append("</div>")
    return "".join(out)


def to_html(summaries: Iterable[Summary] | Digest, *, failures: Iterable[Any] = ()) -> str:
    """A standalone HTML page (no external resources)."""
    d = _as_digest(summaries, failures)
    title, _ = _title(d)
    return html_page(title, to_html_fragment(d))


def write_digest(
    summaries: Iterable[Summary] | Digest, path: str | os.PathLike[str], *, failures: Iterable[Any] = ()
) -> str:
    """Write the digest to ``path``: HTML for .html/.htm, else Markdown. Returns the format written."""
    target = Path(path)
    fmt = "html" if target.suffix.lower() in (".html", ".htm") else "markdown"
    text = (to_html if fmt == "html" else to_markdown)(summaries, failures=failures)
    from summarizer.atomic import write_text_atomic

    write_text_atomic(target, text)  # whole or not at all: a full disk leaves the old digest as it was
    return fmt

"""Merging many summaries into one Digest: the same event reported by several articles becomes one row."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from typing import Any, Generic, TypeVar

from summarizer.digest.model import (
    MAX_DAYS_APART,
    AttackEvent,
    Digest,
    DiplomacyEntry,
    SanctionEntry,
    Source,
    TerritoryEntry,
)
from summarizer.events import enrich
from summarizer.events.dates import publication_date
from summarizer.events.incidents import ClaimIndex, IncidentIndex
from summarizer.schema import Attack, Diplomacy, Sanction, Summary, Territory

E = TypeVar("E")
_MERGED_KINDS = frozenset({"talks", "call", "meeting", "agreement", "prisoner_exchange"})

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

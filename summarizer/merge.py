"""Merging the summaries of a long article's chunks into one summary.

Pure functions, no I/O. The chunk summaries come in with every span already moved to
whole-article offsets (:func:`shift`), so merging never recomputes an offset.

Two items of one section report the same event, and become one item with all their
evidence, when

* their evidence (or their quotes) overlap in the article: the same sentence read in the
  overlap of two chunks, or a clause of it;
* they carry the same quote (diplomacy);
* attacks: the same place and a weapon in common, on the same day as far as both say,
  read in different chunks; territory: the same place, claimant and status.

Grouping is a sweep over the spans sorted by offset plus a dictionary per key, so it
takes O(n log n) in the number of items. The headline and summary are written by the
caller (:mod:`summarizer.longtext`): with one more LLM call, or by :func:`extractive_text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from summarizer.grounding import normalize
from summarizer.schema import SECTIONS, Attack, Diplomacy, Dropped, Quote, Section, Span, Summary, Territory, Usage
from summarizer.sentences import sentence_spans

__all__ = ["extractive_text", "merge_dropped", "merge_items", "merge_usage", "restore_speakers", "shift"]


def shift(summary: Summary, offset: int) -> dict[Section, list[Any]]:
    """``summary``'s items with every span (evidence, quotes, attribution) moved ``offset`` characters on.

    The spans are moved in place (``summary`` is a chunk's own, made for this merge), each once
    even when two items share one, and without validating them again: that is linear and cheap.
    """
    out: dict[Section, list[Any]] = {section: list(getattr(summary, section)) for section in SECTIONS}
    if offset == 0:
        return out
    moved: set[int] = set()
    for items in out.values():
        for item in items:
            for span in _all_spans(item):
                if id(span) not in moved:
                    moved.add(id(span))
                    span.start += offset
                    span.end += offset
    return out


class _Groups:
    """Union-find over item indices."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _all_spans(item: Any) -> list[Span]:
    """Every span an item holds (evidence, quotes, an attribution, any other Span field)."""
    out: list[Span] = []
    for value in item.__dict__.values():
        if isinstance(value, Span):
            out.append(value)
        elif isinstance(value, list):
            out.extend(v for v in value if isinstance(v, Span))
    return out


def _spans(item: Any) -> list[Span]:
    return list(item.evidence) + list(getattr(item, "quotes", []))


def _join_overlapping(items: Sequence[Any], chunk_of: Sequence[int], groups: _Groups) -> None:
    """Union items of different chunks whose spans overlap in the article (a sweep over the
    spans sorted by start, keeping the few that are still open)."""
    spans = sorted((span.start, span.end, i) for i, item in enumerate(items) for span in _spans(item))
    open_spans: list[tuple[int, int]] = []  # (end, item)
    for start, end, i in spans:
        open_spans = [(e, j) for e, j in open_spans if e > start]
        for _, j in open_spans:
            if chunk_of[j] != chunk_of[i]:
                groups.union(i, j)
        open_spans.append((end, i))


def _key(text: str | None) -> str | None:
    return normalize(text).text if text and text.strip() else None


def _same_event_keys(section: Section, item: Any) -> list[tuple[Any, ...]]:
    """Keys under which two items from different chunks report the same event."""
    if isinstance(item, Diplomacy):
        return [("quote", key) for q in item.quotes if (key := _key(q.text)) and len(key) >= 12]
    if isinstance(item, Attack):
        place = _key(item.place)
        if place is None:
            return []
        return [("attack", place, weapon, _key(item.when)) for weapon in item.weapons or ["other"]]
    if isinstance(item, Territory):
        place = _key(item.place)
        return [("territory", place, _key(item.claimant), item.status)] if place else []
    return []


def merge_items(section: Section, items: Sequence[Any], chunk_of: Sequence[int]) -> list[Any]:
    """One item per event: ``items`` (from every chunk, ``chunk_of[i]`` the chunk of item ``i``)
    grouped by :func:`_same_event_keys` and overlapping spans, each group merged, in article order."""
    if not items:
        return []
    groups = _Groups(len(items))
    _join_overlapping(items, chunk_of, groups)
    seen: dict[tuple[Any, ...], int] = {}
    for i, item in enumerate(items):
        for key in _same_event_keys(section, item):
            if key in seen and chunk_of[seen[key]] != chunk_of[i]:
                groups.union(i, seen[key])
            seen.setdefault(key, i)
    members: dict[int, list[int]] = {}
    for i in range(len(items)):
        members.setdefault(groups.find(i), []).append(i)
    merged = [_merge_group([items[i] for i in group]) for group in members.values()]
    return sorted(merged, key=lambda it: min(s.start for s in it.evidence))


def _unique_spans(spans: Iterable[Any]) -> list[Any]:
    out: dict[tuple[int, int], Any] = {}
    for span in spans:
        out.setdefault((span.start, span.end), span)
    ordered = sorted(out.values(), key=lambda s: (s.start, -s.end))
    # A span inside another one adds nothing: keep the longer.
    kept: list[Any] = []
    for span in ordered:
        if kept and span.end <= kept[-1].end and span.start >= kept[-1].start:
            continue
        kept.append(span)
    return kept


def _merge_group(group: list[Any]) -> Any:
    if len(group) == 1:
        return group[0]
    first = max(group, key=lambda it: (sum(s.end - s.start for s in it.evidence), -min(s.start for s in it.evidence)))
    update: dict[str, Any] = {"evidence": _unique_spans(s for it in group for s in it.evidence)}
    fields = type(first).model_fields
    for name in fields:
        if name in ("evidence", "quotes"):
            continue
        value = getattr(first, name)
        if value is None:  # the first item that says
            value = next((getattr(it, name) for it in group if getattr(it, name) is not None), None)
        update[name] = value
    if "actors" in fields:
        update["actors"] = list(dict.fromkeys(a for it in group for a in it.actors))
    if "weapons" in fields:
        update["weapons"] = list(dict.fromkeys(w for it in group for w in it.weapons))
    if "quotes" in fields:
        # the same quote from two chunks: the one whose speaker was checked wins
        quotes: list[Quote] = _unique_spans(sorted((q for it in group for q in it.quotes), key=lambda q: q.speaker is None))
        update["quotes"] = quotes
    if isinstance(first, Attack):
        for name in ("killed", "injured"):  # the highest stated count (a toll that rose)
            values = [getattr(it, name) for it in group if getattr(it, name) is not None]
            update[name] = max(values) if values else None
        civilians = [it.civilians for it in group if it.civilians is not None]
        update["civilians"] = any(civilians) if civilians else None
    return type(first)(**update)


def merge_usage(usages: Iterable[Usage]) -> Usage:
    total = Usage()
    for usage in usages:
        total = total + usage
    return total


def merge_dropped(dropped: Iterable[Dropped]) -> list[Dropped]:
    """Every chunk's dropped entries, each once."""
    out: dict[str, Dropped] = {}
    for entry in dropped:
        out.setdefault(entry.model_dump_json(), entry)
    return list(out.values())


def extractive_text(summaries: Sequence[Summary], title: str | None, max_chars: int = 600) -> tuple[str, str]:
    """A deterministic headline and summary from the chunk summaries: the title (or the first
    chunk's headline), then the chunks' summary sentences in order, each once, up to ``max_chars``.
    Both are the article's own sentences, so they pass grounding."""
    headline = title or (summaries[0].headline if summaries else "")
    body: list[str] = []
    seen = {_key(headline)}
    size = 0
    for summary in summaries:
        for sentence in _sentences(summary.summary):
            key = _key(sentence)
            if key in seen:
                continue
            if body and size + len(sentence) > max_chars:
                return headline, " ".join(body)
            seen.add(key)
            body.append(sentence)
            size += len(sentence) + 1
            break  # one sentence per chunk, so the summary spans the whole article
    return headline, " ".join(body) or headline


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


_SPEAKER_REASON = re.compile(r"^diplomacy\[\d+\]\.quotes\[(\d+)\] speaker ")


def restore_speakers(diplomacy: Sequence[Diplomacy], dropped: list[Dropped], article: str) -> list[Dropped]:
    """Settle the speakers a chunk could not check because the quote's attribution lay in the
    chunk before: the speaker proposed (or kept by the other chunk) is checked in the whole
    article; when it passes, the quote gets it and the reason is struck from ``dropped``.
    Returns the dropped entries still standing."""
    from summarizer.grounding import check_speaker

    quotes: dict[str, list[Quote]] = {}
    for item in diplomacy:
        for quote in item.quotes:
            quotes.setdefault(_key(quote.text) or "", []).append(quote)
    out: list[Dropped] = []
    for entry in dropped:
        reasons = list(entry.reasons)
        proposed_quotes = entry.item.get("quotes") if entry.section == "diplomacy" and entry.kept else None
        for reason in entry.reasons if isinstance(proposed_quotes, list) else []:
            m = _SPEAKER_REASON.match(reason)
            if not m or int(m.group(1)) >= len(proposed_quotes):
                continue
            proposed = proposed_quotes[int(m.group(1))]
            if not isinstance(proposed, dict):
                continue
            key = _key(str(proposed.get("text", "")).strip(" \"'\u201c\u201d\u2018\u2019")) or ""
            for quote in quotes.get(key, []):
                speaker = quote.speaker or proposed.get("speaker")
                if speaker and check_speaker(article, quote, str(speaker))[1] is None:
                    quote.speaker = str(speaker)
                    reasons.remove(reason)
                    break
        if reasons:
            out.append(entry if reasons == entry.reasons else entry.model_copy(update={"reasons": reasons}))
    return out

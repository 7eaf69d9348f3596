"""The digest as Markdown, and the formatting Markdown and HTML share (figures, dates, the title)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from summarizer._markup import (
    DASH,
    clip,
    md,
    md_code,
    md_link,
    md_table,
    safe_url,
    words,
)
from summarizer.digest.merge import _as_digest
from summarizer.digest.model import MAX_LINKS, SHOWN_FAILURES, Digest, Source, period_of
from summarizer.schema import Summary

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
            e.date or DASH, _dates(period_of(e.sources)) or DASH,
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
        [_dates(period_of(e.sources)) or DASH, md(e.place), md(e.region or DASH), md(e.claimant),
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
        for fid, url, error in d.failures[:SHOWN_FAILURES]:
            link = md_link(md(fid), url) if url else md_code(fid)
            out.append(f"- {link}: {md(clip(error, 200))}")
        if len(d.failures) > SHOWN_FAILURES:
            out.append(f"- … and {len(d.failures) - SHOWN_FAILURES} more (see the JSONL output)")
    return "\n".join(out) + "\n"

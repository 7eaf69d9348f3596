"""The digest as HTML: a self-contained fragment (inline CSS, an inline SVG map, no scripts) or a page."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from summarizer._markup import (
    base_css,
    cell,
    clip,
    esc,
    html_page,
    html_table,
    muted,
    words,
)
from summarizer.digest.markdown import (
    _ATTACK_HEADERS,
    _PARTS,
    _TERRITORY_HEADERS,
    _figure,
    _killed,
    _more,
    _skip,
    _title,
)
from summarizer.digest.merge import _as_digest
from summarizer.digest.model import (
    MAX_LINKS,
    SHOWN_FAILURES,
    AttackEvent,
    Digest,
    Source,
    period_of,
)
from summarizer.events.svgmap import Point, svg_map
from summarizer.schema import Summary

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
            _html_day(e.date), _html_dates(period_of(e.sources)),
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
        [_html_dates(period_of(e.sources)), esc(e.place), cell(_P, e.region), esc(e.claimant), esc(words(e.status)),
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
            f"<li>{esc(fid)}: {esc(clip(error, 200))}</li>" for fid, _url, error in d.failures[:SHOWN_FAILURES]
        )
        more = f"<li>… and {len(d.failures) - SHOWN_FAILURES} more</li>" if len(d.failures) > SHOWN_FAILURES else ""
        out.append(f'<div class="{_P}-failed"><b>Failed inputs ({len(d.failures)})</b><ul>{lis}{more}</ul></div>')
    out.append("</div>")
    return "".join(out)


def to_html(summaries: Iterable[Summary] | Digest, *, failures: Iterable[Any] = ()) -> str:
    """A standalone HTML page (no external resources)."""
    d = _as_digest(summaries, failures)
    title, _ = _title(d)
    return html_page(title, to_html_fragment(d))

"""HTML: :func:`to_html_fragment` (self-contained, for Jupyter's ``_repr_html_``) and
:func:`to_html`, a standalone ``<!doctype html>`` page around it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from summarizer._markup import (
    base_css,
    cell,
    clip,
    esc,
    html_page,
    html_table,
    muted,
    where,
    words,
)
from summarizer.render.analyst import (
    coordinates,
    gazetteer_place,
    resolved_date,
    source,
)
from summarizer.render.common import (
    CSS_PREFIX,
    SECTION_COLOURS,
    SECTION_TITLES,
    Column,
    describe_dropped,
    dropped_heading,
    speaker,
    usage_line,
    verdict,
    yes_no,
)
from summarizer.render.evidence import evidence_html, stripes
from summarizer.schema import (
    SECTIONS,
    Attack,
    Diplomacy,
    Section,
    Span,
    Summary,
    Territory,
)

__all__ = ["MAX_OFFSETS", "to_html", "to_html_fragment"]

_P = CSS_PREFIX

MAX_OFFSETS = 4
"""Evidence offsets shown on a table row; the rest are counted in a "+N" badge (all are highlighted)."""


def _offsets(spans: Sequence[Span]) -> str:
    """Offset badges (the passage in their tooltip), wrapping; past ``MAX_OFFSETS`` a "+N" badge lists the rest."""
    shown = spans if len(spans) <= MAX_OFFSETS else spans[: MAX_OFFSETS - 1]
    badges = [f'<span class="{_P}-off" title="{esc(s.text)}">{s.start}–{s.end}</span>' for s in shown]
    if rest := spans[len(shown) :]:
        listed = "\n".join(f"{s.start}–{s.end}: {clip(s.text, 80)}" for s in rest)
        badges.append(f'<span class="{_P}-off {_P}-more" title="{esc(listed)}">+{len(rest)}</span>')
    return " ".join(badges)


def _html_num(value: int | None) -> str:
    return muted(_P) if value is None else esc(f"{value:,}")


def _html_quotes(d: Diplomacy) -> str:
    quotes = "".join(
        f'<q class="{_P}-quote">{esc(q.text)}</q> {muted(_P, "— " + speaker(q))}<br>' for q in d.quotes
    )
    return quotes or muted(_P)


def _html_when(item: Any) -> str:
    """The date as written, and under it the resolved date when there is one."""
    resolved = resolved_date(item)
    if not item.when and not resolved:
        return muted(_P)
    lines = [esc(item.when)] if item.when else []
    if resolved:
        lines.append(f'<span class="{_P}-date">{esc(resolved)}</span>')
    return "<br>".join(lines)


def _html_analyst(item: Attack | Territory) -> str:
    """The gazetteer's place, the coordinates and who says so (the kind of claim, then the attribution
    with its offsets), one a line; a muted dash when none is known."""
    lines = [
        f'<span class="{_P}-{kind}">{esc(text)}</span>'
        for kind, text in (("geo", gazetteer_place(item)), ("coords", coordinates(item)))
        if text
    ]
    if (said := source(item)) is not None and item.attribution is not None:
        lines.append(f'<span class="{_P}-source">{esc(said)}</span> {_offsets([item.attribution])}')
    return "<br>".join(lines) or muted(_P)


#: The analyst column of attacks and territory, shown when an item of the section has one of its fields.
_ANALYST_COLUMN = Column("Gazetteer / source", _html_analyst, "text")


def _has_analyst_fields(item: Any) -> bool:
    return isinstance(item, (Attack, Territory)) and any(
        (gazetteer_place(item), coordinates(item), source(item))
    )


# Each section's HTML columns (escaped cells); the item number comes first and the evidence offsets last.
_HTML_COLUMNS: dict[Section, tuple[Column, ...]] = {
    "diplomacy": (
        Column("Kind", lambda d: esc(words(d.kind))),
        Column("Actors", lambda d: cell(_P, ", ".join(d.actors)), "text"),
        Column("What", lambda d: esc(d.what), "prose"),
        Column("When", _html_when),
        Column("Quotes", _html_quotes, "prose"),
    ),
    "attacks": (
        Column("When", _html_when),
        Column("Place / region", lambda a: esc(where(a)), "text"),
        Column("Weapon", lambda a: cell(_P, ", ".join(words(w) for w in a.weapons))),
        Column("Perpetrator", lambda a: cell(_P, a.perpetrator), "text"),
        Column("Target", lambda a: cell(_P, a.target), "text"),
        Column("Killed", lambda a: _html_num(a.killed), "num"),
        Column("Injured", lambda a: _html_num(a.injured), "num"),
        Column("Civilians", lambda a: cell(_P, None if a.civilians is None else yes_no(a.civilians))),
    ),
    "territory": (
        Column("Place", lambda t: esc(t.place), "text"),
        Column("Region", lambda t: cell(_P, t.region), "text"),
        Column("Claimant", lambda t: esc(t.claimant), "text"),
        Column("Status", lambda t: esc(words(t.status))),
        Column("When", _html_when),
    ),
    "sanctions": (
        Column("Status", lambda s: esc(words(s.status))),
        Column("Actors", lambda s: cell(_P, ", ".join(s.actors)), "text"),
        Column("Target", lambda s: esc(s.target), "text"),
        Column("What", lambda s: esc(s.what), "prose"),
    ),
}


def _html_section(section: Section, items: Sequence[Any]) -> str:
    """The section's heading and table: item number, the section's columns, evidence offsets."""
    analyst = [_ANALYST_COLUMN] if any(_has_analyst_fields(item) for item in items) else []
    evidence = Column("Evidence", lambda x: _offsets(x.evidence), "tags")
    columns = (Column("#", str), *_HTML_COLUMNS[section], *analyst, evidence)
    rows = [[str(i), *(c.value(item) for c in columns[1:])] for i, item in enumerate(items, 1)]
    return (
        f'<h3 class="{_P}-h {_P}-h-{section}"><span class="{_P}-swatch {_P}-{section}"></span>'
        f"{SECTION_TITLES[section]} {muted(_P, f'({len(rows)})')}</h3>"
        + html_table(
            _P, [c.header for c in columns], rows, kinds=[c.kind for c in columns], classes=[f"{_P}-t-{section}"]
        )
    )


def _css() -> str:
    r = f".{_P}-root"
    colours = "".join(f"{r} .{_P}-{s}{{background:{c}}}" for s, c in SECTION_COLOURS.items())
    multi = stripes(["diplomacy", "sanctions"]).replace("background:", "")
    return (
        base_css(_P)
        + f"{r} .{_P}-headline{{font-size:1.45em;font-weight:700;margin:.2em 0 .4em;line-height:1.25}}"
        f"{r} .{_P}-summary{{margin:0 0 .8em}}"
        f"{r} .{_P}-h{{font-size:1.05em;margin:1em 0 .3em;display:flex;align-items:center;gap:.4em}}"
        f"{r} .{_P}-table td:first-child,{r} .{_P}-table th:first-child{{width:2em;color:gray}}"
        f"{r} .{_P}-off{{font:11px ui-monospace,SFMono-Regular,Menlo,monospace;color:gray;"
        f"border:1px solid rgba(128,128,128,.35);border-radius:3px;padding:0 3px;margin-right:2px;cursor:help;"
        f"display:inline-block;white-space:nowrap}}"
        f"{r} q.{_P}-quote{{font-style:italic}}"
        f"{r} .{_P}-date,{r} .{_P}-coords{{white-space:nowrap;font-variant-numeric:tabular-nums}}"
        f"{r} .{_P}-source{{font-style:italic}}"
        f"{r} .{_P}-swatch{{display:inline-block;width:.9em;height:.9em;border-radius:2px;"
        f"border:1px solid rgba(0,0,0,.2);vertical-align:-.1em;margin-right:.3em}}"
        f"{r} .{_P}-multi-swatch{{background:{multi}}}"
        f"{r} .{_P}-dropped{{margin:1em 0;padding:.5em .8em;border-left:4px solid #e0a800;"
        f"background:rgba(255,193,7,.15)}}"
        f"{r} .{_P}-dropped h3{{margin:0 0 .3em;font-size:1em}}"
        f"{r} .{_P}-dropped ul{{margin:0;padding-left:1.2em}}"
        f"{r} .{_P}-warn{{color:#b45309}}"
        f"{r} details.{_P}-evidence{{margin:1em 0}}"
        f"{r} details.{_P}-evidence>summary{{cursor:pointer;font-weight:600;font-size:1.05em}}"
        f"{r} .{_P}-legend{{display:flex;flex-wrap:wrap;gap:.3em 1em;margin:.4em 0;font-size:.9em}}"
        f"{r} .{_P}-key{{white-space:nowrap}}"
        f"{r} .{_P}-article{{white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.7;padding:.7em .9em;"
        f"border:1px solid rgba(128,128,128,.35);border-radius:4px;max-height:40em;overflow-y:auto}}"
        f"{r} mark.{_P}-mark{{color:#111;padding:.1em 0;border-radius:0;cursor:help}}"
        f"{r} mark.{_P}-start{{border-top-left-radius:3px;border-bottom-left-radius:3px}}"
        f"{r} mark.{_P}-end{{border-top-right-radius:3px;border-bottom-right-radius:3px}}"
        f"{r} mark.{_P}-overlap{{box-shadow:inset 0 -2px 0 rgba(0,0,0,.45)}}"
        f"{r} mark.{_P}-mark:hover{{outline:1px solid rgba(0,0,0,.5)}}"
        f"{r} .{_P}-meta{{color:gray;font-size:.85em;margin-top:.8em;border-top:1px solid rgba(128,128,128,.3);"
        f"padding-top:.4em}}"
        f"{colours}"
    )


def to_html_fragment(summary: Summary, *, evidence_view: bool = True) -> str:
    """Self-contained HTML for notebooks: inline CSS, no scripts, no external resources.

    With ``evidence_view`` the article is shown with every grounded span in a
    ``<mark>`` coloured by section; overlapping spans are split into segments
    whose ``title`` lists every item covering them.
    """
    out = [
        f'<div class="{_P}-root"><style>{_css()}</style>',
        f'<div class="{_P}-headline">{esc(summary.headline)}</div>',
        f'<p class="{_P}-summary">{esc(summary.summary)}</p>',
    ]
    for section in SECTIONS:
        items = getattr(summary, section)
        if items:
            out.append(_html_section(section, items))
    if not summary.items() and summary.meta.notes:
        out.append("".join(f'<p class="{_P}-summary"><i>{esc(n)}</i></p>' for n in summary.meta.notes))
    if summary.meta.dropped:
        lis = "".join(
            f"<li><b>{esc(d.section)}</b>: {esc(describe_dropped(d))} — {esc(verdict(d))}:"
            f" {muted(_P, '; '.join(d.reasons) or 'no reason given')}</li>"
            for d in summary.meta.dropped
        )
        out.append(
            f'<div class="{_P}-dropped"><h3>{esc(dropped_heading(summary.meta.dropped))}</h3><ul>{lis}</ul></div>'
        )
    if evidence_view:
        out.append(evidence_html(summary))
    article = summary.article
    source = f" · article: {esc(article.key)}"
    out.append(f'<div class="{_P}-meta">{esc(usage_line(summary))}{source}</div></div>')
    return "".join(out)


def to_html(summary: Summary) -> str:
    """A standalone HTML page (no external resources) whose title is the headline."""
    return html_page(summary.headline, to_html_fragment(summary), f"body .{_P}-root .{_P}-article{{max-height:none}}")

"""Markdown: :func:`to_markdown` (also ``Summary._repr_markdown_``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from summarizer._markup import DASH, md, md_table, where, words
from summarizer.render.analyst import analyst_parts, resolved_date
from summarizer.render.common import (
    SECTION_TITLES,
    describe_dropped,
    dropped_heading,
    empty_message,
    num,
    opt,
    speaker,
    usage_line,
    verdict,
    weapons,
    yes_no,
)
from summarizer.schema import (
    SECTIONS,
    Attack,
    Diplomacy,
    Sanction,
    Section,
    Summary,
    Territory,
)

__all__ = ["to_markdown"]


def _md_diplomacy(items: list[Diplomacy]) -> list[str]:
    lines = []
    for d in items:
        head = f"- **{md(words(d.kind))}**"
        if d.actors:
            head += f" — {md(', '.join(d.actors))}"
        if d.when or d.date:
            head += f" ({' · '.join(md(p) for p in (d.when, resolved_date(d, inline=True)) if p)})"
        lines.append(f"{head}: {md(d.what)}")
        for q in d.quotes:
            lines.append(f"  - “{md(q.text)}” — {md(speaker(q))}")
    return lines


def _md_attacks(items: list[Attack]) -> list[str]:
    headers = ["When", "Place / region", "Weapon", "Perpetrator", "Target", "Killed", "Injured", "Civilians"]
    rows = [
        [
            md(opt(a.when)),
            md(where(a)),
            md(weapons(a)),
            md(opt(a.perpetrator)),
            md(opt(a.target)),
            num(a.killed),
            num(a.injured),
            yes_no(a.civilians),
        ]
        for a in items
    ]
    return md_table(headers, rows, right=(5, 6)) + _md_analyst(items)


def _md_territory(items: list[Territory]) -> list[str]:
    headers = ["Place", "Region", "Claimant", "Status", "When"]
    rows = [[md(t.place), md(opt(t.region)), md(t.claimant), md(words(t.status)), md(opt(t.when))] for t in items]
    return md_table(headers, rows) + _md_analyst(items)


#: Introduces the list of analyst fields under an attacks or territory table.
ANALYST_HEADING = "Dates, places and sources:"


def _md_analyst(items: Sequence[Attack | Territory]) -> list[str]:
    """Under the table, one bullet per row that has analyst fields: ``- **1. Sumy region** — 2025-05-17 (day) · …``.

    Rows with none are left out, and so is the whole list when no row has any.
    """
    lines = [
        f"- **{i}. {md(where(item))}** — {' · '.join(md(p) for p in parts)}"
        for i, item in enumerate(items, 1)
        if (parts := analyst_parts(item))
    ]
    return ["", ANALYST_HEADING, "", *lines] if lines else []


def _md_sanctions(items: list[Sanction]) -> list[str]:
    return [
        f"- **{md(words(s.status))}** — {md(', '.join(s.actors) or DASH)} → {md(s.target)}: {md(s.what)}"
        for s in items
    ]


_MD_SECTIONS: dict[Section, Callable[[Any], list[str]]] = {
    "diplomacy": _md_diplomacy,
    "attacks": _md_attacks,
    "territory": _md_territory,
    "sanctions": _md_sanctions,
}


def to_markdown(summary: Summary) -> str:
    """The summary as Markdown: headline, summary, the non-empty sections, dropped items, metadata."""
    lines = [f"# {md(summary.headline)}", "", md(summary.summary), ""]
    for section in SECTIONS:
        items = getattr(summary, section)
        if not items:
            continue
        lines += [f"## {SECTION_TITLES[section]}", ""]
        lines += _MD_SECTIONS[section](items)
        lines.append("")
    if not summary.items():
        lines += [f"*{md(line)}*" for line in empty_message(summary).splitlines()] + [""]
    if summary.meta.dropped:
        lines += [f"## {dropped_heading(summary.meta.dropped)}", ""]
        for d in summary.meta.dropped:
            reasons = "; ".join(d.reasons) or "no reason given"
            lines.append(f"- {d.section}: {md(describe_dropped(d))} — {verdict(d)}: *{md(reasons)}*")
        lines.append("")
    lines += ["---", "", f"*{md(usage_line(summary))}*", ""]
    return "\n".join(lines)


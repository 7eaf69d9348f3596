"""The terminal: :func:`to_terminal` prints a rich rendering on a ``Console`` (the CLI).

Sections with few columns are tables on a wide terminal and numbered lists on a narrow one;
every item's evidence follows as dim ``[start–end] text`` lines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from summarizer._markup import DASH, printable_copy, where, words
from summarizer.render.analyst import analyst_parts, resolved_date
from summarizer.render.common import (
    SECTION_TITLES,
    Column,
    attack_details,
    describe_dropped,
    dropped_heading,
    empty_message,
    num,
    opt,
    speaker,
    territory_details,
    usage_line,
    verdict,
    weapons,
)
from summarizer.schema import (
    SECTIONS,
    Attack,
    Diplomacy,
    Quote,
    Sanction,
    Section,
    Span,
    Summary,
    Territory,
)

__all__ = ["to_terminal"]

# Terminal colours of the section headings.
_RICH_COLOURS: dict[Section, str] = {
    "diplomacy": "blue",
    "attacks": "red",
    "territory": "green",
    "sanctions": "magenta",
}


_NARROW = 80  # below this width, tables become lists
_WIDE = 120  # from this width, tables may have their wide columns


def _ev_line(s: Span) -> Text:
    """One evidence span as a dim one-liner ``[start–end] text…`` (truncated, never wrapped)."""
    line = Text(f"[{s.start}–{s.end}] ", style="dim cyan", no_wrap=True, overflow="ellipsis")
    line.append(" ".join(s.text.split()), style="dim")
    return line


def _heading(section: Section, count: int) -> Text:
    t = Text(SECTION_TITLES[section], style=f"bold {_RICH_COLOURS[section]}")
    t.append(f" ({count})", style="dim")
    return t


def _rich_table() -> Table:
    return Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")


# The sections shown as tables in the terminal (the others are always lists).
_TABLES: dict[Section, tuple[Column, ...]] = {
    "attacks": (
        Column("Place", where),
        Column("Weapon", weapons),
        Column("Perpetrator", lambda a: opt(a.perpetrator), wide=True),
        Column("Killed", lambda a: num(a.killed), "num"),
        Column("Injured", lambda a: num(a.injured), "num"),
        Column("When", lambda a: opt(a.when)),
        Column("Target", lambda a: opt(a.target)),
    ),
    "territory": (
        Column("Place", lambda t: t.place),
        Column("Region", lambda t: opt(t.region)),
        Column("Claimant", lambda t: t.claimant),
        Column("Status", lambda t: words(t.status)),
        Column("When", lambda t: opt(t.when)),
    ),
}


def _item_table(items: Sequence[Any], section_columns: Sequence[Column]) -> Table:
    """The items numbered, columns sharing the width in proportion to their longest cell."""
    columns = (Column("#", str, "num"), *section_columns)
    rows = [[str(i), *(c.value(item) for c in columns[1:])] for i, item in enumerate(items, 1)]
    table = _rich_table()
    for k, column in enumerate(columns):
        longest = max([len(column.header), *(len(r[k]) for r in rows)])
        if column.kind == "num":
            table.add_column(column.header, justify="right", no_wrap=True)
        elif longest <= 16:  # short values ("On Saturday", "drone, missile") are not worth wrapping
            table.add_column(column.header, min_width=longest)
        else:
            table.add_column(column.header, ratio=min(longest, 30), min_width=min(longest, 12))
    for row in rows:
        table.add_row(*(Text(c) for c in row))
    table.columns[0].style = "dim"
    return table


def _item_grid() -> Table:
    """Two columns (number, body) so wrapped lines keep a hanging indent."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


def _diplomacy_line(d: Diplomacy) -> Text:
    t = Text(words(d.kind), style="bold")
    if d.actors:
        t.append(" — " + ", ".join(d.actors))
    if d.when or d.date:
        t.append(f" ({' · '.join(p for p in (d.when, resolved_date(d, inline=True)) if p)})", style="italic")
    t.append(": " + d.what)
    return t


def _sanction_line(s: Sanction) -> Text:
    t = Text(words(s.status), style="bold")
    t.append(f" — {', '.join(s.actors) or DASH} → {s.target}: {s.what}")
    return t


def _place_line(item: Attack | Territory, details: list[str]) -> Text:
    """``place, region (when) — details``: the list form of a table row, nothing left out but the evidence."""
    t = Text(where(item))
    if item.when:
        t.append(f" ({item.when})", style="italic")
    for part in details:
        t.append(" — " + part)
    return t


def _attack_line(a: Attack) -> Text:
    return _place_line(a, attack_details(a))


def _territory_line(t: Territory) -> Text:
    return _place_line(t, territory_details(t))


_RICH_LINES: dict[Section, Callable[[Any], Text]] = {
    "diplomacy": _diplomacy_line,
    "attacks": _attack_line,
    "territory": _territory_line,
    "sanctions": _sanction_line,
}


def _analyst_line(item: Attack | Territory) -> Text | None:
    """``2025-05-17 (day) · Sumska oblast, Ukraine · 50.9174, 34.7991 (region only) · reported:
    “According to officials” [1343–1365]``; None when the item has none of these fields."""
    parts = analyst_parts(item)
    if not parts:
        return None
    t = Text()
    for k, part in enumerate(parts):
        if k:
            t.append(" · ", style="dim")
        t.append(part, style="cyan")
    if item.attribution is not None:
        t.append(f" [{item.attribution.start}–{item.attribution.end}]", style="dim cyan")
    return t


def _quote_line(q: Quote) -> Text:
    t = Text("“" + " ".join(q.text.split()) + "”", style="italic")
    t.append(" — " + speaker(q))
    return t


def _fitting_table(section: Section, items: Sequence[Any], console: Console) -> Table | None:
    """The section's table with its wide columns if it fits, else without; None when the list reads better."""
    basic = [c for c in _TABLES[section] if not c.wide]
    layouts = [basic]
    if console.width >= _WIDE and len(basic) < len(_TABLES[section]):
        layouts.insert(0, list(_TABLES[section]))
    for columns in layouts:
        table = _item_table(items, columns)
        natural = table.__rich_measure__(console, console.options.update(max_width=10_000)).maximum
        if natural <= console.width:
            return table
    # A table squeezed well below its natural width wraps every cell: use the list instead.
    if natural > console.width * 1.15:
        return None
    table.expand = True
    return table


def to_terminal(summary: Summary, console: Console) -> None:
    """Print a readable rendering of ``summary`` on ``console`` (tables become lists when narrow)."""
    summary = printable_copy(summary)  # no terminal escapes from the article or the model
    narrow = console.width < _NARROW
    console.print(Text(summary.headline, style="bold"))
    console.print(Text(summary.summary))
    if not summary.items():
        console.print()
        console.print(Text(empty_message(summary), style="dim italic"))

    for section in SECTIONS:
        items = getattr(summary, section)
        if not items:
            continue
        console.print()
        console.print(_heading(section, len(items)))
        grid = _item_grid()
        table = _fitting_table(section, items, console) if section in _TABLES and not narrow else None
        if table is not None:
            console.print(table)
            for i, item in enumerate(items, 1):
                if (analyst := _analyst_line(item)) is not None:
                    grid.add_row(str(i), analyst)
                for s in item.evidence:
                    grid.add_row(str(i), _ev_line(s))
        else:
            for i, item in enumerate(items, 1):
                body: list[RenderableType] = [_RICH_LINES[section](item)]
                if isinstance(item, (Attack, Territory)) and (analyst := _analyst_line(item)) is not None:
                    body.append(analyst)
                body += [_quote_line(q) for q in getattr(item, "quotes", [])]
                body += [_ev_line(s) for s in item.evidence]
                grid.add_row(f"{i}.", Group(*body))
        console.print(grid)

    if summary.meta.dropped:
        console.print()
        console.print(Text(dropped_heading(summary.meta.dropped), style="bold yellow"))
        grid = _item_grid()
        for d in summary.meta.dropped:
            body = [Text(f"{d.section}: {describe_dropped(d)} — {verdict(d)}:", style="yellow")]
            body += [Text(r, style="dim yellow") for r in d.reasons or ["no reason given"]]
            grid.add_row(Text("•", style="yellow"), Group(*body))
        console.print(grid)
    console.print()
    console.print(Text(usage_line(summary), style="dim"))


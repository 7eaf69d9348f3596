"""Pure functions from a :class:`~summarizer.schema.Summary` to text.

* :func:`to_json` the summary with its metadata, as JSON.
* :func:`to_markdown` Markdown (also ``Summary._repr_markdown_``).
* :func:`to_terminal` a rich rendering onto a ``Console`` (the CLI).
* :func:`to_html_fragment` self-contained HTML for Jupyter (``_repr_html_``),
  with the article and every grounded span highlighted by section.
* :func:`to_html` a standalone ``<!doctype html>`` page around the fragment.

Nothing here reads files, the network or the environment; every string that
comes from the article or the model is escaped for the target format.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from summarizer._markup import (
    DASH,
    base_css,
    cell,
    clip,
    esc,
    html_page,
    html_table,
    md,
    md_table,
    muted,
    printable_copy,
    where,
    words,
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

if TYPE_CHECKING:
    from summarizer.schema import Dropped

__all__ = [
    "SECTION_COLOURS",
    "describe_item",
    "to_html",
    "to_html_fragment",
    "to_json",
    "to_markdown",
    "to_terminal",
]

SECTION_TITLES: dict[Section, str] = {
    "diplomacy": "Diplomacy",
    "attacks": "Attacks",
    "territory": "Territory",
    "sanctions": "Sanctions",
}

#: Highlight colour of each section (HTML evidence view and legend).
SECTION_COLOURS: dict[Section, str] = {
    "diplomacy": "#bcd7ff",
    "attacks": "#ffc2bd",
    "territory": "#bfeabf",
    "sanctions": "#e2cdfa",
}

# Terminal colours of the section headings.
_RICH_COLOURS: dict[Section, str] = {
    "diplomacy": "blue",
    "attacks": "red",
    "territory": "green",
    "sanctions": "magenta",
}


# ---------------------------------------------------------------------------
# Shared helpers


@dataclass(frozen=True)
class _Column:
    """One column of a section's table: its header, its cell for an item, its kind.

    ``kind="num"`` is a right-aligned, unwrapped number (terminal and HTML); other
    kinds are CSS classes of the HTML cells. A ``wide`` terminal column is shown
    only on a terminal at least ``_WIDE`` columns wide, and only if the table
    still fits with it.
    """

    header: str
    value: Callable[[Any], str]
    kind: str = ""
    wide: bool = False


def _num(value: int | None) -> str:
    return DASH if value is None else f"{value:,}"


def _opt(value: str | None) -> str:
    return value if value else DASH


def _bool(value: bool | None) -> str:
    return DASH if value is None else ("yes" if value else "no")


def _weapons(attack: Attack) -> str:
    return ", ".join(words(w) for w in attack.weapons) or DASH


def _casualties(attack: Attack) -> str:
    parts = []
    if attack.killed is not None:
        parts.append(f"{attack.killed:,} killed")
    if attack.injured is not None:
        parts.append(f"{attack.injured:,} injured")
    return ", ".join(parts)


def _attack_details(attack: Attack) -> list[str]:
    """Weapons, target and casualties, those that are known."""
    parts = []
    if attack.weapons:
        parts.append(", ".join(words(w) for w in attack.weapons))
    if attack.target:
        parts.append(attack.target)
    if cas := _casualties(attack):
        parts.append(cas)
    return parts


def _territory_details(territory: Territory) -> list[str]:
    return [words(territory.status), territory.claimant]


def describe_item(section: Section, item: object, index: int | None = None) -> str:
    """A one-line description of an item, e.g. ``attacks #1: Sumy region — drone — 9 killed, 5 injured``.

    ``index`` is 1-based; without it the ``"section #n: "`` prefix is left out.
    """
    if isinstance(item, Attack):
        body = " — ".join([where(item), *_attack_details(item)])
    elif isinstance(item, Diplomacy):
        parts = [words(item.kind)]
        if item.actors:
            parts.append(", ".join(item.actors))
        parts.append(item.what)
        body = " — ".join(parts)
    elif isinstance(item, Territory):
        body = " — ".join([where(item), *_territory_details(item)])
    elif isinstance(item, Sanction):
        actors = ", ".join(item.actors) or DASH
        body = f"{words(item.status)} — {actors} → {item.target} — {item.what}"
    else:  # pragma: no cover - only the four section types exist
        body = str(item)
    return f"{section} #{index}: {body}" if index is not None else body


def _describe_dropped(d: Dropped) -> str:
    """A short description of what the backend proposed: the item's fields, or the headline/summary text."""
    if d.section not in SECTIONS:
        return f"“{clip(str(d.item.get('text') or ''), 120)}”"
    item = d.item
    keys = ("kind", "status", "place", "region", "actors", "weapons", "target", "claimant", "what")
    parts = []
    for key in keys:
        value = item.get(key)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        parts.append(str(value))
    for key in ("killed", "injured"):
        if item.get(key) is not None:
            parts.append(f"{item[key]} {key}")
    return " — ".join(parts) or "(empty item)"


def _verdict(d: Dropped) -> str:
    """What became of it: dropped whole, kept without its ungrounded parts, or replaced."""
    if d.section not in SECTIONS:
        return "replaced by the article's lead"
    return "kept, without" if d.kept else "dropped"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _dropped_heading(dropped: Sequence[Dropped]) -> str:
    """``Dropped: 2 items not found in the article``, or what was dropped, kept and replaced."""
    verdicts = [_verdict(d) for d in dropped]
    whole, trimmed = verdicts.count("dropped"), verdicts.count("kept, without")
    if whole == len(dropped):
        return f"Dropped: {_plural(whole, 'item')} not found in the article"
    parts = [f"{_plural(whole, 'item')} dropped"] if whole else []
    if trimmed:
        parts.append(f"{_plural(trimmed, 'item')} kept without {'its' if trimmed == 1 else 'their'} ungrounded parts")
    if replaced := [d.section for d in dropped if d.section not in SECTIONS]:
        parts.append(f"{' and '.join(replaced)} replaced by the article's lead")
    return "Not found in the article: " + ", ".join(parts)


def _usage_line(summary: Summary) -> str:
    meta = summary.meta
    usage = meta.usage
    bits = [f"backend: {meta.backend}"]
    if meta.model:
        bits.append(f"model: {meta.model}")
    bits.append(f"attempts: {meta.attempts}")
    if usage.total_tokens or usage.prompt_tokens or usage.completion_tokens:
        bits.append(
            f"tokens: {usage.total_tokens:,} ({usage.prompt_tokens:,} prompt + {usage.completion_tokens:,} completion)"
        )
    else:
        bits.append("tokens: 0")
    if meta.latency_s is not None:
        bits.append(f"{meta.latency_s:.1f} s")
    return " · ".join(bits)


# ---------------------------------------------------------------------------
# JSON


def to_json(summary: Summary, *, indent: int | None = 2) -> str:
    """The summary with its article and metadata as JSON (``indent=None`` for one line)."""
    return summary.model_dump_json(indent=indent)


# ---------------------------------------------------------------------------
# Markdown

def _md_diplomacy(items: list[Diplomacy]) -> list[str]:
    lines = []
    for d in items:
        head = f"- **{md(words(d.kind))}**"
        if d.actors:
            head += f" — {md(', '.join(d.actors))}"
        if d.when:
            head += f" ({md(d.when)})"
        lines.append(f"{head}: {md(d.what)}")
        for q in d.quotes:
            lines.append(f"  - “{md(q.text)}” — {md(speaker(q))}")
    return lines


def _md_attacks(items: list[Attack]) -> list[str]:
    headers = ["When", "Place / region", "Weapon", "Perpetrator", "Target", "Killed", "Injured", "Civilians"]
    rows = [
        [
            md(_opt(a.when)),
            md(where(a)),
            md(_weapons(a)),
            md(_opt(a.perpetrator)),
            md(_opt(a.target)),
            _num(a.killed),
            _num(a.injured),
            _bool(a.civilians),
        ]
        for a in items
    ]
    return md_table(headers, rows, right=(5, 6))


def _md_territory(items: list[Territory]) -> list[str]:
    headers = ["Place", "Region", "Claimant", "Status", "When"]
    rows = [[md(t.place), md(_opt(t.region)), md(t.claimant), md(words(t.status)), md(_opt(t.when))] for t in items]
    return md_table(headers, rows)


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


#: Shown when every section is empty, so an empty result is not mistaken for a rendering fault.
NOTHING_FOUND = "No diplomacy, attacks, territorial changes or sanctions were found in this article."
#: Shown for a quote whose speaker the article does not name beside it.
UNATTRIBUTED = "unattributed"


def speaker(q: Quote) -> str:
    """Who said a quote, or "unattributed"."""
    return q.speaker or UNATTRIBUTED


def empty_message(summary: Summary) -> str:
    """Why every section is empty: the summary's notes (off-topic, language not read), one a
    line, or :data:`NOTHING_FOUND`."""
    return "\n".join(summary.meta.notes) or NOTHING_FOUND


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
        lines += [f"## {_dropped_heading(summary.meta.dropped)}", ""]
        for d in summary.meta.dropped:
            reasons = "; ".join(d.reasons) or "no reason given"
            lines.append(f"- {d.section}: {md(_describe_dropped(d))} — {_verdict(d)}: *{md(reasons)}*")
        lines.append("")
    lines += ["---", "", f"*{md(_usage_line(summary))}*", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Terminal (rich)

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
_TABLES: dict[Section, tuple[_Column, ...]] = {
    "attacks": (
        _Column("Place", where),
        _Column("Weapon", _weapons),
        _Column("Perpetrator", lambda a: _opt(a.perpetrator), wide=True),
        _Column("Killed", lambda a: _num(a.killed), "num"),
        _Column("Injured", lambda a: _num(a.injured), "num"),
        _Column("When", lambda a: _opt(a.when)),
        _Column("Target", lambda a: _opt(a.target)),
    ),
    "territory": (
        _Column("Place", lambda t: t.place),
        _Column("Region", lambda t: _opt(t.region)),
        _Column("Claimant", lambda t: t.claimant),
        _Column("Status", lambda t: words(t.status)),
        _Column("When", lambda t: _opt(t.when)),
    ),
}


def _item_table(items: Sequence[Any], section_columns: Sequence[_Column]) -> Table:
    """The items numbered, columns sharing the width in proportion to their longest cell."""
    columns = (_Column("#", str, "num"), *section_columns)
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
    if d.when:
        t.append(f" ({d.when})", style="italic")
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
    return _place_line(a, _attack_details(a))


def _territory_line(t: Territory) -> Text:
    return _place_line(t, _territory_details(t))


_RICH_LINES: dict[Section, Callable[[Any], Text]] = {
    "diplomacy": _diplomacy_line,
    "attacks": _attack_line,
    "territory": _territory_line,
    "sanctions": _sanction_line,
}


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
                for s in item.evidence:
                    grid.add_row(str(i), _ev_line(s))
        else:
            for i, item in enumerate(items, 1):
                body: list[RenderableType] = [_RICH_LINES[section](item)]
                body += [_quote_line(q) for q in getattr(item, "quotes", [])]
                body += [_ev_line(s) for s in item.evidence]
                grid.add_row(f"{i}.", Group(*body))
        console.print(grid)

    if summary.meta.dropped:
        console.print()
        console.print(Text(_dropped_heading(summary.meta.dropped), style="bold yellow"))
        grid = _item_grid()
        for d in summary.meta.dropped:
            body = [Text(f"{d.section}: {_describe_dropped(d)} — {_verdict(d)}:", style="yellow")]
            body += [Text(r, style="dim yellow") for r in d.reasons or ["no reason given"]]
            grid.add_row(Text("•", style="yellow"), Group(*body))
        console.print(grid)
    console.print()
    console.print(Text(_usage_line(summary), style="dim"))


# ---------------------------------------------------------------------------
# HTML

_P = "smz"  # CSS class prefix, so nothing clashes with notebook styles


@dataclass(frozen=True)
class _Mark:
    start: int
    end: int
    section: Section
    label: str


def _collect_marks(summary: Summary) -> tuple[list[_Mark], int]:
    """Every grounded span (evidence and quotes) with its section and label; also the count skipped.

    A span is skipped when its offsets are outside the article or don't slice
    back to its text (the summary was not grounded against this article).
    """
    text = summary.article.text
    marks: list[_Mark] = []
    skipped = 0
    for section in SECTIONS:
        for i, item in enumerate(getattr(summary, section), 1):
            label = describe_item(section, item, i)
            spans: list[tuple[Span, str]] = [(s, label) for s in item.evidence]
            spans += [(q, f"{label} (quote: {speaker(q)})") for q in getattr(item, "quotes", [])]
            for s, lab in spans:
                if not (0 <= s.start < s.end <= len(text)) or text[s.start : s.end] != s.text:
                    skipped += 1
                    continue
                marks.append(_Mark(s.start, s.end, section, lab))
    return marks, skipped


def _segments(length: int, marks: list[_Mark]) -> list[tuple[int, int, list[_Mark]]]:
    """Split ``[0, length)`` at every mark boundary; each segment lists the marks covering it."""
    cuts = sorted({0, length, *(m.start for m in marks), *(m.end for m in marks)})
    out = []
    for a, b in pairwise(cuts):
        covering = [m for m in marks if m.start <= a and b <= m.end]
        out.append((a, b, covering))
    return out


def _stripes(sections: list[Section]) -> str:
    """A striped background mixing the colours of several sections."""
    stops = []
    step = 6
    for k, sec in enumerate(sections):
        stops.append(f"{SECTION_COLOURS[sec]} {k * step}px {(k + 1) * step}px")
    return f"background:repeating-linear-gradient(135deg,{','.join(stops)})"


def _evidence_html(summary: Summary) -> str:
    text = summary.article.text
    marks, skipped = _collect_marks(summary)
    parts = []
    for a, b, covering in _segments(len(text), marks):
        chunk = esc(text[a:b])
        if not covering:
            parts.append(chunk)
            continue
        sections = [s for s in SECTIONS if any(m.section == s for m in covering)]
        labels = list(dict.fromkeys(m.label for m in covering))
        classes = [f"{_P}-mark", *(f"{_P}-{s}" for s in sections)]
        style = ""
        if len(sections) > 1:
            classes.append(f"{_P}-multi")
            style = f' style="{_stripes(sections)}"'
        if len(covering) > 1:
            classes.append(f"{_P}-overlap")
        if any(m.start == a for m in covering):
            classes.append(f"{_P}-start")
        if any(m.end == b for m in covering):
            classes.append(f"{_P}-end")
        parts.append(
            f'<mark class="{" ".join(classes)}" data-start="{a}" data-end="{b}"'
            f' title="{esc(chr(10).join(labels))}"{style}>{chunk}</mark>'
        )
    legend = "".join(
        f'<span class="{_P}-key"><span class="{_P}-swatch {_P}-{s}"></span>{SECTION_TITLES[s]}'
        f' <span class="{_P}-muted">({len(getattr(summary, s))})</span></span>'
        for s in SECTIONS
    )
    note = ""
    if skipped:
        note = f'<p class="{_P}-warn">{skipped} span(s) do not match the article text and are not highlighted.</p>'
    return (
        f'<details class="{_P}-evidence" open><summary>Evidence in the article '
        f'<span class="{_P}-muted">({len(marks)} spans; hover a highlight to see its items)</span></summary>'
        f'<div class="{_P}-legend">{legend}<span class="{_P}-key"><span class="{_P}-swatch {_P}-multi-swatch">'
        f"</span>several sections</span></div>{note}"
        f'<div class="{_P}-article">{"".join(parts)}</div></details>'
    )


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


# Each section's HTML columns (escaped cells); the item number comes first and the evidence offsets last.
_HTML_COLUMNS: dict[Section, tuple[_Column, ...]] = {
    "diplomacy": (
        _Column("Kind", lambda d: esc(words(d.kind))),
        _Column("Actors", lambda d: cell(_P, ", ".join(d.actors)), "text"),
        _Column("What", lambda d: esc(d.what), "prose"),
        _Column("When", lambda d: cell(_P, d.when)),
        _Column("Quotes", _html_quotes, "prose"),
    ),
    "attacks": (
        _Column("When", lambda a: cell(_P, a.when)),
        _Column("Place / region", lambda a: esc(where(a)), "text"),
        _Column("Weapon", lambda a: cell(_P, ", ".join(words(w) for w in a.weapons))),
        _Column("Perpetrator", lambda a: cell(_P, a.perpetrator), "text"),
        _Column("Target", lambda a: cell(_P, a.target), "text"),
        _Column("Killed", lambda a: _html_num(a.killed), "num"),
        _Column("Injured", lambda a: _html_num(a.injured), "num"),
        _Column("Civilians", lambda a: cell(_P, None if a.civilians is None else _bool(a.civilians))),
    ),
    "territory": (
        _Column("Place", lambda t: esc(t.place), "text"),
        _Column("Region", lambda t: cell(_P, t.region), "text"),
        _Column("Claimant", lambda t: esc(t.claimant), "text"),
        _Column("Status", lambda t: esc(words(t.status))),
        _Column("When", lambda t: cell(_P, t.when)),
    ),
    "sanctions": (
        _Column("Status", lambda s: esc(words(s.status))),
        _Column("Actors", lambda s: cell(_P, ", ".join(s.actors)), "text"),
        _Column("Target", lambda s: esc(s.target), "text"),
        _Column("What", lambda s: esc(s.what), "prose"),
    ),
}


def _html_section(section: Section, items: Sequence[Any]) -> str:
    """The section's heading and table: item number, the section's columns, evidence offsets."""
    columns = (_Column("#", str), *_HTML_COLUMNS[section], _Column("Evidence", lambda x: _offsets(x.evidence), "tags"))
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
    multi = _stripes(["diplomacy", "sanctions"]).replace("background:", "")
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
            f"<li><b>{esc(d.section)}</b>: {esc(_describe_dropped(d))} — {esc(_verdict(d))}:"
            f" {muted(_P, '; '.join(d.reasons) or 'no reason given')}</li>"
            for d in summary.meta.dropped
        )
        out.append(
            f'<div class="{_P}-dropped"><h3>{esc(_dropped_heading(summary.meta.dropped))}</h3><ul>{lis}</ul></div>'
        )
    if evidence_view:
        out.append(_evidence_html(summary))
    article = summary.article
    source = f" · article: {esc(article.key)}"
    out.append(f'<div class="{_P}-meta">{esc(_usage_line(summary))}{source}</div></div>')
    return "".join(out)


def to_html(summary: Summary) -> str:
    """A standalone HTML page (no external resources) whose title is the headline."""
    return html_page(summary.headline, to_html_fragment(summary), f"body .{_P}-root .{_P}-article{{max-height:none}}")

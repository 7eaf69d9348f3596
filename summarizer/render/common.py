"""What every rendering shares: section titles and colours, table columns, one-line
descriptions of items and dropped items, the usage line, and the JSON rendering."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from summarizer._markup import DASH, clip, where, words
from summarizer.schema import (
    SECTIONS,
    Attack,
    Diplomacy,
    Quote,
    Sanction,
    Section,
    Summary,
    Territory,
)

if TYPE_CHECKING:
    from summarizer.schema import Dropped

__all__ = [
    "CSS_PREFIX",
    "NOTHING_FOUND",
    "SECTION_COLOURS",
    "SECTION_TITLES",
    "UNATTRIBUTED",
    "Column",
    "attack_details",
    "casualties",
    "describe_dropped",
    "describe_item",
    "dropped_heading",
    "empty_message",
    "num",
    "opt",
    "plural",
    "speaker",
    "territory_details",
    "to_json",
    "usage_line",
    "verdict",
    "weapons",
    "yes_no",
]

#: Prefix of every CSS class of the HTML renderings, so nothing clashes with notebook styles.
CSS_PREFIX = "smz"

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


@dataclass(frozen=True)
class Column:
    """One column of a section's table: its header, its cell for an item, its kind.

    ``kind="num"`` is a right-aligned, unwrapped number (terminal and HTML); other
    kinds are CSS classes of the HTML cells. A ``wide`` terminal column is shown
    only on a terminal at least ``terminal._WIDE`` columns wide, and only if the table
    still fits with it.
    """

    header: str
    value: Callable[[Any], str]
    kind: str = ""
    wide: bool = False


def num(value: int | None) -> str:
    return DASH if value is None else f"{value:,}"


def opt(value: str | None) -> str:
    return value if value else DASH


def yes_no(value: bool | None) -> str:
    return DASH if value is None else ("yes" if value else "no")


def weapons(attack: Attack) -> str:
    return ", ".join(words(w) for w in attack.weapons) or DASH


def casualties(attack: Attack) -> str:
    parts = []
    if attack.killed is not None:
        parts.append(f"{attack.killed:,} killed")
    if attack.injured is not None:
        parts.append(f"{attack.injured:,} injured")
    return ", ".join(parts)


def attack_details(attack: Attack) -> list[str]:
    """Weapons, target and casualties, those that are known."""
    parts = []
    if attack.weapons:
        parts.append(", ".join(words(w) for w in attack.weapons))
    if attack.target:
        parts.append(attack.target)
    if cas := casualties(attack):
        parts.append(cas)
    return parts


def territory_details(territory: Territory) -> list[str]:
    return [words(territory.status), territory.claimant]


def describe_item(section: Section, item: object, index: int | None = None) -> str:
    """A one-line description of an item, e.g. ``attacks #1: Sumy region — drone — 9 killed, 5 injured``.

    ``index`` is 1-based; without it the ``"section #n: "`` prefix is left out.
    """
    if isinstance(item, Attack):
        body = " — ".join([where(item), *attack_details(item)])
    elif isinstance(item, Diplomacy):
        parts = [words(item.kind)]
        if item.actors:
            parts.append(", ".join(item.actors))
        parts.append(item.what)
        body = " — ".join(parts)
    elif isinstance(item, Territory):
        body = " — ".join([where(item), *territory_details(item)])
    elif isinstance(item, Sanction):
        actors = ", ".join(item.actors) or DASH
        body = f"{words(item.status)} — {actors} → {item.target} — {item.what}"
    else:  # pragma: no cover - only the four section types exist
        body = str(item)
    return f"{section} #{index}: {body}" if index is not None else body


def describe_dropped(d: Dropped) -> str:
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


def verdict(d: Dropped) -> str:
    """What became of it: dropped whole, kept without its ungrounded parts, or replaced."""
    if d.section not in SECTIONS:
        return "replaced by the article's lead"
    return "kept, without" if d.kept else "dropped"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def dropped_heading(dropped: Sequence[Dropped]) -> str:
    """``Dropped: 2 items not found in the article``, or what was dropped, kept and replaced."""
    verdicts = [verdict(d) for d in dropped]
    whole, trimmed = verdicts.count("dropped"), verdicts.count("kept, without")
    if whole == len(dropped):
        return f"Dropped: {plural(whole, 'item')} not found in the article"
    parts = [f"{plural(whole, 'item')} dropped"] if whole else []
    if trimmed:
        parts.append(f"{plural(trimmed, 'item')} kept without {'its' if trimmed == 1 else 'their'} ungrounded parts")
    if replaced := [d.section for d in dropped if d.section not in SECTIONS]:
        parts.append(f"{' and '.join(replaced)} replaced by the article's lead")
    return "Not found in the article: " + ", ".join(parts)


def usage_line(summary: Summary) -> str:
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



def to_json(summary: Summary, *, indent: int | None = 2) -> str:
    """The summary with its article and metadata as JSON (``indent=None`` for one line)."""
    return summary.model_dump_json(indent=indent)


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


"""The HTML evidence view: the article with every grounded span in a ``<mark>`` coloured by
section; overlapping spans are split into segments whose ``title`` lists every item covering them."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from summarizer._markup import esc
from summarizer.render.common import (
    CSS_PREFIX,
    SECTION_COLOURS,
    SECTION_TITLES,
    describe_item,
    speaker,
)
from summarizer.schema import SECTIONS, Section, Span, Summary

__all__ = ["evidence_html", "stripes"]

_P = CSS_PREFIX


@dataclass(frozen=True)
class _Mark:
    start: int
    end: int
    section: Section
    label: str


def _collect_marks(summary: Summary) -> tuple[list[_Mark], int]:
    """Every grounded span (evidence, quotes, attributions) with its section and label; also the count skipped.

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
            if (said := getattr(item, "attribution", None)) is not None:
                spans.append((said, f"{label} (source, {getattr(item, 'claim', None) or 'attribution'})"))
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


def stripes(sections: list[Section]) -> str:
    """A striped background mixing the colours of several sections."""
    stops = []
    step = 6
    for k, sec in enumerate(sections):
        stops.append(f"{SECTION_COLOURS[sec]} {k * step}px {(k + 1) * step}px")
    return f"background:repeating-linear-gradient(135deg,{','.join(stops)})"


def evidence_html(summary: Summary) -> str:
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
            style = f' style="{stripes(sections)}"'
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


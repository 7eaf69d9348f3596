"""An event item (a section's fields plus its evidence sentences and quotes) and quote attachment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from summarizer.backends.extractive.sentences import Sentence
from summarizer.schema import Quote


@dataclass
class _Item:
    section: str
    fields: dict[str, Any]
    sentences: list[Sentence]
    para: int
    quotes: list[Quote] = field(default_factory=list)


def _attach_quotes(items: list[_Item], quotes: list[tuple[int, Quote]]) -> None:
    by_para: dict[int, list[_Item]] = {}
    for it in items:
        for para in dict.fromkeys(s.para for s in it.sentences):
            by_para.setdefault(para, []).append(it)
    for para, q in quotes:
        cands = by_para.get(para) or by_para.get(para - 1)
        if not cands:
            continue
        # the item whose evidence is closest before the quote
        best = min(cands, key=lambda it: min(abs(s.start - q.start) for s in it.sentences))
        best.quotes.append(q)


def _describe(it: _Item) -> str:
    return it.sentences[0].text

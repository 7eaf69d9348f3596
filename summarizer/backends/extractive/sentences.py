"""Sentence segmentation with exact offsets; short unpunctuated lines are headings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.schema import Span
from summarizer.sentences import line_sentences


@dataclass
class Sentence:
    """A sentence (or heading) of the article with its offsets."""

    start: int
    end: int
    text: str
    para: int
    heading: bool = False

    def span(self) -> Span:
        return Span(text=self.text, start=self.start, end=self.end)


_CLOSING = ".!?…:;\"”’)]"


def segment(text: str) -> list[Sentence]:
    """Split ``text`` into sentences with exact offsets (:mod:`summarizer.sentences`).

    Each line is a paragraph. A short line without final punctuation (e.g.
    "First Direct Talks Since 2022", or a live-blog timestamp) is a heading.
    """
    out: list[Sentence] = []
    para = 0
    for line in re.finditer(r"[^\n]+", text):
        raw = line.group()
        stripped = raw.strip()
        if not stripped:
            continue
        base = line.start() + (len(raw) - len(raw.lstrip()))
        if stripped[-1] not in _CLOSING and len(stripped.split()) <= 15:
            out.append(Sentence(base, base + len(stripped), stripped, para, heading=True))
        else:
            out.extend(Sentence(a, b, text[a:b], para) for a, b in line_sentences(stripped, base))
        para += 1
    return out

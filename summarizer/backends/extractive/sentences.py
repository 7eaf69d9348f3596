"""Sentence segmentation with exact offsets; short unpunctuated lines are headings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.schema import Span


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


_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Maj|Capt|Sgt|St|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|No|vs|etc|Rep|Sen|Gov|approx)"
    r"|(?:\b[A-Za-z]\.)+[A-Za-z])\.$"
)
_BOUNDARY = re.compile(r"[.!?…]+[\"”’)\]]*(?=\s|$)")
_CLOSING = ".!?…:;\"”’)]"


def segment(text: str) -> list[Sentence]:
    """Split ``text`` into sentences with exact offsets.

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
            para += 1
            continue
        pos = 0
        for m in _BOUNDARY.finditer(stripped):
            candidate = stripped[pos : m.end()]
            rest = stripped[m.end() :].lstrip()
            if rest:
                nxt = rest[0]
                if not (nxt.isupper() or nxt.isdigit() or nxt in "“\"‘'("):
                    continue
                if _ABBREV.search(stripped[: m.start() + 1]) and stripped[m.start()] == ".":
                    continue
            s = candidate.strip()
            if s:
                off = base + pos + (len(candidate) - len(candidate.lstrip()))
                out.append(Sentence(off, off + len(s), s, para))
            pos = m.end()
        tail = stripped[pos:]
        if tail.strip():
            s = tail.strip()
            off = base + pos + (len(tail) - len(tail.lstrip()))
            out.append(Sentence(off, off + len(s), s, para))
        para += 1
    return out

"""Sentences with exact offsets: the one splitter the extractive backend, the relevance gate,
attribution and the merged summary share.

A line is a paragraph. Inside a line a sentence ends at ``. ! ? …`` (with closing quotes or
brackets) before a space, when the next word starts with a capital, a digit, a quote or a
bracket, and the full stop does not end an abbreviation ("Mr.", "Gen.", "U.S.").
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["line_sentences", "sentence_spans"]

_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Maj|Capt|Sgt|St|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|No|vs|etc|Rep|Sen|Gov|approx)"
    r"|(?:\b[A-Za-z]\.)+[A-Za-z])\.$"
)
_BOUNDARY = re.compile(r"[.!?…]+[\"”’)\]]*(?=\s|$)")
_OPENERS = "“\"‘'("


def line_sentences(stripped: str, base: int) -> list[tuple[int, int]]:
    """(start, end) of each sentence of one line's text ``stripped`` (no surrounding space),
    which starts at offset ``base`` of the whole text."""
    out: list[tuple[int, int]] = []
    pos = 0
    for m in _BOUNDARY.finditer(stripped):
        candidate = stripped[pos : m.end()]
        rest = stripped[m.end() :].lstrip()
        if rest:
            nxt = rest[0]
            if not (nxt.isupper() or nxt.isdigit() or nxt in _OPENERS):
                continue
            if _ABBREV.search(stripped[: m.start() + 1]) and stripped[m.start()] == ".":
                continue
        s = candidate.strip()
        if s:
            off = base + pos + (len(candidate) - len(candidate.lstrip()))
            out.append((off, off + len(s)))
        pos = m.end()
    tail = stripped[pos:]
    if tail.strip():
        s = tail.strip()
        off = base + pos + (len(tail) - len(tail.lstrip()))
        out.append((off, off + len(s)))
    return out


@lru_cache(maxsize=32)
def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of every sentence of ``text``, line by line; ``text[start:end]`` is the
    sentence without surrounding space.

    >>> text = "Mr. Smith arrived. He said: “Yes.” Talks resume\\non Monday."
    >>> [text[a:b] for a, b in sentence_spans(text)]
    ['Mr. Smith arrived.', 'He said: “Yes.”', 'Talks resume', 'on Monday.']
    """
    out: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        raw = line.group()
        stripped = raw.strip()
        if stripped:
            out.extend(line_sentences(stripped, line.start() + (len(raw) - len(raw.lstrip()))))
    return tuple(out)

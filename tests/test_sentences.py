"""The sentence splitter's linear walk splits every line as the straightforward rules do."""

from __future__ import annotations

import random
import re
import time

import pytest

from summarizer.sentences import _ABBREV, _BOUNDARY, _OPENERS, line_sentences, sentence_spans


def _straightforward(stripped: str, base: int) -> list[tuple[int, int]]:
    """The rules as first written: the rest of the line and its whole start are read at each boundary."""
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


_TRICKY = [
    "Mr. Smith arrived. He said: “Yes.” Talks resume",
    "The U.S. envoy left. U.S.A. troops stayed. The U.N. said so.",
    "XMr. Smith came. aMr. B left. St. Petersburg. 5 Sept. 12 people. approx. 30 died. Xapprox. 40 died.",
    "It cost approx. 3 million. Gen. Ivanov spoke. Col. X. Y. Z. replied.",
    "e.g. This is it. i.e. Not that. A.B.C.D.E.F. Then. a.b. C.",
    "Wait... What? No! (Really.) [Yes.] “Quoted.” ‘Single.’ 'Plain.' \"Double.\"",
    "He left.\u00a0Then she came.\u2003And went.\x1cNext one.\u2028Last one.",
    "He left.\tThen.  Two spaces.   Three.… Ellipsis… Next.",
    "Ends with abbreviation Mr.",
    "No. 5 was hit. vs. Them. etc. And more.",
    ". . . ! ? …",
]


@pytest.mark.parametrize("line", _TRICKY)
def test_a_tricky_line_splits_as_the_straightforward_rules_split_it(line: str) -> None:
    assert line_sentences(line.strip(), 7) == _straightforward(line.strip(), 7)


def test_random_lines_of_abbreviations_initials_quotes_and_odd_spaces_split_as_the_straightforward_rules() -> None:
    pieces = ["Mr.", "approx.", "Sept.", "U.S.", "A.B.C.", "x.", "Xy.", "No.", "etc.", "word", "Word", "7", "“Q.”",
              "(a)", "…", "!", "?", ".", "..", "’", "]", "Gen.", "St.", "é.", "É", "aMr."]
    spaces = [" ", " ", " ", "  ", "\u00a0", "\u2009", "\t", "\x1d", ""]
    rng = random.Random(13)
    for _ in range(3000):
        line = "".join(rng.choice(pieces) + rng.choice(spaces) for _ in range(rng.randint(1, 14))).strip()
        assert line_sentences(line, 0) == _straightforward(line, 0), line


def test_sentence_spans_of_a_whole_text_match_the_straightforward_rules_line_by_line() -> None:
    text = "\n".join(_TRICKY) + "\n\n   indented line. Next.  \n"
    expected = []
    for line in re.finditer(r"[^\n]+", text):
        raw = line.group()
        if raw.strip():
            expected.extend(_straightforward(raw.strip(), line.start() + len(raw) - len(raw.lstrip())))
    assert sentence_spans(text) == tuple(expected)


def test_a_very_long_line_is_split_in_linear_time() -> None:
    # 40,000 sentences on one line (1.1 MB): reading the whole start of the line at each boundary took minutes.
    line = "Mr. Smith arrived at the U.S. base. " * 40_000
    started = time.perf_counter()
    spans = line_sentences(line.strip(), 0)
    assert len(spans) == 40_000
    assert time.perf_counter() - started < 5

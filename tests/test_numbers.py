"""Numbers: reading windows around the candidates gives exactly what reading every token gives."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from summarizer import numbers
from summarizer.grounding import normalize_text
from summarizer.numbers import NumberMention, read_numbers

CORPUS = Path(__file__).parent / "data" / "corpus" / "corpus.jsonl"
SEEDS = Path(__file__).parent.parent / "seeds"


def _read_every_token(lowered: str) -> list[NumberMention]:
    """The definition read_numbers() implements faster: tokenise the whole text and read it."""
    mentions: list[NumberMention] = []
    tokens = [(m.group(), m.start(), m.end()) for m in numbers._TOKEN.finditer(lowered)]
    numbers._read_mentions(lowered, tokens, mentions)
    return mentions


def _read_windows(lowered: str) -> list[NumberMention]:
    """What read_numbers() reads in the windows (it reads a text mostly in another script whole)."""
    mentions: list[NumberMention] = []
    for start, end in numbers._windows(lowered):
        numbers._read_mentions(lowered, numbers._tokens(lowered, start, end), mentions)
    return mentions


def _assert_read_as_every_token(text: str) -> None:
    every = _read_every_token(text)
    assert read_numbers(text) == every, repr(text)
    assert _read_windows(text) == every, repr(text)


TRICKY = [
    "one-two-three people died", "one-two-three-four killed", "x-one-two killed", "x-and-one two",
    "a dozen", "a-dozen", "a  dozen", "a -dozen", "a dozen-strong", "a hundred and five", "an-one",
    "and-one", "a-an and and-one", "a-an a dozen", "a-a dozen", "and-a dozen", "x.a-an and one",
    "1,000s", "1000s of people", "dozens", "a dozens", "no one", "no-one", "no, one", "at one",
    "one of them", "one another", "one", "one.", "two", "(one)", "\"one\"", "one-way", "five-year",
    "25-year-old", "a 25-year-old man", "two days", "two-day", "nine hours old", "1.5 million",
    "1.5million", "5one", "15one two", "5 thousand", "5, thousand", "1,000,000", "1..5", "1.5.6",
    "1,5", ",5", "x5", "5x", "5.one", "5,(one", "one5", "tens", "often ten", "someone", "phone one",
    "twenty-five", "twenty five", "twenty and five", "hundred thousand", "a million and one",
    "thousand", "seventeen", "seventy-seven", "eleven-twelve", "ninety nine", "nine\nteen",
    "one\ntwo", "one\n\ntwo", "over a dozen", "more than 100", "nearly two", "up to 1,000",
    "some 20", "over\none", "killed 9 and wounded 12", "the 2024 war", "\u0665 killed", "1\u0665",
    "\u0661\u0662 people", "caf\u00e9one", "\u00e9one", "one\u00e9", "ONE", "One two", "a", "an",
    "and", "a a a dozen", "an an hundred", "a and a dozen", "--one--", "-- one --", "...one...",
    "one,,,,two", "one,-two", "one-,two", "two-.-three", "x-one", "x-y-one", "x-y-z-one",
    "a-b-c-d-one-two", "hundred-", "-hundred", "zero", "zero-zero", "1-2", "1 - 2", "2-one",
    # a run of number words that ends in "and-a" tokens: pops count parts, so they move the run's end
    "one two three and-a and-a and-a x", "one two and-a and-a x",
    # a number in the last chunk of another number's window: its own window goes further
    "five x.one of", "5 x,one another", "no 7 x.one of them", "nine y.two and-a and-a killed",
]


@pytest.mark.parametrize("text", TRICKY)
def test_windows_read_tricky_strings_as_every_token_does(text: str) -> None:
    for variant in (text, text.lower(), normalize_text(text), f"at {text} end", f"no {text}", f"{text} of"):
        _assert_read_as_every_token(variant)


_PIECES = [
    "one", "two", "three", "ten", "twenty", "hundred", "thousand", "million", "dozen", "a", "an", "and",
    "and-a", "a-an", "x.", "no", "of", "another", "year", "years", "old", "day", "x", "people", "over", "some", "s",
    "1", "25", "1,000", "1.5", "0", "\u0663", " ", " ", " ", "  ", "-", "-", ",", ".", "\n", "(", "\"", "'", "\u00e9",
]


@pytest.mark.parametrize("seed", range(300))
def test_windows_read_random_strings_as_every_token_does(seed: int) -> None:
    rng = random.Random(seed)
    text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 40)))
    _assert_read_as_every_token(text)


@pytest.mark.parametrize("seed", range(100))
def test_windows_read_random_strings_mostly_in_another_script_as_every_token_does(seed: int) -> None:
    rng = random.Random(seed)
    pieces = [*_PIECES, *["\u0436\u0438\u0442\u044c", "\u4e5d\u4eba", "\u0436", " \u0436 ", "\u0436-"] * 8]
    _assert_read_as_every_token("".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))))


def test_windows_read_real_pages_and_seeds_as_every_token_does() -> None:
    texts = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    texts += [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    read = 0
    for text in texts:
        lowered = normalize_text(text)
        found = read_numbers(lowered)
        assert found == _read_every_token(lowered) == _read_windows(lowered)
        read += len(found)
    assert read > 1000  # the pages hold numbers: the comparison is not between empty lists


def _assert_windows_are_apart_and_cut_between_chunks(text: str) -> None:
    windows = numbers._windows(text)
    for start, end in windows:
        assert start == 0 or not re.match(numbers._CHUNK, text[start - 1])
        assert end == len(text) or not re.match(numbers._CHUNK, text[end])
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(windows, windows[1:]))


@pytest.mark.parametrize("text", [*TRICKY, "five x.a-an and one", "two x.a-an and-and a dozen"])
def test_windows_are_apart_and_cut_where_no_token_can_cross(text: str) -> None:
    for variant in (text, f"at {text} end", f"1 {text} 2"):
        _assert_windows_are_apart_and_cut_between_chunks(variant)


def test_the_seed_article_has_windows_apart_and_cut_between_chunks() -> None:
    text = normalize_text(SEEDS.joinpath("ukraine-istanbul-talks.txt").read_text(encoding="utf-8"))
    assert len(numbers._windows(text)) > 5
    _assert_windows_are_apart_and_cut_between_chunks(text)


def test_a_text_without_numbers_has_no_window() -> None:
    assert numbers._windows("the talks in istanbul ended without a deal, officials said") == []


@pytest.mark.parametrize("words", [["one", "two", "twenty", "twelve", "a", "an", "and"], ["six", "sixty", "sixteen"]])
def test_the_trie_alternation_matches_exactly_its_words(words: list[str]) -> None:
    pattern = re.compile(numbers._alternation(words))
    assert all(pattern.fullmatch(w) for w in words)
    others = {w[:-1] for w in words} | {w + "s" for w in words} | {"", "tw", "sixt", "anda"}
    assert not any(pattern.fullmatch(w) for w in others - set(words))


def test_a_text_mostly_in_another_script_is_read_whole_not_in_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    # the candidate scan stops at every character of another script: reading every token is cheaper
    def no_windows(lowered: str) -> list[tuple[int, int]]:
        raise AssertionError("a Cyrillic text was read in windows")

    monkeypatch.setattr(numbers, "_windows", no_windows)
    text = "\u0432 \u0441\u0443\u043c\u0430\u0445 \u0437\u0430\u0433\u0438\u043d\u0443\u043b\u0438 9 \u043b\u044e\u0434\u0435\u0439, nine"
    assert [m.value for m in read_numbers(text)] == [9, 9]


def _assert_read_around_as_every_token(text: str, places: list[tuple[int, int]]) -> int:
    """read_around() gives numbers the whole reading gives, and every one touching the place."""
    every = _read_every_token(text)
    cut = 0
    for start, end in places:
        around = numbers.read_around(text, start, end)
        if around is None:
            continue
        cut += 1
        assert set(around) <= set(every), (text, start, end)
        touching = [m for m in every if m.start < max(end, start + 1) and m.end > start]
        assert set(touching) <= set(around), (text, start, end)
    return cut


@pytest.mark.parametrize("seed", range(300))
def test_reading_around_a_place_in_random_strings_reads_as_every_token_does(seed: int) -> None:
    rng = random.Random(seed)
    words = ["the", "talks", "x", "people", "of", "no", "year", "killed"]
    text = " ".join("".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 4))) if rng.random() < 0.6
                    else rng.choice(words) for _ in range(rng.randint(0, 60)))
    places = [(at, at + rng.randint(0, 6)) for at in range(0, len(text), 3)]
    _assert_read_around_as_every_token(text, places)


def test_reading_around_the_numbers_of_real_pages_reads_as_every_token_does() -> None:
    texts = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines()][::3]
    texts += [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    cut = 0
    for text in texts:
        lowered = normalize_text(text)
        places = [(m.start, m.end) for m in read_numbers(lowered)]
        cut += _assert_read_around_as_every_token(lowered, places)
    assert cut > 1000

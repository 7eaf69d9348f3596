"""The gazetteer's fast text paths (norm, _fold, countries_in) give what their straightforward definitions give."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from summarizer.events import gazetteer as gz


def _norm_straightforward(text: str) -> str:
    t = re.sub(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]", "", unicodedata.normalize("NFKD", text))
    t = re.sub(r"[’'ʼ`ʹ]", "", t.lower())
    t = re.sub(r"[^\w]+", " ", t)
    return " ".join(t.split())


def _fold_straightforward(name: str) -> str:
    if name.isascii():
        table = str.maketrans({"'": "", "`": "", **{c: " " for c in "-.,()!?;:\"/[]{}&*+=<>|~^%$#@"}})
        return " ".join(name.lower().translate(table).split())
    return _norm_straightforward(name)


def _countries_in_straightforward(text: str) -> list[str]:
    """Every word visited in turn, the longest name first, a name found stepped over."""
    if not text:
        return []
    by_name, by_first = gz._countries()[1], gz._country_words()
    folded = _fold_straightforward(re.sub(r"['’]s\b", "", text))
    if "\\" in folded:
        found = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\w+", folded)]
        tokens = [t for t, _, _ in found]
        joined: list[bool] | None = [j > 0 and found[j][1] == found[j - 1][2] + 1 for j in range(len(found))]
    else:
        tokens = folded.split(" ") if folded else []
        joined = None
    counts: dict[str, int] = {}
    i, n = 0, len(tokens)
    while i < n:
        step = 1
        for words in by_first.get(tokens[i], ()):
            k = len(words)
            if tuple(tokens[i:i + k]) == words and (joined is None or all(joined[i + 1:i + k])):
                step = k
                if not gz._names_water(tokens, i, k):
                    code = by_name[" ".join(words)]
                    counts[code] = counts.get(code, 0) + 1
                break
        i += step
    us = len(re.findall(r"(?<![\w.])US(?!\w|\.\w)", text))
    if us:
        counts["US"] = counts.get("US", 0) + us
    return sorted(counts, key=lambda c: -counts[c])


# Characters whose folding is easy to get wrong: quotes and apostrophes norm drops, dashes and spaces it
# makes spaces, accented and compatibility letters it reduces, a capital sigma (lowered by its
# neighbours), dotted I, sharp s, combining marks inside and outside the dropped ranges, scripts it keeps.
_ODD = "’‘“”„…—–‐\u00a0\u2009\u200b\u202fʼʹ`'\\_éÉçñøŁıİßΣσςﬁ²½™№\u0301\u0308\u0591\u05d0жЖ🙂\x01\x1c\x7f"


def _odd_strings(seed: int, count: int, alphabet: str) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(count)]


@pytest.mark.parametrize("char", sorted(set(_ODD)) + [chr(c) for c in range(0x80, 0x250)] + [chr(c) for c in range(0x2000, 0x2070)])
def test_each_character_outside_ascii_folds_as_norm_defines_it(char: str) -> None:
    for text in (char, f"a{char}b", f"A {char}B", f"{char}{char}s", f"x{char}\u0301y"):
        assert gz.norm(text) == _norm_straightforward(text), repr(text)


def test_random_mixtures_of_ascii_and_odd_characters_fold_as_norm_defines_them() -> None:
    alphabet = _ODD + "abcXYZ019 -.,!?()\t\n\"#"
    for text in _odd_strings(16, 5000, alphabet):
        assert gz.norm(text) == _norm_straightforward(text), repr(text)
        assert gz._fold(text) == _fold_straightforward(text), repr(text)


def test_every_ascii_character_folds_as_before() -> None:
    for c in range(128):
        text = f"Ab{chr(c)}cD {chr(c)}"
        assert gz._fold(text) == _fold_straightforward(text), repr(text)
        assert gz.norm(text) == _norm_straightforward(text), repr(text)


_COUNTRY_TEXTS = [
    "Democratic Republic of Congo, the Republic of Congo and Congo; DR Congo and DRC",
    "the South China Sea, China Sea, Gulf of Oman, Sea of Japan, Japan Sea, Oman Gulf and Oman",
    "United States United Kingdom United Arab Emirates United",
    "the U.S. and the US, USA, US., US.x, .US, AUS, USB, US-led; Let us go",
    "Ukraine’s and Russia's forces; Türkiye and Turkey; Côte d’Ivoire and Ivory Coast",
    "New Zealand New Guinea Papua New Guinea Guinea-Bissau Guinea Bissau",
    "south korea\\north korea south\\korea Korea\\ Republic",
    "Saint Kitts and Nevis, Saint Lucia, St. Lucia; Bosnia and Herzegovina",
    "the Netherlands, the Gambia, The Bahamas the the Bahamas",
    "",
]


@pytest.mark.parametrize("text", _COUNTRY_TEXTS)
def test_countries_in_tricky_text_are_those_the_word_by_word_walk_finds(text: str) -> None:
    assert gz.countries_in(text) == _countries_in_straightforward(text)


def test_countries_in_random_runs_of_name_and_sea_words_are_those_the_word_by_word_walk_finds() -> None:
    words = ["Republic", "of", "Congo", "Democratic", "DR", "the", "South", "North", "Korea", "Sudan", "China",
             "Sea", "Gulf", "Oman", "United", "States", "Kingdom", "Arab", "Emirates", "Guinea", "New", "Papua",
             "US", "U.S.", "us", "Ukraine’s", "Russia's", "and", "Niger", "Nigeria", "Bay", "of", "Bengal", "Japan"]
    seps = [" ", " ", " ", ", ", "-", "\\", ". ", "’", "\n"]
    rng = random.Random(17)
    for _ in range(3000):
        text = "".join(rng.choice(words) + rng.choice(seps) for _ in range(rng.randint(1, 12)))
        assert gz.countries_in(text) == _countries_in_straightforward(text), text


def test_countries_in_the_seed_article_are_those_the_word_by_word_walk_finds() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "seeds" / "ukraine-istanbul-talks.txt").read_text(encoding="utf-8")
    assert gz.countries_in(text) == _countries_in_straightforward(text) == ["RU", "UA", "US", "TR"]


def test_the_characters_outside_ascii_are_those_the_pattern_finds_even_in_text_utf8_cannot_encode() -> None:
    texts = ["", "abc", "a\ud800b\udc00é", "\U0001f642 ’x", *_odd_strings(20, 3000, _ODD + "ab \ud83d\ude42\U0001f642")]
    for text in texts:
        assert gz._non_ascii(text) == set(re.findall(r"[^\x00-\x7f]", text)), repr(text)


def test_possessives_are_removed_one_apostrophe_at_a_time_as_the_one_pattern_removes_them() -> None:
    texts = ["Russia's", "Ukraine’s", "’'s", "'’s", "’s's", "’s'st", "s's’s ’ss", "'s’s's", *_odd_strings(19, 5000, "'’sS a.\\é_")]
    for text in texts:
        assert gz._without_possessives(text) == re.sub(r"['’]s\b", "", text), text


def test_us_in_capitals_is_found_where_the_lookbehind_first_pattern_finds_it() -> None:
    first_written = re.compile(r"(?<![\w.])US(?!\w|\.\w)")
    texts = ["US", "US.", "US.x", ".US", "AUS", "USUS", "US US", "the US, US-led", "é US ñUS", *_odd_strings(18, 3000, "US.a _\n")]
    for text in texts:
        assert [m.span() for m in gz._US.finditer(text)] == [m.span() for m in first_written.finditer(text)], text


@pytest.mark.parametrize("codes", [("UA", "RU"), ("US", "GB", "US"), ("CD", "CG", "KR", "KP", "PS", "IL"), ("XX",), ()])
def test_a_set_of_country_names_is_built_in_the_tables_order_so_its_ties_sort_as_before(codes: tuple[str, ...]) -> None:
    from summarizer.events import places

    by_name = gz._countries()[1]
    straightforward = frozenset(n for n, c in by_name.items() if c in codes)
    found = places._country_names(codes)
    assert found == straightforward
    assert list(found) == list(straightforward)  # _name sorts them by length: equal lengths keep this order


def _subdivisions_named_anywhere_straightforward(word: str) -> tuple[gz.Subdivision, ...]:
    import pycountry

    key = word.replace(" ", "")
    every = [s for c in pycountry.countries for s in gz.subdivisions(c.alpha_2)]
    exact = [s for s in every if s.stem == key]
    return tuple(exact or [
        s for s in every
        if min(len(key), len(s.stem)) >= 4 and abs(len(key) - len(s.stem)) <= 3
        and (s.stem.startswith(key) or key.startswith(s.stem))
    ])


def test_subdivisions_named_anywhere_are_those_a_pass_over_every_subdivision_finds() -> None:
    import pycountry

    stems = sorted({s.stem for c in pycountry.countries for s in gz.subdivisions(c.alpha_2)})
    rng = random.Random(29)
    words = ["", "a", "abc", "abcd", "donetsk", "sumy", "crimea", "kherson", "new york", "dar es salaam"]
    for stem in rng.sample(stems, 400):
        cut = stem[: max(0, len(stem) - rng.randint(0, 5))]
        words += [stem, cut, stem + "".join(rng.choice("aksy") for _ in range(rng.randint(1, 4))), cut[:2] + " " + cut[2:]]
    found_any = 0
    for word in words:
        expected = _subdivisions_named_anywhere_straightforward(word)
        assert gz.subdivisions_named_anywhere(word) == expected, word
        found_any += bool(expected)
    assert found_any > len(words) // 2

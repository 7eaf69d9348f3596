"""Names in free text must be names the article gives (possessives and demonyms allowed)."""

from __future__ import annotations

import pytest

from summarizer.names import named_in, names_in, unnamed

ARTICLE = (
    "Russian forces struck Kharkiv on Sunday. Ukraine's air force said Iran supplied the drones. "
    "France and the United States condemned the attack, and the European Union's envoy, Kaja Kallas, "
    "called for talks. Israel's prime minister said nothing."
)


@pytest.mark.parametrize(
    "text",
    [
        "Russia strikes Kharkiv",  # country for the demonym in the article
        "Ukrainian air force blames Iranian drones",  # demonyms for the countries
        "French and American leaders condemn the attack",  # demonyms from the table
        "EU envoy Kallas calls for talks",  # short form from the table, surname alone
        "Israeli prime minister silent",
        "Russia's strike on Kharkiv's centre",  # possessives
        "Kharkiv Strike Kills Nine As Talks Stall",  # title case: only acronyms are checked
    ],
)
def test_names_the_article_gives_pass(text: str) -> None:
    assert unnamed(text, ARTICLE) == []


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ("Joe Biden condemns the strike on Kharkiv", ["Joe Biden"]),
        ("Russian forces struck Odesa", ["Odesa"]),
        ("Germany and France condemned the attack", ["Germany"]),
        ("NATO calls for talks", ["NATO"]),
    ],
)
def test_names_the_article_never_gives_are_reported(text: str, missing: list[str]) -> None:
    assert unnamed(text, ARTICLE) == missing


def test_function_words_days_and_titles_are_not_names() -> None:
    assert names_in("On Monday, President Putin said The talks failed") == ["Putin"]


@pytest.mark.parametrize(
    ("speaker", "passage", "named"),
    [
        ("Dmitry Peskov", "\u201cNo,\u201d Peskov told reporters.", True),
        ("Foreign Minister Sergei Lavrov", "Lavrov said so.", True),
        ("a local official", "\u201cIt burned,\u201d a local official said.", True),
        ("Amnesty International", "\u201cI lost everything,\u201d said one patient.", False),
        ("the mayor", "\u201cCalm down,\u201d the governor said.", False),
    ],
)
def test_a_speaker_is_named_by_a_name_word_or_the_whole_phrase(speaker: str, passage: str, named: bool) -> None:
    assert named_in(speaker, passage) is named


def _article_words_token_by_token(article: str) -> tuple[frozenset[str], str]:
    """The definition names._article_words() implements faster: fold every token."""
    from summarizer import names

    folded = [names._fold(w) for w in names._TOKEN.findall(article)]
    return frozenset(folded), " " + " ".join(folded) + " "


def test_article_words_of_real_pages_fold_every_token_as_token_by_token() -> None:
    import json
    from pathlib import Path

    from summarizer import names

    corpus = Path(__file__).parent / "data" / "corpus" / "corpus.jsonl"
    texts = [json.loads(line)["text"] for line in corpus.read_text(encoding="utf-8").splitlines()]
    texts += [
        "", "-", "Russia's Russia\u2019s RUSSIA'S U.S. U.S U.N.'s U.S.\u2019s Kyiv's drone-maker O'Neill's Jones' 's",
        "\u039f\u0394\u039f\u03a3 \u03a3\u039f\u03a3'S \u03a3's \u0130stanbul \u00c9MILE A.B.C.'s x.&y",
    ]
    for text in texts:
        assert names._article_words.__wrapped__(text) == _article_words_token_by_token(text)


def test_a_word_found_where_it_is_written_is_a_word_of_the_article() -> None:
    import json
    from pathlib import Path

    from summarizer import names

    corpus = Path(__file__).parent / "data" / "corpus" / "corpus.jsonl"
    texts = [json.loads(line)["text"] for line in corpus.read_text(encoding="utf-8").splitlines()][::8]
    texts += [
        "Russia's Russia\u2019s RUSSIA'S U.S. U.S U.N.'s U.S.\u2019s Kyiv's drone-maker O'Neill's Jones' 's 5Sumy x-.y",
        "\u039f\u0394\u039f\u03a3 \u03a3\u039f\u03a3'S \u03a3's \u00c9MILE A.B.C.'s x.&y --kyiv-- _kyiv kyiv_x",
        "\u0130stanbul and Kyiv",  # lowers to a longer text: no shortcut
    ]
    for text in texts:
        words, _ = names._article_words.__wrapped__(text)
        lowered_keeps_offsets = len(text.lower()) == len(text)
        asked = {*words, *(w[:-1] for w in words), *(w + "s" for w in words), "kyiv", "x", "y", "sumy", "u.s.", ""}
        for word in sorted(asked):
            found = names._is_article_word(word, text)
            if found:
                assert word in words, (word, text[:80])
            elif lowered_keeps_offsets and "'" not in word:  # a curly apostrophe folds to a straight one
                assert word not in words, (word, text[:80])


def test_tokens_are_a_letter_and_the_longest_run_after_it_that_ends_with_a_letter_or_digit() -> None:
    import json
    import re
    from pathlib import Path

    from summarizer import names

    by_definition = re.compile(r"[^\W\d_](?:[\w\u2019'.&-]*\w)?")
    corpus = Path(__file__).parent / "data" / "corpus" / "corpus.jsonl"
    texts = [json.loads(line)["text"] for line in corpus.read_text(encoding="utf-8").splitlines()]
    texts += ["U.S.-backed x--y a'' b.&.c 5abc _a a_ \u00e9t\u00e9's -'x' \u2019s x.", "a", ".-'", "Ab-"]
    for text in texts:
        assert names._TOKEN.findall(text) == by_definition.findall(text), text[:80]

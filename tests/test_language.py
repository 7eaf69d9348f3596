"""Language detection (model shipped in the wheel) and word counts for scripts without spaces."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from summarizer.language import detect_language, word_count

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_every_seed_article_is_english(path: Path) -> None:
    assert detect_language(path.read_text(encoding="utf-8")) == "en"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2018 liegt die Zahl der Toten bei 322, sagte ein Sprecher der Regierung am Montag.", "de"),
        ("Un drone russe a frappé un minibus à Soumy samedi, tuant neuf personnes.", "fr"),
        ("俄罗斯无人机周六袭击了乌克兰苏梅地区一辆小巴，造成九人死亡。", "zh"),
        ("ロシアのドローンがスミ州のミニバスを攻撃し、9人が死亡した。", "ja"),
        ("A Russian drone struck a minibus in Sumy.", "en"),  # short, full of names: still English
    ],
)
def test_detects_the_language_as_an_iso_639_1_code(text: str, code: str) -> None:
    assert detect_language(text) == code


def test_a_text_too_short_to_tell_has_no_language() -> None:
    assert detect_language("Talks resumed.") is None


def test_detection_needs_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("language detection tried to open a connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert detect_language("Die Armee meldete am Montag weitere Angriffe auf die Stadt.") == "de"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Nine people died in Sumy.", 5),
        ("", 0),
        ("俄罗斯无人机袭击了一辆小巴", 9),  # 13 characters at 1.5 a word
        ("ロシアの ドローン attack", 6),  # 8 Japanese characters (5 words) plus one English word
    ],
)
def test_word_count_counts_scripts_without_spaces_by_characters(text: str, words: int) -> None:
    assert word_count(text) == words


def test_a_chinese_article_is_not_too_short_to_summarize() -> None:
    article = "俄罗斯无人机周六袭击了乌克兰苏梅地区一辆载有平民的小巴，造成九人死亡、五人受伤。" * 3
    assert word_count(article) > 50


def test_a_plainly_english_article_is_told_without_loading_the_model(seed_text: str) -> None:
    from summarizer import language

    language._identifier.cache_clear()

    assert detect_language(seed_text) == "en"
    assert language._identifier.cache_info().currsize == 0  # the model takes about a second to load


def _share_word_by_word(text: str) -> float:
    """The definition english_share() implements faster: lower every word and look it up."""
    from summarizer import language

    words = [w.lower() for w in language._WORD.findall(text)]
    return sum(w in language._ENGLISH_FUNCTION_WORDS for w in words) / len(words) if words else 0.0


def _corpus_texts() -> list[str]:
    import json

    corpus = Path(__file__).parent / "data" / "corpus" / "corpus.jsonl"
    return [json.loads(line)["text"] for line in corpus.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize(
    "text",
    ["", "The THE the tHe", "\u0130t is \u03a3 AND Or", "'the -the the- the' that\u2019s", "\u4fc4\u7f57\u65af the"],
)
def test_english_share_is_the_share_of_function_words_word_by_word(text: str) -> None:
    from summarizer.language import english_share

    assert english_share(text) == _share_word_by_word(text)


def test_english_share_of_real_pages_is_the_word_by_word_share() -> None:
    from summarizer.language import english_share

    texts = _corpus_texts()
    assert all(english_share(text) == _share_word_by_word(text) for text in texts)
    assert any(0 < english_share(text) < 0.1 for text in texts)  # the pages are not all alike


def test_word_count_of_real_pages_counts_as_spaced_words_plus_dense_characters() -> None:
    from summarizer import language

    for text in _corpus_texts()[::5]:
        dense = len(language._NO_SPACE_SCRIPT.findall(text))
        spaced = len(language._WORD.findall(language._NO_SPACE_SCRIPT.sub(" ", text)))
        assert word_count(text) == spaced + round(dense / language.CHARS_PER_WORD)


def test_an_article_read_twice_has_its_words_counted_once(seed_text: str) -> None:
    from summarizer import grounding, language

    language._words.cache_clear()
    grounding._reads_english.cache_clear()
    assert detect_language(seed_text) == "en"
    assert grounding._reads_english(seed_text)
    assert language._words.cache_info().misses == 1


def test_a_long_article_and_its_language_sample_count_their_common_words_once(
    seed_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from summarizer import language

    article = "\n\n".join([seed_text] * 4)  # longer than the sample the language is detected on
    counted: list[int] = []
    count = language._count_words
    monkeypatch.setattr(language, "_count_words", lambda text: counted.append(len(text)) or count(text))
    language._words.cache_clear()
    assert detect_language(article) == "en"
    assert language.english_share(article) == _share_word_by_word(article)
    assert language.english_share(article[: language._SAMPLE_CHARS]) == _share_word_by_word(article[: language._SAMPLE_CHARS])
    assert len(article) <= sum(counted) < len(article) + 100  # the sample's words were not found again

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

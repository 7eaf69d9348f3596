"""The deterministic relevance gate: conflict vocabulary in context, never one keyword."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.relevance import assess

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_every_seed_article_is_about_armed_conflict(path: Path) -> None:
    assert assess(path.read_text(encoding="utf-8")).relevant


@pytest.mark.parametrize(
    "text",
    [
        "The firm moved the money through shell companies registered offshore.",
        "Neighbours were asked to call police after the break-in.",
        "Python 2 is now officially dead.",
        "The virus has killed 7,844 people, and frontline workers are exhausted.",
        "Drone footage showed 97,000 people at the festival.",
        "Fill the pasta shells with ricotta and bake them for 25 minutes.",
        "If the process is killed, the supervisor restarts it; a brute-force attack is rate limited.",
        "SpaceX launched a rocket carrying 22 satellites into orbit.",
        "The price war between the two airlines killed their profits.",
        "Police forces raided three bars that broke the curfew on alcohol sales.",
    ],
)
def test_a_conflict_word_out_of_context_is_off_topic(text: str) -> None:
    verdict = assess(text)

    assert not verdict.relevant and verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "A drone struck a minibus on Saturday.",
        "Troops captured the village after days of fighting.",
        "Shelling killed two people in the town.",
        "The EU adopted new sanctions against the regime.",
        "Envoys discussed a ceasefire to end the war.",
    ],
)
def test_conflict_vocabulary_in_context_is_relevant(text: str) -> None:
    assert assess(text).relevant


def test_the_reason_quotes_the_sentence_that_decided() -> None:
    verdict = assess("The weather was fine. A missile hit a school in the city.")

    assert verdict.reason == "It reports an attack: \u201cA missile hit a school in the city.\u201d"


def test_one_war_word_alone_is_not_enough() -> None:
    verdict = assess("The film is set during the war. Critics loved it.")

    assert not verdict.relevant and "war only in passing" in verdict.reason

"""The default backend on real pages it did not see while being written (tests/data/corpus/).

Off-topic pages must give no items at all, and non-English pages no casualty counts:
saying nothing beats inventing. See tests/data/corpus/README.md for the sources, licences
and how the pages were labelled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from summarizer.backends.extractive import ExtractiveBackend, reason_to_skip
from summarizer.pipeline import Summarizer
from summarizer.schema import Article, Summary

CORPUS = Path(__file__).resolve().parent / "data" / "corpus" / "corpus.jsonl"


def _records() -> list[dict[str, Any]]:
    with CORPUS.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


RECORDS = _records()


@pytest.fixture(scope="module")
def summaries() -> dict[str, Summary]:
    """What a user gets without a key: the pipeline (its gates) around the extractive backend."""
    summarizer = Summarizer(backend="extractive")
    return {
        r["id"]: summarizer.summarize(Article(text=r["text"], id=r["id"], title=r["title"], url=r["url"]))
        for r in RECORDS
        if r["label"] == "off_topic" or r["language"] != "en"
    }


def test_corpus_has_over_100_labelled_pages_in_several_languages() -> None:
    assert len(RECORDS) >= 100
    assert {r["label"] for r in RECORDS} == {"conflict", "borderline", "off_topic"}
    assert len({r["language"] for r in RECORDS}) >= 5
    assert all(r["licence"] and r["source_repo"] and r["path"] for r in RECORDS)


def test_default_backend_emits_no_items_on_off_topic_pages(summaries: dict[str, Summary]) -> None:
    emitted = {
        r["id"]: [section for section, _ in summaries[r["id"]].items()]
        for r in RECORDS
        if r["label"] == "off_topic" and summaries[r["id"]].items()
    }
    assert emitted == {}


def test_default_backend_emits_no_casualty_count_on_non_english_pages(summaries: dict[str, Summary]) -> None:
    counted = {
        r["id"]: [(a.killed, a.injured) for a in summaries[r["id"]].attacks if (a.killed, a.injured) != (None, None)]
        for r in RECORDS
        if r["language"] != "en"
    }
    assert {k: v for k, v in counted.items() if v} == {}


def test_non_english_pages_are_skipped_with_a_reason_that_suggests_an_llm() -> None:
    german = next(r for r in RECORDS if r["language"] == "de")
    reason = reason_to_skip(german["text"], german["title"])
    assert reason is not None and "English only" in reason and "LLM" in reason


def test_most_conflict_pages_are_read() -> None:
    read = [r["id"] for r in RECORDS if r["label"] == "conflict" and reason_to_skip(r["text"], r["title"]) is None]
    assert len(read) >= 6, read


def test_the_extractive_backend_alone_also_emits_nothing_on_off_topic_pages() -> None:
    backend = ExtractiveBackend()
    emitted = [
        r["id"]
        for r in RECORDS
        if r["label"] == "off_topic" and backend.summarize(Article(text=r["text"], title=r["title"])).items()
    ]
    assert emitted == []


def test_every_off_topic_page_says_why_it_has_no_items(summaries: dict[str, Summary]) -> None:
    silent = [r["id"] for r in RECORDS if r["label"] == "off_topic" and not summaries[r["id"]].meta.notes]
    assert silent == []


def test_an_english_page_the_backend_finds_off_topic_is_marked_off_topic_with_its_reason(
    summaries: dict[str, Summary],
) -> None:
    # the pipeline's gate lets this page through (impeachment, martial law); the backend's does not
    summary = summaries["rd-schema-org-context-object"]
    assert summary.off_topic and summary.items() == []
    assert summary.meta.notes and summary.meta.notes[0].startswith("Not about armed conflict")

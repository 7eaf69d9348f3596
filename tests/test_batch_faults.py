"""Batch under faults: inputs that can't be read (named, not sent to --retry-failed), a store that
fills up while answers come in (kept and written again, or the batch stopped before more calls)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from llm_server import LLMServer, Reply
from test_batch import (
    articles,
    cli_env,
    grounded_responder,
    lines,
    write_articles_jsonl,
)

from summarizer.cli import cli

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])


def run(args: list[Any], server: LLMServer | None = None) -> Result:
    env = cli_env(server) if server is not None else None
    extra = [] if server is not None else ["--backend", "extractive"]
    return CliRunner().invoke(cli, [str(a) for a in args] + extra, env=env, catch_exceptions=False)


def test_a_mistyped_input_is_named_and_not_sent_to_retry_failed(tmp_path: Path) -> None:
    good = write_articles_jsonl(tmp_path / "in.jsonl", articles(2))
    typo = tmp_path / "fed.xml"
    out = tmp_path / "out.jsonl"

    result = run(["batch", good, typo, "-o", out, "--store", tmp_path / "s.db"])

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"summarizer: failed: {typo}: no such file or folder; check the path.",
        f"summarizer: 2 summarized (0 cached), 1 failed (1 input could not be read: fix it and rerun) → {out}",
    ]


def test_failures_of_both_kinds_say_what_helps_each(tmp_path: Path) -> None:
    def responder(req: Any) -> Reply:
        return Reply.error(400) if "report number 1 " in (req.article or "") else grounded_responder(req)

    with LLMServer(responder=responder) as server:
        good = write_articles_jsonl(tmp_path / "in.jsonl", articles(2))
        out = tmp_path / "out.jsonl"
        result = run(["batch", good, tmp_path / "gone.txt", "-o", out, "--store", tmp_path / "s.db"], server)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"summarizer: 1 summarized (0 cached), 2 failed (1 input could not be read: fix it and rerun; "
        f"rerun with --retry-failed to try the other 1 again) → {out}"
    )
    assert len(lines(out)) == 3


def test_a_feed_read_whole_despite_an_undefined_entity_exits_0_with_a_warning(tmp_path: Path) -> None:
    feed = tmp_path / "nbsp.xml"
    seeds = Path(__file__).parent.parent / "seeds"
    feed.write_bytes((seeds / "feed-sample.xml").read_bytes().replace(b"</title>", b"&nbsp;</title>", 1))
    out = tmp_path / "out.jsonl"

    result = run(["batch", feed, "-o", out, "--store", tmp_path / "s.db"])

    assert result.exit_code == 0
    notes = result.stderr.splitlines()
    assert notes[0].startswith(f"summarizer: warning: {feed} has an XML error at line ")
    assert notes[-1].endswith(f", 0 failed → {out}")
    assert all("headline" in r for r in lines(out))


def test_an_empty_feed_is_an_error_record_counted_in_the_totals(tmp_path: Path) -> None:
    feed = tmp_path / "empty.xml"
    feed.write_text('<rss version="2.0"><channel><title>Quiet</title></channel></rss>', encoding="utf-8")
    out = tmp_path / "out.jsonl"

    result = run(["batch", feed, "-o", out, "--store", tmp_path / "s.db"])

    assert result.exit_code == 1
    assert lines(out) == [{"id": str(feed), "url": None, "source": str(feed),
                           "error": f"{feed} is an RSS/Atom feed with no entries; check that it is the right feed."}]
    assert "0 summarized (0 cached), 1 failed (1 input could not be read" in result.stderr.splitlines()[-1]


# ---------------------------------------------------------------------------
# A full disk under the store


@pytest.fixture
def store_full(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """store_full(times): the next ``times`` writes of a finished summary fail as SQLite does on a full disk
    (None: every one); the batch tries a write again after 0.05 s, four times."""
    from summarizer.store import Store

    monkeypatch.setattr("summarizer.batch.runner.STORE_RETRY_DELAYS", (0.05,) * 4, raising=False)
    real = Store.complete
    left: list[int | None] = [0]

    def complete(self: Store, *args: Any) -> bool:
        if left[0] is None or left[0] > 0:
            if left[0] is not None:
                left[0] -= 1
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, *args)

    monkeypatch.setattr(Store, "complete", complete)

    def arm(times: int | None) -> None:
        left[0] = times

    return arm


def test_answers_that_could_not_be_stored_on_a_full_disk_are_written_again_not_lost(tmp_path: Path, store_full) -> None:  # type: ignore[no-untyped-def]
    store_full(3)
    with LLMServer(responder=grounded_responder) as server:
        feed = write_articles_jsonl(tmp_path / "in.jsonl", articles(5))
        out = tmp_path / "out.jsonl"
        result = run(["batch", feed, "-o", out, "--store", tmp_path / "s.db", "--concurrency", "2"], server)
        asked = len(server.chat_requests)

    assert result.exit_code == 0, result.stderr
    assert all("headline" in r for r in lines(out)) and len(lines(out)) == 5
    assert asked == 5  # each article asked once: no answer was thrown away


def test_a_store_that_stays_full_stops_the_batch_before_more_calls_in_one_line(tmp_path: Path, store_full) -> None:  # type: ignore[no-untyped-def]
    import re

    store_full(None)
    with LLMServer(responder=grounded_responder) as server:
        feed = write_articles_jsonl(tmp_path / "in.jsonl", articles(8))
        out, db = tmp_path / "out.jsonl", tmp_path / "s.db"
        result = run(["batch", feed, "-o", out, "--store", db, "--concurrency", "2"], server)
        asked = len(server.chat_requests)

    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    match = re.fullmatch(
        rf"summarizer: error: The disk holding the store {re.escape(str(db))} is full; the batch stopped before "
        r"making more calls, and (\d) finished answers? could not be saved \((?:they are|it is) asked again on the "
        r"next run\)\. Free some space, then run the same command again: what is stored is kept\.",
        line,
    )
    assert match, line
    assert 1 <= asked <= 2 and int(match.group(1)) == asked  # only the calls already in flight were made
    assert not out.exists()


# ---------------------------------------------------------------------------
# Every fault at once (the benchmark's server, smaller)


def test_a_batch_under_every_fault_at_once_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    from bench_faults import FaultyResponder, story

    responder = FaultyResponder(seed=3, latency=0.0)
    ids = [f"a{i:02}" for i in range(30)]
    feed = tmp_path / "in.jsonl"
    feed.write_text("".join(f'{{"id": "{i}", "text": "{story(n)}"}}\n' for n, i in enumerate(ids)), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    with LLMServer(responder=responder) as server:
        result = run(["batch", feed, "-o", out, "--store", tmp_path / "s.db", "--concurrency", "4"], server)

    records = lines(out)
    assert sorted(r["id"] for r in records) == ids  # each input exactly once: none lost, none duplicated
    assert sum("headline" in r for r in records) + sum("error" in r for r in records) == 30
    assert sum("headline" in r for r in records) >= 20  # the good answers are good: failures come from the faults
    assert sum(responder.answers[k] for k in ("429", "500", "malformed", "truncated", "dropped")) > 0
    assert result.exit_code == (1 if any("error" in r for r in records) else 0)


def test_a_disk_that_fills_then_frees_mid_batch_loses_no_answer_with_the_real_store(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from summarizer.store import Store

    monkeypatch.setattr("summarizer.batch.runner.STORE_RETRY_DELAYS", (0.05,) * 4)
    real = Store.complete
    calls = [0]

    def complete(self: Store, *args: Any) -> bool:
        calls[0] += 1
        conn = self._db
        if calls[0] == 2:  # from now on the store may not grow: SQLite answers SQLITE_FULL
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
        if calls[0] == 4:  # space freed before the second retry
            conn.execute("PRAGMA max_page_count = 1000000")
        return real(self, *args)

    monkeypatch.setattr(Store, "complete", complete)
    with LLMServer(responder=grounded_responder) as server:
        feed = write_articles_jsonl(tmp_path / "in.jsonl", articles(5))
        out, db = tmp_path / "out.jsonl", tmp_path / "s.db"
        result = run(["batch", feed, "-o", out, "--store", db, "--concurrency", "1"], server)
        asked = len(server.chat_requests)

    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1] == f"summarizer: 5 summarized (0 cached), 0 failed → {out}"
    assert asked == 5 and calls[0] > 5  # a write was refused and tried again; no article asked twice
    with Store(db) as store:
        assert store.stats()["done"] == 5

"""Batch: many articles at once, concurrently and resumably, through the store.

Every test talks to the suite's own OpenAI-compatible server on 127.0.0.1
(live, no cassettes: concurrency makes the order of requests vary). Its
responder answers each request with a grounded draft made by the extractive
backend from the article in the request, so summaries have real items.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from conftest import ROOT, TEST_KEY, TEST_MODEL, teaser_feed
from factories import to_draft
from llm_server import LLMServer, RecordedRequest, Reply, article_from_request, flaky

from summarizer.backends.extractive import ExtractiveBackend
from summarizer.batch import (
    BatchResults,
    BatchStats,
    Throttle,
    asummarize_many,
    estimate_tokens,
    iter_summarize_many,
    results_from_store,
    summarize_many,
    write_jsonl,
)
from summarizer.inputs import InputFailure, PendingFetch, load_articles
from summarizer.schema import Article
from summarizer.store import Store

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])

PLACES = ["Sumy", "Kharkiv", "Odesa", "Dnipro", "Kherson", "Poltava", "Mykolaiv", "Chernihiv", "Izmail", "Nikopol"]


def story(i: int, place: str | None = None) -> str:
    place = place or PLACES[i % len(PLACES)]
    return (
        f"A Russian drone struck a bus stop in {place} on Saturday, killing {i % 7 + 2} people and injuring "
        f"{i % 5 + 3} others, the regional governor said. Rescue workers searched the rubble through the night "
        f"and officials said report number {i} was still being checked."
    )


def articles(n: int, start: int = 0) -> list[Article]:
    return [
        Article(text=story(i), id=f"a{i}", url=f"https://news.example.org/{i}", title=f"Strike {i}")
        for i in range(start, start + n)
    ]


def grounded_responder(req: RecordedRequest) -> Reply:
    """What a good model answers: the extractive backend's reading of the article in the request."""
    text = article_from_request(req) or ""
    return Reply.data(to_draft(ExtractiveBackend().summarize(Article(text=text))))


def slow(responder: Callable[[RecordedRequest], Reply], seconds: float) -> Callable[[RecordedRequest], Reply]:
    return lambda req: Reply.delay(seconds, responder(req))


@pytest.fixture
def server() -> Iterator[LLMServer]:
    with LLMServer(responder=grounded_responder) as s:
        yield s


def options(server: LLMServer, **extra: Any) -> dict[str, Any]:
    return {"base_url": server.base_url, "api_key": TEST_KEY, "model": TEST_MODEL, "backend": "llm", **extra}


def per_article(server: LLMServer, status: int | None = None) -> collections.Counter[str]:
    """How many chat requests each article got (only those answered with ``status``, if given)."""
    return collections.Counter(
        r.article for r in server.chat_requests if r.article and (status is None or r.status == status)
    )


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_articles_jsonl(path: Path, items: list[Article]) -> Path:
    path.write_text("".join(a.model_dump_json(exclude={"content_hash"}) + "\n" for a in items), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# Library: results, duplicates, failures


def test_every_input_gets_a_result_with_its_id_and_a_grounded_summary(server: LLMServer) -> None:
    batch = summarize_many(articles(6), concurrency=3, **options(server))

    assert isinstance(batch, BatchResults)
    assert [r.id for r in batch] == [f"a{i}" for i in range(6)]
    assert all(r.ok and not r.cached for r in batch)
    first = batch[0].summary
    assert first is not None and first.attacks and first.attacks[0].killed == 2
    assert first.article.id == "a0" and first.meta.backend == "llm"
    assert len(server.chat_requests) == 6


def test_duplicates_by_text_or_url_are_summarized_once_and_every_input_has_its_line(server: LLMServer, tmp_path: Path) -> None:
    base = articles(4)
    inputs = [
        *base,
        Article(text=base[1].text, id="same-text", url="https://mirror.example.net/1"),  # same text, other URL
        Article(text=story(99), id="same-url", url=base[2].url),  # same URL, text updated since
        base[3],  # the very same input again
    ]

    batch = summarize_many(inputs, concurrency=4, **options(server))

    assert len(server.chat_requests) == 4
    assert all(n == 1 for n in per_article(server).values())
    assert [r.id for r in batch] == ["a0", "a1", "a2", "a3", "same-text", "same-url", "a3"]
    assert [r.duplicate for r in batch] == [False] * 4 + [True] * 3
    assert all(r.ok for r in batch)
    dup = batch[4]
    assert dup.url == "https://mirror.example.net/1"
    assert dup.summary is not None and dup.summary.article.id == "same-text"  # the input's own id
    assert dup.summary.article.url == "https://mirror.example.net/1"
    assert dup.summary.attacks == batch[1].summary.attacks  # type: ignore[union-attr]
    out = tmp_path / "out.jsonl"
    assert write_jsonl(batch, out) == 7
    assert [(line["id"], line["url"]) for line in lines(out)] == [(r.id, r.url) for r in batch]


def test_a_broken_input_is_an_error_record_and_the_others_are_summarized(server: LLMServer, tmp_path: Path) -> None:
    good = articles(3)
    jsonl = tmp_path / "articles.jsonl"
    jsonl.write_text(
        good[0].model_dump_json(exclude={"content_hash"}) + "\n"
        + '{"id": "broken", "text": \n'
        + json.dumps({"id": "short", "text": "Too short."}) + "\n"
        + good[1].model_dump_json(exclude={"content_hash"}) + "\n",
        encoding="utf-8",
    )
    poisoned = Article(text=story(7, "Kupiansk"), id="poisoned")

    def responder(req: RecordedRequest) -> Reply:
        if "Kupiansk" in (req.article or ""):
            return Reply.error(400, "This model's maximum context length is 8192 tokens.")
        return grounded_responder(req)

    server.responder = responder
    inputs = [*load_articles([jsonl, tmp_path / "missing.xml", ROOT / "tests" / "data" / "feed-broken.xml"]), poisoned, good[2]]
    batch = summarize_many(inputs, concurrency=4, **options(server))

    by_id = {r.id: r for r in batch}
    assert by_id["a0"].ok and by_id["a1"].ok and by_id["a2"].ok
    assert "not valid JSON" in (by_id[f"{jsonl}:2"].error or "")  # no id could be read: its source stands in
    assert "too short" in (by_id["short"].error or "")
    assert "no such file" in (by_id[str(tmp_path / "missing.xml")].error or "")
    assert "maximum context length" in (by_id["poisoned"].error or "")
    assert any("malformed XML" in (r.error or "") for r in batch)
    assert len(batch) == len(inputs)
    out = tmp_path / "out.jsonl"
    write_jsonl(batch, out)
    records = {line["id"]: line for line in lines(out)}
    assert set(records["poisoned"]) == {"id", "url", "source", "error"}
    assert records["short"]["source"] == f"{jsonl}:3"


def test_results_come_in_completion_order_with_their_input_ids(server: LLMServer) -> None:
    def responder(req: RecordedRequest) -> Reply:
        reply = grounded_responder(req)
        return Reply.delay(0.4, reply) if "report number 0 " in (req.article or "") else reply

    server.responder = responder

    async def collect() -> list[str]:
        return [r.id async for r in asummarize_many(articles(4), concurrency=4, **options(server))]

    ids = asyncio.run(collect())
    assert sorted(ids) == ["a0", "a1", "a2", "a3"] and ids[-1] == "a0"


def test_summarize_many_works_inside_a_running_event_loop() -> None:
    async def notebook_cell() -> BatchResults:
        return summarize_many(articles(3), concurrency=2, backend="extractive")

    batch = asyncio.run(notebook_cell())
    assert [r.ok for r in batch] == [True, True, True]


def test_inputs_are_streamed_not_loaded_at_once() -> None:
    pulled = 0
    ahead: list[int] = []
    stats = BatchStats()

    def feed() -> Iterator[Article]:
        nonlocal pulled
        for i in range(300):
            pulled += 1
            ahead.append(pulled - stats.done)
            yield Article(text=story(i) + f" Extra {i}.")

    seen = sum(1 for _ in iter_summarize_many(feed(), concurrency=4, backend="extractive", stats=stats))

    assert seen == 300 and stats.exhausted and stats.read == 300
    assert max(ahead) <= 4 + 1  # never more inputs read than free workers (plus the one being handed over)


def test_closing_the_iterator_early_stops_the_batch(server: LLMServer, tmp_path: Path) -> None:
    server.responder = slow(grounded_responder, 0.2)
    db = tmp_path / "store.db"
    results = iter_summarize_many(articles(20), concurrency=2, store=db, **options(server))
    first = next(results)
    results.close()
    assert first.ok
    time.sleep(0.3)
    assert len(server.chat_requests) <= 4
    with Store(db) as store:
        assert store.stats()["running"] == 0  # the leases were given back


# ---------------------------------------------------------------------------
# Retries, rate limits and the shared backoff


@pytest.mark.usefixtures("fixed_fence")  # flaky() draws faults from the request body
def test_a_429_storm_ends_with_every_article_summarized(server: LLMServer) -> None:
    server.responder = flaky(grounded_responder, p429=0.5, seed=5, retry_after_ms=5, max_failures=3)
    stats = BatchStats()

    batch = summarize_many(articles(12), concurrency=6, stats=stats, **options(server))

    assert all(r.ok for r in batch), [r.error for r in batch if not r.ok]
    assert sum(1 for r in server.chat_requests if r.status == 429) >= 6
    assert stats.backoffs >= 1 and stats.retries >= 6
    assert sum(r.summary.meta.transport_retries for r in batch if r.summary) == stats.retries


def test_a_429_holds_every_worker_for_the_wait_the_server_asked_for(server: LLMServer) -> None:
    arrivals: list[tuple[float, str]] = []
    limited = threading.Event()

    def responder(req: RecordedRequest) -> Reply:
        arrivals.append((time.monotonic(), req.article or ""))
        if not limited.is_set():
            limited.set()
            return Reply.delay(0.15, Reply.error(429, retry_after_ms=600))
        return Reply.delay(0.2, grounded_responder(req))

    server.responder = responder
    batch = summarize_many(articles(8), concurrency=4, **options(server))

    assert all(r.ok for r in batch)
    t429 = arrivals[0][0] + 0.15  # when the 429 was answered
    in_flight = arrivals[1:4]  # sent alongside the first request, before the 429 was known
    later = arrivals[4:]  # the retried request, and the four articles started once the others finished
    offsets = [round(t - t429, 3) for t, _ in arrivals]
    assert len(later) == 5 and all(t < t429 for t, _ in in_flight), offsets
    assert all(t - t429 >= 0.55 for t, _ in later), offsets  # held, although three workers were free at +0.05 s


def test_rpm_spaces_requests_over_a_sliding_minute() -> None:
    clock = [0.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    async def run() -> list[float]:
        throttle = Throttle(rpm=2, clock=lambda: clock[0], sleep=sleep)
        sent = []
        for _ in range(5):
            await throttle.before_request()
            sent.append(clock[0])
            clock[0] += 1
        return sent

    assert asyncio.run(run()) == [0.0, 1.0, 60.0, 61.0, 120.0]


def test_tpm_waits_for_room_and_counts_the_real_usage() -> None:
    clock = [0.0]

    async def sleep(seconds: float) -> None:
        clock[0] += seconds

    async def run() -> list[float]:
        throttle = Throttle(tpm=1000, clock=lambda: clock[0], sleep=sleep)
        starts = []
        first = await throttle.take_tokens(600)
        starts.append(clock[0])
        throttle.settle(first, 300)  # it used less than estimated
        await throttle.take_tokens(600)
        starts.append(clock[0])
        await throttle.take_tokens(600)  # 900 + 600 > 1000: waits for the first to leave the window
        starts.append(clock[0])
        await throttle.take_tokens(5000)  # bigger than the limit: alone in the window, never stuck
        starts.append(clock[0])
        return starts

    assert asyncio.run(run()) == [0.0, 0.0, 60.0, 120.0]


def test_a_429_pause_only_follows_rate_limits() -> None:
    class Status(Exception):
        def __init__(self, code: int) -> None:
            self.status_code = code

    clock = [100.0]
    stats = BatchStats()
    throttle = Throttle(clock=lambda: clock[0], stats=stats)
    throttle.on_backoff(2.0, Status(500))
    assert throttle.pause_until == 0.0
    throttle.on_backoff(2.0, Status(429))
    throttle.on_backoff(1.0, Status(429))  # inside the current pause: no extension
    assert throttle.pause_until == 102.0 and stats.backoffs == 1 and stats.retries == 3


def test_token_estimate_is_about_a_quarter_of_the_characters() -> None:
    article = Article(text="x" * 4000)
    assert estimate_tokens(article, prompt_chars=0) == 1000 + 800


def test_rpm_limits_a_real_batch(server: LLMServer) -> None:
    stats = BatchStats()
    summarize_many(articles(3), concurrency=3, rpm=600, stats=stats, **options(server))  # 10 per second
    assert len(server.chat_requests) == 3


# ---------------------------------------------------------------------------
# The store: cache, failures, leases


def test_a_rerun_on_the_same_store_makes_no_requests(server: LLMServer, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    first = summarize_many(articles(5), concurrency=3, store=db, **options(server))
    assert len(server.chat_requests) == 5 and not any(r.cached for r in first)

    again = summarize_many(articles(5), concurrency=3, store=db, **options(server))

    assert len(server.chat_requests) == 5
    assert all(r.ok and r.cached for r in again)
    assert [r.summary for r in again] == [r.summary for r in first]


def test_a_changed_model_is_new_work(server: LLMServer, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    summarize_many(articles(2), store=db, **options(server))
    summarize_many(articles(2), store=db, **options(server, model="gpt-4o"))
    assert len(server.chat_requests) == 4


def test_failures_are_stored_and_retried_only_when_asked(server: LLMServer, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    broken = {"on": True}

    def responder(req: RecordedRequest) -> Reply:
        if broken["on"] and "Poltava" in (req.article or ""):
            return Reply.error(400, "Unsupported parameter.")
        return grounded_responder(req)

    server.responder = responder
    first = summarize_many(articles(6), concurrency=3, store=db, **options(server))
    assert [r.id for r in first if not r.ok] == ["a5"]
    with Store(db) as store:
        record = store.get(first[5].key)  # type: ignore[arg-type]
        assert record is not None and record.status == "failed" and "Unsupported parameter" in (record.error or "")

    broken["on"] = False
    count = len(server.chat_requests)
    kept = summarize_many(articles(6), store=db, **options(server))
    assert len(server.chat_requests) == count and not kept[5].ok and kept[5].cached

    retried = summarize_many(articles(6), store=db, retry_failed=True, **options(server))
    assert len(server.chat_requests) == count + 1 and all(r.ok for r in retried)


def test_outputs_are_rebuilt_from_the_store_in_input_order(server: LLMServer, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    inputs = [*articles(3), InputFailure("feed.xml#4", "gone", "https://x.example/4", "HTTP 404"), articles(1)[0]]
    with Store(db) as store:
        run = store.start_run()
        live = summarize_many(inputs, concurrency=2, store=store, run_id=run, **options(server))
        rebuilt = list(results_from_store(store, run))
        assert list(results_from_store(store)) == rebuilt  # the latest run by default

    assert [(r.seq, r.id, r.url, r.source, r.error) for r in rebuilt] == [
        (r.seq, r.id, r.url, r.source, r.error) for r in live
    ]
    assert [r.summary for r in rebuilt] == [r.summary for r in live]
    assert rebuilt[3].error == "HTTP 404" and rebuilt[4].duplicate


def test_an_unusable_key_stops_the_batch_and_leaves_the_items_pending(tmp_path: Path) -> None:
    from summarizer.errors import AuthenticationError

    db = tmp_path / "store.db"
    with LLMServer(api_key="sk-the-right-one", responder=grounded_responder) as locked:
        with pytest.raises(AuthenticationError):
            summarize_many(articles(10), concurrency=2, store=db, **options(locked))
        assert len(locked.chat_requests) <= 3
    with Store(db) as store:
        assert store.stats()["failed"] == 0 and store.stats()["running"] == 0


def test_an_item_another_worker_holds_is_awaited_not_redone(server: LLMServer, tmp_path: Path) -> None:
    """Two batches in one process on one store (two owners): each article summarized once."""
    server.responder = slow(grounded_responder, 0.1)
    db = tmp_path / "store.db"
    Store(db).close()  # created first: see the report about two processes creating one store at once
    results: list[BatchResults] = []

    def run() -> None:
        results.append(summarize_many(articles(8), concurrency=4, store=db, poll_s=0.05, **options(server)))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert all(n == 1 for n in per_article(server).values()) and len(per_article(server)) == 8
    assert len(results) == 2 and all(r.ok for batch in results for r in batch)
    with Store(db) as store:
        assert store.stats()["done"] == 8
        assert all(store.get(r.key).attempts == 1 for r in results[0])  # type: ignore[arg-type, union-attr]


# ---------------------------------------------------------------------------
# Notebook display and digest


def test_batch_results_display_as_a_digest_in_notebooks() -> None:
    batch = summarize_many([*articles(2), InputFailure("x.xml#1", "gone", None, "HTTP 404")], backend="extractive")

    html = batch._repr_html_()
    assert "Digest of 2 articles" in html and "Attacks" in html and "https://news.example.org/0" in html
    assert "Failed inputs (1)" in html and "HTTP 404" in html
    assert "1 failed" in repr(batch) and "2 summarized" in repr(batch)
    assert len(batch.to_dataframe()) == sum(len(s.items()) for s in batch.summaries)


# ---------------------------------------------------------------------------
# The CLI


def cli_env(server: LLMServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    env.update(SUMMARIZER_BASE_URL=server.base_url, SUMMARIZER_API_KEY=TEST_KEY, SUMMARIZER_MODEL=TEST_MODEL,
               SUMMARIZER_BACKEND="llm")
    return env


def run_cli(args: list[str], server: LLMServer) -> Any:
    from summarizer.cli import cli

    return CliRunner().invoke(cli, args, env=cli_env(server), catch_exceptions=False)


def test_cli_batch_writes_one_line_per_input_a_digest_and_a_summary_line(server: LLMServer, tmp_path: Path) -> None:
    feed = write_articles_jsonl(tmp_path / "in.jsonl", [*articles(4), articles(1)[0]])
    out, digest, db = tmp_path / "out.jsonl", tmp_path / "digest.md", tmp_path / "s.db"

    result = run_cli(["batch", str(feed), str(tmp_path / "nope.xml"), "-o", str(out), "--store", str(db),
                      "--digest", str(digest), "--concurrency", "2"], server)

    assert result.exit_code == 1  # one input failed
    records = lines(out)
    assert [r["id"] for r in records] == ["a0", "a1", "a2", "a3", "a0", str(tmp_path / "nope.xml")]
    assert "headline" in records[0] and records[-1]["error"].endswith("no such file or folder; check the path.")
    assert result.stderr.splitlines()[-1] == (
        f"summarizer: 5 summarized (0 cached, 1 duplicate), 1 failed (1 input could not be read: fix it and rerun) → {out}"
        f" and {digest}"
    )
    assert "## Attacks" in digest.read_text() and "https://news.example.org/3" in digest.read_text()
    assert len(server.chat_requests) == 4

    again = run_cli(["batch", str(feed), "-o", str(out), "--store", str(db)], server)
    assert again.exit_code == 0 and "5 summarized (5 cached, 1 duplicate), 0 failed" in again.stderr
    assert len(server.chat_requests) == 4


def test_cli_from_store_rebuilds_outputs_without_any_request(server: LLMServer, tmp_path: Path) -> None:
    feed = write_articles_jsonl(tmp_path / "in.jsonl", articles(3))
    db = tmp_path / "s.db"
    assert run_cli(["batch", str(feed), "-o", str(tmp_path / "a.jsonl"), "--store", str(db)], server).exit_code == 0
    server.responder = None  # any request would now fail
    count = len(server.requests)

    last_run = run_cli(["batch", "--from-store", "-o", str(tmp_path / "b.jsonl"), "--store", str(db),
                        "--digest", str(tmp_path / "d.html")], server)
    for_inputs = run_cli(["batch", "--from-store", str(feed), str(write_articles_jsonl(tmp_path / "new.jsonl", articles(1, 50))),
                          "-o", str(tmp_path / "c.jsonl"), "--store", str(db)], server)

    assert len(server.requests) == count
    assert last_run.exit_code == 0 and lines(tmp_path / "b.jsonl") == lines(tmp_path / "a.jsonl")
    assert (tmp_path / "d.html").read_text().startswith("<!doctype html>")
    assert for_inputs.exit_code == 1
    records = lines(tmp_path / "c.jsonl")
    assert records[:3] == lines(tmp_path / "a.jsonl")
    assert records[3]["id"] == "a50" and "not summarized yet" in records[3]["error"]


def test_cli_batch_names_the_first_20_failures_and_counts_the_rest(tmp_path: Path) -> None:
    from summarizer.cli import cli

    missing = [str(tmp_path / f"gone-{i:02}.txt") for i in range(23)]
    out = tmp_path / "out.jsonl"

    result = CliRunner().invoke(cli, ["batch", *missing, "-o", str(out), "--store", str(tmp_path / "s.db"),
                                      "--backend", "extractive", "--concurrency", "1"], catch_exceptions=False)

    assert result.exit_code == 1
    notes = result.stderr.splitlines()
    assert len(notes) == 22
    assert notes[:20] == [f"summarizer: failed: {path}: no such file or folder; check the path." for path in missing[:20]]
    assert notes[20] == f"summarizer: failed: … and 3 more (see {out})"
    assert notes[21] == f"summarizer: 0 summarized (0 cached), 23 failed (23 inputs could not be read: fix them and rerun) → {out}"
    assert len(lines(out)) == 23


@pytest.mark.usefixtures("fixed_fence")  # flaky() draws faults from the request body
def test_cli_batch_totals_are_the_last_line_after_retries(server: LLMServer, tmp_path: Path) -> None:
    server.responder = flaky(grounded_responder, p429=1.0, retry_after_ms=5, max_failures=1)
    feed = write_articles_jsonl(tmp_path / "in.jsonl", articles(2))
    out = tmp_path / "out.jsonl"

    result = run_cli(["batch", str(feed), "-o", str(out), "--store", str(tmp_path / "s.db")], server)

    assert result.exit_code == 0, result.stderr
    retried, totals = result.stderr.splitlines()
    assert retried.startswith("summarizer: 2 requests retried (") and "rate limit" in retried
    assert totals == f"summarizer: 2 summarized (0 cached), 0 failed → {out}"


def test_cli_progress_bar_knows_the_total_of_local_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from io import StringIO

    from rich.console import Console

    from summarizer import cli as cli_module

    totals: list[int | None] = []

    class Bar(cli_module._BatchProgress):  # a terminal's bar, drawn into a buffer
        def __init__(self, stats: BatchStats, enabled: bool, total: int | None = None) -> None:
            super().__init__(stats, True, total, console=Console(file=StringIO(), force_terminal=True, width=100))
            totals.append(self.progress.tasks[0].total)

    monkeypatch.setattr("summarizer.cli.batch_cmd._BatchProgress", Bar)
    jsonl = write_articles_jsonl(tmp_path / "in.jsonl", articles(3))
    feed = ROOT / "seeds" / "feed-sample.xml"
    common = ["-o", str(tmp_path / "out.jsonl"), "--store", str(tmp_path / "s.db"), "--backend", "extractive"]

    local = CliRunner().invoke(cli_module.cli, ["batch", str(jsonl), str(feed), *common], catch_exceptions=False)
    remote = CliRunner().invoke(cli_module.cli, ["batch", str(jsonl), "http://127.0.0.1:9/rss", *common])

    assert local.exit_code == 0, local.stderr
    assert remote.exit_code == 1  # the feed URL can't be fetched
    assert totals == [5, None]  # before anything was read: known for files, '?' while a URL is to be read


def test_cli_ctrl_c_clears_the_bar_and_says_how_far_it_got(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from io import StringIO

    from rich.console import Console

    from summarizer import batch as batch_module
    from summarizer import cli as cli_module

    screens: list[StringIO] = []

    class Bar(cli_module._BatchProgress):  # a terminal's bar, drawn into a buffer
        def __init__(self, stats: BatchStats, enabled: bool, total: int | None = None) -> None:
            screens.append(StringIO())
            super().__init__(stats, True, total, console=Console(file=screens[-1], force_terminal=True, width=100))

    def interrupted(articles: Any, *, stats: BatchStats, on_result: Callable[[Any], None], **_: Any) -> Iterator[Any]:
        for i in range(2):
            stats.read += 1
            stats.done += 1
            result = batch_module.BatchResult(i, f"a{i}", summary=articles)  # any summary: only .ok is read
            on_result(result)
            yield result
        raise KeyboardInterrupt

    monkeypatch.setattr("summarizer.cli.batch_cmd._BatchProgress", Bar)
    monkeypatch.setattr(batch_module, "iter_summarize_many", interrupted)
    feed = write_articles_jsonl(tmp_path / "in.jsonl", articles(5))
    out, db = tmp_path / "out.jsonl", tmp_path / "s.db"
    out.write_text("from an earlier run\n")

    result = CliRunner().invoke(cli_module.cli, ["batch", str(feed), "-o", str(out), "--store", str(db),
                                                 "--backend", "extractive"], catch_exceptions=False)

    assert result.exit_code == 130
    assert result.stderr == (
        f"summarizer: interrupted: 2 of 5 done, kept in {db}; {out} was not written; rerun the same command to resume\n"
    )
    assert out.read_text() == "from an earlier run\n"  # OUT is never a partial run
    screen = screens[0].getvalue()
    assert "2/5" in screen and screen.endswith("\x1b[2K")  # the bar was drawn, then erased


def test_cli_batch_interrupted_with_sigint_exits_130_and_a_rerun_resumes(server: LLMServer, tmp_path: Path) -> None:
    server.responder = slow(grounded_responder, 0.2)
    feed = write_articles_jsonl(tmp_path / "in.jsonl", articles(10))
    db, out = tmp_path / "s.db", tmp_path / "out.jsonl"

    child = start_cli(feed, out, db, server, "--concurrency", "2")
    wait_for_done(db, 2, child)
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=20)

    assert child.returncode == 130
    (line,) = stderr.splitlines()
    assert re.fullmatch(
        rf"summarizer: interrupted: \d+ of 10 done, kept in {re.escape(str(db))}; {re.escape(str(out))} was not "
        r"written; rerun the same command to resume",
        line,
    ), line
    assert not out.exists()
    with Store(db) as store:
        assert store.stats()["running"] == 0  # leases given back at once

    rerun = start_cli(feed, out, db, server, "--concurrency", "2")
    _, stderr = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, stderr
    assert len(lines(out)) == 10 and per_article(server).most_common(1)[0][1] <= 2


def test_cli_batch_records_one_run_with_its_inputs_and_its_model(server: LLMServer, tmp_path: Path) -> None:
    import sqlite3

    feed = write_articles_jsonl(tmp_path / "in.jsonl", articles(2))
    db = tmp_path / "s.db"

    result = run_cli(["batch", str(feed), "-o", str(tmp_path / "out.jsonl"), "--store", str(db), "--concurrency", "3"], server)

    assert result.exit_code == 0, result.stderr
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT args_json FROM runs").fetchall()
    assert len(rows) == 1
    args = json.loads(rows[0][0])
    assert args["inputs"] == [str(feed)] and args["output"] == str(tmp_path / "out.jsonl")
    assert args["model"] == TEST_MODEL and args["backend"] == "llm" and args["concurrency"] == 3


def test_cli_from_store_needs_no_key_to_find_what_an_llm_run_stored(server: LLMServer, tmp_path: Path) -> None:
    from summarizer.cli import cli

    feed = write_articles_jsonl(tmp_path / "in.jsonl", articles(3))
    db = tmp_path / "s.db"
    assert run_cli(["batch", str(feed), "-o", str(tmp_path / "llm.jsonl"), "--store", str(db)], server).exit_code == 0
    expected = lines(tmp_path / "llm.jsonl")

    def offline(*args: str) -> Any:  # no key, no base URL: the auto backend would be the extractive one
        return CliRunner().invoke(cli, ["batch", "--from-store", *args, "--store", str(db), "--model", TEST_MODEL],
                                  catch_exceptions=False)

    last_run = offline("-o", str(tmp_path / "a.jsonl"))
    for_inputs = offline(str(feed), "-o", str(tmp_path / "b.jsonl"))
    llm_asked = offline(str(feed), "-o", str(tmp_path / "c.jsonl"), "--backend", "llm")

    for result, out in ((last_run, "a.jsonl"), (for_inputs, "b.jsonl"), (llm_asked, "c.jsonl")):
        assert result.exit_code == 0, result.stderr
        assert lines(tmp_path / out) == expected
        assert result.stderr.splitlines()[-1].startswith("summarizer: 3 summarized (3 cached), 0 failed → ")


def test_cli_from_store_finds_what_an_offline_run_stored(tmp_path: Path) -> None:
    from summarizer.cli import cli

    feed = write_articles_jsonl(tmp_path / "in.jsonl", articles(2))
    db = tmp_path / "s.db"
    invoke = CliRunner().invoke
    assert invoke(cli, ["batch", str(feed), "-o", str(tmp_path / "a.jsonl"), "--store", str(db)]).exit_code == 0

    result = invoke(cli, ["batch", "--from-store", str(feed), "-o", str(tmp_path / "b.jsonl"), "--store", str(db)])

    assert result.exit_code == 0, result.stderr
    assert lines(tmp_path / "b.jsonl") == lines(tmp_path / "a.jsonl")
    assert all(r["meta"]["backend"] == "extractive" for r in lines(tmp_path / "b.jsonl"))


def test_cli_batch_needs_inputs_unless_from_store(server: LLMServer, tmp_path: Path) -> None:
    result = run_cli(["batch", "-o", str(tmp_path / "out.jsonl")], server)
    assert result.exit_code == 2 and "No INPUT given" in result.stderr


def test_cli_feed_entries_whose_pages_fail_are_summarized_from_the_feed_text(tmp_path: Path) -> None:
    from summarizer.cli import cli

    dead = f"http://127.0.0.1:{_free_port()}"  # nothing listens: every fetch is refused
    feed = tmp_path / "feed.xml"
    feed.write_text((ROOT / "tests" / "data" / "feed-broken.xml").read_text().replace("https://news.example.org", dead))
    out = tmp_path / "out.jsonl"

    result = CliRunner().invoke(cli, ["batch", str(feed), "-o", str(out), "--store", str(tmp_path / "s.db"),
                                      "--backend", "extractive"], catch_exceptions=False)

    records = lines(out)
    assert [r["id"] for r in records[:3]] == ["broken-1", "broken-2", "broken-3"]
    assert "headline" in records[0] and "headline" in records[1]
    assert records[0]["url"] == f"{dead}/2025/05/24/kyiv-attack"
    assert records[2]["error"] == f"{feed}#3: entry has no text and no link; the feed may be truncated."
    # The pages are fetched by the workers, at once: the warnings come as each fetch fails, in any order.
    warnings = sorted(n for n in result.stderr.splitlines() if n.startswith("summarizer: warning:"))
    assert len(warnings) == 2
    assert warnings[0] == (
        f"summarizer: warning: {feed}#1: could not fetch the full article, so the feed's own text (52 words) is used: "
        f"{dead}/2025/05/24/kyiv-attack refused the connection; check the URL and that the server is running."
    )
    assert warnings[1].startswith(f"summarizer: warning: {feed}#2: could not fetch the full article")
    assert result.exit_code == 1  # broken-3 and the damaged XML


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------------------
# Fetching pages: teasers and URL lists, at once, results in input order


class _PageHandler(BaseHTTPRequestHandler):
    """``/page/N?delay=S``: story(N) as plain text after S seconds; anything else: 404."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    hits: ClassVar[collections.Counter[str]] = collections.Counter()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        self.hits[url.path] += 1
        time.sleep(float(parse_qs(url.query).get("delay", ["0"])[0]))
        if url.path.startswith("/page/"):
            status, body = 200, story(int(url.path.rsplit("/", 1)[1])).encode()
        else:
            status, body = 404, b"not found"
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up
            pass


class _PageServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: object, client_address: object) -> None:
        pass


@pytest.fixture
def pages() -> Iterator[str]:
    _PageHandler.hits.clear()
    httpd = _PageServer(("127.0.0.1", 0), _PageHandler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_teaser_pages_are_fetched_at_once_and_results_keep_their_input_order(pages: str, tmp_path: Path) -> None:
    feed = teaser_feed(tmp_path / "feed.xml", [f"{pages}/page/{i}?delay=0.5" for i in range(8)])
    db = tmp_path / "s.db"
    summarize_many([story(99)], backend="extractive")  # the backend's first start is not what is timed

    start = time.monotonic()
    batch = summarize_many(load_articles([feed], timeout=5), concurrency=8, store=db, backend="extractive")
    elapsed = time.monotonic() - start

    assert elapsed < 2.5  # one page at a time takes at least 8 x 0.5 s
    assert [(r.seq, r.id, r.source) for r in batch] == [(i, f"t{i}", f"{feed}#{i + 1}") for i in range(8)]
    assert all(r.ok and r.summary and r.summary.article.text == story(i) for i, r in enumerate(batch))
    assert sorted(_PageHandler.hits.values()) == [1] * 8

    # The work key comes from the page's text: a rerun fetches the pages again, and finds the summaries stored.
    again = summarize_many(load_articles([feed], timeout=5), concurrency=8, store=db, backend="extractive")
    assert all(r.cached for r in again) and sorted(_PageHandler.hits.values()) == [2] * 8


def test_a_slow_page_holds_up_one_worker_not_the_feed(pages: str, tmp_path: Path) -> None:
    links = [f"{pages}/page/{i}?delay={1.5 if i == 0 else 0}" for i in range(12)]
    feed = teaser_feed(tmp_path / "feed.xml", links)

    async def collect() -> list[str]:
        return [r.id async for r in asummarize_many(load_articles([feed], timeout=5), concurrency=4, backend="extractive")]

    ids = asyncio.run(collect())

    assert sorted(ids) == sorted(f"t{i}" for i in range(12))
    assert ids[-1] == "t0"  # the eleven others were fetched and summarized while t0's page loaded


def test_cli_batch_fetches_a_feeds_teasers_and_a_url_list_at_once(pages: str, tmp_path: Path) -> None:
    from summarizer.cli import cli

    feed = teaser_feed(tmp_path / "feed.xml", [f"{pages}/page/{i}?delay=0.5" for i in range(8)])
    listing = tmp_path / "urls.txt"
    listing.write_text("".join(f"{pages}/page/{i}?delay=0.5\n" for i in range(8, 16)), encoding="utf-8")
    out = tmp_path / "out.jsonl"

    start = time.monotonic()
    result = CliRunner().invoke(cli, ["batch", str(feed), str(listing), "-o", str(out), "--store", str(tmp_path / "s.db"),
                                      "--backend", "extractive", "--concurrency", "8"], catch_exceptions=False)
    elapsed = time.monotonic() - start

    assert result.exit_code == 0, result.stderr
    assert elapsed < 4  # one page at a time takes at least 16 x 0.5 s
    records = lines(out)
    assert [r["id"] for r in records] == [f"t{i}" for i in range(8)] + [f"{pages}/page/{i}?delay=0.5" for i in range(8, 16)]
    assert all("headline" in r for r in records)


def test_a_teaser_keeps_its_place_among_inputs_with_its_url(pages: str) -> None:
    page, gone = f"{pages}/page/0?delay=0.3", f"{pages}/gone"
    inputs: list[Any] = [
        PendingFetch("feed.xml#1", "teaser", page, text="A teaser."),  # its page is fetched slowly
        Article(text=story(50), id="same-url", url=page),  # read at once, but comes after the teaser
        PendingFetch("feed.xml#2", "gone", gone, text="Another teaser."),  # its page is gone: an error
        Article(text=story(60), id="gone-1", url=gone),  # so the first readable input with that URL is this one
        Article(text=story(61), id="gone-2", url=gone),
    ]

    batch = summarize_many(inputs, concurrency=5, backend="extractive")

    assert [r.id for r in batch] == ["teaser", "same-url", "gone", "gone-1", "gone-2"]
    assert [r.duplicate for r in batch] == [False, True, False, False, True]
    assert batch[1].key == batch[0].key and batch[1].summary and batch[1].summary.article.text == story(0)
    assert batch[2].error == f"{gone} answered HTTP 404 Not Found." and batch[2].url == gone
    assert batch[4].key == batch[3].key and batch[4].summary and batch[4].summary.article.text == story(60)


def test_closing_the_iterator_does_not_wait_for_slow_pages(pages: str, tmp_path: Path) -> None:
    links = [f"{pages}/page/{i}?delay={0 if i == 0 else 3}" for i in range(6)]
    feed = teaser_feed(tmp_path / "feed.xml", links)
    results = iter_summarize_many(load_articles([feed], timeout=10), concurrency=4, backend="extractive")

    first = next(results)
    start = time.monotonic()
    results.close()

    assert first.id == "t0"
    assert time.monotonic() - start < 1.5  # the pages still loading are left to their threads


def test_cli_batch_interrupted_while_pages_load_exits_at_once(pages: str, tmp_path: Path) -> None:
    feed = teaser_feed(tmp_path / "feed.xml", [f"{pages}/page/{i}?delay=10" for i in range(4)])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    child = subprocess.Popen(
        [sys.executable, "-m", "summarizer", "batch", str(feed), "-o", str(tmp_path / "out.jsonl"),
         "--store", str(tmp_path / "s.db"), "--backend", "extractive", "--timeout", "15"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 20
    while sum(_PageHandler.hits.values()) < 4 and time.monotonic() < deadline:  # every page is loading
        assert child.poll() is None, child.communicate()
        time.sleep(0.05)

    start = time.monotonic()
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=30)

    assert child.returncode == 130, stderr
    assert time.monotonic() - start < 3  # not the 10 s the pages still take
    assert "interrupted: 0 of 4 done" in stderr


# ---------------------------------------------------------------------------
# Processes: kill -9 and resume, two batches on one store


#: ``python -m summarizer`` with one fence nonce for every request (see conftest.fixed_fence).
_FIXED_FENCE_MAIN = "import summarizer.prompts as p; p.new_fence = lambda *t: 'f' * 16; from summarizer.cli import main; main()"


def start_cli(
    feed: Path, out: Path, db: Path, server: LLMServer, *extra: str, fixed_fence: bool = False
) -> subprocess.Popen[str]:
    main = ["-c", _FIXED_FENCE_MAIN] if fixed_fence else ["-m", "summarizer"]
    args = [sys.executable, *main, "batch", str(feed), "-o", str(out), "--store", str(db), *extra]
    return subprocess.Popen(args, env=cli_env(server), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_done(db: Path, at_least: int, child: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert child.poll() is None, child.communicate()
        if db.exists():
            with Store(db) as store:
                if store.stats()["done"] >= at_least:
                    return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {at_least} items done after {timeout} s")


def test_a_batch_killed_with_sigkill_resumes_and_summarizes_each_article_once(server: LLMServer, tmp_path: Path) -> None:
    server.responder = slow(grounded_responder, 0.25)
    items = articles(12)
    feed = write_articles_jsonl(tmp_path / "in.jsonl", [*items, items[0]])
    db, out = tmp_path / "s.db", tmp_path / "out.jsonl"

    child = start_cli(feed, out, db, server, "--concurrency", "2")
    wait_for_done(db, 4, child)
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=10)
    assert child.returncode == -signal.SIGKILL
    with Store(db) as store:
        done_before = {store.get(k).article.text for k in _keys(store) if store.get(k).status == "done"}  # type: ignore[union-attr]
    sent_before = len(server.chat_requests)
    assert 4 <= len(done_before) < 12 and not out.exists()

    rerun = start_cli(feed, out, db, server, "--concurrency", "2")
    _, stderr = rerun.communicate(timeout=60)

    assert rerun.returncode == 0, stderr
    after = collections.Counter(r.article for r in server.chat_requests[sent_before:])
    assert not set(after) & done_before  # what was done is never asked again
    assert set(per_article(server)) == {a.text for a in items}
    assert all(n <= 2 for n in per_article(server).values())  # at most the killed in-flight request, then one
    assert sum(n == 2 for n in per_article(server).values()) <= 2  # only the two in flight at the kill
    records = lines(out)
    assert [r["id"] for r in records] == [a.id for a in items] + ["a0"] and all("headline" in r for r in records)
    with Store(db) as store:
        assert store.stats() == {"pending": 0, "running": 0, "done": 12, "failed": 0}
        assert all(store.get(k).attempts == 1 for k in _keys(store))  # type: ignore[union-attr]


def _keys(store: Store) -> list[str]:
    return [occ.key for occ, _ in store.run_results(store.latest_run_id() or "")]


def test_two_batch_processes_on_one_store_never_summarize_an_item_twice(server: LLMServer, tmp_path: Path) -> None:
    server.responder = slow(grounded_responder, 0.15)
    items = articles(10)
    feed = write_articles_jsonl(tmp_path / "in.jsonl", items)
    db = tmp_path / "s.db"
    with Store(db):
        pass  # created before both start

    a = start_cli(feed, tmp_path / "a.jsonl", db, server, "--concurrency", "3")
    b = start_cli(feed, tmp_path / "b.jsonl", db, server, "--concurrency", "3")
    for child in (a, b):
        _, stderr = child.communicate(timeout=60)
        assert child.returncode == 0, stderr

    assert per_article(server) == collections.Counter({x.text: 1 for x in items})
    assert lines(tmp_path / "a.jsonl") == lines(tmp_path / "b.jsonl")
    assert len(lines(tmp_path / "a.jsonl")) == 10
    with Store(db) as store:
        assert store.stats()["done"] == 10


# ---------------------------------------------------------------------------
# Acceptance (a faster version of benchmarks/bench_batch.py)


def quick_5xx(responder: Callable[[RecordedRequest], Reply]) -> Callable[[RecordedRequest], Reply]:
    """The same failures, but 5xx answers ask for a 20 ms wait, so the test doesn't sit in exponential backoff."""

    def answer(req: RecordedRequest) -> Reply:
        reply = responder(req)
        if reply.kind == "error" and reply.status >= 500:
            return Reply.error(reply.status, retry_after_ms=20)
        return reply

    return answer


def test_acceptance_40_item_feed_with_20pc_429_and_10pc_500(server: LLMServer, tmp_path: Path) -> None:
    server.responder = quick_5xx(flaky(slow(grounded_responder, 0.03), p429=0.2, p500=0.1, seed=40, retry_after_ms=20))
    feed = ROOT / "seeds" / "feed-40.xml"
    db, out = tmp_path / "s.db", tmp_path / "out.jsonl"

    child = start_cli(feed, out, db, server, "--concurrency", "8", fixed_fence=True)
    wait_for_done(db, 20, child, timeout=60)
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=10)
    sent_before = len(server.chat_requests)

    rerun = start_cli(feed, out, db, server, "--concurrency", "8", "--digest", str(tmp_path / "digest.md"), fixed_fence=True)
    _, stderr = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, stderr
    assert "40 summarized" in stderr and "0 failed" in stderr
    records = lines(out)
    assert len(records) == 40 and all("headline" in r for r in records)
    ok = per_article(server, status=200)
    assert len(ok) == 40 and all(n <= 2 for n in ok.values())
    with Store(db) as store:
        assert store.stats() == {"pending": 0, "running": 0, "done": 40, "failed": 0}
        assert all(store.get(k).attempts == 1 for k in _keys(store))  # type: ignore[union-attr]
    assert sent_before < len(server.chat_requests)
    statuses = collections.Counter(r.status for r in server.chat_requests)
    assert statuses[429] >= 5 and statuses[500] >= 2  # the storm really happened

    count = len(server.chat_requests)
    third = start_cli(feed, out, db, server)
    _, stderr = third.communicate(timeout=60)
    assert third.returncode == 0 and "40 summarized (40 cached), 0 failed" in stderr
    assert len(server.chat_requests) == count


def test_tokens_spent_on_a_failed_article_are_counted() -> None:
    with LLMServer(responder=lambda req: Reply.raw("not json")) as failing:
        stats = BatchStats()
        batch = summarize_many(articles(1), concurrency=1, stats=stats, **options(failing, max_attempts=2))
        answered = sum(r.json is not None for r in failing.chat_requests)
    assert batch.failed and stats.failed == 1
    assert answered == 2 and stats.tokens > 0  # both answers cost tokens, though neither was usable


def test_cli_batch_counts_articles_not_about_conflict_and_leaves_them_out_of_the_digest(tmp_path: Path) -> None:
    recipe = Article(
        id="recipe", url="https://food.example/cake", title="Onion cake",
        text="Slice four onions and fry them slowly in butter until golden. Beat three eggs with cream, salt and "
        "pepper, pour them over the onions in a tart case and bake for forty minutes. Serve warm with a green salad.",
    )
    feed = write_articles_jsonl(tmp_path / "in.jsonl", [*articles(2), recipe])
    out, digest_md = tmp_path / "out.jsonl", tmp_path / "digest.md"
    from summarizer.cli import cli

    result = CliRunner().invoke(cli, ["batch", str(feed), "-o", str(out), "--store", str(tmp_path / "s.db"),
                                      "--digest", str(digest_md), "--backend", "extractive"], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1] == (
        f"summarizer: 3 summarized (0 cached, 1 not about armed conflict), 0 failed → {out} and {digest_md}"
    )
    md = digest_md.read_text()
    assert "Digest of 2 articles" in md and "1 article not about armed conflict left out" in md
    assert "food.example" not in md

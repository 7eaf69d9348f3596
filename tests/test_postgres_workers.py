"""Many workers, one queue: four ``summarizer batch`` processes on one PostgreSQL store.

Real processes, a real PostgreSQL server (tests/pg_server.py) and the suite's own
OpenAI-compatible server (tests/llm_server.py), which answers every article with
a minimal valid draft (cheap to check: these tests are about the queue, not the
summaries); nothing is mocked. Each worker reads the same 300-article
input and writes its own OUT.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from llm_responders import flaky, summary_responder
from llm_server import LLMServer, Reply
from test_batch import articles, cli_env, lines, per_article, slow, write_articles_jsonl

pytest.importorskip("psycopg", reason="psycopg is not installed: pip install -e '.[test]'")

from summarizer.store import ItemRecord, StoreEngine, open_store

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])

N = 300


def start_worker(feed: Path, out: Path, store: str, server: LLMServer, *extra: str) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "summarizer", "batch", str(feed), "-o", str(out), "--store", store,
            "--concurrency", "8", *extra]
    return subprocess.Popen(args, env=cli_env(server), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(worker: subprocess.Popen[str], timeout: float = 90) -> str:
    _, stderr = worker.communicate(timeout=timeout)
    assert worker.returncode == 0, stderr
    return stderr


def quick_errors(responder):  # type: ignore[no-untyped-def]
    """5xx answers ask for a 20 ms wait, so the retries don't sit in exponential backoff."""

    def answer(req):  # type: ignore[no-untyped-def]
        reply = responder(req)
        if reply.kind == "error" and reply.status >= 500:
            return Reply.error(reply.status, retry_after_ms=20)
        return reply

    return answer


def mid_run(stats: dict[str, int]) -> bool:
    """Some of the 300 articles done and many still to do (workers add them as they read the input): a
    worker killed now has leases in hand.

    The test also waits until every other worker has claimed an item: a worker frees the leases of dead
    processes on its host when it starts (``release_dead``), so one starting after the kill would free
    the victim's leases at once instead of waiting for them to expire."""
    return 20 <= stats["done"] <= 250


def holds(store: StoreEngine, url: str, pid: int) -> list[ItemRecord]:
    """The items the worker with process id ``pid`` holds a lease on (see make_owner: ``host:pid:random``)."""
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT key FROM summarizer.items WHERE status = 'running' AND lease_owner LIKE %s ORDER BY key",
            (f"%:{pid}:%",),
        ).fetchall()
    return [record for (key,) in rows if (record := store.get(key)) is not None]


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    return write_articles_jsonl(tmp_path / "in.jsonl", articles(N))


def test_four_workers_store_every_article_once_and_each_writes_a_complete_out(
    pg_url: str, feed: Path, tmp_path: Path
) -> None:
    with LLMServer(responder=quick_errors(flaky(summary_responder, p429=0.03, p500=0.03, seed=15))) as server:
        outs = [tmp_path / f"out{i}.jsonl" for i in range(4)]
        workers = [start_worker(feed, out, pg_url, server) for out in outs]
        for worker in workers:
            finish(worker)

        texts = {a.text for a in articles(N)}
        answered = per_article(server, status=200)
        retried = sum(r.status != 200 for r in server.chat_requests)
        assert set(answered) == texts and all(n == 1 for n in answered.values())  # each article summarized once
        assert len(server.chat_requests) == N + retried  # distinct articles plus retries, nothing else
        assert retried > 0  # the retries really happened

    expected_ids = [f"a{i}" for i in range(N)]
    for out in outs:
        records = lines(out)
        assert [r["id"] for r in records] == expected_ids and all("headline" in r for r in records)
    with open_store(pg_url) as store:
        assert store.stats() == {"pending": 0, "running": 0, "done": N, "failed": 0}
        run = store.latest_run_id()
        assert run is not None
        assert all(record.attempts == 1 for _, record in store.run_results(run))


def test_a_worker_killed_with_sigkill_has_its_work_finished_by_the_others_after_its_lease_expires(
    pg_url: str, feed: Path, tmp_path: Path
) -> None:
    lease = 3.0
    with LLMServer(responder=slow(summary_responder, 0.25)) as server:  # a lease is held for 0.25 s at least
        victim = start_worker(feed, tmp_path / "victim.jsonl", pg_url, server, "--lease", str(lease))
        others = [start_worker(feed, tmp_path / f"out{i}.jsonl", pg_url, server, "--lease", str(lease)) for i in range(3)]
        with open_store(pg_url) as store:
            deadline = time.monotonic() + 60
            started: set[int] = set()  # the others that have claimed an item: past their start-up's release_dead
            while not (len(started) == len(others) and mid_run(store.stats()) and holds(store, pg_url, victim.pid)):
                assert time.monotonic() < deadline and victim.poll() is None, "the batch never got going"
                started |= {w.pid for w in others if w.pid not in started and holds(store, pg_url, w.pid)}
                time.sleep(0.02)
            os.kill(victim.pid, signal.SIGKILL)
            victim.communicate(timeout=10)
            killed_at = time.time()
            held = holds(store, pg_url, victim.pid)

            for worker in others:
                finish(worker)

            assert victim.returncode == -signal.SIGKILL and not (tmp_path / "victim.jsonl").exists()
            assert held, "the killed worker held no lease: kill it earlier"
            for record in held:  # taken over once its lease had expired, then summarized once by another worker
                after = store.get(record.key)
                assert after is not None and after.status == "done" and after.attempts == 1
                assert record.lease_expires is not None and after.updated_at >= record.lease_expires > killed_at
            assert store.stats() == {"pending": 0, "running": 0, "done": N, "failed": 0}

        asked = per_article(server)  # every request that reached the server, answered or cut off by the kill
        twice = {text for text, n in asked.items() if n > 1}
        assert set(asked) == {a.text for a in articles(N)} and all(n <= 2 for n in asked.values())
        assert twice <= {record.article.text for record in held}  # only what the victim had in hand
        assert len(server.chat_requests) == N + len(twice)

    for i in range(3):
        assert [r["id"] for r in lines(tmp_path / f"out{i}.jsonl")] == [f"a{j}" for j in range(N)]


def test_a_second_run_on_the_same_store_asks_nothing_again(pg_url: str, tmp_path: Path) -> None:
    feed = write_articles_jsonl(tmp_path / "small.jsonl", articles(30))
    with LLMServer(responder=summary_responder) as server:
        first = start_worker(feed, tmp_path / "a.jsonl", pg_url, server)
        finish(first)
        count = len(server.chat_requests)

        again = start_worker(feed, tmp_path / "b.jsonl", pg_url, server)
        stderr = finish(again)

        assert len(server.chat_requests) == count == 30
        assert "30 summarized (30 cached)" in stderr
    assert lines(tmp_path / "a.jsonl") == lines(tmp_path / "b.jsonl")


def test_from_store_rebuilds_out_from_a_postgresql_store_without_a_call(pg_url: str, tmp_path: Path) -> None:
    small = write_articles_jsonl(tmp_path / "small.jsonl", articles(5))
    with LLMServer(responder=summary_responder) as server:
        finish(start_worker(small, tmp_path / "a.jsonl", pg_url, server))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
        rebuilt = subprocess.run(
            [sys.executable, "-m", "summarizer", "batch", "--from-store", "-o", str(tmp_path / "b.jsonl"), "--store", pg_url],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert len(server.chat_requests) == 5
    assert lines(tmp_path / "a.jsonl") == lines(tmp_path / "b.jsonl")
    assert collections.Counter(r["id"] for r in lines(tmp_path / "b.jsonl")) == {f"a{i}": 1 for i in range(5)}

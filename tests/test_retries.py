"""The transport retry policy's bounds, and the batch's lease renewal, each pinned by a test
that fails if that bound or renewal is removed.

These run against the scripted server directly (no cassette), reading what it received.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import TEST_KEY, TEST_MODEL, ServerWatch
from llm_server import LLMServer, RecordedRequest, Reply

from summarizer import errors
from summarizer.batch import iter_summarize_many
from summarizer.pipeline import Summarizer
from summarizer.schema import Article
from summarizer.store import Store


def _summarizer(server: LLMServer, **extra: Any) -> Summarizer:
    return Summarizer(base_url=server.base_url, api_key=TEST_KEY, model=TEST_MODEL, backend="llm", **extra)


def _waits(s: Summarizer) -> list[float]:
    """Make transport retries instant, recording each wait asked for."""
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    s.backend.client.sleep = fake_sleep  # type: ignore[attr-defined]
    return waits


def test_a_huge_retry_after_is_capped_at_thirty_seconds(llm_server: LLMServer, seed_text: str, seed_draft: dict) -> None:
    llm_server.script(Reply.error(429, retry_after=3600), Reply.data(seed_draft))
    s = _summarizer(llm_server)
    waits = _waits(s)

    summary = s.summarize(seed_text)

    assert waits == [30.0]  # not the hour the server asked for
    assert summary.meta.transport_retries == 1 and len(llm_server.chat_requests) == 2


@pytest.mark.parametrize("status", [408, 409])
def test_request_timeout_and_conflict_are_retried(llm_server: LLMServer, seed_text: str, seed_draft: dict, status: int) -> None:
    llm_server.script(Reply.error(status), Reply.data(seed_draft))
    s = _summarizer(llm_server)
    waits = _waits(s)

    summary = s.summarize(seed_text)

    assert summary.meta.transport_retries == 1 and len(waits) == 1
    assert [r.status for r in llm_server.chat_requests] == [status, 200]


def test_retries_stop_when_the_total_retry_time_is_spent(llm_server: LLMServer, seed_text: str) -> None:
    # Each failing answer takes 0.3 s of real time; backoff sleeps are instant. With 20 retries
    # allowed but 0.5 s of total retry time, the budget must end it after about two requests.
    llm_server.script(*[Reply.delay(0.3, Reply.error(500))] * 21)
    s = _summarizer(llm_server, transport_retries=20, max_retry_time=0.5)
    _waits(s)

    started = time.monotonic()
    with pytest.raises(errors.EndpointUnavailableError, match="HTTP 500"):
        s.summarize(seed_text)

    assert 2 <= len(llm_server.chat_requests) <= 3
    assert time.monotonic() - started < 3


def test_a_long_call_keeps_its_lease_so_no_other_worker_takes_the_article(tmp_path: Path, seed_text: str, seed_draft: dict) -> None:
    db = tmp_path / "s.db"
    article = Article(text=seed_text, id="seed")
    in_flight = threading.Event()
    taken_over: list[bool] = []

    def slow_answer(req: RecordedRequest) -> Reply:
        in_flight.set()
        return Reply.delay(4.0, Reply.data(seed_draft))  # far longer than the 1.5 s lease

    def other_worker() -> None:
        in_flight.wait(10)
        time.sleep(3.0)  # two lease lengths into the call
        with sqlite3.connect(db) as conn:
            keys.extend(row[0] for row in conn.execute("SELECT key FROM items WHERE status = 'running'"))
        conn.close()
        with Store(db) as store:
            taken_over.extend(store.claim(key, "someone-else", lease_s=60) for key in keys)

    keys: list[str] = []
    with LLMServer(responder=slow_answer) as server:
        thief = threading.Thread(target=other_worker)
        thief.start()
        [result] = list(iter_summarize_many([article], summarizer=_summarizer(server), store=db, lease_s=1.5))
        thief.join()

    assert len(keys) == 1, "the article was not running while its call was"
    assert result.ok and taken_over == [False]  # the lease was renewed while the call ran
    with Store(db) as store:
        record = store.get(keys[0])
        assert record is not None and record.status == "done" and record.summary is not None


def test_an_error_inside_the_test_server_is_caught_by_the_suite(test_server_watch: ServerWatch, seed_text: str) -> None:
    def broken(req: RecordedRequest) -> Reply:
        raise KeyError("a bug in the responder")

    with LLMServer(responder=broken) as server:
        s = _summarizer(server, transport_retries=0)
        with pytest.raises(errors.EndpointUnavailableError):
            s.summarize(seed_text)  # the client only sees a 500

        assert [type(e) for e in test_server_watch.raised()] == [KeyError]
        server.errors.clear()  # expected here: let the teardown check pass

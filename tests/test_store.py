"""Behaviour of the SQLite store: cache, leases, resume after kill -9, concurrency."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import seed_summary

from summarizer.errors import UsageError
from summarizer.schema import (
    SCHEMA_VERSION,
    Article,
    Attack,
    Meta,
    Span,
    Summary,
    Usage,
)
from summarizer.store import STORE_VERSION, Store, make_owner, scrub_error, work_key

TEXT = "Russian drones struck a minibus in Sumy on Saturday, killing nine civilians."
EVIDENCE = "killing nine civilians"


def make_article(text: str = TEXT, **fields: str) -> Article:
    return Article(text=text, **fields)


def make_summary(article: Article, tokens: int = 30) -> Summary:
    start = article.text.find(EVIDENCE)
    evidence = (
        [Span(text=EVIDENCE, start=start, end=start + len(EVIDENCE))]
        if start >= 0
        else []
    )
    return Summary(
        headline="Drone strike on a minibus in Sumy",
        summary="Russian drones hit a minibus in Sumy, killing nine civilians.",
        attacks=[
            Attack(
                place="Sumy",
                weapons=["drone"],
                killed=9,
                civilians=True,
                evidence=evidence,
            )
        ]
        if evidence
        else [],
        article=article,
        meta=Meta(
            backend="llm",
            model="test-model",
            usage=Usage(
                prompt_tokens=tokens - 10, completion_tokens=10, total_tokens=tokens
            ),
            content_hash=article.content_hash,
        ),
    )


def key_of(article: Article) -> str:
    return work_key(article.content_hash, "test-model", "p1", SCHEMA_VERSION)


def add_articles(store: Store, n: int, run_id: str = "run") -> list[str]:
    keys = []
    for i in range(n):
        article = make_article(f"{TEXT} Item {i}.")
        keys.append(key_of(article))
        store.add(keys[-1], article, run_id=run_id, seq=i)
    return keys


class Clock:
    """A settable clock shared by several Store instances."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture
def store(db: Path) -> Iterator[Store]:
    with Store(db) as s:
        yield s


# ---------------------------------------------------------------------------
# Keys and basics


def test_work_key_is_sha256_of_the_parts_joined_with_bars_and_none_is_empty() -> None:
    import hashlib

    assert work_key("abc", None, None, "1") == hashlib.sha256(b"abc|||1").hexdigest()
    assert work_key("abc", "m", "p", "1") == hashlib.sha256(b"abc|m|p|1").hexdigest()
    assert work_key("abc", "m", "p", "1") != work_key("abc", "m2", "p", "1")


def test_a_new_store_is_in_wal_mode_with_the_current_version(
    store: Store, db: Path
) -> None:
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == STORE_VERSION
    conn.close()


def test_many_stores_creating_the_same_new_file_at_once_all_succeed(db: Path) -> None:
    barrier = threading.Barrier(8)
    errors: list[Exception] = []

    def open_and_add(i: int) -> None:
        barrier.wait()
        try:
            with Store(db) as store:
                store.add(f"k{i}", make_article(f"text {i}"), run_id="r", seq=i)
        except Exception as e:  # noqa: BLE001 - collected and asserted on below
            errors.append(e)

    threads = [threading.Thread(target=open_and_add, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store(db) as store:
        assert store.stats()["pending"] == 8


def test_add_claim_complete_get_round_trips_the_summary(store: Store) -> None:
    article = make_article(id="a1", url="https://example.org/a1")
    key = key_of(article)
    summary = make_summary(article, tokens=42)

    assert store.add(key, article, run_id="r1", seq=0) == "pending"
    assert store.get(key).status == "pending"  # type: ignore[union-attr]
    assert store.claim(key, "w1")
    assert store.get(key).status == "running"  # type: ignore[union-attr]
    assert store.complete(key, "w1", summary)

    record = store.get(key)
    assert record is not None
    assert record.status == "done"
    assert record.summary == summary
    assert record.article == article
    assert record.attempts == 1
    assert record.error is None
    assert record.usage == Usage(
        prompt_tokens=32, completion_tokens=10, total_tokens=42
    )
    assert record.lease_owner is None


def test_a_full_seed_summary_round_trips_exactly(store: Store) -> None:
    summary = seed_summary()
    key = key_of(summary.article)
    store.add(key, summary.article, run_id="r1", seq=0)
    assert store.claim(key, "w1")
    assert store.complete(key, "w1", summary)
    record = store.get(key)
    assert record is not None
    assert record.summary == summary
    assert record.summary.model_dump_json() == summary.model_dump_json()
    assert record.usage == summary.meta.usage


def test_get_of_an_unknown_key_is_none(store: Store) -> None:
    assert store.get("nope") is None


def test_a_done_item_is_cached_and_never_claimed_again(store: Store) -> None:
    article = make_article()
    key = key_of(article)
    store.add(key, article, run_id="r1", seq=0)
    assert store.claim(key, "w1")
    store.complete(key, "w1", make_summary(article))

    assert store.add(key, article, run_id="r2", seq=0) == "done"
    assert not store.claim(key, "w2")
    assert not store.claim(key, "w2", retry_failed=True)
    assert not store.claim(key, "w2", lease_s=-1)


def test_claim_of_an_unknown_key_is_false(store: Store) -> None:
    assert not store.claim("nope", "w1")


# ---------------------------------------------------------------------------
# Concurrency


def test_threads_sharing_one_store_win_each_key_exactly_once(store: Store) -> None:
    keys = add_articles(store, 200)
    wins: dict[str, list[str]] = {}
    barrier = threading.Barrier(8)

    def worker(name: str) -> None:
        barrier.wait()
        wins[name] = [k for k in keys if store.claim(k, name)]

    threads = [threading.Thread(target=worker, args=(f"t{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    claimed = [k for won in wins.values() for k in won]
    assert sorted(claimed) == sorted(keys)


def test_threads_with_their_own_connections_win_each_key_exactly_once(db: Path) -> None:
    with Store(db) as setup:
        keys = add_articles(setup, 200)
    wins: dict[str, list[str]] = {}
    barrier = threading.Barrier(4)

    def worker(name: str) -> None:
        with Store(db) as mine:
            barrier.wait()
            wins[name] = [k for k in keys if mine.claim(k, name)]

    threads = [threading.Thread(target=worker, args=(f"t{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    claimed = [k for won in wins.values() for k in won]
    assert sorted(claimed) == sorted(keys)


def test_asyncio_to_thread_callers_win_each_key_exactly_once(store: Store) -> None:
    keys = add_articles(store, 100)

    async def main() -> list[bool]:
        return await asyncio.gather(
            *(
                asyncio.to_thread(store.claim, k, f"task{i}")
                for i in range(3)
                for k in keys
            )
        )

    assert sum(asyncio.run(main())) == len(keys)


def _hammer(
    path: str,
    keys: list[str],
    owner: str,
    start: multiprocessing.synchronize.Event,
    out: multiprocessing.Queue,
) -> None:  # type: ignore[type-arg]
    with Store(path) as store:
        start.wait()
        won = []
        for key in keys:
            if store.claim(key, owner):
                won.append(key)
                article = store.get(key).article  # type: ignore[union-attr]
                assert store.complete(key, owner, make_summary(article))
        out.put((owner, won))


def test_two_processes_hammering_claim_win_each_key_exactly_once(db: Path) -> None:
    with Store(db) as setup:
        keys = add_articles(setup, 200)
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_hammer, args=(str(db), keys, f"p{i}", start, out))
        for i in range(2)
    ]
    for p in procs:
        p.start()
    start.set()
    results = dict(out.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0

    assert sorted(results["p0"] + results["p1"]) == sorted(keys)
    with Store(db) as check:
        assert check.stats() == {"pending": 0, "running": 0, "done": 200, "failed": 0}
        assert all(check.get(k).attempts == 1 for k in keys)  # type: ignore[union-attr]


def _claim_in_forked_child(store: Store, key: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    out.put(store.claim(key, "child"))


# The fork is the point of this test; Python 3.12+ warns about any fork of a process with other threads
# (here the suite's own servers), which is what the store must survive.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded, use of fork:DeprecationWarning")
def test_a_store_inherited_through_fork_reopens_its_own_connection(
    store: Store,
) -> None:
    keys = add_articles(store, 2)
    assert store.claim(keys[0], "parent")
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    # Another parent thread is inside the store at fork time: the child must not inherit its lock.
    held, done = threading.Event(), threading.Event()

    def busy() -> None:
        with store._lock:
            held.set()
            done.wait(30)

    thread = threading.Thread(target=busy)
    thread.start()
    held.wait(30)
    child = ctx.Process(
        target=_claim_in_forked_child, args=(store, keys[1], out), daemon=True
    )
    child.start()
    done.set()
    thread.join()
    assert out.get(timeout=30) is True
    child.join(timeout=30)
    assert child.exitcode == 0
    assert store.get(keys[1]).lease_owner == "child"  # type: ignore[union-attr]
    assert not store.claim(keys[1], "parent")


# ---------------------------------------------------------------------------
# Leases


def test_an_unexpired_lease_is_not_taken_over(db: Path) -> None:
    clock = Clock()
    with Store(db, clock=clock) as store:
        (key,) = add_articles(store, 1)
        assert store.claim(key, "w1", lease_s=60)
        clock.now += 59
        assert not store.claim(key, "w2")


def test_an_expired_lease_is_taken_over_and_the_old_owner_cannot_write(
    db: Path,
) -> None:
    clock = Clock()
    with Store(db, clock=clock) as store:
        (key,) = add_articles(store, 1)
        article = store.get(key).article  # type: ignore[union-attr]
        assert store.claim(key, "old", lease_s=60)
        clock.now += 61
        assert store.claim(key, "new", lease_s=60)

        assert not store.complete(key, "old", make_summary(article, tokens=11))
        assert not store.fail(key, "old", "late failure")
        assert not store.renew(key, "old", 60)
        assert store.get(key).lease_owner == "new"  # type: ignore[union-attr]

        assert store.complete(key, "new", make_summary(article, tokens=22))
        record = store.get(key)
        assert record is not None
        assert record.usage is not None and record.usage.total_tokens == 22
        assert record.attempts == 1


def test_renew_keeps_a_long_call_from_being_taken_over(db: Path) -> None:
    clock = Clock()
    with Store(db, clock=clock) as store:
        (key,) = add_articles(store, 1)
        assert store.claim(key, "w1", lease_s=60)
        clock.now += 50
        assert store.renew(key, "w1", 60)
        clock.now += 50
        assert not store.claim(key, "w2")


def test_release_puts_an_owners_running_items_back_to_pending(store: Store) -> None:
    keys = add_articles(store, 3)
    assert (
        store.claim(keys[0], "w1")
        and store.claim(keys[1], "w1")
        and store.claim(keys[2], "w2")
    )
    assert store.release("w1") == 2
    assert [store.get(k).status for k in keys] == ["pending", "pending", "running"]  # type: ignore[union-attr]
    assert store.claim(keys[0], "w3")


# ---------------------------------------------------------------------------
# Failures


def test_fail_stores_the_error_and_only_retry_failed_reclaims_it(store: Store) -> None:
    (key,) = add_articles(store, 1)
    assert store.claim(key, "w1")
    assert store.fail(key, "w1", "RateLimitError: 429 from the endpoint\nTry later.")

    record = store.get(key)
    assert record is not None
    assert record.status == "failed"
    assert record.error == "RateLimitError: 429 from the endpoint Try later."
    assert record.attempts == 1

    assert not store.claim(key, "w2")
    assert store.claim(key, "w2", retry_failed=True)
    article = store.get(key).article  # type: ignore[union-attr]
    assert store.complete(key, "w2", make_summary(article))
    record = store.get(key)
    assert record is not None
    assert (record.status, record.error, record.attempts) == ("done", None, 2)


def test_fail_accepts_an_exception_and_scrubs_the_key(store: Store) -> None:
    (key,) = add_articles(store, 1)
    store.claim(key, "w1")
    store.fail(
        key,
        "w1",
        RuntimeError("401: Incorrect API key provided: sk-proj-AbC123xyz789DEF"),
    )
    error = store.get(key).error  # type: ignore[union-attr]
    assert error is not None
    assert error.startswith("RuntimeError: 401")
    assert "AbC123" not in error


@pytest.mark.parametrize(
    ("message", "secret"),
    [
        ("Incorrect API key provided: sk-abcdef1234567890.", "sk-abcdef1234567890"),
        ("key sk-proj-AAAA_bbbb-CCCC1234 rejected", "AAAA_bbbb"),
        ("headers={'Authorization': 'Bearer eyJhbGciOi.secret.token'}", "eyJhbGciOi"),
        ("api_key=hunter2hunter2 was refused", "hunter2"),
        ('{"api-key": "s3cr3tvalue"}', "s3cr3tvalue"),
    ],
)
def test_scrub_error_removes_secrets(message: str, secret: str) -> None:
    scrubbed = scrub_error(message)
    assert secret not in scrubbed
    assert "***" in scrubbed


def test_scrub_error_makes_one_bounded_line() -> None:
    assert scrub_error("a\n  b\tc") == "a b c"
    assert len(scrub_error("x" * 10_000)) <= 2000


# ---------------------------------------------------------------------------
# Runs, duplicates, outputs


def test_duplicate_inputs_share_one_item_but_keep_two_occurrences(store: Store) -> None:
    first = make_article(url="https://example.org/a")
    again = make_article(
        text="  " + TEXT.replace(" ", "\n", 2), url="https://example.org/b"
    )  # same normalised text
    other = make_article(text="Talks resumed in Istanbul on Friday.")
    assert key_of(first) == key_of(again)

    store.add(key_of(first), first, run_id="r1", seq=0, input_id="a", url=first.url)
    store.add(key_of(other), other, run_id="r1", seq=1, input_id="o")
    assert (
        store.add(key_of(again), again, run_id="r1", seq=2, input_id="b", url=again.url)
        == "pending"
    )

    assert store.stats("r1") == {"pending": 2, "running": 0, "done": 0, "failed": 0}
    results = list(store.run_results("r1"))
    assert [(o.seq, o.input_id, o.url) for o, _ in results] == [
        (0, "a", "https://example.org/a"),
        (1, "o", None),
        (2, "b", "https://example.org/b"),
    ]
    assert results[0][1].key == results[2][1].key


def test_a_resumed_run_re_adding_the_same_inputs_does_not_duplicate_them(
    store: Store,
) -> None:
    keys = add_articles(store, 5, run_id="r1")
    add_articles(store, 5, run_id="r1")
    assert [o.key for o, _ in store.run_results("r1")] == keys
    assert sum(store.stats().values()) == 5


def test_run_results_pages_through_long_runs_in_input_order(store: Store) -> None:
    keys = add_articles(store, 1200)
    assert [o.key for o, _ in store.run_results("run")] == keys
    assert list(store.run_results("unknown")) == []


def test_stats_and_latest_run(db: Path) -> None:
    clock = Clock()
    with Store(db, clock=clock) as store:
        assert store.latest_run_id() is None
        assert store.stats() == {"pending": 0, "running": 0, "done": 0, "failed": 0}
        run = store.start_run(args={"model": "m"})
        keys = add_articles(store, 3, run_id=run)
        clock.now += 1
        add_articles(store, 4, run_id="later")
        store.claim(keys[0], "w")
        store.fail(keys[0], "w", "boom")
        assert store.latest_run_id() == "later"
        assert store.stats(run) == {"pending": 2, "running": 0, "done": 0, "failed": 1}
        assert store.stats() == {"pending": 3, "running": 0, "done": 0, "failed": 1}


# ---------------------------------------------------------------------------
# Crashes and bad files

_CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {tests!r})
    from test_store import make_summary
    from summarizer.store import Store, make_owner

    store = Store({db!r})
    owner = make_owner()
    keys = [line.strip() for line in open({keys!r})]
    for i, key in enumerate(keys):
        assert store.claim(key, owner, lease_s=600)
        if i % 2 == 0:
            store.complete(key, owner, make_summary(store.get(key).article))
        print(key, flush=True)
        if i >= 40:
            time.sleep(0.01)
    time.sleep(60)
    """
)


def _run_and_kill(db: Path, tmp_path: Path, keys: list[str], after: int) -> set[str]:
    """Start a child that claims and completes keys in order; SIGKILL it after ``after`` keys."""
    (tmp_path / "keys.txt").write_text("\n".join(keys))
    script = _CHILD.format(
        tests=str(Path(__file__).parent), db=str(db), keys=str(tmp_path / "keys.txt")
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    seen = {child.stdout.readline().strip() for _ in range(after)}
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    return seen


def test_kill_9_mid_batch_leaves_a_sound_store_and_reclaimable_items(
    db: Path, tmp_path: Path
) -> None:
    with Store(db) as setup:
        keys = add_articles(setup, 200)
    _run_and_kill(db, tmp_path, keys, after=50)

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()

    later = Clock(time.time() + 601)  # every lease the child took has expired
    with Store(db, clock=later) as store:
        stats = store.stats()
        assert stats["done"] >= 25 and stats["running"] >= 25 and stats["failed"] == 0
        done = {k for k in keys if store.get(k).status == "done"}  # type: ignore[union-attr]
        for record in (store.get(k) for k in done):
            assert (
                record is not None
                and record.summary is not None
                and record.attempts == 1
            )
        reclaimed = {k for k in keys if store.claim(k, "rerun")}
        assert reclaimed == set(keys) - done


def test_release_dead_frees_the_leases_of_a_killed_process_at_once(
    db: Path, tmp_path: Path
) -> None:
    with Store(db) as setup:
        keys = add_articles(setup, 100)
    _run_and_kill(db, tmp_path, keys, after=10)

    with Store(db) as store:
        running = store.stats()["running"]
        assert running >= 5
        mine = make_owner()
        store.claim(keys[-1], mine)  # a live owner is left alone
        assert store.release_dead() == running
        assert store.get(keys[-1]).lease_owner == mine  # type: ignore[union-attr]
        assert store.stats()["running"] == 1


def test_a_file_that_is_not_a_database_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("this is not sqlite " * 200)
    with pytest.raises(UsageError, match="is not an SQLite database, so not a summarizer store"):
        Store(path)


def test_a_store_from_a_newer_version_is_refused(db: Path) -> None:
    Store(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {STORE_VERSION + 1}")
    conn.close()
    with pytest.raises(UsageError, match="Upgrade summarizer"):
        Store(db)


def test_a_closed_store_refuses_calls(db: Path) -> None:
    store = Store(db)
    store.close()
    with pytest.raises(UsageError, match="closed"):
        store.get("k")


def test_an_in_memory_store_works_for_one_off_batches() -> None:
    with Store(":memory:") as store:
        (key,) = add_articles(store, 1)
        assert store.claim(key, "w1")
        assert store.stats() == {"pending": 0, "running": 1, "done": 0, "failed": 0}
    assert not Path(":memory:").exists()


def test_two_connections_creating_a_new_store_while_writing_both_succeed(tmp_path: Path) -> None:
    # PRAGMA journal_mode=WAL does not wait out busy_timeout; before the retry this failed ~1 run in 7.
    for attempt in range(40):
        path = tmp_path / f"race-{attempt}.db"
        errors: list[BaseException] = []

        def writer(k: int) -> None:
            try:
                with Store(path) as store:
                    run = store.start_run()
                    for j in range(20):
                        store.add(f"k{k}-{j}", Article(text=f"text {k} {j}"), run_id=run, seq=j)
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(k,)) for k in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [], f"run {attempt}: {errors[0]!r}"


def test_a_database_of_another_program_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    with pytest.raises(UsageError, match="database of something else.*customers"):
        Store(path)
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert tables == ["customers"]


# ---------------------------------------------------------------------------
# add_and_claim: the batch's one transaction for a new input


def test_add_and_claim_records_the_input_and_takes_its_lease_in_one_call(store: Store) -> None:
    article = make_article(id="a1")
    key = key_of(article)

    assert store.add_and_claim(key, article, run_id="r1", seq=0, owner="w1", lease_s=60, input_id="a1")

    record = store.get(key)
    assert record is not None and record.status == "running" and record.lease_owner == "w1"
    assert [(occ.seq, occ.input_id) for occ, _ in store.run_results("r1")] == [(0, "a1")]
    assert store.latest_run_id() == "r1"
    assert store.complete(key, "w1", make_summary(article))


def test_add_and_claim_of_a_done_or_held_item_adds_the_input_but_takes_nothing(db: Path) -> None:
    clock = Clock()
    with Store(db, clock=clock) as store:
        done, held = make_article(f"{TEXT} Done."), make_article(f"{TEXT} Held.")
        assert store.add_and_claim(key_of(done), done, run_id="r1", seq=0, owner="w1")
        assert store.complete(key_of(done), "w1", make_summary(done))
        assert store.add_and_claim(key_of(held), held, run_id="r1", seq=1, owner="w1", lease_s=60)

        assert not store.add_and_claim(key_of(done), done, run_id="r2", seq=0, owner="w2")
        assert not store.add_and_claim(key_of(held), held, run_id="r2", seq=1, owner="w2", lease_s=60)

        assert store.get(key_of(done)).status == "done"  # type: ignore[union-attr]
        assert store.get(key_of(held)).lease_owner == "w1"  # type: ignore[union-attr]
        assert [occ.seq for occ, _ in store.run_results("r2")] == [0, 1]
        clock.now += 61  # the lease expired: taken over
        assert store.add_and_claim(key_of(held), held, run_id="r3", seq=0, owner="w2")


def test_add_and_claim_retakes_a_failed_item_only_when_asked(store: Store) -> None:
    article = make_article()
    key = key_of(article)
    assert store.add_and_claim(key, article, run_id="r1", seq=0, owner="w1")
    assert store.fail(key, "w1", "boom")

    assert not store.add_and_claim(key, article, run_id="r2", seq=0, owner="w2")
    assert store.add_and_claim(key, article, run_id="r3", seq=0, owner="w2", retry_failed=True)


def test_threads_adding_and_claiming_the_same_articles_win_each_key_exactly_once(db: Path) -> None:
    articles = [make_article(f"{TEXT} Item {i}.") for i in range(40)]
    wins: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def worker(n: int) -> None:
        with Store(db) as mine:
            start.wait()
            for i, article in enumerate(articles):
                if mine.add_and_claim(key_of(article), article, run_id=f"run{n}", seq=i, owner=f"w{n}"):
                    with lock:
                        wins.append(key_of(article))

    Store(db).close()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert sorted(wins) == sorted(key_of(a) for a in articles)


def test_a_record_parses_its_article_and_summary_only_when_they_are_read(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    article = make_article()
    key = key_of(article)
    assert store.add_and_claim(key, article, run_id="r1", seq=0, owner="w1")
    assert store.complete(key, "w1", make_summary(article))
    parsed: list[str] = []
    for model in (Article, Summary):
        real = model.model_validate_json
        monkeypatch.setattr(model, "model_validate_json", classmethod(
            lambda cls, data, _real=real, _name=model.__name__: parsed.append(_name) or _real(data)))

    record = store.get(key)
    assert record is not None and record.status == "done" and parsed == []
    assert record.summary == make_summary(article) and record.summary is record.summary
    assert record.article == article
    assert parsed == ["Summary", "Article"]

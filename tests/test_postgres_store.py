"""The PostgreSQL store against a real server (tests/pg_server.py): leases, claims, migrations, errors.

Nothing is mocked: each test gets a new database on a throwaway cluster. The
tests are skipped, saying why, when PostgreSQL or psycopg is not installed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
from pg_server import Cluster
from test_store import make_article, make_summary

from summarizer.errors import StoreError
from summarizer.redact import scrub
from summarizer.store import make_owner, open_store, store_label
from summarizer.store.postgres_schema import MIGRATIONS, PG_STORE_VERSION, SCHEMA_NAME

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed: pip install -e '.[test]'")
from summarizer.store.postgres import PostgresStore


def added(store: Any, n: int = 1, run_id: str = "r1") -> list[str]:
    keys = []
    for i in range(n):
        article = make_article(f"Russian drones struck a minibus in Sumy on Saturday, killing nine civilians. Report {i}.")
        store.add(f"k{i}", article, run_id=run_id, seq=i, input_id=f"a{i}")
        keys.append(f"k{i}")
    return keys


def test_a_postgresql_url_opens_the_postgresql_store_shown_without_its_password(pg_url: str, pg_cluster: Cluster) -> None:
    with open_store(pg_url) as store:
        assert isinstance(store, PostgresStore)
        shown = str(store.path)

    assert pg_cluster.password in pg_url
    assert pg_cluster.password not in shown and shown.startswith("postgresql://summarizer_test@127.0.0.1:")
    assert pg_cluster.password not in store_label(pg_url)


def test_add_claim_complete_get_round_trips_the_summary(pg_url: str) -> None:
    with open_store(pg_url) as store:
        run = store.start_run("r1", {"concurrency": 2})
        article = make_article()
        assert store.add("k", article, run_id=run, seq=0, input_id="a0") == "pending"
        owner = make_owner()
        assert store.claim("k", owner, 60)
        summary = make_summary(article)
        assert store.complete("k", owner, summary)
        record = store.get("k")
        results = list(store.run_results(run))

    assert record is not None and record.status == "done" and record.attempts == 1
    assert record.summary == summary and record.usage == summary.meta.usage
    assert record.lease_owner is None and record.lease_expires is None
    assert [(occ.seq, occ.input_id, item.status) for occ, item in results] == [(0, "a0", "done")]


def test_a_done_item_is_never_claimed_again_and_a_held_one_not_by_another(pg_url: str) -> None:
    with open_store(pg_url) as store:
        (key,) = added(store)
        first, second = make_owner(), make_owner()
        assert store.claim(key, first, 60)
        assert not store.claim(key, second, 60)
        assert store.complete(key, first, make_summary(store.get(key).article))  # type: ignore[union-attr]

        assert not store.claim(key, second, 60) and not store.claim(key, second, 60, retry_failed=True)


def test_an_expired_lease_is_taken_over_and_the_old_owner_can_no_longer_write(pg_url: str) -> None:
    with open_store(pg_url) as store:
        (key,) = added(store)
        crashed, other = make_owner(), make_owner()
        assert store.claim(key, crashed, 0.3)
        assert not store.claim(key, other, 60)
        time.sleep(0.4)

        assert store.claim(key, other, 60)
        assert not store.renew(key, crashed, 60)
        assert not store.complete(key, crashed, make_summary(store.get(key).article))  # type: ignore[union-attr]
        assert not store.fail(key, crashed, "late")
        assert store.get(key).lease_owner == other  # type: ignore[union-attr]


def test_renew_keeps_a_long_call_from_being_taken_over(pg_url: str) -> None:
    with open_store(pg_url) as store:
        (key,) = added(store)
        owner = make_owner()
        assert store.claim(key, owner, 0.4)
        for _ in range(3):
            time.sleep(0.2)
            assert store.renew(key, owner, 0.4)

        assert not store.claim(key, make_owner(), 60)


def test_release_and_fail_and_retry_failed(pg_url: str) -> None:
    with open_store(pg_url) as store:
        a, b = added(store, 2)
        owner = make_owner()
        assert store.claim(a, owner) and store.claim(b, owner)
        assert store.release(owner) == 2
        assert store.stats() == {"pending": 2, "running": 0, "done": 0, "failed": 0}
        assert store.claim(a, owner)
        assert store.fail(a, owner, RuntimeError("Incorrect API key provided: sk-proj-AbCdEf0123456789xyz"))

        record = store.get(a)
        assert record is not None and record.status == "failed" and record.error is not None
        assert "AbCdEf0123456789" not in record.error and record.error.startswith("RuntimeError: ")
        assert not store.claim(a, owner)
        assert store.claim(a, owner, retry_failed=True)


def test_release_dead_frees_the_leases_of_a_process_that_is_gone(pg_url: str) -> None:
    code = (
        "import sys; from summarizer.store import open_store, make_owner; s = open_store(sys.argv[1]);"
        "print(s.claim('k0', make_owner(), 600))"
    )
    with open_store(pg_url) as store:
        (key,) = added(store)
        out = subprocess.run([sys.executable, "-c", code, pg_url], capture_output=True, text=True, timeout=60, check=False)
        assert out.stdout.strip() == "True", out.stderr
        assert not store.claim(key, make_owner(), 60)  # held by a process that has exited

        assert store.release_dead() == 1
        assert store.claim(key, make_owner(), 60)


def test_threads_with_their_own_connections_win_each_key_exactly_once(pg_url: str) -> None:
    with open_store(pg_url) as store:
        keys = added(store, 40)
    wins: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def worker() -> None:
        owner = make_owner()
        with open_store(pg_url) as mine:
            start.wait()
            for key in keys:
                if mine.claim(key, owner, 60):
                    with lock:
                        wins.append(key)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert sorted(wins) == sorted(keys)


def test_a_claim_skips_a_row_another_transaction_has_locked_instead_of_waiting(pg_url: str) -> None:
    with open_store(pg_url) as store:
        (key,) = added(store)
        with psycopg.connect(pg_url) as other:  # a worker in the middle of claiming it
            other.execute(f"SELECT key FROM {SCHEMA_NAME}.items WHERE key = %s FOR UPDATE", (key,))
            started = time.monotonic()
            got = store.claim(key, make_owner(), 60)
            took = time.monotonic() - started
            other.rollback()

        assert not got and took < 1
        assert store.claim(key, make_owner(), 60)  # free again once that transaction is over


def test_the_schema_is_versioned_with_one_row_per_migration(pg_url: str) -> None:
    with open_store(pg_url):
        pass
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(f"SELECT version, description FROM {SCHEMA_NAME}.schema_version ORDER BY version").fetchall()

    assert rows == [(number, description) for number, description, _ in MIGRATIONS]
    assert rows[-1][0] == PG_STORE_VERSION


def test_many_workers_opening_a_new_store_at_once_migrate_it_once(pg_url: str) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(5)

    def opener() -> None:
        start.wait()
        try:
            open_store(pg_url).close()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert errors == []
    with psycopg.connect(pg_url) as conn:
        assert conn.execute(f"SELECT COUNT(*) FROM {SCHEMA_NAME}.schema_version").fetchone() == (len(MIGRATIONS),)


def test_a_store_made_by_a_newer_summarizer_is_refused(pg_url: str) -> None:
    open_store(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        conn.execute(f"INSERT INTO {SCHEMA_NAME}.schema_version (version, description) VALUES (%s, 'future')",
                     (PG_STORE_VERSION + 1,))

    with pytest.raises(StoreError, match=rf"has version {PG_STORE_VERSION + 1}, made by a newer summarizer") as caught:
        open_store(pg_url)

    assert "Upgrade summarizer" in (caught.value.hint or "")


def test_tables_of_another_application_in_the_schema_are_refused_untouched(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        conn.execute(f"CREATE SCHEMA {SCHEMA_NAME}")
        conn.execute(f"CREATE TABLE {SCHEMA_NAME}.invoices (id INTEGER)")

    with pytest.raises(StoreError, match="holds tables of something else \\(invoices\\)"):
        open_store(pg_url)

    with psycopg.connect(pg_url) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (SCHEMA_NAME,)
        ).fetchall()
    assert tables == [("invoices",)]


def test_a_lost_connection_is_opened_again(pg_url: str, pg_cluster: Cluster) -> None:
    with open_store(pg_url) as store:
        (key,) = added(store)
        with psycopg.connect(pg_cluster.admin_url(), autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'summarizer'"
            )

        assert store.claim(key, make_owner(), 60)


# ---------------------------------------------------------------------------
# Errors: one line, how to fix it, never the password


def one_line(error: BaseException) -> str:
    text = f"{error} {getattr(error, 'hint', '') or ''}"
    assert "\n" not in text
    return text


def test_a_wrong_password_is_one_line_naming_host_and_database_but_never_the_password(pg_cluster: Cluster, pg_url: str) -> None:
    dbname = pg_url.rsplit("/", 1)[1]
    wrong = "not-the-Pa55word-" + "x" * 8
    url = pg_cluster.url(dbname, password=wrong)

    with pytest.raises(StoreError) as caught:
        open_store(url)

    text = one_line(caught.value)
    assert "PostgreSQL refused the login" in text and "password authentication failed" in text
    assert f"127.0.0.1:{pg_cluster.port}/{dbname}" in text and "PGPASSWORD" in text
    assert wrong not in text and pg_cluster.password not in text
    assert wrong not in scrub(f"a log line with {url}")  # and every scrubbed log line from now on


def test_an_unreachable_server_is_one_line_naming_host_and_port(pg_cluster: Cluster) -> None:
    url = "postgresql://bob:s3cret-PASSWORD-123@127.0.0.1:1/news?connect_timeout=3"

    with pytest.raises(StoreError) as caught:
        open_store(url)

    text = one_line(caught.value)
    assert text.startswith("Can't reach the PostgreSQL server of the store postgresql://bob@127.0.0.1:1/news")
    assert "s3cret-PASSWORD-123" not in text


def test_a_missing_database_says_to_create_it(pg_cluster: Cluster) -> None:
    with pytest.raises(StoreError) as caught:
        open_store(pg_cluster.url("no_such_db"))

    text = one_line(caught.value)
    assert "does not exist" in text and "createdb" in text and pg_cluster.password not in text


def test_without_psycopg_a_postgresql_store_says_which_extra_to_install() -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from summarizer.store import open_store\n"
        "try:\n    open_store('postgresql://bob:hunter2-secret@db.example.org/news')\n"
        "except Exception as e:\n    print(type(e).__name__, '|', e.message, '|', e.hint)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)

    assert out.stdout.strip() == (
        "UsageError | A postgresql:// store needs the PostgreSQL driver (psycopg 3), which is not installed."
        " | pip install 'summarizer[postgres]'"
    ), out.stderr


def test_the_cli_never_prints_the_password_of_the_store_url(pg_cluster: Cluster, pg_url: str, tmp_path: Any) -> None:
    from click.testing import CliRunner

    from summarizer.cli import cli

    feed = tmp_path / "in.jsonl"
    text = ("Russian drones struck a minibus in Sumy on Saturday, killing nine civilians and injuring four others, "
            "the regional governor said. Rescue workers searched the wreckage through the night.")
    feed.write_text(json.dumps({"id": "a", "text": text}) + "\n")
    dbname = pg_url.rsplit("/", 1)[1]
    wrong = pg_cluster.url(dbname, password="wrong-Secret-0123456789")

    ok = CliRunner().invoke(cli, ["batch", str(feed), "-o", str(tmp_path / "out.jsonl"), "--store", pg_url,
                                  "--backend", "extractive"])
    bad = CliRunner().invoke(cli, ["batch", str(feed), "-o", str(tmp_path / "out.jsonl"), "--store", wrong,
                                   "--backend", "extractive"])

    assert ok.exit_code == 0, ok.output
    assert "1 summarized" in ok.stderr and pg_cluster.password not in ok.output
    assert bad.exit_code != 0 and "PostgreSQL refused the login" in bad.stderr
    assert "wrong-Secret-0123456789" not in bad.output and "Traceback" not in bad.output
    assert len(bad.stderr.strip().splitlines()) <= 2
    with psycopg.connect(pg_url) as conn:  # nor is it kept with the runs or the items
        dump = " ".join(str(row) for table in ("runs", "items", "occurrences")
                        for row in conn.execute(f"SELECT * FROM {SCHEMA_NAME}.{table}").fetchall())
    assert "Rescue workers" in dump and pg_cluster.password not in dump


def test_a_stored_error_never_holds_the_password_of_the_store_url(pg_cluster: Cluster, pg_url: str) -> None:
    with open_store(pg_url) as store:
        (key,) = added(store)
        owner = make_owner()
        assert store.claim(key, owner)
        # an error that quotes the password, bare and inside a URL with the user name stripped
        assert store.fail(key, owner, f"lost {pg_cluster.password} talking to postgresql://127.0.0.1/?password={pg_cluster.password}")
        error = store.get(key).error  # type: ignore[union-attr]

    assert error is not None and error.startswith("lost ") and pg_cluster.password not in error


def test_adding_a_known_item_again_returns_its_status_and_keeps_one_item_with_two_occurrences(pg_url: str) -> None:
    with open_store(pg_url) as store:
        (key,) = added(store)
        owner = make_owner()
        assert store.claim(key, owner)
        assert store.complete(key, owner, make_summary(store.get(key).article))  # type: ignore[union-attr]
        article = store.get(key).article  # type: ignore[union-attr]

        assert store.add(key, article, run_id="r2", seq=0, input_id="first") == "done"
        assert store.add(key, article, run_id="r2", seq=1, input_id="again") == "done"
        assert store.add(key, article, run_id="r2", seq=1, input_id="resumed") == "done"  # same (run, seq): replaced

        assert [(occ.seq, occ.input_id) for occ, _ in store.run_results("r2")] == [(0, "first"), (1, "resumed")]
        assert store.stats() == {"pending": 0, "running": 0, "done": 1, "failed": 0}
        assert store.latest_run_id() == "r2"


def test_workers_adding_the_same_articles_at_once_each_get_the_status(pg_url: str) -> None:
    """Two transactions inserting one new item: the second waits for the first, then sees it."""
    open_store(pg_url).close()
    article_texts = [make_article(f"Russian drones struck a minibus in Sumy, killing nine civilians. Report {i}.")
                     for i in range(60)]
    statuses: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def worker(n: int) -> None:
        with open_store(pg_url) as store:
            start.wait()
            try:
                for i, article in enumerate(article_texts):
                    statuses.append(store.add(f"k{i}", article, run_id=f"run{n}", seq=i))
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert errors == [] and len(statuses) == 6 * 60 and set(statuses) == {"pending"}


def test_the_library_takes_a_postgresql_url_as_store(pg_url: str) -> None:
    from summarizer.batch import summarize_many

    texts = [f"Russian drones struck a minibus in Sumy on Saturday, killing nine civilians and injuring four, the "
             f"regional governor said. Rescue workers searched the wreckage through the night. Report {i}." for i in range(3)]

    first = summarize_many(texts, store=pg_url, backend="extractive")
    again = summarize_many(texts, store=pg_url, backend="extractive")

    assert [r.ok for r in first] == [True] * 3 and not any(r.cached for r in first)
    assert all(r.cached for r in again)
    with open_store(pg_url) as store:
        assert store.stats()["done"] == 3


def test_provider_batch_jobs_are_kept_in_postgresql_until_collected(pg_url: str) -> None:
    with open_store(pg_url) as store:
        store.record_job("batch_1", "http://h/v1", "file-1", "validating", ["k1", "k2"])
        store.record_job("batch_2", "http://other/v1", "file-2", "validating", ["k3"])
    with open_store(pg_url) as store:  # another worker, another connection
        [job] = store.provider_jobs("http://h/v1")
        assert (job.job_id, job.input_file_id, job.keys, job.open) == ("batch_1", "file-1", ("k1", "k2"), True)
        store.update_job("batch_1", "collected")
        assert store.provider_jobs("http://h/v1") == []
        assert [j.status for j in store.provider_jobs("http://h/v1", open_only=False)] == ["collected"]


def test_a_provider_batch_job_is_submitted_and_collected_through_a_postgresql_store(pg_url: str, tmp_path: Any) -> None:
    from click.testing import CliRunner
    from conftest import TEST_KEY, TEST_MODEL
    from llm_server import LLMServer
    from test_batch_api import grounded, write_inputs

    from summarizer.cli import cli

    inputs, out = write_inputs(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    with LLMServer(responder=grounded) as server:
        args = ["batch", str(inputs), "-o", str(out), "--store", pg_url, "--base-url", server.base_url,
                "--model", TEST_MODEL, "--via", "batch-api"]
        runner = CliRunner(env={"OPENAI_API_KEY": TEST_KEY})
        exits = [runner.invoke(cli, args).exit_code for _ in range(4)]  # submit, then poll until collected

        assert exits[0] == 0 and exits[-1] == 0 and set(exits[1:-1]) <= {0, 3}, exits
        assert server.chat_requests == [] and len(server.batches.uploads) == 1  # submitted once, answered by the job
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["a0", "a1", "a2"]
    with open_store(pg_url) as store:
        assert [job.status for job in store.provider_jobs(server.base_url, open_only=False)] == ["collected"]


def test_add_and_claim_records_the_input_and_takes_its_lease_once_among_workers(pg_url: str) -> None:
    open_store(pg_url).close()
    articles = [make_article(f"Russian drones struck a minibus in Sumy, killing nine civilians. Report {i}.")
                for i in range(40)]
    wins: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def worker(n: int) -> None:
        owner = make_owner()
        with open_store(pg_url) as store:
            start.wait()
            try:
                for i, article in enumerate(articles):
                    if store.add_and_claim(f"k{i}", article, run_id=f"run{n}", seq=i, owner=owner, lease_s=60):
                        with lock:
                            wins.append(f"k{i}")
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    with open_store(pg_url) as store:
        stats = store.stats()
        occurrences = [len(list(store.run_results(f"run{n}"))) for n in range(4)]
        done = make_owner()
        assert store.add_and_claim("new", articles[0], run_id="r9", seq=0, owner=done)
        assert store.complete("new", done, make_summary(articles[0]))
        assert not store.add_and_claim("new", articles[0], run_id="r9", seq=1, owner=make_owner())
    assert errors == [] and sorted(wins) == sorted(f"k{i}" for i in range(40))
    assert stats == {"pending": 0, "running": 40, "done": 0, "failed": 0} and occurrences == [40] * 4


def test_add_and_claim_works_without_pipeline_mode_too(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """libpq older than 14 has no pipeline mode: the two statements then go one after the other."""
    monkeypatch.setattr(psycopg.Pipeline, "is_supported", classmethod(lambda cls: False))
    article = make_article()
    with open_store(pg_url) as store:
        owner = make_owner()
        assert store.add_and_claim("k", article, run_id="r1", seq=0, owner=owner)
        assert not store.add_and_claim("k", article, run_id="r1", seq=1, owner=make_owner())
        record = store.get("k")
        seqs = [occ.seq for occ, _ in store.run_results("r1")]

    assert record is not None and record.status == "running" and record.lease_owner == owner and seqs == [0, 1]

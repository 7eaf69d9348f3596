"""The PostgreSQL store: one queue shared by ``summarizer batch`` workers on many machines.

``--store postgresql://user@host:port/dbname`` (the password in the URL, in
``PGPASSWORD`` or in ``~/.pgpass``). The tables mean what the SQLite store's
mean (:mod:`summarizer.store`); they live in the schema ``summarizer``
(:mod:`summarizer.store.postgres_schema`).

* ``claim`` locks the row with ``SELECT … FOR UPDATE SKIP LOCKED``: a worker
  never waits for another's transaction, and only one of them gets the item.
* Lease times are the **server's** clock, so workers on machines whose clocks
  disagree still agree on when a lease expires.
* ``complete``/``fail`` apply only while the caller holds the lease, in one
  transaction: a killed worker leaves at worst an expired lease.
* A connection lost mid-run (a server restart) is opened again once per call.

Needs psycopg 3: ``pip install 'summarizer[postgres]'``.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from summarizer.errors import StoreError, StoreFullError, UsageError
from summarizer.schema import Article, Summary
from summarizer.store import jobs
from summarizer.store.postgres_schema import connect, label, migrate, pg_error
from summarizer.store.records import (
    ITEM_COLUMNS,
    STATUSES,
    ItemRecord,
    Occurrence,
    Status,
    dead_owners,
    record_from_row,
    scrub_error,
)

if TYPE_CHECKING:
    import psycopg
    from typing_extensions import Self

__all__ = ["PostgresStore"]

_PAGE = 500  # rows fetched per query by run_results()
_NOW = "extract(epoch FROM clock_timestamp())::double precision"  # the server's wall clock, in seconds
T = TypeVar("T")


class PostgresStore:
    """The PostgreSQL store at ``dsn`` (its tables are created or migrated when opened).

    Use as a context manager or call :meth:`close`. May be shared between
    threads; each process opens its own connection (after a ``fork`` too).
    """

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        #: Where the store is, for messages: the URL without its password.
        self.path = label(dsn)
        self._pid = os.getpid()
        self._rlock = threading.RLock()
        self._unsaved: dict[str, tuple[str, Summary]] = {}
        self._closed = False
        self._conn: psycopg.Connection[Any] | None = self._open()

    # -- connection ---------------------------------------------------------

    def _open(self) -> psycopg.Connection[Any]:
        conn = connect(self._dsn)
        try:
            migrate(conn, self._dsn)
        except StoreError:
            conn.close()
            raise
        except Exception as e:  # noqa: BLE001 - a driver error while migrating: one line, the password scrubbed
            conn.close()
            raise pg_error(self._dsn, e) from None
        return conn

    @property
    def _lock(self) -> threading.RLock:
        if os.getpid() != self._pid:  # forked child: the parent's connection is not ours to use
            self._pid = os.getpid()
            self._rlock = threading.RLock()
            self._conn = None
        return self._rlock

    def _db(self) -> psycopg.Connection[Any]:
        if self._closed:
            raise UsageError(f"The store {self.path} is closed.")
        if self._conn is None or self._conn.closed:
            self._conn = self._open()
        return self._conn

    def _call(self, work: Callable[[psycopg.Connection[Any]], T], *, flush: bool = True) -> T:
        """``work(connection)`` under the lock; a lost connection is opened again and the call made once more.

        Summaries kept in memory by an earlier failed write are written first. Failures become
        :class:`StoreError` (:class:`StoreFullError` when the server's disk is full).
        """
        import psycopg

        with self._lock:
            if flush and self._unsaved:
                self._flush_unsaved()
            for attempt in (1, 2):
                conn = self._db()
                try:
                    return work(conn)
                except psycopg.OperationalError as e:
                    if attempt == 1 and conn.closed:  # the connection died (server restart): once more
                        self._conn = None
                        continue
                    raise pg_error(self._dsn, e, unsaved=len(self._unsaved)) from None
                except psycopg.Error as e:
                    raise pg_error(self._dsn, e, unsaved=len(self._unsaved)) from None
            raise AssertionError("unreachable")  # pragma: no cover

    def _write(self, sql: str, params: tuple[Any, ...] | dict[str, Any]) -> int:
        """Run one write statement (autocommit: its own transaction); return the rows changed."""
        return self._call(lambda conn: conn.execute(sql, params).rowcount)

    @property
    def unsaved(self) -> list[Summary]:
        """Finished summaries a write could not store (the server's disk full), waiting in memory."""
        with self._lock:
            return [summary for _, summary in self._unsaved.values()]

    def flush(self) -> int:
        """Try again to write the summaries kept in memory; return how many are still unsaved."""
        with self._lock:
            if self._unsaved:
                self._flush_unsaved()
            return len(self._unsaved)

    def _flush_unsaved(self) -> None:
        for key, (owner, summary) in list(self._unsaved.items()):
            self._call(lambda conn: conn.execute(_COMPLETE, _complete_params(key, owner, summary)), flush=False)  # noqa: B023
            del self._unsaved[key]

    def close(self) -> None:
        """Close the connection. Further calls raise :class:`UsageError`."""
        with self._lock:
            self._closed = True
            if self._conn is not None:
                self._conn.close()
            self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- runs and inputs ----------------------------------------------------

    def start_run(self, run_id: str | None = None, args: dict[str, Any] | None = None) -> str:
        """Record a run (idempotent: resuming with the same ``run_id`` keeps the first record); return its id."""
        run_id = run_id or f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        self._write(
            f"INSERT INTO runs (run_id, started_at, args_json) VALUES (%s, {_NOW}, %s) ON CONFLICT DO NOTHING",
            (run_id, json.dumps(args, default=str) if args is not None else None),
        )
        return run_id

    def add(
        self, key: str, article: Article, *, run_id: str, seq: int,
        input_id: str | None = None, url: str | None = None, source: str | None = None,
    ) -> Status:
        """Record input ``seq`` of ``run_id`` and its work item; return the item's current status
        (see :meth:`summarizer.store.sqlite.Store.add`)."""
        article_json = article.model_dump_json()

        def work(conn: psycopg.Connection[Any]) -> Status:
            # One statement, so one round trip and atomic: the foreign keys are checked at its end, when
            # the run and the item inserted beside the occurrence exist.
            row = conn.execute(_ADD, {
                "run": run_id, "key": key, "hash": article.content_hash, "article": article_json, "seq": seq,
                "input_id": input_id, "url": url, "source": source,
            }).fetchone()
            if row is None:
                # Another worker inserted the item meanwhile: our insert waited for its commit and did
                # nothing, and the statement's snapshot (taken before that commit) can't see the row.
                row = conn.execute("SELECT status FROM items WHERE key = %s", (key,)).fetchone()
            assert row is not None
            status: Status = row[0]
            return status

        return self._call(work)

    def add_and_claim(
        self, key: str, article: Article, *, run_id: str, seq: int, owner: str, lease_s: float = 300,
        retry_failed: bool = False, input_id: str | None = None, url: str | None = None, source: str | None = None,
    ) -> bool:
        """:meth:`add`, then :meth:`claim` for ``owner``, in one transaction; True iff ``owner`` got the item."""
        import psycopg

        article_json = article.model_dump_json()
        params = {
            "run": run_id, "key": key, "hash": article.content_hash, "article": article_json, "seq": seq,
            "input_id": input_id, "url": url, "source": source,
            "owner": owner, "lease": float(lease_s),
        }
        claim = _claim_sql(retry_failed)

        def work(conn: psycopg.Connection[Any]) -> bool:
            # Pipelined where libpq can (14+): BEGIN, both statements and COMMIT in one round trip.
            with conn.pipeline() if psycopg.Pipeline.is_supported() else contextlib.nullcontext(), conn.transaction():
                conn.execute(_ADD, params)
                # A separate statement: it sees the item the first one inserted (or another worker's).
                cursor = conn.execute(claim, params)
            return cursor.rowcount == 1

        return self._call(work)

    # -- leases -------------------------------------------------------------

    def claim(self, key: str, owner: str, lease_s: float = 300, retry_failed: bool = False) -> bool:
        """Try to take ``key`` for ``lease_s`` seconds; True iff this caller got it.

        Claimable: pending items, running items whose lease expired, and failed
        items when ``retry_failed``; a row another worker is claiming right now
        is skipped (``FOR UPDATE SKIP LOCKED``), never waited for.
        """
        return self._write(_claim_sql(retry_failed), {"owner": owner, "lease": float(lease_s), "key": key}) == 1

    def renew(self, key: str, owner: str, lease_s: float = 300) -> bool:
        """Extend ``owner``'s lease on ``key`` to ``lease_s`` from now; False if it is no longer theirs."""
        return self._write(
            f"UPDATE items SET lease_expires = {_NOW} + %s, updated_at = {_NOW}"
            " WHERE key = %s AND status = 'running' AND lease_owner = %s",
            (float(lease_s), key, owner),
        ) == 1

    def release(self, owner: str) -> int:
        """Put every item ``owner`` is still running back to pending (on a clean shutdown); return how many."""
        return self._write(
            f"UPDATE items SET status = 'pending', lease_owner = NULL, lease_expires = NULL, updated_at = {_NOW}"
            " WHERE status = 'running' AND lease_owner = %s",
            (owner,),
        )

    def release_dead(self) -> int:
        """Free the leases of owners on this host whose process is gone; return how many.

        Workers on other machines are not checked: their leases expire.
        """
        owners = self._call(lambda conn: [
            row[0] for row in conn.execute(
                "SELECT DISTINCT lease_owner FROM items WHERE status = 'running' AND lease_owner IS NOT NULL"
            )
        ])
        return sum(self.release(owner) for owner in dead_owners(owners))

    # -- results ------------------------------------------------------------

    def complete(self, key: str, owner: str, summary: Summary) -> bool:
        """Store ``summary`` and mark ``key`` done, if ``owner`` still holds it; True iff written.

        If the server's disk is full, ``summary`` is kept in memory (see :attr:`unsaved`) and
        written again by the next write or :meth:`flush`, and :class:`StoreFullError` is raised.
        """
        with self._lock:
            try:
                return self._write(_COMPLETE, _complete_params(key, owner, summary)) == 1
            except StoreFullError:
                self._unsaved[key] = (owner, summary)
                raise

    def fail(self, key: str, owner: str, error: str | BaseException) -> bool:
        """Mark ``key`` failed with a scrubbed one-line ``error``, if ``owner`` still holds it; True iff written."""
        if isinstance(error, BaseException):
            error = f"{type(error).__name__}: {error}"
        return self._write(
            "UPDATE items SET status = 'failed', error = %s, attempts = attempts + 1,"
            f" lease_owner = NULL, lease_expires = NULL, updated_at = {_NOW}"
            " WHERE key = %s AND status = 'running' AND lease_owner = %s",
            (scrub_error(error), key, owner),
        ) == 1

    # -- reading ------------------------------------------------------------

    def extracted(self, key: str) -> str | None:
        """The article JSON extracted before from the page with this key, or None."""
        row = self._call(lambda conn: conn.execute("SELECT article_json FROM extracted WHERE key = %s", (key,)).fetchone())
        return str(row[0]) if row else None

    def remember_extracted(self, key: str, article_json: str) -> None:
        """Keep the article extracted from the page with this key."""
        self._write(
            f"INSERT INTO extracted (key, article_json, created_at) VALUES (%s, %s, {_NOW})"
            " ON CONFLICT (key) DO UPDATE SET article_json = excluded.article_json, created_at = excluded.created_at",
            (key, article_json),
        )

    def get(self, key: str) -> ItemRecord | None:
        """The stored item ``key``, or None."""
        row = self._call(lambda conn: conn.execute(f"SELECT {ITEM_COLUMNS} FROM items WHERE key = %s", (key,)).fetchone())
        return record_from_row(row) if row else None

    def run_results(self, run_id: str) -> Iterator[tuple[Occurrence, ItemRecord]]:
        """Every input of ``run_id`` with its item, in input order (duplicates appear once per input)."""
        columns = ", ".join(f"i.{c.strip()}" for c in ITEM_COLUMNS.split(","))
        last = -1 << 62
        while True:
            rows = self._call(lambda conn: conn.execute(
                f"SELECT o.run_id, o.seq, o.key, o.input_id, o.url, o.source, {columns}"
                " FROM occurrences o JOIN items i ON i.key = o.key"
                " WHERE o.run_id = %s AND o.seq > %s ORDER BY o.seq LIMIT %s",
                (run_id, last, _PAGE),  # noqa: B023 - called at once
            ).fetchall())
            for row in rows:
                yield Occurrence(*row[:6]), record_from_row(row[6:])
            if len(rows) < _PAGE:
                return
            last = rows[-1][1]

    def latest_run_id(self) -> str | None:
        """The most recently started run, or None."""
        row = self._call(lambda conn: conn.execute("SELECT run_id FROM runs ORDER BY started_at DESC, n DESC LIMIT 1").fetchone())
        return str(row[0]) if row else None

    def stats(self, run_id: str | None = None) -> dict[str, int]:
        """Work items by status (every status present), for one run or the whole store."""
        if run_id is None:
            rows = self._call(lambda conn: conn.execute("SELECT status, COUNT(*) FROM items GROUP BY status").fetchall())
        else:
            rows = self._call(lambda conn: conn.execute(
                "SELECT status, COUNT(*) FROM items WHERE key IN"
                " (SELECT key FROM occurrences WHERE run_id = %s) GROUP BY status",
                (run_id,),
            ).fetchall())
        counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
        counts.update({status: int(n) for status, n in rows})
        return counts


    # -- provider batch jobs (summarizer.store.jobs) ----------------------------------

    def record_job(self, job_id: str, base_url: str, input_file_id: str | None, status: str, keys: list[str]) -> None:
        """Remember a provider batch job and the work keys it covers."""
        self._write(jobs.UPSERT_PG, jobs.job_params(job_id, base_url, input_file_id, status, keys, time.time()))

    def update_job(self, job_id: str, status: str) -> None:
        """Set a job's last seen status (``jobs.COLLECTED`` once its results are in the store)."""
        self._write(jobs.pg(jobs.UPDATE), (status, time.time(), job_id))

    def provider_jobs(self, base_url: str, *, open_only: bool = True) -> list[jobs.JobRecord]:
        """The jobs at ``base_url``, oldest first: the open ones (results not taken yet), or all."""
        sql = jobs.pg(jobs.SELECT_OPEN if open_only else jobs.SELECT_ALL)
        rows = self._call(lambda conn: conn.execute(sql, (base_url,)).fetchall())
        return [jobs.job_from_row(tuple(row)) for row in rows]


_ADD = (
    f"WITH run AS (INSERT INTO runs (run_id, started_at) VALUES (%(run)s, {_NOW}) ON CONFLICT DO NOTHING),"
    " item AS (INSERT INTO items (key, content_hash, status, article_json, created_at, updated_at)"
    f" VALUES (%(key)s, %(hash)s, 'pending', %(article)s, {_NOW}, {_NOW}) ON CONFLICT DO NOTHING RETURNING status),"
    " occurrence AS (INSERT INTO occurrences (run_id, seq, input_id, url, source, key)"
    " VALUES (%(run)s, %(seq)s, %(input_id)s, %(url)s, %(source)s, %(key)s)"
    " ON CONFLICT (run_id, seq) DO UPDATE SET"
    " input_id = excluded.input_id, url = excluded.url, source = excluded.source, key = excluded.key)"
    " SELECT status FROM item UNION ALL (SELECT status FROM items WHERE key = %(key)s) LIMIT 1"
)

def _claim_sql(retry_failed: bool) -> str:
    failed = " OR status = 'failed'" if retry_failed else ""
    return (
        f"UPDATE items SET status = 'running', lease_owner = %(owner)s, lease_expires = {_NOW} + %(lease)s,"
        f" updated_at = {_NOW} WHERE key = (SELECT key FROM items WHERE key = %(key)s AND (status = 'pending'"
        f" OR (status = 'running' AND (lease_expires IS NULL OR lease_expires < {_NOW})){failed})"
        " FOR UPDATE SKIP LOCKED)"
    )


_COMPLETE = (
    "UPDATE items SET status = 'done', summary_json = %s, error = NULL,"
    " prompt_tokens = %s, completion_tokens = %s, total_tokens = %s,"
    f" attempts = attempts + 1, lease_owner = NULL, lease_expires = NULL, updated_at = {_NOW}"
    " WHERE key = %s AND status = 'running' AND lease_owner = %s"
)


def _complete_params(key: str, owner: str, summary: Summary) -> tuple[Any, ...]:
    usage = summary.meta.usage
    return (summary.model_dump_json(), usage.prompt_tokens, usage.completion_tokens, usage.total_tokens, key, owner)

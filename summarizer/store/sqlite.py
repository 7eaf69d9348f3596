"""The SQLite store: one file, shared by the threads and processes of one machine.

The database runs in WAL mode. Every method is a short synchronous call;
asyncio callers may wrap them in :func:`asyncio.to_thread`. A :class:`Store`
may be shared between threads. Each process should open its own (after a
``fork`` the store reopens its connection by itself).

A write that fails for lack of space raises :class:`~summarizer.errors.StoreFullError`;
a finished summary that could not be written is kept in memory and written again
by the next write or :meth:`Store.flush`, so an answer already paid for is not
lost while the process lives.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from summarizer.errors import StoreFullError, UsageError
from summarizer.schema import Article, Summary
from summarizer.store import jobs
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
from summarizer.store.sqlite_files import (
    MIGRATIONS,
    STORE_VERSION,
    foreign_error,
    full_error,
    preflight,
    set_wal,
    statements,
    store_error,
    too_new_error,
    transaction,
)

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["DEFAULT_PATH", "Store"]

DEFAULT_PATH = "summarizer.db"
_PAGE = 500  # rows fetched per query by run_results()


class Store:
    """The SQLite store at ``path`` (created if missing). Use as a context manager or call :meth:`close`.

    ``clock`` returns wall-clock seconds; leases are compared across processes,
    so it must be shared by them (tests may pass a fake one).
    """

    def __init__(
        self,
        path: str | os.PathLike[str] = DEFAULT_PATH,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self._pid = os.getpid()
        self._rlock = threading.RLock()
        #: Finished summaries a write could not store (disk full), by key: (lease owner, summary).
        self._unsaved: dict[str, tuple[str, Summary]] = {}
        self._conn: sqlite3.Connection | None = self._open()

    # -- connection ---------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        preflight(self.path)
        try:
            conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as e:
            raise store_error(self.path, e) from e
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            set_wal(conn)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._migrate(conn)
        except UsageError:
            conn.close()
            raise
        except sqlite3.DatabaseError as e:
            conn.close()
            raise store_error(self.path, e) from e
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Bring the store to :data:`STORE_VERSION`: the missing :data:`MIGRATIONS`, in order, in one transaction."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == STORE_VERSION:
            return
        if version > STORE_VERSION:
            raise too_new_error(self.path, version)
        with transaction(conn):
            # Re-read under the write lock: another process may have just created or migrated it.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > STORE_VERSION:
                raise too_new_error(self.path, version)
            if version == 0:
                others = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
                if others:  # checked before opening too; this catches one created meanwhile
                    raise foreign_error(self.path, others)
            for number, _, script in MIGRATIONS:
                if number > version:
                    for statement in statements(script):
                        conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {STORE_VERSION}")

    @property
    def _lock(self) -> threading.RLock:
        """The lock around the connection; every method takes it before touching ``_db``."""
        if os.getpid() != self._pid:
            # Forked child: the parent's lock may be held by a thread that does not exist
            # here, and its connection must not be touched. Start afresh.
            self._pid = os.getpid()
            self._rlock = threading.RLock()
            if self._conn is not None:
                self._conn = self._open()
        return self._rlock

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise UsageError(f"The store {self.path} is closed.")
        return self._conn

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """An IMMEDIATE transaction under the lock; SQLite failures become :class:`StoreError`.

        Summaries kept in memory by an earlier failed write are written first.
        """
        with self._lock:
            if self._unsaved:
                self._flush_unsaved()
            try:
                with transaction(self._db) as db:
                    yield db
            except sqlite3.Error as e:
                raise store_error(self.path, e, unsaved=len(self._unsaved)) from e

    def _write(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write statement in its own IMMEDIATE transaction; return the rows changed."""
        with self._writing() as db:
            changed: int = db.execute(sql, tuple(params)).rowcount
        return changed

    @property
    def unsaved(self) -> list[Summary]:
        """Finished summaries a write could not store (disk full), still waiting in memory."""
        with self._lock:
            return [summary for _, summary in self._unsaved.values()]

    def flush(self) -> int:
        """Try again to write the summaries kept in memory; return how many are still unsaved.

        Raises :class:`StoreFullError` if the disk is still full.
        """
        with self._lock:
            if self._unsaved:
                self._flush_unsaved()
            return len(self._unsaved)

    def _flush_unsaved(self) -> None:
        for key, (owner, summary) in list(self._unsaved.items()):
            try:
                with transaction(self._db) as db:
                    db.execute(_COMPLETE, _complete_params(key, owner, summary, self._clock()))
            except sqlite3.Error as e:
                raise store_error(self.path, e, unsaved=len(self._unsaved)) from e
            del self._unsaved[key]  # written, or the lease was lost and the store holds another answer

    def close(self) -> None:
        """Close the connection. Further calls raise :class:`UsageError`."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- runs and inputs ----------------------------------------------------

    def start_run(
        self, run_id: str | None = None, args: dict[str, Any] | None = None
    ) -> str:
        """Record a run (idempotent: resuming with the same ``run_id`` keeps the first record); return its id."""
        run_id = run_id or f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        self._write(
            "INSERT OR IGNORE INTO runs (run_id, started_at, args_json) VALUES (?, ?, ?)",
            (
                run_id,
                self._clock(),
                json.dumps(args, default=str) if args is not None else None,
            ),
        )
        return run_id

    def add(
        self,
        key: str,
        article: Article,
        *,
        run_id: str,
        seq: int,
        input_id: str | None = None,
        url: str | None = None,
        source: str | None = None,
    ) -> Status:
        """Record input ``seq`` of ``run_id`` and its work item; return the item's current status.

        A new item starts 'pending'; an existing one (same key: a duplicate
        input, or a cached result) is left as it is. Re-adding the same
        ``(run_id, seq)``, as a resumed run does, replaces that occurrence
        instead of duplicating it.
        """
        now = self._clock()
        article_json = article.model_dump_json()
        with self._writing() as db:
            db.execute(
                "INSERT OR IGNORE INTO runs (run_id, started_at) VALUES (?, ?)",
                (run_id, now),
            )
            db.execute(_INSERT_ITEM, (key, article.content_hash, article_json, now, now))
            db.execute(_UPSERT_OCCURRENCE, (run_id, seq, input_id, url, source, key))
            status: Status = db.execute(
                "SELECT status FROM items WHERE key = ?", (key,)
            ).fetchone()[0]
        return status

    def add_and_claim(
        self,
        key: str,
        article: Article,
        *,
        run_id: str,
        seq: int,
        owner: str,
        lease_s: float = 300,
        retry_failed: bool = False,
        input_id: str | None = None,
        url: str | None = None,
        source: str | None = None,
    ) -> bool:
        """:meth:`add`, then :meth:`claim` for ``owner``, in one transaction; True iff ``owner`` got the item.

        One round trip instead of two for an input that is summarized at once. A crash between the
        two leaves nothing to undo: the transaction commits both or neither.
        """
        now = self._clock()
        article_json = article.model_dump_json()
        failed = " OR status = 'failed'" if retry_failed else ""
        with self._writing() as db:
            db.execute("INSERT OR IGNORE INTO runs (run_id, started_at) VALUES (?, ?)", (run_id, now))
            db.execute(_INSERT_ITEM, (key, article.content_hash, article_json, now, now))
            db.execute(_UPSERT_OCCURRENCE, (run_id, seq, input_id, url, source, key))
            claimed: bool = db.execute(_CLAIM.format(failed=failed), (owner, now + lease_s, now, key, now)).rowcount == 1
        return claimed

    # -- leases -------------------------------------------------------------

    def claim(
        self, key: str, owner: str, lease_s: float = 300, retry_failed: bool = False
    ) -> bool:
        """Try to take ``key`` for ``lease_s`` seconds; True iff this caller got it.

        Claimable: pending items, running items whose lease expired, and failed
        items when ``retry_failed``. A done item is never claimed again.
        """
        now = self._clock()
        failed = " OR status = 'failed'" if retry_failed else ""
        return self._write(_CLAIM.format(failed=failed), (owner, now + lease_s, now, key, now)) == 1

    def renew(self, key: str, owner: str, lease_s: float = 300) -> bool:
        """Extend ``owner``'s lease on ``key`` to ``lease_s`` from now; False if it is no longer theirs."""
        now = self._clock()
        return (
            self._write(
                "UPDATE items SET lease_expires = ?, updated_at = ?"
                " WHERE key = ? AND status = 'running' AND lease_owner = ?",
                (now + lease_s, now, key, owner),
            )
            == 1
        )

    def release(self, owner: str) -> int:
        """Put every item ``owner`` is still running back to pending (on a clean shutdown); return how many."""
        return self._write(
            "UPDATE items SET status = 'pending', lease_owner = NULL, lease_expires = NULL, updated_at = ?"
            " WHERE status = 'running' AND lease_owner = ?",
            (self._clock(), owner),
        )

    def release_dead(self) -> int:
        """Free the leases of :func:`make_owner` owners on this host whose process is gone; return how many.

        After a ``kill -9`` the rerun can then take those items at once instead
        of waiting for their leases to expire.
        """
        with self._lock:
            owners = [
                row[0]
                for row in self._db.execute(
                    "SELECT DISTINCT lease_owner FROM items WHERE status = 'running' AND lease_owner IS NOT NULL"
                )
            ]
        return sum(self.release(owner) for owner in dead_owners(owners))

    # -- results ------------------------------------------------------------

    def complete(self, key: str, owner: str, summary: Summary) -> bool:
        """Store ``summary`` and mark ``key`` done, if ``owner`` still holds it; True iff written.

        If the disk is full, ``summary`` is kept in memory (see :attr:`unsaved`), written again by
        the next write or :meth:`flush`, and :class:`StoreFullError` is raised: stop making calls.
        """
        with self._lock:
            try:
                return self._write(_COMPLETE, _complete_params(key, owner, summary, self._clock())) == 1
            except StoreFullError as e:
                self._unsaved[key] = (owner, summary)
                raise full_error(self.path, e.detail, len(self._unsaved)) from e.__cause__

    def fail(self, key: str, owner: str, error: str | BaseException) -> bool:
        """Mark ``key`` failed with a scrubbed one-line ``error``, if ``owner`` still holds it; True iff written."""
        if isinstance(error, BaseException):
            error = f"{type(error).__name__}: {error}"
        return (
            self._write(
                "UPDATE items SET status = 'failed', error = ?, attempts = attempts + 1,"
                " lease_owner = NULL, lease_expires = NULL, updated_at = ?"
                " WHERE key = ? AND status = 'running' AND lease_owner = ?",
                (scrub_error(error), self._clock(), key, owner),
            )
            == 1
        )

    # -- reading ------------------------------------------------------------

    def extracted(self, key: str) -> str | None:
        """The article JSON extracted before from the page with this key, or None."""
        with self._lock:
            try:
                row = self._db.execute("SELECT article_json FROM extracted WHERE key = ?", (key,)).fetchone()
            except sqlite3.Error as e:
                raise store_error(self.path, e) from e
        return row[0] if row else None

    def remember_extracted(self, key: str, article_json: str) -> None:
        """Keep the article extracted from the page with this key."""
        self._write(
            "INSERT OR REPLACE INTO extracted (key, article_json, created_at) VALUES (?, ?, ?)",
            (key, article_json, time.time()),
        )

    def get(self, key: str) -> ItemRecord | None:
        """The stored item ``key``, or None."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {ITEM_COLUMNS} FROM items WHERE key = ?", (key,)
            ).fetchone()
        return record_from_row(row) if row else None

    def run_results(self, run_id: str) -> Iterator[tuple[Occurrence, ItemRecord]]:
        """Every input of ``run_id`` with its item, in input order (duplicates appear once per input)."""
        columns = ", ".join(f"i.{c.strip()}" for c in ITEM_COLUMNS.split(","))
        last = -1 << 62
        while True:
            with self._lock:
                rows = self._db.execute(
                    f"SELECT o.run_id, o.seq, o.key, o.input_id, o.url, o.source, {columns}"
                    " FROM occurrences o JOIN items i ON i.key = o.key"
                    " WHERE o.run_id = ? AND o.seq > ? ORDER BY o.seq LIMIT ?",
                    (run_id, last, _PAGE),
                ).fetchall()
            for row in rows:
                yield Occurrence(*row[:6]), record_from_row(row[6:])
            if len(rows) < _PAGE:
                return
            last = rows[-1][1]

    def latest_run_id(self) -> str | None:
        """The most recently started run, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT run_id FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1"
            ).fetchone()
        return row[0] if row else None

    def stats(self, run_id: str | None = None) -> dict[str, int]:
        """Work items by status (every status present), for one run or the whole store."""
        with self._lock:
            if run_id is None:
                rows = self._db.execute(
                    "SELECT status, COUNT(*) FROM items GROUP BY status"
                ).fetchall()
            else:
                rows = self._db.execute(
                    "SELECT status, COUNT(*) FROM items WHERE key IN"
                    " (SELECT key FROM occurrences WHERE run_id = ?) GROUP BY status",
                    (run_id,),
                ).fetchall()
        counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
        counts.update(dict(rows))
        return counts

    # -- provider batch jobs (summarizer.store.jobs) ----------------------------------

    def record_job(self, job_id: str, base_url: str, input_file_id: str | None, status: str, keys: list[str]) -> None:
        """Remember a provider batch job and the work keys it covers."""
        self._write(jobs.INSERT, jobs.job_params(job_id, base_url, input_file_id, status, keys, self._clock()))

    def update_job(self, job_id: str, status: str) -> None:
        """Set a job's last seen status (``jobs.COLLECTED`` once its results are in the store)."""
        self._write(jobs.UPDATE, (status, self._clock(), job_id))

    def provider_jobs(self, base_url: str, *, open_only: bool = True) -> list[jobs.JobRecord]:
        """The jobs at ``base_url``, oldest first: the open ones (results not taken yet), or all."""
        with self._lock:
            rows = self._db.execute(jobs.SELECT_OPEN if open_only else jobs.SELECT_ALL, (base_url,)).fetchall()
        return [jobs.job_from_row(row) for row in rows]


_INSERT_ITEM = (
    "INSERT OR IGNORE INTO items (key, content_hash, status, article_json, created_at, updated_at)"
    " VALUES (?, ?, 'pending', ?, ?, ?)"
)
_UPSERT_OCCURRENCE = (
    "INSERT INTO occurrences (run_id, seq, input_id, url, source, key) VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (run_id, seq) DO UPDATE SET"
    " input_id = excluded.input_id, url = excluded.url, source = excluded.source, key = excluded.key"
)
_CLAIM = (
    "UPDATE items SET status = 'running', lease_owner = ?, lease_expires = ?, updated_at = ?"
    " WHERE key = ? AND (status = 'pending'"
    " OR (status = 'running' AND (lease_expires IS NULL OR lease_expires < ?)){failed})"
)
_COMPLETE = (
    "UPDATE items SET status = 'done', summary_json = ?, error = NULL,"
    " prompt_tokens = ?, completion_tokens = ?, total_tokens = ?,"
    " attempts = attempts + 1, lease_owner = NULL, lease_expires = NULL, updated_at = ?"
    " WHERE key = ? AND status = 'running' AND lease_owner = ?"
)


def _complete_params(key: str, owner: str, summary: Summary, now: float) -> tuple[Any, ...]:
    usage = summary.meta.usage
    return (
        summary.model_dump_json(), usage.prompt_tokens, usage.completion_tokens, usage.total_tokens, now, key, owner,
    )


"""SQLite store: the cache, the batch state and the results.

One row in ``items`` per work item, keyed by :func:`work_key` (the article's
content hash plus everything that changes the answer: model, prompt version,
schema version). One row in ``occurrences`` per input seen in a run, so the
outputs can be rebuilt in input order with one line per input, while duplicate
inputs share one work item.

Life of an item::

    add() ──▶ pending ──claim()──▶ running ──complete()──▶ done   (never claimed again)
                 ▲                   │  └─────fail()─────▶ failed ──claim(retry_failed=True)──▶ running
                 └──release()────────┘  lease expired: claim() takes it over

* ``claim`` is one ``UPDATE … WHERE`` so two workers (threads or processes)
  never both get an item.
* ``complete``/``fail`` only apply while the caller still owns the lease, and
  write everything in one transaction: a crash (even ``kill -9``) leaves at
  worst an expired lease, never a half-written result.

Before anything is written, an existing file is checked read-only: it must be
writable, in a writable folder, intact (``PRAGMA quick_check``) and a
summarizer store (or empty). Otherwise :class:`~summarizer.errors.StoreError`
says what is wrong and the file is left byte for byte as it was. A write that
fails for lack of space raises :class:`~summarizer.errors.StoreFullError`; a
finished summary that could not be written is kept in memory and written again
by the next write or :meth:`Store.flush`, so an answer already paid for is not
lost while the process lives.

The database runs in WAL mode. Every method is a short synchronous call;
asyncio callers may wrap them in :func:`asyncio.to_thread`. A :class:`Store`
may be shared between threads. Each process should open its own (after a
``fork`` the store reopens its connection by itself).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from summarizer.errors import StoreError, StoreFullError, UsageError
from summarizer.redact import scrub
from summarizer.schema import Article, Summary, Usage

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "DEFAULT_PATH",
    "STORE_VERSION",
    "ItemRecord",
    "Occurrence",
    "Status",
    "Store",
    "make_owner",
    "scrub_error",
    "work_key",
]

DEFAULT_PATH = "summarizer.db"
STORE_VERSION = (
    1  # PRAGMA user_version; bump and add a migration when the tables change.
)
Status = Literal["pending", "running", "done", "failed"]
STATUSES: tuple[Status, ...] = ("pending", "running", "done", "failed")

_PAGE = 500  # rows fetched per query by run_results()
_MAX_ERROR = 2000  # characters of an error message kept

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    key               TEXT PRIMARY KEY,
    content_hash      TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'running', 'done', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    error             TEXT,
    article_json      TEXT NOT NULL,
    summary_json      TEXT,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    total_tokens      INTEGER,
    lease_owner       TEXT,
    lease_expires     REAL,
    created_at        REAL NOT NULL,
    updated_at        REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS items_status ON items (status);
CREATE TABLE IF NOT EXISTS runs (
    run_id     TEXT PRIMARY KEY,
    started_at REAL NOT NULL,
    args_json  TEXT
);
CREATE TABLE IF NOT EXISTS occurrences (
    run_id   TEXT NOT NULL REFERENCES runs (run_id),
    seq      INTEGER NOT NULL,
    input_id TEXT,
    url      TEXT,
    source   TEXT,
    key      TEXT NOT NULL REFERENCES items (key),
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX IF NOT EXISTS occurrences_key ON occurrences (key);
"""
# Articles extracted from HTML pages, by page (summarizer.inputs.extracted.page_key), so a rerun
# extracts no page twice. Created in stores of any version when first opened (older code ignores it).
_EXTRACTED = """
CREATE TABLE IF NOT EXISTS extracted (
    key          TEXT PRIMARY KEY,
    article_json TEXT NOT NULL,
    created_at   REAL NOT NULL
)
"""


# ---------------------------------------------------------------------------
# Pure helpers


def work_key(
    content_hash: str,
    model: str | None,
    prompt_version: str | None,
    schema_version: str,
) -> str:
    """Identity of one unit of work: sha256 of ``content_hash|model|prompt_version|schema_version``."""
    parts = (content_hash, model or "", prompt_version or "", schema_version)
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


def make_owner() -> str:
    """A lease owner name unique to this process: ``host:pid:random``.

    :meth:`Store.release_dead` recognises this shape and frees the leases of
    processes on this host that no longer exist.
    """
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def scrub_error(message: str) -> str:
    """One line, no secrets: what :meth:`Store.fail` stores.

    Removes ``sk-…`` keys, ``Bearer …`` tokens and ``api_key=…``-style values,
    collapses whitespace and truncates very long messages.
    """
    message = " ".join(scrub(message).split())
    if len(message) > _MAX_ERROR:
        message = message[: _MAX_ERROR - 1] + "…"
    return message


# ---------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class Occurrence:
    """One input as seen in one run, at position ``seq`` of the run's input order."""

    run_id: str
    seq: int
    key: str
    input_id: str | None = None
    url: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class ItemRecord:
    """The stored state of one work item."""

    key: str
    content_hash: str
    status: Status
    attempts: int
    error: str | None
    article: Article
    summary: Summary | None
    usage: Usage | None
    lease_owner: str | None
    lease_expires: float | None
    created_at: float
    updated_at: float


_ITEM_COLUMNS = (
    "key, content_hash, status, attempts, error, article_json, summary_json, "
    "prompt_tokens, completion_tokens, total_tokens, lease_owner, lease_expires, "
    "created_at, updated_at"
)


def _record(row: sqlite3.Row | tuple[Any, ...]) -> ItemRecord:
    (
        key,
        chash,
        status,
        attempts,
        error,
        article_json,
        summary_json,
        prompt_t,
        completion_t,
        total_t,
        owner,
        expires,
        created,
        updated,
    ) = row
    usage = None
    if total_t is not None:
        usage = Usage(
            prompt_tokens=prompt_t, completion_tokens=completion_t, total_tokens=total_t
        )
    return ItemRecord(
        key=key,
        content_hash=chash,
        status=status,
        attempts=attempts,
        error=error,
        article=Article.model_validate_json(article_json),
        summary=Summary.model_validate_json(summary_json) if summary_json else None,
        usage=usage,
        lease_owner=owner,
        lease_expires=expires,
        created_at=created,
        updated_at=updated,
    )


# ---------------------------------------------------------------------------
# The store


_SQLITE_HEADER = b"SQLite format 3\x00"


def _store_error(path: Path, exc: sqlite3.Error, *, unsaved: int = 0) -> StoreError:
    """The one-line error for an SQLite failure on the store at ``path``."""
    text = str(exc)
    lowered = text.lower()
    if "full" in lowered:
        return _full(path, text, unsaved)
    if "readonly" in lowered or "read-only" in lowered:
        return _read_only(path)
    if "unable to open" in lowered or "disk i/o" in lowered:
        return _folder_not_writable(path)
    if "malformed" in lowered or "not a database" in lowered or "corrupt" in lowered:
        return _damaged(path, text)
    return StoreError(f"The store {path} could not be used: {text}.", hint="Check the file, or pass another --store path.")


def _full(path: Path, detail: str, unsaved: int) -> StoreFullError:
    kept = f" {unsaved} finished summar{'y is' if unsaved == 1 else 'ies are'} kept in memory." if unsaved else ""
    error = StoreFullError(
        f"The disk holding the store {path} is full ({detail}).{kept}",
        hint="Free some space, then run the same command again: what is stored is kept.",
        unsaved=unsaved,
    )
    error.detail = detail
    return error


def _read_only(path: Path) -> StoreError:
    return StoreError(
        f"The store {path} is read-only.",
        hint=f"Make it writable (chmod u+w {path}), or pass another --store path.",
    )


def _folder_not_writable(path: Path) -> StoreError:
    folder = path.parent if str(path.parent) else Path(".")
    return StoreError(
        f"Can't write in {folder}, the folder of the store {path} (SQLite keeps its journal files beside it).",
        hint="Make the folder writable, or pass a --store path in a writable folder.",
    )


def _damaged(path: Path, detail: str) -> StoreError:
    return StoreError(
        f"The store {path} is damaged ({detail}); summarizer does not write into a damaged store.",
        hint="Restore it from a backup or move it away, then run again (finished work is summarized again).",
    )


def _preflight(path: Path) -> None:
    """Check an existing store without changing it: raise :class:`StoreError` if it can't be used."""
    if str(path) == ":memory:" or str(path).startswith("file:"):
        return
    folder = path.parent if str(path.parent) else Path(".")
    if path.exists():
        if not path.is_file():
            raise StoreError(f"The store {path} is not a file.", hint="Pass the path of a file as --store.")
        try:
            with path.open("rb") as f:
                header = f.read(len(_SQLITE_HEADER))
        except OSError as e:
            raise StoreError(f"Can't read the store {path}: {e.strerror}.", hint="Check its permissions.") from e
        if header and header != _SQLITE_HEADER:
            raise StoreError(
                f"{path} is not an SQLite database, so not a summarizer store.",
                hint="Pass another --store path; summarizer does not write into other files.",
            )
        if not os.access(path, os.W_OK):
            raise _read_only(path)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _folder_not_writable(path)
    if path.exists() and path.stat().st_size > 0:
        _inspect(path)


def _inspect(path: Path) -> None:
    """Open ``path`` read-only: refuse a damaged file, another program's database or a newer store."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    with path.open("rb") as f:
        wal_mode = f.read(20)[18:20] == b"\x02\x02"
    if wal_mode and not Path(f"{path}-wal").exists():
        # A WAL store nobody has open (its -wal file goes with the last connection): read the
        # file as it is, so the check does not leave -wal/-shm files behind.
        uri += "&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=30)
    except sqlite3.Error as e:
        raise _store_error(path, e) from e
    try:
        conn.execute("PRAGMA busy_timeout = 30000")
        check = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
        if check != ["ok"]:
            raise _damaged(path, "; ".join(check))
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    except sqlite3.Error as e:
        raise _store_error(path, e) from e
    finally:
        conn.close()
    if version == 0 and tables:
        raise _foreign(path, tables)
    if version > STORE_VERSION:
        raise _too_new(path, version)


def _foreign(path: Path, tables: list[str]) -> StoreError:
    return StoreError(
        f"{path} is an SQLite database of something else (tables: {', '.join(tables[:5])}).",
        hint="Pass a new --store path; summarizer does not write into other databases.",
    )


def _too_new(path: Path, version: int) -> StoreError:
    return StoreError(
        f"The store {path} has version {version}; this summarizer only knows up to {STORE_VERSION}.",
        hint="Upgrade summarizer, or use another --store path.",
    )


def _set_wal(conn: sqlite3.Connection, wait_s: float = 30.0) -> None:
    """Switch to WAL. Unlike other statements this pragma does not wait out busy_timeout
    when another connection is creating the same new file, so retry it here."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


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
        _preflight(self.path)
        try:
            conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as e:
            raise _store_error(self.path, e) from e
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            _set_wal(conn)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._migrate(conn)
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'extracted'").fetchone():
                conn.execute(_EXTRACTED)
        except UsageError:
            conn.close()
            raise
        except sqlite3.DatabaseError as e:
            conn.close()
            raise _store_error(self.path, e) from e
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == STORE_VERSION:
            return
        if version > STORE_VERSION:
            raise _too_new(self.path, version)
        with _transaction(conn):
            # Re-read under the write lock: another process may have just created it.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                others = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
                if others:  # checked before opening too; this catches one created meanwhile
                    raise _foreign(self.path, others)
                # Not executescript(): it would COMMIT before user_version is set.
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
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
                with _transaction(self._db) as db:
                    yield db
            except sqlite3.Error as e:
                raise _store_error(self.path, e, unsaved=len(self._unsaved)) from e

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
                with _transaction(self._db) as db:
                    db.execute(_COMPLETE, _complete_params(key, owner, summary, self._clock()))
            except sqlite3.Error as e:
                raise _store_error(self.path, e, unsaved=len(self._unsaved)) from e
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
            db.execute(
                "INSERT OR IGNORE INTO items (key, content_hash, status, article_json, created_at, updated_at)"
                " VALUES (?, ?, 'pending', ?, ?, ?)",
                (key, article.content_hash, article_json, now, now),
            )
            db.execute(
                "INSERT INTO occurrences (run_id, seq, input_id, url, source, key) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (run_id, seq) DO UPDATE SET"
                " input_id = excluded.input_id, url = excluded.url, source = excluded.source, key = excluded.key",
                (run_id, seq, input_id, url, source, key),
            )
            status: Status = db.execute(
                "SELECT status FROM items WHERE key = ?", (key,)
            ).fetchone()[0]
        return status

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
        return (
            self._write(
                "UPDATE items SET status = 'running', lease_owner = ?, lease_expires = ?, updated_at = ?"
                " WHERE key = ? AND (status = 'pending'"
                f" OR (status = 'running' AND (lease_expires IS NULL OR lease_expires < ?)){failed})",
                (owner, now + lease_s, now, key, now),
            )
            == 1
        )

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
        host = socket.gethostname()
        with self._lock:
            owners = [
                row[0]
                for row in self._db.execute(
                    "SELECT DISTINCT lease_owner FROM items WHERE status = 'running' AND lease_owner IS NOT NULL"
                )
            ]
        freed = 0
        for owner in owners:
            parts = owner.rsplit(":", 2)
            if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
                continue
            if not _pid_alive(int(parts[1])):
                freed += self.release(owner)
        return freed

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
                raise _full(self.path, e.detail, len(self._unsaved)) from e.__cause__

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
                raise _store_error(self.path, e) from e
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
                f"SELECT {_ITEM_COLUMNS} FROM items WHERE key = ?", (key,)
            ).fetchone()
        return _record(row) if row else None

    def run_results(self, run_id: str) -> Iterator[tuple[Occurrence, ItemRecord]]:
        """Every input of ``run_id`` with its item, in input order (duplicates appear once per input)."""
        columns = ", ".join(f"i.{c.strip()}" for c in _ITEM_COLUMNS.split(","))
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
                yield Occurrence(*row[:6]), _record(row[6:])
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


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error: all of it is written or none."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

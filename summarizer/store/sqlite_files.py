"""The SQLite store's file: its tables, the checks made before writing into it, and its one-line errors.

Before anything is written, an existing file is checked read-only: it must be
writable, in a writable folder, intact (``PRAGMA quick_check``) and a
summarizer store (or empty). Otherwise :class:`~summarizer.errors.StoreError`
says what is wrong and the file is left byte for byte as it was.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from summarizer.errors import StoreError, StoreFullError
from summarizer.store.jobs import JOBS

SCHEMA = """
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
# extracts no page twice. Version 1 stores may have it already (it was created outside the versions).
EXTRACTED = """
CREATE TABLE IF NOT EXISTS extracted (
    key          TEXT PRIMARY KEY,
    article_json TEXT NOT NULL,
    created_at   REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS items_lease_owner ON items (lease_owner) WHERE lease_owner IS NOT NULL;
"""

#: The store's versions, in order: (version, what it adds, its statements). A store at version N
#: gets every later one applied in one transaction when it is opened; ``PRAGMA user_version`` says
#: which it has. To change the tables, append a migration (never edit one that shipped).
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "items, runs and occurrences", SCHEMA),
    (2, "extracted pages; an index on lease owners (release of a worker's leases)", EXTRACTED),
    (3, "provider batch jobs (summarizer.store.jobs)", JOBS),
)
STORE_VERSION = MIGRATIONS[-1][0]


SQLITE_HEADER = b"SQLite format 3\x00"


def store_error(path: Path, exc: sqlite3.Error, *, unsaved: int = 0) -> StoreError:
    """The one-line error for an SQLite failure on the store at ``path``."""
    text = str(exc)
    lowered = text.lower()
    if "full" in lowered:
        return full_error(path, text, unsaved)
    if "readonly" in lowered or "read-only" in lowered:
        return read_only_error(path)
    if "unable to open" in lowered or "disk i/o" in lowered:
        return folder_not_writable_error(path)
    if "malformed" in lowered or "not a database" in lowered or "corrupt" in lowered:
        return damaged_error(path, text)
    return StoreError(f"The store {path} could not be used: {text}.", hint="Check the file, or pass another --store path.")


def full_error(path: Path, detail: str, unsaved: int) -> StoreFullError:
    kept = f" {unsaved} finished summar{'y is' if unsaved == 1 else 'ies are'} kept in memory." if unsaved else ""
    error = StoreFullError(
        f"The disk holding the store {path} is full ({detail}).{kept}",
        hint="Free some space, then run the same command again: what is stored is kept.",
        unsaved=unsaved,
    )
    error.detail = detail
    return error


def read_only_error(path: Path) -> StoreError:
    return StoreError(
        f"The store {path} is read-only.",
        hint=f"Make it writable (chmod u+w {path}), or pass another --store path.",
    )


def folder_not_writable_error(path: Path) -> StoreError:
    folder = path.parent if str(path.parent) else Path(".")
    return StoreError(
        f"Can't write in {folder}, the folder of the store {path} (SQLite keeps its journal files beside it).",
        hint="Make the folder writable, or pass a --store path in a writable folder.",
    )


def damaged_error(path: Path, detail: str) -> StoreError:
    return StoreError(
        f"The store {path} is damaged ({detail}); summarizer does not write into a damaged store.",
        hint="Restore it from a backup or move it away, then run again (finished work is summarized again).",
    )


def preflight(path: Path) -> None:
    """Check an existing store without changing it: raise :class:`StoreError` if it can't be used."""
    if str(path) == ":memory:" or str(path).startswith("file:"):
        return
    folder = path.parent if str(path.parent) else Path(".")
    if path.exists():
        if not path.is_file():
            raise StoreError(f"The store {path} is not a file.", hint="Pass the path of a file as --store.")
        try:
            with path.open("rb") as f:
                header = f.read(len(SQLITE_HEADER))
        except OSError as e:
            raise StoreError(f"Can't read the store {path}: {e.strerror}.", hint="Check its permissions.") from e
        if header and header != SQLITE_HEADER:
            raise StoreError(
                f"{path} is not an SQLite database, so not a summarizer store.",
                hint="Pass another --store path; summarizer does not write into other files.",
            )
        if not os.access(path, os.W_OK):
            raise read_only_error(path)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise folder_not_writable_error(path)
    if path.exists() and path.stat().st_size > 0:
        inspect(path)


def inspect(path: Path) -> None:
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
        raise store_error(path, e) from e
    try:
        conn.execute("PRAGMA busy_timeout = 30000")
        check = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
        if check != ["ok"]:
            raise damaged_error(path, "; ".join(check))
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    except sqlite3.Error as e:
        raise store_error(path, e) from e
    finally:
        conn.close()
    if version == 0 and tables:
        raise foreign_error(path, tables)
    if version > STORE_VERSION:
        raise too_new_error(path, version)


def foreign_error(path: Path, tables: list[str]) -> StoreError:
    return StoreError(
        f"{path} is an SQLite database of something else (tables: {', '.join(tables[:5])}).",
        hint="Pass a new --store path; summarizer does not write into other databases.",
    )


def too_new_error(path: Path, version: int) -> StoreError:
    return StoreError(
        f"The store {path} has version {version}, made by a newer summarizer; this one knows versions up to {STORE_VERSION}.",
        hint="Upgrade summarizer (pip install -U summarizer), or pass another --store.",
    )


def statements(script: str) -> list[str]:
    """The statements of a migration, one by one (``executescript`` would commit before the version is set)."""
    return [statement for statement in script.split(";") if statement.strip()]


def set_wal(conn: sqlite3.Connection, wait_s: float = 30.0) -> None:
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


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error: all of it is written or none."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise

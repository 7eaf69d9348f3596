"""Provider batch jobs in the store (:mod:`summarizer.batchjobs`): which job covers which work items.

One row per job a provider accepted: its id, the base URL it lives at, the uploaded
input file, the last status seen, and the work keys it covers. A job is *open* until
its results were taken into the store (status ``collected``), so a later run — another
process, after a restart — polls it instead of submitting its items again.

The table is migration 3 of the SQLite store (:data:`summarizer.store.sqlite_files.MIGRATIONS`)
and migration 2 of the PostgreSQL store (:mod:`summarizer.store.postgres_schema`, which has
its own column types). The statements here use SQLite's ``?`` placeholders;
:func:`pg` turns them into psycopg's ``%s``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = ["COLLECTED", "JOBS", "JobRecord", "job_from_row", "pg"]

#: The status of a job whose results are in the store; every other status is open.
COLLECTED = "collected"

JOBS = """
CREATE TABLE IF NOT EXISTS provider_jobs (
    job_id        TEXT PRIMARY KEY,
    base_url      TEXT NOT NULL,
    input_file_id TEXT,
    status        TEXT NOT NULL,
    keys_json     TEXT NOT NULL,
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL
)
"""

JOB_COLUMNS = "job_id, base_url, input_file_id, status, keys_json, created_at, updated_at"

INSERT = (
    f"INSERT OR REPLACE INTO provider_jobs ({JOB_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
UPSERT_PG = (
    f"INSERT INTO provider_jobs ({JOB_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (job_id) DO UPDATE SET base_url = excluded.base_url, input_file_id = excluded.input_file_id,"
    " status = excluded.status, keys_json = excluded.keys_json, updated_at = excluded.updated_at"
)
UPDATE = "UPDATE provider_jobs SET status = ?, updated_at = ? WHERE job_id = ?"
SELECT_OPEN = (
    f"SELECT {JOB_COLUMNS} FROM provider_jobs WHERE base_url = ? AND status != '{COLLECTED}'"
    " ORDER BY created_at, job_id"
)
SELECT_ALL = f"SELECT {JOB_COLUMNS} FROM provider_jobs WHERE base_url = ? ORDER BY created_at, job_id"


@dataclass(frozen=True)
class JobRecord:
    """One provider batch job as the store remembers it."""

    job_id: str
    base_url: str
    input_file_id: str | None
    status: str
    keys: tuple[str, ...]
    created_at: float
    updated_at: float

    @property
    def open(self) -> bool:
        """True until its results were taken into the store."""
        return self.status != COLLECTED


def job_params(job_id: str, base_url: str, input_file_id: str | None, status: str, keys: list[str], now: float) -> tuple[Any, ...]:
    return (job_id, base_url, input_file_id, status, json.dumps(list(keys)), now, now)


def job_from_row(row: tuple[Any, ...]) -> JobRecord:
    job_id, base_url, input_file_id, status, keys_json, created_at, updated_at = row
    return JobRecord(job_id, base_url, input_file_id, status, tuple(json.loads(keys_json)), created_at, updated_at)


def pg(sql: str) -> str:
    """A statement above with psycopg's ``%s`` placeholders instead of SQLite's ``?``."""
    return sql.replace("?", "%s")

"""What a store engine offers the batch, and :func:`open_store`, which picks the engine from ``--store``.

Two engines keep the same tables with the same meaning:

* **SQLite** (:class:`summarizer.store.sqlite.Store`), a file: the default, for
  the threads and processes of one machine;
* **PostgreSQL** (:class:`summarizer.store.postgres.PostgresStore`), a
  ``postgresql://`` URL: one queue shared by workers on many machines.

The batch only calls the methods of :class:`StoreEngine`; either engine can be
passed wherever a store is expected.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from summarizer.errors import UsageError
from summarizer.schema import Article, Summary
from summarizer.store import jobs
from summarizer.store.records import ItemRecord, Occurrence, Status

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["POSTGRES_SCHEMES", "StoreEngine", "is_url", "open_store", "store_label"]

POSTGRES_SCHEMES = ("postgresql", "postgres")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")


class StoreEngine(Protocol):
    """The store as the batch uses it (see :mod:`summarizer.store` for the life of an item).

    Every method is a short synchronous call, safe to call from several threads.
    """

    @property
    def path(self) -> str | os.PathLike[str]:
        """Where the store is, as it may be shown: a file path, or a URL without its password."""
        ...

    @property
    def unsaved(self) -> list[Summary]: ...

    def flush(self) -> int: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    # runs and inputs
    def start_run(self, run_id: str | None = None, args: dict[str, Any] | None = None) -> str: ...

    def add(
        self, key: str, article: Article, *, run_id: str, seq: int,
        input_id: str | None = None, url: str | None = None, source: str | None = None,
    ) -> Status: ...

    def add_and_claim(
        self, key: str, article: Article, *, run_id: str, seq: int, owner: str, lease_s: float = 300,
        retry_failed: bool = False, input_id: str | None = None, url: str | None = None, source: str | None = None,
    ) -> bool:
        """``add`` then ``claim`` for ``owner``, both or neither (one round trip); True iff ``owner`` got the item."""
        ...

    # leases
    def claim(self, key: str, owner: str, lease_s: float = 300, retry_failed: bool = False) -> bool: ...

    def renew(self, key: str, owner: str, lease_s: float = 300) -> bool: ...

    def release(self, owner: str) -> int: ...

    def release_dead(self) -> int: ...

    # results
    def complete(self, key: str, owner: str, summary: Summary) -> bool: ...

    def fail(self, key: str, owner: str, error: str | BaseException) -> bool: ...

    # reading
    def extracted(self, key: str) -> str | None: ...

    def remember_extracted(self, key: str, article_json: str) -> None: ...

    def get(self, key: str) -> ItemRecord | None: ...

    def run_results(self, run_id: str) -> Iterator[tuple[Occurrence, ItemRecord]]: ...

    def latest_run_id(self) -> str | None: ...

    def stats(self, run_id: str | None = None) -> dict[str, int]: ...

    # provider batch jobs (summarizer.batchjobs)
    def record_job(self, job_id: str, base_url: str, input_file_id: str | None, status: str, keys: list[str]) -> None: ...

    def update_job(self, job_id: str, status: str) -> None: ...

    def provider_jobs(self, base_url: str, *, open_only: bool = True) -> list[jobs.JobRecord]: ...


def is_url(spec: str | os.PathLike[str]) -> bool:
    """Whether ``--store`` names a server (``scheme://…``) rather than a file (``file:`` URIs are SQLite's)."""
    match = _SCHEME.match(os.fspath(spec))
    return match is not None and match.group(1).lower() != "file"


def store_label(spec: str | os.PathLike[str]) -> str:
    """``spec`` as it may be shown in messages and logs: a URL loses its password (and query)."""
    text = os.fspath(spec)
    if not is_url(text):
        return text
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return f"{text.split('://', 1)[0]}://…"
    user = f"{parts.username}@" if parts.username else ""
    if ":" in host:
        host = f"[{host}]"
    return urlunsplit((parts.scheme, f"{user}{host}{port}", parts.path, "", ""))


def open_store(spec: str | os.PathLike[str] | None = None) -> StoreEngine:
    """The store ``spec`` names: a ``postgresql://`` (or ``postgres://``) URL, or an SQLite file path.

    ``None`` is an in-memory SQLite store (for one call). A URL needs the
    ``postgres`` extra (``pip install 'summarizer[postgres]'``).
    """
    if spec is None:
        from summarizer.store.sqlite import Store

        return Store(":memory:")
    text = os.fspath(spec)
    if is_url(text):
        scheme = text.split("://", 1)[0].lower()
        if scheme not in POSTGRES_SCHEMES:
            raise UsageError(
                f"--store {store_label(text)}: summarizer keeps its store in an SQLite file or in PostgreSQL.",
                hint="Pass a file path, or a postgresql://user@host/dbname URL.",
            )
        from summarizer.store.postgres import PostgresStore

        return PostgresStore(text)
    from summarizer.store.sqlite import Store

    return Store(text)

"""What the store holds, whatever engine keeps it: work keys, lease owners, records, scrubbed errors."""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from summarizer.redact import scrub
from summarizer.schema import Article, Summary, Usage

__all__ = [
    "ITEM_COLUMNS", "STATUSES", "ItemRecord", "Occurrence", "Status", "dead_owners", "make_owner", "record_from_row",
    "scrub_error", "work_key",
]

Status = Literal["pending", "running", "done", "failed"]
STATUSES: tuple[Status, ...] = ("pending", "running", "done", "failed")

_MAX_ERROR = 2000  # characters of an error message kept


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


def dead_owners(owners: Iterable[str]) -> list[str]:
    """The :func:`make_owner` owners among ``owners`` whose process ran on this host and is gone."""
    host = socket.gethostname()
    dead = []
    for owner in owners:
        parts = owner.rsplit(":", 2)
        if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
            continue
        if not _pid_alive(int(parts[1])):
            dead.append(owner)
    return dead


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
    """The stored state of one work item.

    The article and the summary are read from their stored JSON when first used: a look at an
    item's status (a worker polling an item another one holds) parses neither.
    """

    key: str
    content_hash: str
    status: Status
    attempts: int
    error: str | None
    article_json: str = field(repr=False)
    summary_json: str | None = field(repr=False)
    usage: Usage | None
    lease_owner: str | None
    lease_expires: float | None
    created_at: float
    updated_at: float

    @cached_property
    def article(self) -> Article:
        return Article.model_validate_json(self.article_json)

    @cached_property
    def summary(self) -> Summary | None:
        return Summary.model_validate_json(self.summary_json) if self.summary_json else None


ITEM_COLUMNS = (
    "key, content_hash, status, attempts, error, article_json, summary_json, "
    "prompt_tokens, completion_tokens, total_tokens, lease_owner, lease_expires, "
    "created_at, updated_at"
)


def record_from_row(row: Sequence[Any]) -> ItemRecord:
    """An :class:`ItemRecord` from a row of :data:`ITEM_COLUMNS`, in that order."""
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
        article_json=article_json,
        summary_json=summary_json,
        usage=usage,
        lease_owner=owner,
        lease_expires=expires,
        created_at=created,
        updated_at=updated,
    )

"""What a batch gives back: :class:`BatchResult` (one per input), :class:`BatchResults`
(the list, shown in a notebook as the digest) and :class:`BatchStats` (running totals for a progress bar);
and how a stored item becomes the result of one input (:func:`_from_record`)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from summarizer.inputs import InputFailure, PendingFetch
from summarizer.schema import Article, Summary
from summarizer.store import ItemRecord

BatchInput = Article | InputFailure | PendingFetch | str


_NOT_FINISHED = "not summarized yet (an interrupted run, or --from-store): run the batch again to summarize it"


@dataclass(frozen=True)
class BatchResult:
    """The outcome for one input: a summary, or an error.

    ``id`` is the input's id (its ``Article.key``: id, else url, else the start
    of the content hash; for an input that could not be read, its id, url or
    source). ``cached`` means nothing was summarized for it by this call (the
    store already had the answer, or another process made it); ``duplicate``
    means an earlier input of the same run has the same text or URL; ``unreadable``
    means the input itself could not be read (a missing file, an empty feed), so
    no summary was tried: fixing the input, not ``retry_failed``, is what helps.
    """

    seq: int
    id: str
    url: str | None = None
    source: str | None = None
    summary: Summary | None = None
    error: str | None = None
    key: str | None = None
    cached: bool = False
    duplicate: bool = False
    unreadable: bool = False
    #: Left pending for a provider batch job (:mod:`summarizer.batchjobs`): neither done nor failed.
    deferred: bool = False

    @property
    def ok(self) -> bool:
        return self.summary is not None

    @property
    def unfinished(self) -> bool:
        """Never summarized: the run was interrupted, or ``cached_only`` found nothing stored."""
        return self.summary is None and self.error == _NOT_FINISHED

    def to_record(self) -> dict[str, Any]:
        """The JSONL line: the summary with the input's id/url/source first, or an error record."""
        head = {"id": self.id, "url": self.url, "source": self.source}
        if self.summary is None:
            return {**head, "error": self.error or "unknown error"}
        return {**head, **self.summary.model_dump(mode="json")}

    def to_line(self) -> str:
        """:meth:`to_record` as one line of compact JSON. A summary is serialised by pydantic straight to JSON,
        not through a dict and :mod:`json` (a third of a millisecond less per line of OUT)."""
        if self.summary is None:
            return json.dumps(self.to_record(), ensure_ascii=False, separators=(",", ":"))
        head = json.dumps({"id": self.id, "url": self.url, "source": self.source}, ensure_ascii=False, separators=(",", ":"))
        return f"{head[:-1]},{self.summary.model_dump_json()[1:]}"


class Deferred(BaseException):
    """Raised by a summarizer to leave an item pending (not failed): its request waits in a provider
    batch job (:mod:`summarizer.batchjobs`). A BaseException, so no retry layer takes it for a failure."""


class BatchResults(list[BatchResult]):
    """Results of :func:`summarize_many`, in input order. In a notebook it shows the digest."""

    @property
    def summaries(self) -> list[Summary]:
        """The summaries, in input order (duplicate inputs included)."""
        return [r.summary for r in self if r.summary is not None]

    @property
    def failed(self) -> list[BatchResult]:
        return [r for r in self if r.summary is None]

    def to_dataframe(self) -> Any:
        """One row per item of every distinct summary (needs pandas)."""
        from summarizer.tables import results_to_dataframe

        return results_to_dataframe(_distinct(self.summaries))

    def digest_markdown(self) -> str:
        from summarizer import digest

        return digest.to_markdown(self.summaries, failures=self.failed)

    def digest_html(self) -> str:
        from summarizer import digest

        return digest.to_html(self.summaries, failures=self.failed)

    def _repr_html_(self) -> str:
        from summarizer import digest

        return digest.to_html_fragment(self.summaries, failures=self.failed)

    def _repr_markdown_(self) -> str:
        return self.digest_markdown()

    def __repr__(self) -> str:
        cached = sum(r.cached for r in self)
        return f"<BatchResults: {len(self) - len(self.failed)} summarized ({cached} cached), {len(self.failed)} failed>"


def _distinct(summaries: Iterable[Summary]) -> list[Summary]:
    seen: set[str] = set()
    out = []
    for s in summaries:
        if s.meta.content_hash not in seen:
            seen.add(s.meta.content_hash)
            out.append(s)
    return out


@dataclass
class BatchStats:
    """Live counters of a batch (read by progress bars; updated as results come in)."""

    read: int = 0
    """Inputs read so far."""
    exhausted: bool = False
    """True once every input has been read (``read`` is then the total)."""
    done: int = 0
    """Results produced (summaries and errors)."""
    summarized: int = 0
    """Inputs with a summary (cached and duplicates included)."""
    cached: int = 0
    """Summaries taken from the store without summarizing anything (duplicates of this run's work excluded)."""
    duplicates: int = 0
    failed: int = 0
    tokens: int = 0
    """Tokens used by the items summarized in this batch."""
    retries: int = 0
    """HTTP requests retried (429, 5xx, timeouts, connection errors)."""
    backoffs: int = 0
    """429s that paused the whole batch."""
    paused_s: float = 0.0
    """Seconds the batch was held by shared backoffs (summed over the pauses, not the workers)."""
    started: float = field(default_factory=time.monotonic)
    run_id: str | None = None
    """The run's id in the store, set when the batch starts."""

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


@dataclass
class _Input:
    """One input as admitted to the store."""

    seq: int
    id: str
    url: str | None
    source: str | None
    input_id: str | None
    key: str
    article: Article | None  # None for an input that could not be read
    error: str | None = None
    duplicate: bool = False
    first: asyncio.Future[None] | None = None  # set on the first input of its key in this run
    claimed: bool | None = None  # whether this process took the item's lease as the input was added (None: not tried)


def _patched(summary: Summary, input_id: str | None, url: str | None, source: str | None) -> Summary:
    """The stored summary as the answer for one input: its article carries that input's id/url/source."""
    article = summary.article
    if (article.id, article.url, article.source) == (input_id, url, source):
        return summary
    return summary.model_copy(
        update={"article": article.model_copy(update={"id": input_id, "url": url, "source": source})}
    )


def _shown_id(input_id: str | None, url: str | None, source: str | None, content_hash: str | None) -> str:
    return input_id or url or (content_hash[:12] if content_hash else None) or source or "?"


def _from_record(p: _Input, record: ItemRecord, *, cached: bool) -> BatchResult:
    if record.status == "done" and record.summary is not None:
        summary = _patched(record.summary, p.input_id, p.url, p.source)
        return BatchResult(p.seq, p.id, p.url, p.source, summary=summary, key=p.key, cached=cached, duplicate=p.duplicate)
    error = record.error if record.status == "failed" else _NOT_FINISHED
    return BatchResult(p.seq, p.id, p.url, p.source, error=error, key=p.key, cached=cached, duplicate=p.duplicate,
                       unreadable=p.article is None and record.status == "failed")

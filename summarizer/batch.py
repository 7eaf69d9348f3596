"""Summarize many articles concurrently, resumably and without duplicates.

::

    asummarize_many(articles, ...)       async iterator of BatchResult, in completion order
    iter_summarize_many(articles, ...)   the same as a plain iterator (the loop runs in a thread)
    summarize_many(articles, ...)        every result, in input order, as a BatchResults list
                                         (shown in a notebook as the digest)
    results_from_store(store, run_id)    a run's results rebuilt from the store, in input order
    write_jsonl(results, path)           one JSON line per input: a summary or an error record

How a batch runs:

* **Streaming.** Inputs (``Article``, plain text, or the ``InputFailure`` and
  ``PendingFetch`` items of :func:`summarizer.inputs.load_articles`) are pulled
  one at a time, only when one of the ``concurrency`` slots is free, so a
  10,000-item feed is never held in memory. Reading happens in a worker thread,
  never on the event loop.
* **Fetching.** A feed entry that is only a teaser comes as a
  :class:`~summarizer.inputs.PendingFetch` (an unstarted ``load_articles``
  stream is switched to ``defer_fetch=True``): the worker that takes it fetches
  its page, in its slot, so up to ``concurrency`` pages are fetched at once and
  a slow site holds up one worker, not the feed. The pages of a URL list are
  fetched ``concurrency`` at a time as it is read (a listed URL may be a feed,
  so its entries are only known once it is fetched). Results keep their input
  order (``seq``). A teaser's work key comes from its page's text, so it is
  fetched even when the store already has its summary. A cancelled run (Ctrl-C)
  does not wait for the pages still loading.
* **Identity.** Each article is one work item keyed by
  :func:`summarizer.store.work_key` (content hash, model, prompt version, schema
  version). Inputs with the same text, or the same URL, share one item: it is
  summarized once and every input still gets its own result. The first input
  with a URL is the one whose text is summarized, even when it is a teaser whose
  page comes after later inputs with that URL; between inputs with the same text
  but other URLs, a teaser counts as read when its page arrives (which of them
  is marked ``duplicate`` may then differ from the input order).
* **The store** (SQLite, :class:`summarizer.store.Store`) holds every item's
  state: a done item is never summarized again (cache), an item is claimed with
  a lease before it is summarized (two processes never both do it; a killed
  run's leases are freed on the next run), and a failure is stored with its
  error (retried only with ``retry_failed=True``). Without a store, an
  in-memory one gives the same behaviour for one call.
* **Rate limits.** ``rpm`` caps HTTP requests per minute (every request:
  first tries, transport retries and re-asks); ``tpm`` caps estimated tokens per
  minute (about characters / 4, corrected with the real usage once an item is
  done). When any request gets a 429, every worker holds its next request for
  the wait the server asked for: a rate limit slows the whole batch down.
* An unusable key or model (401/403/404) stops the batch at once instead of
  failing every item; the items are left pending for the next run.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
import os
import queue
import threading
import time
from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Generator,
    Iterable,
    Iterator,
)
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from summarizer.config import Config
from summarizer.errors import (
    AuthenticationError,
    NotFoundError,
    SummarizerError,
    UsageError,
)
from summarizer.inputs import ArticleStream, FetchClient, InputFailure, PendingFetch
from summarizer.pipeline import Summarizer, as_article
from summarizer.schema import SCHEMA_VERSION, Article, Summary
from summarizer.store import ItemRecord, Occurrence, Store, make_owner, work_key

__all__ = [
    "BatchResult",
    "BatchResults",
    "BatchStats",
    "asummarize_many",
    "estimate_tokens",
    "iter_summarize_many",
    "results_from_store",
    "summarize_many",
    "write_jsonl",
]

BatchInput = Article | InputFailure | PendingFetch | str

#: Characters of prompt around the article (instructions and the JSON schema), for token estimates.
PROMPT_OVERHEAD_CHARS = 9000
#: Completion tokens assumed for one summary until the real usage is known.
COMPLETION_ESTIMATE = 800
_NOT_FINISHED = "not summarized yet (an interrupted run, or --from-store): run the batch again to summarize it"


# ---------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class BatchResult:
    """The outcome for one input: a summary, or an error.

    ``id`` is the input's id (its ``Article.key``: id, else url, else the start
    of the content hash; for an input that could not be read, its id, url or
    source). ``cached`` means nothing was summarized for it by this call (the
    store already had the answer, or another process made it); ``duplicate``
    means an earlier input of the same run has the same text or URL.
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


# ---------------------------------------------------------------------------
# Rate limits and the shared backoff


class Throttle:
    """Sliding one-minute windows for requests and tokens, plus a batch-wide pause after a 429."""

    def __init__(
        self,
        rpm: float | None = None,
        tpm: float | None = None,
        *,
        stats: BatchStats | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        if rpm is not None and rpm <= 0 or tpm is not None and tpm <= 0:
            raise UsageError("--rpm and --tpm must be positive.")
        self.rpm, self.tpm = rpm, tpm
        self.stats = stats or BatchStats()
        self.clock = clock
        self.sleep = sleep
        self.pause_until = 0.0
        self._requests: deque[float] = deque()
        self._tokens: deque[list[float]] = deque()  # [time, tokens]
        self._request_lock = asyncio.Lock()
        self._token_lock = asyncio.Lock()

    def on_backoff(self, wait: float, exc: BaseException | None) -> None:
        """LLMClient.on_backoff callback: a 429 holds every new request for ``wait`` seconds."""
        self.stats.retries += 1
        if getattr(exc, "status_code", None) != 429:
            return
        now = self.clock()
        until = now + max(0.0, wait)
        if until > self.pause_until:
            self.stats.backoffs += 1
            self.stats.paused_s += until - max(now, self.pause_until)
            self.pause_until = until

    async def wait_pause(self) -> None:
        while (left := self.pause_until - self.clock()) > 0:
            await self.sleep(left)

    async def before_request(self) -> None:
        """Wait out a shared backoff, then for room under ``rpm``."""
        await self.wait_pause()
        if self.rpm is None:
            return
        async with self._request_lock:
            while True:
                now = self.clock()
                while self._requests and self._requests[0] <= now - 60:
                    self._requests.popleft()
                if len(self._requests) < self.rpm:
                    self._requests.append(now)
                    return
                await self.sleep(self._requests[0] + 60 - now)
                await self.wait_pause()  # a 429 may have paused the batch meanwhile

    async def take_tokens(self, estimate: int) -> list[float] | None:
        """Wait for room under ``tpm`` for ``estimate`` tokens; the entry is settled later."""
        if self.tpm is None:
            return None
        async with self._token_lock:
            while True:
                now = self.clock()
                while self._tokens and self._tokens[0][0] <= now - 60:
                    self._tokens.popleft()
                used = sum(t for _, t in self._tokens)
                if not self._tokens or used + estimate <= self.tpm:
                    entry = [now, float(estimate)]
                    self._tokens.append(entry)
                    return entry
                await self.sleep(self._tokens[0][0] + 60 - now)

    @staticmethod
    def settle(entry: list[float] | None, actual: int) -> None:
        """Replace an estimate by the tokens really used."""
        if entry is not None and actual > 0:
            entry[1] = float(actual)


def estimate_tokens(article: Article, prompt_chars: int = PROMPT_OVERHEAD_CHARS) -> int:
    """About how many tokens summarizing ``article`` takes: (article + prompt characters) / 4 + the answer."""
    return math.ceil((len(article.text) + prompt_chars) / 4) + COMPLETION_ESTIMATE


# ---------------------------------------------------------------------------
# Identity


Identity = tuple[str | None, str | None]
"""(model, prompt version): with the content hash and the schema version, the key of a work item."""


def backend_identity(summarizer: Summarizer) -> Identity:
    """(model, version) that key the store for this summarizer's backend."""
    return summarizer.backend.identity


def config_identities(config: Config) -> list[Identity]:
    """The identities results for ``config`` may be stored under, most likely first; no backend is made.

    For reading the store (``cached_only``): the LLM's (the configured model and
    the prompt version of ``config.prompts_dir``) whether or not an endpoint is
    configured now, and for ``backend="auto"`` also the extractive backend's,
    which an earlier run without an endpoint used.
    """
    from summarizer.backends.extractive import lexicon_version
    from summarizer.prompts import Prompts

    extractive = ("extractive", lexicon_version())
    if config.backend == "extractive":
        return [extractive]
    llm = (config.model, Prompts.load(config.prompts_dir).version)
    return [llm] if config.backend == "llm" else [llm, extractive]


# ---------------------------------------------------------------------------
# The runner


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


@dataclass
class _Later:
    """An input admitted by its worker task, not in input order: a teaser to fetch first, or
    an input whose URL an earlier input (still being fetched) also has."""

    seq: int
    item: Article | PendingFetch
    prev: asyncio.Future[str | None] | None  # the key the inputs before it with its URL resolve to
    mine: asyncio.Future[str | None] | None  # the same, with this input


_END = object()


def _pass_on(prev: asyncio.Future[str | None] | None, mine: asyncio.Future[str | None] | None) -> None:
    """An input that could not be read gives the URL chain on: ``mine`` becomes what ``prev`` becomes."""
    if mine is None or mine.done():
        return
    if prev is None:
        mine.set_result(None)
        return

    def settle(done: asyncio.Future[str | None]) -> None:
        if not mine.done():
            mine.set_result(None if done.cancelled() else done.result())

    prev.add_done_callback(settle)


async def _in_daemon_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in a thread of its own, not the loop's executor: a slow page never holds up the store's
    calls, and a run that is cancelled (Ctrl-C) neither waits for it nor keeps the process alive."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():  # cancelled meanwhile
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def run() -> None:
        try:
            result, error = fn(*args), None
        except BaseException as exc:  # noqa: BLE001 - raised in the awaiting task
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="summarizer-fetch", daemon=True).start()
    return await future


def _failure_key(source: str) -> str:
    return hashlib.sha256(f"input-failure|{source}".encode()).hexdigest()


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
    return BatchResult(p.seq, p.id, p.url, p.source, error=error, key=p.key, cached=cached, duplicate=p.duplicate)


class _Runner:
    def __init__(
        self,
        summarizer: Summarizer,
        store: Store,
        *,
        concurrency: int,
        retry_failed: bool,
        throttle: Throttle,
        run_id: str,
        stats: BatchStats,
        lease_s: float,
        poll_s: float,
        cached_only: bool = False,
        identities: list[Identity] | None = None,
    ) -> None:
        self.summarizer = summarizer
        self.cached_only = cached_only
        self.store = store
        self.concurrency = concurrency
        self.retry_failed = retry_failed
        self.throttle = throttle
        self.run_id = run_id
        self.stats = stats
        self.lease_s = lease_s
        self.poll_s = poll_s
        self.owner = make_owner()
        #: Where results are stored: a new result under the first; an existing one is looked up under each.
        self.identities = identities or [backend_identity(summarizer)]
        self.slots = asyncio.Semaphore(concurrency)
        self.results: asyncio.Queue[Any] = asyncio.Queue()
        self.tasks: set[asyncio.Task[None]] = set()
        self.inflight: dict[str, asyncio.Future[None]] = {}
        self.computed: set[str] = set()  # keys this run summarized itself
        #: url -> the key of the first input read with that url (None while none could be read), set once the
        #: latest input with that url is admitted: a chain, so an input never waits for a later one.
        self.by_url: dict[str, asyncio.Future[str | None]] = {}
        self._fetch_client: FetchClient | None = None  # one connection pool for teasers' pages, made when first needed
        self._client: Any = None if cached_only else getattr(summarizer.backend, "client", None)
        self._hooked = hasattr(self._client, "before_request") and hasattr(self._client, "on_backoff")
        self._prompt_chars: int | None = None

    # -- plumbing -------------------------------------------------------------

    async def _db(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(method, *args, **kwargs)

    def _hook(self) -> None:
        if self._hooked:
            self._client.before_request.append(self.throttle.before_request)
            self._client.on_backoff.append(self.throttle.on_backoff)

    def _unhook(self) -> None:
        if self._hooked:
            with contextlib.suppress(ValueError):
                self._client.before_request.remove(self.throttle.before_request)
            with contextlib.suppress(ValueError):
                self._client.on_backoff.remove(self.throttle.on_backoff)

    async def run(self, articles: Iterable[BatchInput] | AsyncIterable[BatchInput]) -> AsyncGenerator[BatchResult, None]:
        self._hook()
        await self._db(self.store.release_dead)
        producer = asyncio.create_task(self._produce(articles))
        try:
            while True:
                item = await self.results.get()
                if item is _END:
                    break
                if isinstance(item, BaseException):
                    raise item
                self._count(item)
                yield item
            await producer
        finally:
            producer.cancel()
            for task in list(self.tasks):
                task.cancel()
            await asyncio.gather(producer, *self.tasks, return_exceptions=True)
            self._unhook()
            if self._fetch_client is not None:
                self._fetch_client.close()
            await self._db(self.store.release, self.owner)

    def _count(self, result: BatchResult) -> None:
        s = self.stats
        s.done += 1
        s.summarized += result.ok
        s.failed += not result.ok
        s.cached += result.cached and result.ok
        s.duplicates += result.duplicate

    async def _inputs(self, articles: Iterable[BatchInput] | AsyncIterable[BatchInput]) -> AsyncIterator[BatchInput]:
        if isinstance(articles, AsyncIterable):
            async for item in articles:
                yield item
            return
        iterator = iter(articles)

        def pull() -> tuple[bool, Any]:
            for item in iterator:
                return True, item
            return False, None

        while True:
            # In a thread: reading may fetch pages over HTTP or read large files.
            more, item = await asyncio.to_thread(pull)
            if not more:
                return
            yield item

    async def _produce(self, articles: Iterable[BatchInput] | AsyncIterable[BatchInput]) -> None:
        try:
            seq = 0
            inputs = self._inputs(articles)
            while True:
                await self.slots.acquire()  # read the next input only when a worker is free
                try:
                    item = await inputs.__anext__()
                except StopAsyncIteration:
                    self.slots.release()
                    break
                except BaseException:
                    self.slots.release()
                    raise
                self.stats.read += 1
                try:
                    admitted = await self._take(seq, item)
                except BaseException:
                    self.slots.release()
                    raise
                seq += 1
                task = asyncio.create_task(self._process(admitted))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            self.stats.exhausted = True
            # Only this loop adds tasks, so one gather waits for all. (Not `while self.tasks`:
            # on Python 3.12+ awaiting a gather of finished tasks need not yield to the loop,
            # so the done-callbacks that empty the set never ran and it spun forever.)
            await asyncio.gather(*list(self.tasks))
            await self.results.put(_END)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            await self.results.put(exc)

    async def _take(self, seq: int, item: BatchInput) -> _Input | _Later:
        """Admit the input now, in input order; or, if it must wait (for its page, or for an
        earlier input with its URL that is still being fetched), leave that to its worker."""
        if isinstance(item, InputFailure):
            return await self._admit_failure(seq, item.source, item.id, item.url, item.error)
        if not isinstance(item, PendingFetch):
            try:
                item = as_article(Article.model_validate(item) if isinstance(item, dict) else item)
            except (SummarizerError, ValidationError) as exc:
                source = getattr(item, "source", None) or f"input #{seq + 1}"
                return await self._admit_failure(seq, source, getattr(item, "id", None), getattr(item, "url", None), str(exc))
        prev = mine = None
        if item.url:  # a teaser's URL is known before its page is fetched: its place in the chain is kept
            prev = self.by_url.get(item.url)
            mine = self.by_url[item.url] = asyncio.get_running_loop().create_future()
        if isinstance(item, PendingFetch) or (prev is not None and not prev.done()):
            return _Later(seq, item, prev, mine)
        return await self._admit(seq, item, prev, mine)

    async def _admit_later(self, later: _Later) -> _Input:
        """Fetch a teaser's page (in this worker's slot), then admit it."""
        try:
            item = await self._fetch(later.item) if isinstance(later.item, PendingFetch) else later.item
        except BaseException:
            _pass_on(later.prev, later.mine)
            raise
        if isinstance(item, InputFailure):
            _pass_on(later.prev, later.mine)
            return await self._admit_failure(later.seq, item.source, item.id, item.url, item.error)
        return await self._admit(later.seq, item, later.prev, later.mine)

    async def _fetch(self, pending: PendingFetch) -> Article | InputFailure:
        if self._fetch_client is None:
            self._fetch_client = FetchClient(pending.timeout)
        return await _in_daemon_thread(pending.resolve, self._fetch_client)

    async def _admit(
        self, seq: int, article: Article,
        prev: asyncio.Future[str | None] | None = None, mine: asyncio.Future[str | None] | None = None,
    ) -> _Input:
        """Record the input in the store and find its work item."""
        key: str | None = None
        try:
            # Same URL as an earlier input: that input's item.
            key = (await prev if prev is not None else None) or await self._key(article)
            await self._db(
                self.store.add, key, article, run_id=self.run_id, seq=seq,
                input_id=article.id, url=article.url, source=article.source,
            )
        finally:
            if mine is not None and not mine.done():
                mine.set_result(key)
        p = _Input(seq, article.key, article.url, article.source, article.id, key, article)
        if key in self.inflight:
            p.duplicate = True
        else:
            # Registered here, as the input is admitted (in input order, but for teasers and
            # inputs waiting for one), so a duplicate admitted after it always finds it.
            p.first = self.inflight[key] = asyncio.get_running_loop().create_future()
        return p

    async def _key(self, article: Article) -> str:
        """The article's work key: under the first identity, unless the store has it finished under another."""
        keys = [work_key(article.content_hash, model, version, SCHEMA_VERSION) for model, version in self.identities]
        for key in keys if len(keys) > 1 else ():
            record = await self._db(self.store.get, key)
            if record is not None and record.status in ("done", "failed"):
                return key
        return keys[0]

    async def _admit_failure(self, seq: int, source: str, input_id: str | None, url: str | None, error: str) -> _Input:
        key = _failure_key(source)
        placeholder = Article(text="", id=input_id, url=url, source=source)
        await self._db(self.store.add, key, placeholder, run_id=self.run_id, seq=seq, input_id=input_id, url=url, source=source)
        shown = _shown_id(input_id, url, source, None)
        return _Input(seq, shown, url, source, input_id, key, None, error=error)

    # -- one input ------------------------------------------------------------

    async def _process(self, work: _Input | _Later) -> None:
        holding = [True]  # whether this task holds a concurrency slot
        try:
            p = work if isinstance(work, _Input) else await self._admit_later(work)
            result = await self._outcome(p, holding)
            await self.results.put(result)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - a store or configuration error ends the batch
            await self.results.put(exc)
        finally:
            if holding[0]:
                self.slots.release()

    async def _outcome(self, p: _Input, holding: list[bool]) -> BatchResult:
        if p.article is None:
            return await self._store_input_failure(p)
        if p.first is None:  # a duplicate: wait for the first input with this key, then share its answer
            self.slots.release()
            holding[0] = False
            await asyncio.shield(self.inflight[p.key])
            record = await self._db(self.store.get, p.key)
            return _from_record(p, record, cached=p.key not in self.computed)
        try:
            if self.cached_only:
                record = await self._db(self.store.get, p.key)
                return _from_record(p, record, cached=True)
            return await self._work(p, holding)
        finally:
            # Kept (done) in ``inflight`` for the rest of the run: a later duplicate
            # must not summarize (or, with retry_failed, retry) the item again.
            p.first.set_result(None)

    async def _store_input_failure(self, p: _Input) -> BatchResult:
        if await self._db(self.store.claim, p.key, self.owner, self.lease_s, True):
            await self._db(self.store.fail, p.key, self.owner, p.error or "input could not be read")
        return BatchResult(p.seq, p.id, p.url, p.source, error=p.error, key=p.key)

    async def _work(self, p: _Input, holding: list[bool]) -> BatchResult:
        """Claim the item and summarize it, or take the answer someone else stored."""
        delay = self.poll_s
        while True:
            if not holding[0]:
                await self.slots.acquire()
                holding[0] = True
            if await self._db(self.store.claim, p.key, self.owner, self.lease_s, self.retry_failed):
                return await self._summarize(p)
            record: ItemRecord = await self._db(self.store.get, p.key)
            if record.status in ("done", "failed"):
                return _from_record(p, record, cached=True)
            if record.status == "pending":
                continue  # released just now: try again
            # Another live process holds the lease: wait without holding a slot.
            self.slots.release()
            holding[0] = False
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 2.0)

    async def _summarize(self, p: _Input) -> BatchResult:
        assert p.article is not None
        article = p.article
        await self.throttle.wait_pause()
        if not self._hooked:
            await self.throttle.before_request()
        estimate = self._estimate(article)
        entry = await self.throttle.take_tokens(estimate)
        renew = asyncio.create_task(self._renew(p.key))
        summary: Summary | None = None
        error = ""
        spent = 0  # tokens a failed summary cost
        try:
            summary = await self.summarizer.asummarize(article)
        except (AuthenticationError, NotFoundError):
            raise  # every item would fail the same way: stop (the item goes back to pending)
        except SummarizerError as exc:
            error = str(exc)
            spent = exc.usage.total_tokens if exc.usage is not None else 0
        except Exception as exc:  # noqa: BLE001 - one article's surprise must not abort the batch
            error = f"{type(exc).__name__}: {exc}"
        finally:
            renew.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renew
        self.computed.add(p.key)
        used = summary.meta.usage.total_tokens if summary is not None else spent
        Throttle.settle(entry, used)
        self.stats.tokens += used
        if summary is not None:
            written = await self._db(self.store.complete, p.key, self.owner, summary)
        else:
            written = await self._db(self.store.fail, p.key, self.owner, error)
        if not written:  # the lease was lost (expired and taken over): report what the store holds
            record = await self._db(self.store.get, p.key)
            return _from_record(p, record, cached=True)
        if summary is not None:
            return BatchResult(
                p.seq, p.id, p.url, p.source, key=p.key, duplicate=p.duplicate,
                summary=_patched(summary, p.input_id, p.url, p.source),
            )
        return BatchResult(p.seq, p.id, p.url, p.source, error=error, key=p.key, duplicate=p.duplicate)

    def _estimate(self, article: Article) -> int:
        if self.throttle.tpm is None:
            return 0
        if self._prompt_chars is None:
            self._prompt_chars = PROMPT_OVERHEAD_CHARS
            prompts = getattr(self.summarizer.backend, "prompts", None)
            if prompts is not None:
                with contextlib.suppress(Exception):
                    from summarizer.schema import SummaryDraft

                    empty = Article(text="")
                    messages = prompts.messages(empty)
                    schema = json.dumps(SummaryDraft.model_json_schema())
                    self._prompt_chars = sum(len(m["content"]) for m in messages) + len(schema)
        return estimate_tokens(article, self._prompt_chars)

    async def _renew(self, key: str) -> None:
        while True:
            await asyncio.sleep(self.lease_s / 3)
            if not await self._db(self.store.renew, key, self.owner, self.lease_s):
                return


# ---------------------------------------------------------------------------
# Public API


def _open_store(store: Store | str | os.PathLike[str] | None) -> tuple[Store, bool]:
    if isinstance(store, Store):
        return store, False
    return Store(":memory:" if store is None else store), True


async def asummarize_many(
    articles: Iterable[BatchInput] | AsyncIterable[BatchInput],
    *,
    summarizer: Summarizer | None = None,
    concurrency: int = 8,
    store: Store | str | os.PathLike[str] | None = None,
    retry_failed: bool = False,
    rpm: float | None = None,
    tpm: float | None = None,
    on_result: Callable[[BatchResult], Any] | None = None,
    run_id: str | None = None,
    stats: BatchStats | None = None,
    lease_s: float = 300.0,
    poll_s: float = 0.5,
    cached_only: bool = False,
    run_args: dict[str, Any] | None = None,
    **options: Any,
) -> AsyncIterator[BatchResult]:
    """Summarize ``articles`` concurrently; yield one :class:`BatchResult` per input as each finishes.

    ``articles`` may be Articles, plain texts and :class:`~summarizer.inputs.InputFailure`
    items (which become error results), from a plain or async iterable; it is
    read lazily. ``store`` is a :class:`~summarizer.store.Store` or a path (the
    cache and the batch state; default: in memory, for this call only).
    ``options`` are :class:`~summarizer.config.Config` fields for a new
    :class:`~summarizer.pipeline.Summarizer` (or pass ``summarizer=``).
    ``on_result`` is called with each result before it is yielded; ``stats``
    (a :class:`BatchStats`) is updated as the batch runs. ``cached_only`` never
    summarizes: each input gets what the store holds for it (``--from-store``),
    found by the configured model and prompt version (see :func:`config_identities`),
    so it needs no endpoint.
    The run is recorded in the store with its settings (concurrency, limits,
    model, backend) plus ``run_args``; its id is ``stats.run_id``.

    >>> async for result in asummarize_many(load_articles(["feed.xml"]), store="summarizer.db"):  # doctest: +SKIP
    ...     print(result.id, result.summary.headline if result.ok else result.error)
    """
    if concurrency < 1:
        raise UsageError("--concurrency must be at least 1.")
    if summarizer is not None and options:
        raise UsageError(f"Pass options ({', '.join(sorted(options))}) to Summarizer(...) or here, not both.")
    summarizer = summarizer if summarizer is not None else Summarizer(**options)
    identities = None
    if cached_only:  # no backend needed (nor an endpoint): keys come from the configuration
        identities = config_identities(summarizer.config)
        backend = summarizer.config.backend
    else:
        backend = summarizer.backend.name  # a configuration error surfaces now, not once per item
    stats = stats if stats is not None else BatchStats()
    db, own_store = _open_store(store)
    try:
        run = await asyncio.to_thread(
            db.start_run, run_id,
            {**(run_args or {}), "concurrency": concurrency, "retry_failed": retry_failed, "rpm": rpm, "tpm": tpm,
             "model": summarizer.config.model, "backend": backend, "cached_only": cached_only},
        )
        stats.run_id = run
        if isinstance(articles, ArticleStream):  # not read yet: teasers' pages are fetched by the workers
            articles = articles.with_deferred_fetch(fetch_workers=concurrency)
        runner = _Runner(
            summarizer, db, concurrency=concurrency, retry_failed=retry_failed,
            throttle=Throttle(rpm, tpm, stats=stats), run_id=run, stats=stats, lease_s=lease_s, poll_s=poll_s,
            cached_only=cached_only, identities=identities,
        )
        async with contextlib.aclosing(runner.run(articles)) as results:
            async for result in results:
                if on_result is not None:
                    on_result(result)
                yield result
    finally:
        try:
            await summarizer.aclose()
        finally:
            if own_store:
                db.close()


def iter_summarize_many(articles: Iterable[BatchInput], **kwargs: Any) -> Generator[BatchResult, None, None]:
    """:func:`asummarize_many` as a plain iterator (completion order), usable inside a running event loop.

    The batch runs on its own event loop in a background thread; closing the
    iterator early (or Ctrl-C) cancels it and frees its leases.
    """
    results: queue.Queue[tuple[str, Any]] = queue.Queue()
    state: dict[str, Any] = {}
    started = threading.Event()

    async def pump() -> None:
        state["loop"] = asyncio.get_running_loop()
        state["task"] = asyncio.current_task()
        started.set()
        async for result in asummarize_many(articles, **kwargs):
            results.put(("result", result))

    def main() -> None:
        try:
            asyncio.run(pump())
            results.put(("end", None))
        except asyncio.CancelledError:
            results.put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            results.put(("error", exc))
        finally:
            started.set()

    thread = threading.Thread(target=main, name="summarize_many", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = results.get()
            if kind == "result":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        if thread.is_alive():
            started.wait()
            loop, task = state.get("loop"), state.get("task")
            if loop is not None and task is not None:
                with contextlib.suppress(RuntimeError):  # the loop already finished
                    loop.call_soon_threadsafe(task.cancel)
            thread.join()


def summarize_many(articles: Iterable[BatchInput], *, concurrency: int = 8, **kwargs: Any) -> BatchResults:
    """Summarize every article; return the results in input order (a :class:`BatchResults` list).

    Accepts the same arguments as :func:`asummarize_many` and works in scripts
    and inside Jupyter's running loop. In a notebook the list displays as a
    digest across the articles.

    >>> from summarizer.inputs import load_articles
    >>> results = summarize_many(load_articles(["seeds/articles.jsonl"]), concurrency=2, backend="extractive")
    >>> [r.id for r in results], results.failed
    (['kharkiv-glide-bombs', 'istanbul-round-two', 'eu-17th-package'], [])
    """
    out = BatchResults(iter_summarize_many(articles, concurrency=concurrency, **kwargs))
    out.sort(key=lambda r: r.seq)
    return out


def results_from_store(store: Store, run_id: str | None = None) -> Iterator[BatchResult]:
    """Every input of ``run_id`` (default: the latest run) with its stored outcome, in input order.

    Makes no LLM call. An input whose item was never finished (an interrupted
    run) comes back as an error saying so.
    """
    run = run_id or store.latest_run_id()
    if run is None:
        return
    keys_seen: set[str] = set()
    for occ, record in store.run_results(run):
        yield _result_of_occurrence(occ, record, duplicate=occ.key in keys_seen)
        keys_seen.add(occ.key)


def _result_of_occurrence(occ: Occurrence, record: ItemRecord, *, duplicate: bool) -> BatchResult:
    is_failure = record.article.text == ""
    shown = _shown_id(occ.input_id, occ.url, occ.source, None if is_failure else record.content_hash)
    p = _Input(occ.seq, shown, occ.url, occ.source, occ.input_id, occ.key, None if is_failure else record.article,
               duplicate=duplicate)
    return _from_record(p, record, cached=True)


def write_jsonl(results: Iterable[BatchResult], path: str | os.PathLike[str]) -> int:
    """Write one JSON line per result (atomically: a temp file renamed into place); return the count."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    count = 0
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            for result in results:
                handle.write(json.dumps(result.to_record(), ensure_ascii=False) + "\n")
                count += 1
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return count

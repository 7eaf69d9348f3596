"""The workers: inputs admitted to the store in order (duplicates and URL chains resolved), teasers
fetched in their slot, items claimed with leases and summarized within the rate limits."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import json
import sqlite3
import threading
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterable,
)
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from summarizer.batch.identity import Identity, backend_identity
from summarizer.batch.limits import PROMPT_OVERHEAD_CHARS, Throttle, estimate_tokens
from summarizer.batch.results import (
    BatchInput,
    BatchResult,
    BatchStats,
    Deferred,
    _from_record,
    _Input,
    _patched,
    _shown_id,
)
from summarizer.errors import (
    AuthenticationError,
    NotFoundError,
    StoreFullError,
    SummarizerError,
)
from summarizer.inputs import FetchClient, InputFailure, PendingFetch, extracted
from summarizer.pipeline import Summarizer, as_article
from summarizer.schema import SCHEMA_VERSION, Article, Summary
from summarizer.store import ItemRecord, StoreEngine, make_owner, work_key


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

    # In the caller's context, so a fetched page is extracted once per store (summarizer.inputs.extracted).
    threading.Thread(target=contextvars.copy_context().run, args=(run,), name="summarizer-fetch", daemon=True).start()
    return await future


STORE_RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0)
"""Seconds between the writes of a finished answer tried again while the store's disk is full (15 s in all)."""

_SQLITE_FULL, _SQLITE_IOERR = 13, 10


def _is_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is SQLite failing for lack of space: SQLITE_FULL ("database or disk
    is full"), or an I/O error while writing, which is how a full disk often shows in the WAL."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, sqlite3.Error):
            code = getattr(seen, "sqlite_errorcode", None)
            if code is not None and (code & 0xFF) in (_SQLITE_FULL, _SQLITE_IOERR):
                return True
            text = str(seen).lower()
            return "database or disk is full" in text or "disk i/o error" in text
        if isinstance(seen, StoreFullError):
            return True
        seen = seen.__cause__
    return False


def _failure_key(source: str) -> str:
    return hashlib.sha256(f"input-failure|{source}".encode()).hexdigest()


class _Runner:
    def __init__(
        self,
        summarizer: Summarizer,
        store: StoreEngine,
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
        #: A full disk under the store: no call starts while a finished answer waits to be written (``_save``).
        self.store_ok = asyncio.Event()
        self.store_ok.set()
        self.saving = 0  # answers waiting to be written again
        self.lost = 0  # answers given up on (the disk stayed full)
        self.stop_error: BaseException | None = None
        self.settled = asyncio.Event()  # no answer is waiting to be written
        self.settled.set()

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
            try:
                await self._db(self.store.release, self.owner)
            except Exception as exc:
                if not _is_full(exc):
                    raise

    def _count(self, result: BatchResult) -> None:
        s = self.stats
        s.done += 1
        s.summarized += result.ok
        s.failed += not result.ok and not result.deferred
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
        # Pages read from here on (in this task, its threads and its workers) are extracted once per store.
        extracted.use(self.store)
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
        first: asyncio.Future[None] | None = None
        claimed: bool | None = None
        try:
            # Same URL as an earlier input: that input's item.
            key = (await prev if prev is not None else None) or await self._key(article)
            if key not in self.inflight:
                # Registered here, as the input is admitted (in input order, but for teasers and
                # inputs waiting for one), so a duplicate admitted after it always finds it.
                first = self.inflight[key] = asyncio.get_running_loop().create_future()
            where = {"run_id": self.run_id, "seq": seq, "input_id": article.id, "url": article.url, "source": article.source}
            if first is not None and not self.cached_only:
                # The first input of its key is claimed as it is added: one store transaction, not two.
                claimed = await self._db(
                    self.store.add_and_claim, key, article,
                    owner=self.owner, lease_s=self.lease_s, retry_failed=self.retry_failed, **where,
                )
            else:
                await self._db(self.store.add, key, article, **where)
        except BaseException:
            if first is not None and not first.done():
                first.set_result(None)  # a duplicate waiting on it goes on (the batch is ending with this error)
            raise
        finally:
            if mine is not None and not mine.done():
                mine.set_result(key)
        p = _Input(seq, article.key, article.url, article.source, article.id, key, article, claimed=claimed)
        if first is None:
            p.duplicate = True
        else:
            p.first = first
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
            if _is_full(exc):
                self._halt(exc)
                await self.settled.wait()  # the answers in flight are written, or given up, first
                exc = self._full_error(exc)
            await self.results.put(exc)
        finally:
            if holding[0]:
                self.slots.release()

    # -- a full disk under the store ------------------------------------------

    def _halt(self, exc: BaseException) -> None:
        """Stop for good: no call starts any more (those waiting at the gate raise)."""
        if self.stop_error is None:
            self.stop_error = exc
        self.store_ok.set()

    async def _gate(self) -> None:
        """Wait while a finished answer can't be written (a full disk); raise once the batch is stopping."""
        await self.store_ok.wait()
        if self.stop_error is not None:
            raise self.stop_error

    async def _save(self, method: Callable[..., Any], *args: Any) -> Any:
        """Write one finished result. While the disk is full, no new call starts and the write is tried
        again after each of ``STORE_RETRY_DELAYS``; then the batch stops (the answer is counted as lost)."""
        delays = iter(STORE_RETRY_DELAYS)
        waiting = False
        try:
            while True:
                try:
                    written = await self._db(method, *args)
                    if waiting and not written and method == self.store.complete:
                        # The store keeps an answer a full disk refused and writes it before its next write:
                        # this retry found it written already.
                        record = await self._db(self.store.get, args[0])
                        written = record is not None and record.status == "done" and record.summary_json is not None
                    return written
                except Exception as exc:
                    if not _is_full(exc):
                        raise
                    if not waiting:
                        waiting = True
                        self.saving += 1
                        self.settled.clear()
                        if self.stop_error is None:
                            self.store_ok.clear()
                    delay = next(delays, None)
                    if delay is None or self.stop_error is not None:
                        self.lost += 1
                        self._halt(exc)
                        raise
                await asyncio.sleep(delay)
        finally:
            if waiting:
                self.saving -= 1
                if not self.saving:
                    self.settled.set()
                    self.store_ok.set()

    def _full_error(self, exc: BaseException) -> SummarizerError:
        """One line: the store's disk is full, the batch stopped before more calls, what was lost."""
        lost = ""
        if self.lost:
            n = self.lost
            lost = (f", and {n} finished answer{'s' if n != 1 else ''} could not be saved "
                    f"({'they are' if n != 1 else 'it is'} asked again on the next run)")
        error = StoreFullError(
            f"The disk holding the store {self.store.path} is full; the batch stopped before making more calls{lost}.",
            hint="Free some space, then run the same command again: what is stored is kept.",
            unsaved=self.lost,
        )
        error.__cause__ = exc
        return error

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
        return BatchResult(p.seq, p.id, p.url, p.source, error=p.error, key=p.key, unreadable=True)

    async def _work(self, p: _Input, holding: list[bool]) -> BatchResult:
        """Claim the item and summarize it, or take the answer someone else stored."""
        delay = self.poll_s
        claimed = p.claimed  # claimed (or not) as it was admitted
        while True:
            if not holding[0]:
                await self.slots.acquire()
                holding[0] = True
            if claimed is None:
                claimed = await self._db(self.store.claim, p.key, self.owner, self.lease_s, self.retry_failed)
            if claimed:
                return await self._summarize(p)
            claimed = None
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
        await self._gate()
        await self.throttle.wait_pause()
        if not self._hooked:
            await self.throttle.before_request()
        estimate = self._estimate(article)
        entry = await self.throttle.take_tokens(estimate)
        renew = asyncio.create_task(self._renew(p.key))
        summary: Summary | None = None
        error = ""
        deferred = False
        spent = 0  # tokens a failed summary cost
        try:
            summary = await self.summarizer.asummarize(article)
        except Deferred as exc:  # its request waits in a provider batch job: it stays pending (released at the end)
            error = str(exc)
            deferred = True
        except (AuthenticationError, NotFoundError):
            raise  # every item would fail the same way: stop (the item goes back to pending)
        except SummarizerError as exc:
            error = str(exc)
            spent = exc.usage.total_tokens if exc.usage is not None else 0
        except Exception as exc:  # noqa: BLE001 - one article's surprise must not abort the batch
            error = f"{type(exc).__name__}: {exc}"
        finally:
            renew.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # a renewal that failed is only a lost lease
                await renew
        if deferred:
            return BatchResult(p.seq, p.id, p.url, p.source, error=error, key=p.key, duplicate=p.duplicate, deferred=True)
        self.computed.add(p.key)
        used = summary.meta.usage.total_tokens if summary is not None else spent
        Throttle.settle(entry, used)
        self.stats.tokens += used
        if summary is not None:
            written = await self._save(self.store.complete, p.key, self.owner, summary)
        else:
            written = await self._save(self.store.fail, p.key, self.owner, error)
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
                    from summarizer.client_speedups import json_schema
                    from summarizer.schema import SummaryDraft

                    empty = Article(text="")
                    messages = prompts.messages(empty)
                    schema = json.dumps(json_schema(SummaryDraft))
                    self._prompt_chars = sum(len(m["content"]) for m in messages) + len(schema)
        return estimate_tokens(article, self._prompt_chars)

    async def _renew(self, key: str) -> None:
        while True:
            await asyncio.sleep(self.lease_s / 3)
            if not await self._db(self.store.renew, key, self.owner, self.lease_s):
                return

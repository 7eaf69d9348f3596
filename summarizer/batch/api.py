"""The entry points: :func:`asummarize_many` (async, completion order), :func:`iter_summarize_many`
(a plain iterator, the loop in a thread) and :func:`summarize_many` (every result, in input order)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import threading
from collections.abc import AsyncIterable, AsyncIterator, Callable, Generator, Iterable
from typing import Any

from summarizer.batch.identity import config_identities
from summarizer.batch.limits import Throttle
from summarizer.batch.results import BatchInput, BatchResult, BatchResults, BatchStats
from summarizer.batch.runner import _Runner
from summarizer.errors import UsageError
from summarizer.inputs import ArticleStream
from summarizer.pipeline import Summarizer
from summarizer.store import StoreEngine, open_store


def _open_store(store: StoreEngine | str | os.PathLike[str] | None) -> tuple[StoreEngine, bool]:
    if store is None or isinstance(store, (str, os.PathLike)):
        return open_store(store), True
    return store, False


async def asummarize_many(
    articles: Iterable[BatchInput] | AsyncIterable[BatchInput],
    *,
    summarizer: Summarizer | None = None,
    concurrency: int = 8,
    store: StoreEngine | str | os.PathLike[str] | None = None,
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
    read lazily. ``store`` is a store, a path (SQLite) or a ``postgresql://`` URL
    (shared by many workers; see :func:`~summarizer.store.open_store`): the cache and the
    batch state; default: in memory, for this call only.
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
    summarizer.chunk_concurrency = concurrency  # a long article's chunk requests share the batch's bound
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

"""Coordination: pick a backend, run it, hand back a Summary.

The core is async (:meth:`Summarizer.asummarize`). The sync entry points run
it with ``asyncio.run``, or, when an event loop is already running (Jupyter),
in a worker thread with its own loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from summarizer import chunking, gates, longtext
from summarizer.backends import Backend
from summarizer.config import Config
from summarizer.errors import InputError, NoEndpointError
from summarizer.schema import Article, Summary

T = TypeVar("T")

#: Endpoint kinds that usually serve one request at a time.
SERIAL_KINDS = ("llamacpp", "ollama", "lmstudio")
#: Endpoint kinds whose servers say how large the model's window is (llama.cpp /props, vLLM
#: /v1/models, Ollama /api/ps and /api/show).
PROBED_KINDS = ("llamacpp", "vllm", "lmstudio", "ollama")


class _Boxed:
    """A coroutine's result, with a short repr. On leaving ``asyncio.run`` Python 3.11 formats
    the repr of the finished main task, its result included (``signal.getsignal`` reprs the
    SIGINT handler that holds the task): for a 1 MB article's summary that took 0.2 s of CPU."""

    __slots__ = ("value",)

    def __repr__(self) -> str:
        return "<result>"


async def _boxed(coro: Coroutine[Any, Any, T]) -> _Boxed:
    box = _Boxed()
    box.value = await coro
    return box


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion from sync code, even inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        value: T = asyncio.run(_boxed(coro)).value
        return value
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def as_article(source: Article | str) -> Article:
    """Accept an Article or plain text."""
    article = source if isinstance(source, Article) else Article(text=source)
    if not article.text.strip():
        raise InputError("The article is empty.", hint="Pass the article's text.")
    return article


class Summarizer:
    """A reusable summarizer that holds its configuration and HTTP client.

    >>> s = Summarizer(backend="extractive")
    >>> s.summarize("On Saturday, a Russian drone struck a minibus in Sumy. Nine people died.").attacks[0].killed
    9
    """

    def __init__(self, config: Config | None = None, **options: Any) -> None:
        given = {k: v for k, v in options.items() if v is not None}
        self.config = config.replace(**given) if config else Config.resolve(**given)
        self._backend: Backend | None = None
        #: Why the auto backend chose extractive, when it did (shown on stderr by the CLI).
        self.fallback_reason: str | None = None
        #: The model's context window and what fits in one request; learned from the server
        #: and kept for every article this summarizer reads (:mod:`summarizer.chunking`).
        self.token_budget = chunking.TokenBudget.for_config(self.config)
        #: At most this many requests in flight at once for long articles' chunks (a batch sets
        #: its --concurrency). Local servers usually answer one request at a time, and a request
        #: waiting in their queue runs into its timeout: one at a time for them.
        #: None: 4, or 1 for the SERIAL_KINDS.
        self.chunk_concurrency: int | None = None
        #: The endpoint's kind: from the URL, then from the server once asked (_learn_context).
        self._kind = self.config.endpoint
        #: Called with (chunks done, chunks in all) while a long article is read in chunks.
        self.on_chunk: Callable[[int, int], None] | None = None
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )
        self._context_probed = False

    @property
    def backend(self) -> Backend:
        """The backend in use, created on first use."""
        if self._backend is None:
            self._backend = self._make_backend()
        return self._backend

    def _make_backend(self) -> Backend:
        choice = self.config.backend
        if choice == "auto":
            if self.config.has_endpoint:
                choice = "llm"
            else:
                choice = "extractive"
                self.fallback_reason = (
                    "no LLM endpoint configured (set OPENAI_API_KEY or --base-url); "
                    "using the offline extractive backend"
                )
        if choice == "llm":
            if not self.config.has_endpoint:
                raise NoEndpointError()
            from summarizer.backends.llm import LLMBackend

            return LLMBackend(self.config)
        from summarizer.backends.extractive import ExtractiveBackend

        return ExtractiveBackend()

    async def asummarize(self, article: Article | str) -> Summary:
        """Summarize one article (or plain text) asynchronously.

        Around the backend: the article's language is recorded, a backend that can't read
        the article (its language, or off-topic for the extractive gate) is not run, and the
        grounding rules are enforced on the result (:mod:`summarizer.gates`)."""
        backend = self.backend
        chunking.check_size(article.text if isinstance(article, Article) else article)
        source = gates.with_language(as_article(article))
        early = gates.before(backend, source)
        if early is not None:
            return early
        return gates.after(backend, source, await longtext.asummarize(self, backend, source))

    def _chunk_slots(self) -> asyncio.Semaphore:
        """The semaphore bounding this summarizer's chunk requests, one per event loop."""
        loop = asyncio.get_running_loop()
        slots = self._slots.get(loop)
        if slots is None:
            n = self.chunk_concurrency or (1 if self._kind in SERIAL_KINDS else 4)
            slots = self._slots[loop] = asyncio.Semaphore(n)
        return slots

    async def _learn_context(self) -> None:
        """Ask the server for the model's context window once, unless the user gave one."""
        if self._context_probed:
            return
        self._context_probed = True
        budget = self.token_budget
        prompts = getattr(self.backend, "prompts", None)
        if prompts is not None and budget.overhead == chunking.PROMPT_OVERHEAD:
            budget.overhead = chunking.prompt_overhead(prompts)
        config = self.config
        detect = getattr(getattr(self.backend, "client", None), "endpoint", None)
        if callable(detect):  # the client asks a server its URL does not name what it is
            try:
                kind = getattr(await detect(), "kind", None)
            except Exception:  # the request itself will say what is wrong
                kind = None
            if kind in chunking.DEFAULT_CONTEXT and kind != self._kind:
                self._kind = kind
                if budget.source.startswith("default"):
                    budget.context, budget.source = chunking.DEFAULT_CONTEXT[kind], f"default for {kind}"
        if budget.source == "argument" or self._kind not in PROBED_KINDS or not config.base_url:
            return
        from summarizer.context_probe import probe_context

        listing = getattr(sys.modules.get("summarizer.client"), "LISTINGS", {}).get(config.base_url or "")
        try:
            window = await probe_context(
                config.base_url, config.api_key, config.model, timeout=min(config.timeout, 5.0), listing=listing,
                kind=self._kind,
            )
        except Exception:  # a probe is a hint: any failure leaves the default
            return
        if window:
            self.token_budget.context, self.token_budget.source = int(window), "server"

    def summarize(self, article: Article | str) -> Summary:
        """Summarize one article (or plain text); safe to call inside a running event loop."""

        async def once() -> Summary:
            try:
                return await self.asummarize(article)
            finally:
                await self.aclose()

        return run_sync(once())

    async def aclose(self) -> None:
        """Release the HTTP client bound to the running loop."""
        close = getattr(self._backend, "aclose", None)
        if close is not None:
            await close()


def summarize(article: Article | str, **options: Any) -> Summary:
    """Summarize one article with a one-off :class:`Summarizer`.

    ``options`` are :class:`~summarizer.config.Config` fields (model, base_url,
    api_key, mode, backend, strict, ...); unset ones come from the environment.

    >>> summary = summarize(open("seeds/ukraine-istanbul-talks.txt").read(), backend="extractive")
    >>> summary.attacks[0].killed
    9
    """
    return Summarizer(**options).summarize(article)


async def asummarize(article: Article | str, **options: Any) -> Summary:
    """Async :func:`summarize`, for notebooks and async code.

    >>> import asyncio
    >>> text = "A Russian drone struck a minibus in Ukraine's Sumy region on Saturday. Nine people died."
    >>> asyncio.run(asummarize(text, backend="extractive")).attacks[0].killed
    9
    """
    summarizer = Summarizer(**options)
    try:
        return await summarizer.asummarize(article)
    finally:
        await summarizer.aclose()

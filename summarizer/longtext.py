"""Long articles: read in overlapping chunks, concurrently, and merged into one summary.

:func:`asummarize` is what the pipeline calls for every article. An article that fits the
model's token budget (:class:`summarizer.chunking.TokenBudget`) goes to the backend whole, as
before. A longer one is split (:func:`summarizer.chunking.split`), each chunk is summarized by
the same backend as an article of its own (so grounding and re-asks work on the chunk), every
span is moved to whole-article offsets, and :mod:`summarizer.merge` makes one item per event.

* The LLM backend runs the chunks concurrently, at most ``Summarizer.chunk_concurrency`` requests
  at a time per summarizer, whole articles included (a batch sets it to its ``concurrency``, so
  requests in flight stay within it; its rpm/tpm limits and shared backoff apply to every
  request, since they hook the one client). When the server answers that
  the context is exceeded, the limit it names (or half of what we sent) is remembered in the
  budget for the rest of the run and the chunk is split again. The headline and summary are
  written by one more call (``prompts/merge.j2``), grounded like any headline.
* The extractive backend reads articles longer than
  :data:`~summarizer.chunking.EXTRACTIVE_CHUNK_CHARS` chunk by chunk, which keeps it linear;
  its headline and summary are the chunks' own sentences (:func:`summarizer.merge.extractive_text`).
* A chunk that fails leaves the summary partial (``meta.partial``, ``meta.missing`` names the
  character ranges nobody read, and a note says why); in strict mode the error is raised.
  Usage, attempts, transport retries and latency are summed over every request.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from pydantic import Field, model_validator

from summarizer import chunking, grounding, merge
from summarizer.errors import AuthenticationError, NotFoundError, SummarizerError, UsageError
from summarizer.prompts import default_prompts_dir, new_fence, one_line
from summarizer.schema import SECTIONS, Article, CharRange, Meta, Relevance, Summary, Usage, _Model

__all__ = ["asummarize", "MergedText"]

#: How many times a chunk the server found too long is split again before it counts as failed.
MAX_RESPLITS = 3

log = logging.getLogger("summarizer")

Progress = Callable[[int, int], None]


# ---------------------------------------------------------------------------
# The merge call's answer, grounded like any headline


_MERGE_ARTICLE: ContextVar[str | None] = ContextVar("summarizer_merge_article", default=None)


class MergedText(_Model):
    """A headline and summary for a whole article, written from the summaries of its parts."""

    headline: str = Field(
        description="One sentence headline of the article's main news. Name only people, places and "
        "organisations the parts name, and use only their figures and quotations."
    )
    summary: str = Field(
        description="A neutral summary of the whole article in 2 to 4 sentences. Name only people, places and "
        "organisations the parts name, and use only their figures and quotations."
    )

    @model_validator(mode="after")
    def _grounded(self) -> MergedText:
        article = _MERGE_ARTICLE.get()
        if article is not None:
            problems = grounding.check_text("headline", self.headline, article) + grounding.check_text(
                "summary", self.summary, article
            )
            if problems:
                raise ValueError("Not grounded in the article. Fix or remove these:\n- " + "\n- ".join(problems))
        return self


def merge_messages(prompts_dir: str | None, article: Article, parts: list[Summary]) -> list[dict[str, str]]:
    """The merge call's messages: ``merge.j2`` from ``prompts_dir`` when it has one, else the shipped one.
    The parts' headlines and summaries are data, fenced under a fresh nonce."""
    folder = Path(prompts_dir).expanduser() if prompts_dir and (Path(prompts_dir).expanduser() / "merge.j2").is_file() else default_prompts_dir()
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), undefined=jinja2.StrictUndefined, autoescape=False)
    flat = [{"headline": one_line(p.headline), "summary": one_line(p.summary)} for p in parts]
    title = one_line(article.title)
    fence = new_fence(title, *(f["headline"] for f in flat), *(f["summary"] for f in flat))
    try:
        system = env.get_template("system.j2").render(article=article.model_copy(update={"text": ""}), fence=fence)
        user = env.get_template("merge.j2").render(parts=flat, title=title, count=len(flat), fence=fence)
    except jinja2.TemplateError as exc:
        raise UsageError(f"Prompt template merge.j2: {exc}.", hint="Fix the template, or drop --prompts.") from exc
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


# ---------------------------------------------------------------------------
# Running the chunks


@dataclass
class _Run:
    """What the chunks of one article produced."""

    article: Article
    done: list[tuple[chunking.Chunk, Summary]] = field(default_factory=list)
    failed: list[tuple[chunking.Chunk, SummarizerError]] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    attempts: int = 0
    transport_retries: int = 0
    total: int = 0
    finished: int = 0
    notes: list[str] = field(default_factory=list)


def _chunk_article(article: Article, chunk: chunking.Chunk) -> Article:
    return article.model_copy(update={"text": article.text[chunk.start:chunk.end], "language": article.language})


def _count(run: _Run, summary: Summary | None, error: SummarizerError | None) -> None:
    if summary is not None:
        run.usage = run.usage + summary.meta.usage
        run.attempts += summary.meta.attempts
        run.transport_retries += summary.meta.transport_retries
    elif error is not None:
        if isinstance(error.usage, Usage):
            run.usage = run.usage + error.usage
        run.attempts += int(getattr(error, "attempts", 0) or 0)


_FATAL = (AuthenticationError, NotFoundError, UsageError)


class PromptCutError(SummarizerError):
    """An Ollama server answered a prompt it had cut to fit its context window, without an error:
    it counted fewer prompt tokens than the request has (:func:`summarizer.chunking.minimum_tokens`)."""

    def __init__(self, counted: int, floor: int, summary: Summary) -> None:
        super().__init__(
            f"The server counted {counted:,} prompt tokens in a request of at least {floor:,}: "
            "it cut the prompt to fit its context window"
        )
        self.counted = counted
        self.usage = summary.meta.usage
        self.attempts = summary.meta.attempts


def _check_cut(owner: Any, backend: Any, part: Article, summary: Summary) -> None:
    """Raise :class:`PromptCutError` when an Ollama server counted fewer prompt tokens than the
    request for ``part`` has. Ollama's OpenAI-compatible API cuts a prompt longer than its
    ``num_ctx`` and answers as if nothing happened; its count of the prompt is what it read."""
    if getattr(owner, "_kind", None) != "ollama" or not summary.meta.usage.prompt_tokens:
        return
    counted = summary.meta.usage.prompt_tokens // max(1, summary.meta.attempts)  # per request
    prompts = getattr(backend, "prompts", None)
    texts = [m["content"] for m in prompts.messages(part)] if prompts is not None else [part.text]
    floor = sum(chunking.minimum_tokens(t) for t in texts)  # the schema is left out: it may not be in the prompt
    if counted < floor:
        raise PromptCutError(counted, floor, summary)


def _learn_cut(owner: Any, run: _Run, exc: PromptCutError) -> None:
    """Remember the window a cut prompt shows (once: a warning), or fail with what to change when
    that window cannot hold the prompt and an answer."""
    budget: chunking.TokenBudget = owner.token_budget
    first = not any("prompt cut" in entry for entry in budget.learned)
    budget.learn(exc.counted, source="prompt cut by the server")
    if budget.room < chunking.MIN_ARTICLE_TOKENS:
        raise UsageError(
            f"The server cut the prompt to {exc.counted:,} tokens without an error: its context window is too small "
            f"for summarizer's prompt (about {budget.overhead:,} tokens) and an answer",
            hint="Start Ollama with OLLAMA_CONTEXT_LENGTH=8192 (or more), or set num_ctx in the model's Modelfile "
            "(its OpenAI-compatible API ignores a num_ctx sent with the request); then pass --context-tokens 8192.",
        )
    note = (
        f"The server cut a prompt to {exc.counted:,} tokens without an error (Ollama's num_ctx); "
        "the article was read again in smaller chunks."
    )
    if note not in run.notes:
        run.notes.append(note)
    if first:
        log.warning("%s Raise OLLAMA_CONTEXT_LENGTH and pass --context-tokens to read it in fewer requests.", note)


async def _llm_chunk(owner: Any, backend: Any, run: _Run, chunk: chunking.Chunk, depth: int, progress: Progress | None) -> None:
    budget: chunking.TokenBudget = owner.token_budget
    text = run.article.text[chunk.start:chunk.end]
    async with owner._chunk_slots():
        try:
            part = _chunk_article(run.article, chunk)
            summary = await backend.asummarize(part)
            _check_cut(owner, backend, part, summary)
        except SummarizerError as exc:
            _count(run, None, exc)
            cut = isinstance(exc, PromptCutError)
            if cut:
                _learn_cut(owner, run, exc)  # type: ignore[arg-type]  # fails when no chunk can fit
                exceeded, limit, sent = True, None, None
            else:
                exceeded, limit, sent = chunking.context_exceeded(exc)
            if not exceeded or depth >= MAX_RESPLITS or isinstance(exc, _FATAL) or not _can_split(text, limit):
                if isinstance(exc, _FATAL) or owner.config.strict:
                    raise
                run.failed.append((chunk, exc))
                run.finished += 1
                _tell(progress, run)
                return
            if not cut:
                budget.learn(limit, source="server error", sent_tokens=sent, estimated=chunking.estimate_tokens(text) + budget.overhead)
            summary = None
    if summary is not None:
        _count(run, summary, None)
        run.done.append((chunk, summary))
        run.finished += 1
        _tell(progress, run)
        return
    # Too long for the server: split this chunk with the budget it taught us, and go on.
    parts = chunking.split(text, budget.article_tokens)
    if len(parts) == 1:  # the estimate says it fits: split it in two anyway
        parts = chunking.split(text, max(1, chunking.estimate_tokens(text) // 2))
    run.total += len(parts) - 1
    _tell(progress, run)
    subs = [chunking.Chunk(chunk.index, chunk.start + p.start, chunk.start + p.end) for p in parts]
    await _all([_llm_chunk(owner, backend, run, sub, depth + 1, progress) for sub in subs])


def _can_split(text: str, limit: int | None) -> bool:
    """Whether splitting ``text`` could help a server that found it too long. A text of a few
    sentences, or a small part of the window the server names, is not what overflows it (the
    prompt alone does, or the server is wrong): then the error stands."""
    tokens = chunking.estimate_tokens(text)
    return tokens > 2 * chunking.MIN_ARTICLE_TOKENS and (limit is None or tokens >= limit // 4)


async def _all(coroutines: list[Any]) -> None:
    """Run ``coroutines`` concurrently; on the first error cancel the others and raise it."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _tell(progress: Progress | None, run: _Run) -> None:
    if progress is not None and run.total > 1:
        progress(run.finished, run.total)


async def asummarize(owner: Any, backend: Any, article: Article) -> Summary:
    """Summarize ``article`` with ``backend``, in chunks when it is too long for one request.

    ``owner`` is the :class:`~summarizer.pipeline.Summarizer`: its ``config``, ``token_budget``
    (shared by every article it reads), ``chunk_concurrency`` and ``on_chunk`` progress callback."""
    chunking.check_size(article.text)
    progress: Progress | None = getattr(owner, "on_chunk", None)
    if backend.name == "extractive":
        if len(article.text) <= chunking.EXTRACTIVE_CHUNK_CHARS:
            return await backend.asummarize(article)
        return await _extractive(backend, article, progress)
    if backend.name != "llm":
        return await backend.asummarize(article)
    budget: chunking.TokenBudget = owner.token_budget
    await owner._learn_context()
    started = time.monotonic()
    run = _Run(article)
    chunks = chunking.split(article.text, budget.article_tokens)
    run.total = len(chunks)
    if len(chunks) == 1:
        # Whole, as always; only a context-length error sends it down the chunked path.
        try:
            async with owner._chunk_slots():
                whole = await backend.asummarize(article)
            _check_cut(owner, backend, article, whole)
            return whole
        except PromptCutError as exc:
            if not _can_split(article.text, None):  # a few sentences: the prompt is what overflows
                error = UsageError(f"{exc.message}.", hint="Start Ollama with OLLAMA_CONTEXT_LENGTH=8192 (or more).")
                error.usage = exc.usage
                raise error from exc
            _count(run, None, exc)
            _learn_cut(owner, run, exc)
        except SummarizerError as exc:
            exceeded, limit, sent = chunking.context_exceeded(exc)
            if not exceeded or isinstance(exc, _FATAL) or not _can_split(article.text, limit):
                raise
            _count(run, None, exc)
            budget.learn(limit, source="server error", sent_tokens=sent,
                         estimated=chunking.estimate_tokens(article.text) + budget.overhead)
        chunks = chunking.split(article.text, budget.article_tokens)
        if len(chunks) == 1:
            chunks = chunking.split(article.text, max(1, chunking.estimate_tokens(article.text) // 2))
        run.total = len(chunks)
    _tell(progress, run)
    try:
        await _all([_llm_chunk(owner, backend, run, chunk, 0, progress) for chunk in chunks])
        if not run.done:
            raise run.failed[0][1]
    except SummarizerError as exc:
        exc.usage = run.usage  # what every chunk cost, not only the one that failed
        raise
    run.done.sort(key=lambda pair: pair[0].start)
    headline, text, note = await _llm_text(owner, backend, run)
    return _assemble(run, headline, text, note, started, backend_meta=run.done[0][1].meta)


async def _llm_text(owner: Any, backend: Any, run: _Run) -> tuple[str, str, str | None]:
    """Headline and summary written from the chunk summaries by one more call; the extractive
    text when that call fails."""
    from summarizer.client import ContentFailure

    parts = [summary for _, summary in run.done]
    messages = merge_messages(owner.config.prompts_dir, run.article, parts)
    token = _MERGE_ARTICLE.set(run.article.text)
    try:
        async with owner._chunk_slots():
            answer, stats = await backend.client.extract(MergedText, messages)
    except ContentFailure as failure:
        run.usage, run.attempts = run.usage + failure.stats.usage, run.attempts + failure.stats.attempts
        headline, text = merge.extractive_text(parts, run.article.title)
        return headline, text, "The headline and summary are the parts' own: the merged one was not grounded."
    except SummarizerError as exc:
        if owner.config.strict or isinstance(exc, _FATAL):
            raise
        _count(run, None, exc)
        headline, text = merge.extractive_text(parts, run.article.title)
        return headline, text, f"The headline and summary are the parts' own: merging them failed ({exc.message})."
    finally:
        _MERGE_ARTICLE.reset(token)
    run.usage = run.usage + stats.usage
    run.attempts += stats.attempts
    run.transport_retries += stats.transport_retries
    assert isinstance(answer, MergedText)
    return answer.headline, answer.summary, None


async def _extractive(backend: Any, article: Article, progress: Progress | None) -> Summary:
    started = time.monotonic()
    run = _Run(article)
    from summarizer.backends.extractive import reason_to_skip

    if reason_to_skip(article.text, article.title) is not None:
        return await backend.asummarize(article)  # its own gate judges the whole article, not each part
    # Sentences are short; a chunk of this size holds whole paragraphs.
    # It groups sentences into events within a paragraph or two: an overlap of ~200 tokens will do.
    chunks = chunking.split(article.text, chunking.estimate_tokens("x" * chunking.EXTRACTIVE_CHUNK_CHARS), 200)
    run.total = len(chunks)
    for chunk in chunks:
        run.done.append((chunk, await backend.asummarize(_chunk_article(article, chunk), gate=False)))
        run.finished += 1
        _tell(progress, run)
        await asyncio.sleep(0)
    headline, text = merge.extractive_text([s for _, s in run.done], article.title)
    return _assemble(run, headline, text, None, started, backend_meta=run.done[0][1].meta)


# ---------------------------------------------------------------------------
# One summary from the chunks


def _missing(run: _Run) -> list[CharRange]:
    """The character ranges of failed chunks that no successful chunk covered."""
    covered = sorted((c.start, c.end) for c, _ in run.done)
    out: list[CharRange] = []
    for chunk, _ in sorted(run.failed, key=lambda pair: pair[0].start):
        pos = chunk.start
        for start, end in covered:
            if end <= pos or start >= chunk.end:
                continue
            if start > pos:
                out.append(CharRange(start=pos, end=start))
            pos = max(pos, end)
        if pos < chunk.end:
            out.append(CharRange(start=pos, end=chunk.end))
    merged: list[CharRange] = []
    for r in out:
        if merged and r.start <= merged[-1].end:
            merged[-1] = CharRange(start=merged[-1].start, end=max(merged[-1].end, r.end))
        else:
            merged.append(r)
    return merged


def _relevance(run: _Run) -> Relevance | None:
    verdicts = [s.meta.relevance for _, s in run.done if s.meta.relevance is not None]
    return next((v for v in verdicts if v.relevant), verdicts[0] if verdicts else None)


def _assemble(run: _Run, headline: str, text: str, note: str | None, started: float, backend_meta: Meta) -> Summary:
    shifted = [merge.shift(summary, chunk.start) for chunk, summary in run.done]  # once per chunk
    items: dict[str, list[Any]] = {}
    for section in SECTIONS:
        collected: list[Any] = []
        chunk_of: list[int] = []
        for k, sections in enumerate(shifted):
            collected.extend(sections[section])
            chunk_of.extend([k] * len(sections[section]))
        items[section] = merge.merge_items(section, collected, chunk_of)
    relevance = _relevance(run) if backend_meta.backend == "llm" else None
    notes: list[str] = []
    if relevance is not None and not relevance.relevant:
        notes.append(grounding.off_topic_note(relevance))
    notes.append(f"Long article: read in {run.total} overlapping chunks.")
    notes.extend(run.notes)
    if note:
        notes.append(note)
    missing = _missing(run)
    if run.failed:
        ranges = ", ".join(f"{r.start}\u2013{r.end}" for r in missing)
        first = run.failed[0][1]
        notes.append(
            f"Partial: {len(run.failed)} of {run.total} chunks failed, characters {ranges} were not summarized "
            f"({first.message})."
        )
    meta = backend_meta.model_copy(update={
        "attempts": run.attempts or 1,
        "transport_retries": run.transport_retries,
        "usage": run.usage,
        "latency_s": round(time.monotonic() - started, 3),
        "content_hash": run.article.content_hash,
        "dropped": merge.restore_speakers(
            items["diplomacy"], merge.merge_dropped(d for _, s in run.done for d in s.meta.dropped), run.article.text
        ),
        "relevance": relevance,
        "notes": notes,
        "chunks": run.total,
        "partial": bool(run.failed),
        "missing": missing,
    })
    return Summary(headline=headline, summary=text, **items, article=run.article, meta=meta)

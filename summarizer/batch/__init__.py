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
* **The store** (an SQLite file, or PostgreSQL for workers on many machines:
  :func:`summarizer.store.open_store`) holds every item's
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

Modules: ``api`` (the entry points), ``runner`` (the workers), ``limits`` (rpm/tpm and
the shared backoff), ``identity`` (what keys a stored result), ``results`` (the result
types and stats) and ``stored`` (results from the store, JSONL). Everything public is
imported here: ``from summarizer.batch import asummarize_many``.
"""

from __future__ import annotations

from summarizer.batch.api import asummarize_many, iter_summarize_many, summarize_many
from summarizer.batch.limits import estimate_tokens
from summarizer.batch.results import BatchResult, BatchResults, BatchStats
from summarizer.batch.stored import results_from_store, write_jsonl

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

# Importable from here as before, though not in __all__.
from summarizer.batch.identity import Identity, backend_identity, config_identities  # noqa: F401
from summarizer.batch.limits import COMPLETION_ESTIMATE, PROMPT_OVERHEAD_CHARS, Throttle  # noqa: F401
from summarizer.batch.results import BatchInput  # noqa: F401

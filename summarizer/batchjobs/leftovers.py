"""The answers of a finished job for articles this run did not read: stored all the same.

A job's answers are paid for. Its items were added to the store when it was submitted
(``custom_id`` is the work key), so after the run every answer whose article was not in
this run's INPUT is put through the live pipeline from the stored article (validated and
grounded exactly like the others) and stored; only then is the job marked collected.

No live request is made for an article the user did not list: an answer that does not
validate (or an error line) is kept for the follow-up job with ``--via batch-api``;
otherwise its item stays pending, for a later run with that article to ask again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from summarizer.batch.results import Deferred
from summarizer.batchjobs.summarizer import JobSummarizer
from summarizer.errors import SummarizerError
from summarizer.store import StoreEngine, make_owner


@dataclass
class Leftovers:
    """What :func:`store_leftovers` did with the answers no article of the run asked for."""

    stored: int = 0  # valid answers stored
    failed: int = 0  # items stored as failed (no usable answer after max_attempts jobs)
    kept: int = 0  # items left pending (or kept for the follow-up job): their answer was not usable
    #: answers whose stored article has another work key now (--model or prompt version changed): their jobs stay open
    other_settings: set[str] = field(default_factory=set)
    tokens: int = 0  # tokens of the answers read
    unknown: int = 0  # results for no item of the store (a --collect-file from another store or settings)


async def store_leftovers(
    summarizer: JobSummarizer, store: StoreEngine, keys: Iterable[str], *, via_jobs: bool, lease_s: float = 300.0,
) -> Leftovers:
    """Store the answers for ``keys`` (work keys this run did not ask about) from their stored articles."""
    out = Leftovers()
    owner = make_owner()
    counters = (summarizer.then, summarizer.job_tokens, summarizer.from_jobs, summarizer.asked_live)
    summarizer.then = "capture"  # never a live call for an article the user did not list
    try:
        for key in keys:
            record = store.get(key)
            if record is None:
                out.unknown += 1  # not an item of this store (flow.check_inputs stops a file that has none)
                continue
            if record.status == "done":
                continue  # stored already
            if summarizer.key_of(record.article) != key:
                out.other_settings.add(key)
                continue
            result = summarizer.answers.get(key)
            if not via_jobs and (result is None or result.body is None):
                out.kept += 1  # an error line: nothing to store, nothing to ask again here (the item stays as it is)
                continue
            if not store.claim(key, owner, lease_s, True):
                continue  # another worker holds it, and stores it
            try:
                summary = await summarizer.asummarize(record.article)
            except Deferred:
                if not via_jobs:
                    summarizer.captured.pop(key, None)
                out.kept += 1  # released below: pending
                continue
            except SummarizerError as exc:
                store.fail(key, owner, str(exc))
                out.failed += 1
                continue
            store.complete(key, owner, summary)
            out.stored += 1
    finally:
        store.release(owner)
        await summarizer.backend.client.aclose()
        out.tokens = summarizer.job_tokens - counters[1]
        summarizer.then, summarizer.job_tokens, summarizer.from_jobs, summarizer.asked_live = counters
    return out


__all__ = ["Leftovers", "store_leftovers"]

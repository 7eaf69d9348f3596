"""The summarizer of a run with provider batch jobs: each item is answered from a job's results,
kept for a job, or asked live — through the live pipeline itself.

Nothing here builds a request or parses an answer: the item goes through
:meth:`Summarizer.asummarize` as always, under a :class:`summarizer.client.Script`
that changes only what happens at the HTTP request:

* **capture** — the first request is not sent; its body becomes the item's batch request
  (so it is exactly the live request: same messages, model, mode-specific
  ``response_format``/tools, ``max_tokens``), and the item stays pending (:class:`Deferred`);
* **answer** — the job's chat completion is served as the answer to the first request, so it
  is parsed for the mode, validated and grounded as a live answer is (a re-ask after a failed
  validation, a cut-off answer or an error line goes live, or is captured for a follow-up job).

An article too long for one request (read in chunks) is summarized live.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from summarizer import chunking, endpoints
from summarizer.batch.results import Deferred
from summarizer.batchjobs.results import Result
from summarizer.client import SCRIPT, Captured, Script
from summarizer.config import Config
from summarizer.endpoints import EndpointInfo
from summarizer.errors import SummaryError
from summarizer.pipeline import Summarizer
from summarizer.schema import SCHEMA_VERSION, Article, Summary
from summarizer.store import work_key

WAITING = "waiting for its provider batch job to finish"
CAPTURED = "its request is kept for a provider batch job"


class JobSummarizer(Summarizer):
    """A :class:`Summarizer` whose items come from batch jobs' ``answers`` (key -> :class:`Result`).

    ``then`` is what happens when an item has no usable answer: ``"live"`` (ask now) or
    ``"capture"`` (keep its request in :attr:`captured` for a job). Items in ``waiting`` (their
    job still runs) stay pending. ``rounds`` counts the jobs each key was already in: after
    ``max_attempts`` of them, a key is not captured again but fails.
    """

    def __init__(
        self,
        config: Config,
        *,
        then: str,
        answers: Mapping[str, Result] | None = None,
        waiting: Collection[str] = (),
        rounds: Mapping[str, int] | None = None,
    ) -> None:
        super().__init__(config)
        self.then = then
        self.answers = dict(answers or {})
        self.waiting = set(waiting)
        self.rounds = dict(rounds or {})
        #: key -> the chat request body kept for a batch job.
        self.captured: dict[str, dict[str, Any]] = {}
        self.from_jobs = 0  # items answered by a job's results alone
        self.asked_live = 0  # items that needed a live request (a re-ask, an error line, a long article)
        self.job_tokens = 0  # tokens of the job answers read (each one is paid for)
        #: the work keys this run asked about (the others' answers are stored after the run: :mod:`.leftovers`).
        self.seen: set[str] = set()

    def offline(self) -> None:
        """Make no call at all (``--write-requests``): the server's kind comes from its URL alone and
        the model's window from ``--context-tokens`` or the kind's default; nothing is probed."""
        client = self.backend.client
        kind = endpoints.kind_from_url(self.config.base_url)
        if self.config.mode != "auto":
            mode, source = self.config.mode, self.config.sources.get("mode", "argument")
        else:
            mode, source = endpoints.DEFAULT_MODE[kind], f"default for {kind}"
        client.info = EndpointInfo(kind=kind, found_by="url", mode=mode, mode_source=source)
        self._kind = kind
        if self.token_budget.source.startswith("default") and kind in chunking.DEFAULT_CONTEXT:
            self.token_budget.context, self.token_budget.source = chunking.DEFAULT_CONTEXT[kind], f"default for {kind}"
        self._context_probed = True

    def key_of(self, article: Article) -> str:
        model, version = self.backend.identity
        return work_key(article.content_hash, model, version, SCHEMA_VERSION)

    async def asummarize(self, article: Article | str) -> Summary:
        if not isinstance(article, Article) or self.backend.name != "llm":
            return await super().asummarize(article)
        key = self.key_of(article)
        self.seen.add(key)
        if key in self.waiting:
            raise Deferred(WAITING)
        result = self.answers.get(key)
        if result is None and (self.then == "live" or await self._too_long(article)):
            self.asked_live += 1
            return await super().asummarize(article)
        script = Script(answers=[result.body] if result is not None and result.body else [], then=self.then)
        token = SCRIPT.set(script)
        try:
            summary = await super().asummarize(article)
        except Captured as captured:
            rounds = self.rounds.get(key, 0)
            if rounds >= self.config.max_attempts:
                why = result.error if result is not None and result.error else "its answers did not validate"
                raise SummaryError(
                    f"No usable answer after {rounds} provider batch job(s): {why}.",
                    hint="Rerun with --collect --retry-failed to ask it live.",
                ) from None
            self.captured[key] = captured.body
            raise Deferred(CAPTURED) from None
        finally:
            SCRIPT.reset(token)
            if script.served and result is not None:  # the job's answer was read (and paid for), kept or not
                self.job_tokens += result.total_tokens
        if summary.meta.attempts > script.served:
            self.asked_live += 1
        elif script.served:
            self.from_jobs += 1
        return summary

    async def _too_long(self, article: Article) -> bool:
        """Whether the article is read in chunks (several requests): then it is not sent in a job."""
        await self._learn_context()
        return len(chunking.split(article.text, self.token_budget.article_tokens)) > 1

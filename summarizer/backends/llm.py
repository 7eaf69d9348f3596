"""The LLM backend: prompts → client → parse → ground.

Grounding runs *inside* the instructor call: ``SummaryDraft``'s validator reads
the article from :data:`summarizer.grounding.ACTIVE` (a ContextVar, so
concurrent batch items never see each other's article) and raises a message
naming every ungrounded span, which instructor sends back as a re-ask.

When the attempts run out, strict mode raises :class:`GroundingError` with the
last draft; the default mode keeps what is grounded and lists the rest in
``meta.dropped``.
"""

from __future__ import annotations

import time

from pydantic import ValidationError

from summarizer import grounding
from summarizer.client import ContentFailure, LLMClient
from summarizer.config import Config
from summarizer.endpoints import other_modes
from summarizer.errors import GroundingError, SummaryError
from summarizer.prompts import Prompts
from summarizer.schema import Article, Summary, SummaryDraft


class LLMBackend:
    """Summarize with any OpenAI-compatible endpoint."""

    name = "llm"

    def __init__(self, config: Config, prompts: Prompts | None = None) -> None:
        self.config = config
        self.prompts = prompts or Prompts.load(config.prompts_dir)
        self.client = LLMClient(config)

    @property
    def identity(self) -> tuple[str | None, str | None]:
        return self.config.model, self.prompts.version

    async def asummarize(self, article: Article) -> Summary:
        started = time.monotonic()
        messages = self.prompts.messages(article)
        context = grounding.GroundingContext(article.text)
        token = grounding.ACTIVE.set(context)
        try:
            draft, stats = await self.client.extract(SummaryDraft, messages)
        except ContentFailure as failure:
            try:
                draft, stats = self._salvage(failure), failure.stats
            except SummaryError as exc:
                exc.usage = failure.stats.usage
                raise
        finally:
            grounding.ACTIVE.reset(token)
        assert isinstance(draft, SummaryDraft)
        info = await self.client.endpoint()
        accepted = context.accepted[1] if context.accepted and context.accepted[0] == id(draft) else None
        summary = grounding.build_summary(
            draft,
            article,
            {
                "backend": "llm",
                "model": self.config.model,
                "endpoint": info.kind,
                "mode": info.mode,
                "attempts": stats.attempts,
                "transport_retries": stats.transport_retries,
                "usage": stats.usage,
                "latency_s": round(time.monotonic() - started, 3),
                "prompt_version": self.prompts.version,
            },
            grounded=accepted,
        )
        if self.config.strict and summary.meta.dropped:
            reasons = [r for d in summary.meta.dropped for r in d.reasons]
            error = GroundingError(
                f"{len(summary.meta.dropped)} item(s) could not be grounded in the article after "
                f"{stats.attempts} attempt(s): {reasons[0]}",
                hint="Drop --strict to keep the grounded items and list the rest under 'dropped'.",
                dropped=summary.meta.dropped,
                attempts=stats.attempts,
                last_attempt=draft,
                errors=stats.errors,
            )
            error.usage = stats.usage
            raise error
        return summary

    def _salvage(self, failure: ContentFailure) -> SummaryDraft:
        """After the last attempt: keep the draft if only grounding failed, else give up."""
        problem = failure.error.splitlines()[0] if failure.error else "no valid answer"
        info = self.client.info
        others = _other_modes(info.kind if info else self.config.endpoint, info.mode if info else self.config.mode)
        if failure.last_answer is None:
            raise SummaryError(
                f"The model gave no usable answer after {failure.stats.attempts} attempt(s): {problem}",
                hint=f"Try {others}, or a stronger model.",
                attempts=failure.stats.attempts,
                errors=failure.stats.errors,
            )
        token = grounding.ACTIVE.set(None)
        try:
            return SummaryDraft.model_validate_json(failure.last_answer)
        except ValidationError as exc:
            raise SummaryError(
                f"The model's answer did not match the schema after {failure.stats.attempts} attempt(s): "
                f"{_one_line(exc)}",
                hint=f"Try {others}, more --max-attempts, or a stronger model.",
                attempts=failure.stats.attempts,
                last_attempt=failure.last_answer,
                errors=failure.stats.errors,
            ) from exc
        finally:
            grounding.ACTIVE.reset(token)

    async def aclose(self) -> None:
        await self.client.aclose()


def _other_modes(kind: str, current: str) -> str:
    return " or ".join(f"--mode {m}" for m in other_modes(kind, current))


def _one_line(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "answer"
    return f"{where}: {first.get('msg', 'invalid')}"

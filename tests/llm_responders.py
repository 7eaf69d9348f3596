"""Ready-made responders for the scripted LLM server: a minimal valid draft, random failures."""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING

if __package__ and not TYPE_CHECKING:  # imported as tests.llm_server
    from .llm_replies import Reply
    from .llm_requests import RecordedRequest, Responder, article_from_request
else:  # tests/ on sys.path (conftest, benchmarks), or run as a script
    from llm_replies import Reply
    from llm_requests import RecordedRequest, Responder, article_from_request


def _first_sentence(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    match = re.search(r"(.+?[.!?])(\s|$)", flat)
    sentence = match.group(1) if match else flat
    return sentence[:limit] or "No headline"


def summary_responder(req: RecordedRequest) -> Reply:
    """A minimal valid ``SummaryDraft``: headline and summary from the article, empty sections."""
    article = article_from_request(req) or ""
    headline = _first_sentence(article)
    return Reply.data(
        {
            "relevance": {"relevant": True, "reason": "Scripted: every article is taken as on topic."},
            "headline": headline,
            "summary": headline,
            "diplomacy": [],
            "attacks": [],
            "territory": [],
            "sanctions": [],
        }
    )


def flaky(
    base: Responder,
    p429: float = 0.0,
    p500: float = 0.0,
    seed: int = 0,
    *,
    p503: float = 0.0,
    retry_after: float | None = None,
    retry_after_ms: float | None = 10,
    max_failures: int | None = None,
) -> Responder:
    """Wrap ``base`` so requests randomly fail with 429 / 500 / 503.

    The draw for a request depends only on ``seed``, the request body and how many
    times that body was seen before (``occurrence``) - NOT on arrival order - so a
    concurrent batch fails the same requests on every run, and a retry (same body,
    next occurrence) gets a fresh draw. ``max_failures`` caps failures per distinct
    body so retries eventually succeed. 429s carry ``retry-after-ms: 10`` by default.
    """
    if p429 + p500 + p503 > 1:
        raise ValueError("p429 + p500 + p503 must be <= 1")

    def responder(req: RecordedRequest) -> Reply:
        if max_failures is None or req.occurrence < max_failures:
            draw = random.Random(f"{seed}:{req.body_hash}:{req.occurrence}").random()
            if draw < p429:
                return Reply.error(
                    429, retry_after=retry_after, retry_after_ms=retry_after_ms
                )
            if draw < p429 + p500:
                return Reply.error(500)
            if draw < p429 + p500 + p503:
                return Reply.error(503)
        return base(req)

    responder.__name__ = f"flaky({getattr(base, '__name__', 'responder')})"
    return responder

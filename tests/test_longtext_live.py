"""Live: a long article read in chunks by the real small model (``pytest -m live_long``).

Opt-in, not part of ``pytest -m live`` nor of CI: on 2 cores each chunk takes minutes
(a ~4,000-token prompt at ~70 tokens/s, then up to 1,024 tokens at ~14 tokens/s), so this
one test can take longer than CI's whole budget.

SmolLM2-135M behind llama-cpp-python's server, started with an 8,192-token window
(tests/llama_server.py). The article is longer than one request can hold beside the prompt,
so the default budget for the server's kind splits it; every request must fit the real
window (no context-length refusal), and the outcome is a grounded, merged Summary (partial
ones saying which characters are missing) or one clear error. A few minutes on 2 idle cores.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from summarizer import errors
from summarizer.chunking import estimate_tokens
from summarizer.grounding import verify_summary
from summarizer.pipeline import Summarizer
from summarizer.schema import Summary
from test_longtext import live_blog

#: Every call costs tens of seconds on 2 cores; the answers are bounded, the time generous.
BUDGET = {"max_attempts": 2, "max_tokens": 1024, "max_tokens_ceiling": 1024, "timeout": 900.0, "transport_retries": 1}


@pytest.fixture(scope="module")
def live_server() -> Iterator[Any]:
    # tests/llama_server.py comes with the real-server work (the 'local' extra); imported here so
    # that collecting this module never needs it.
    llama_server = pytest.importorskip("llama_server")
    why = llama_server.available()
    if why:
        pytest.fail(f"the live group needs the real server: {why}")  # -m live was asked for explicitly
    with llama_server.LlamaServer() as server:
        yield server


@pytest.mark.live_long
def test_live_an_article_longer_than_the_window_is_read_in_chunks_that_fit_it(live_server: Any) -> None:
    from llama_server import MODEL, N_CTX

    text, _ = live_blog(16_000)
    summarizer = Summarizer(base_url=live_server.base_url, model=MODEL, backend="llm", **BUDGET)
    summarizer.chunk_concurrency = 1  # the server answers one request at a time
    started = time.monotonic()

    try:
        outcome: Summary | errors.SummarizerError = summarizer.summarize(text)
    except errors.SummarizerError as exc:
        outcome = exc

    budget = summarizer.token_budget
    assert budget.context == N_CTX
    assert estimate_tokens(text) > budget.article_tokens, "the article does not fit one request"
    assert budget.learned == [], "a request was refused for its length: the budget let it overflow the window"
    assert time.monotonic() - started < 1800
    if isinstance(outcome, errors.SummarizerError):
        message = str(outcome)
        assert message and "\n" not in message and outcome.hint, message
        return
    assert outcome.meta.chunks is not None and outcome.meta.chunks >= 2
    assert verify_summary(outcome) == [], "something ungrounded was emitted"
    spans = [s for _, item in outcome.items() for s in [*item.evidence, *getattr(item, "quotes", [])]]
    assert all(text[s.start:s.end] == s.text for s in spans)
    assert outcome.meta.partial == bool(outcome.meta.missing)
    assert outcome.meta.usage.prompt_tokens > 0

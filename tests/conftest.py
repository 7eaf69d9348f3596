"""Shared fixtures: the local OpenAI-compatible server, cassette settings, seed data.

Cassettes live in the top-level ``cassettes/<test module>/``. CI replays them
with ``--record-mode=none --block-network`` (see pyproject addopts). To record
them again from the suite's own server::

    pytest --record-mode=rewrite

To re-record the tests marked ``live_capable`` against a real endpoint::

    SUMMARIZER_RECORD_LIVE=1 OPENAI_API_KEY=sk-... [OPENAI_BASE_URL=...] \\
        pytest -m live_capable --record-mode=rewrite

Keys are scrubbed from request and response headers and bodies before anything
is written (``test_no_credentials_in_cassettes`` checks every cassette).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import llm_server as llm_server_module
from llm_server import LLMServer, Reply
from pg_server import pg_cluster, pg_url  # noqa: F401 - the PostgreSQL fixtures: a throwaway server, a database per test
from summarizer.redact import scrub

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "ukraine-istanbul-talks.txt"
DATA = Path(__file__).resolve().parent / "data"

#: The key the suite sends to its own server. It must never reach a cassette.
TEST_KEY = "sk-test-SECRETKEY0123456789abcdef"
#: The model name used both locally and when re-recording live, so cassettes replay either way.
TEST_MODEL = os.environ.get("SUMMARIZER_TEST_MODEL", "gpt-4o-mini")

_SECRET_HEADERS = {
    "authorization", "api-key", "x-api-key", "openai-organization", "openai-project",
    "cookie", "set-cookie", "x-request-id", "cf-ray", "openai-processing-ms",
    "anthropic-organization-id", "x-goog-api-key",
}
_IDS_IN_TEXT = re.compile(r"\b(org|proj)[-_][A-Za-z0-9]{8,}")


def _scrub_text(text: str) -> str:
    """Keys (every shape summarizer.redact knows, and the configured ones) and org/project ids."""
    return _IDS_IN_TEXT.sub(r"\1-REDACTED", scrub(text))


def scrub_request(request: Any) -> Any:
    for name in list(request.headers):
        if name.lower() in _SECRET_HEADERS:
            request.headers[name] = "REDACTED"
    if isinstance(request.body, bytes):
        request.body = _scrub_text(request.body.decode("utf-8", "replace")).encode("utf-8")
    elif isinstance(request.body, str):
        request.body = _scrub_text(request.body)
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in _SECRET_HEADERS:
            headers[name] = ["REDACTED"]
    body = response.get("body", {})
    if isinstance(body.get("string"), bytes):
        body["string"] = _scrub_text(body["string"].decode("utf-8", "replace")).encode("utf-8")
    return response


#: The fence lines around the article carry a random nonce per request (summarizer.prompts).
_FENCE_NONCE = re.compile(r"(=====(?:BEGIN|END) [A-Z]+ )[0-9a-f]{16}(=====)")


def _json_body(r1: Any, r2: Any) -> None:
    """Match request bodies as JSON, so key order and whitespace don't matter, nor the fence nonce."""

    def load(r: Any) -> Any:
        body = r.body.decode("utf-8") if isinstance(r.body, bytes) else (r.body or "")
        body = _FENCE_NONCE.sub(r"\1NONCE\2", body)
        try:
            return json.loads(body) if body else None
        except ValueError:
            return body

    assert load(r1) == load(r2), "request bodies differ"


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        # host and port are left out: the local server listens on a random port
        "match_on": ["method", "path", "json_body"],
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "decode_compressed_response": True,
        # --block-network still blocks every other host; tests run their own servers on loopback
        "allowed_hosts": [r"127\.0\.0\.1$", r"localhost$"],
    }


def pytest_recording_configure(config: Any, vcr: Any) -> None:
    vcr.register_matcher("json_body", _json_body)


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(ROOT / "cassettes" / request.module.__name__.split(".")[-1])


@dataclass
class ServerWatch:
    """The test servers a test started, and the handler crashes seen meanwhile."""

    started: list[LLMServer]
    crashes: list[BaseException]

    def raised(self) -> list[BaseException]:
        """What the test servers raised: responder errors and crashed request handlers."""
        return [e for server in self.started for e in server.errors] + self.crashes


@pytest.fixture(autouse=True)
def test_server_watch(monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerWatch]:
    """Every ``LLMServer`` a test starts must raise nothing itself: a responder error is
    answered with a 500 that a retrying client would quietly hide."""
    watch = ServerWatch([], [])
    real_start, real_handle_error = LLMServer.start, llm_server_module._HTTPServer.handle_error

    def start(self: LLMServer) -> LLMServer:
        if self not in watch.started:
            watch.started.append(self)
        return real_start(self)

    def handle_error(self: Any, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, (ConnectionResetError, BrokenPipeError)):
            watch.crashes.append(exc)
        real_handle_error(self, request, client_address)

    monkeypatch.setattr(LLMServer, "start", start)
    monkeypatch.setattr(llm_server_module._HTTPServer, "handle_error", handle_error)
    yield watch
    raised = watch.raised()
    assert not raised, f"the test server raised: {raised!r}"


@pytest.fixture
def llm_server() -> Iterator[LLMServer]:
    with LLMServer() as server:
        yield server


@dataclass
class Endpoint:
    """Where a test sends requests: the local scripted server, or (re-recording) a real one."""

    base_url: str | None
    api_key: str
    model: str
    server: LLMServer | None

    @property
    def live(self) -> bool:
        return self.server is None

    def script(self, *replies: Reply) -> None:
        if self.server is not None:
            self.server.script(*replies)

    def options(self, **extra: Any) -> dict[str, Any]:
        base = {"base_url": self.base_url, "api_key": self.api_key, "model": self.model, "backend": "llm"}
        return {**base, **extra}


@pytest.fixture
def endpoint(request: pytest.FixtureRequest, llm_server: LLMServer) -> Endpoint:
    recording = request.config.getoption("--record-mode") != "none"
    if (
        recording
        and os.environ.get("SUMMARIZER_RECORD_LIVE") == "1"
        and request.node.get_closest_marker("live_capable")
    ):
        return Endpoint(
            base_url=os.environ.get("OPENAI_BASE_URL") or os.environ.get("SUMMARIZER_BASE_URL"),
            api_key=os.environ.get("OPENAI_API_KEY") or os.environ.get("SUMMARIZER_API_KEY") or "not-needed",
            model=TEST_MODEL,
            server=None,
        )
    return Endpoint(base_url=llm_server.base_url, api_key=TEST_KEY, model=TEST_MODEL, server=llm_server)


@pytest.fixture
def fixed_fence(monkeypatch: pytest.MonkeyPatch) -> str:
    """One fence nonce for every request, for tests whose server draws its faults from the request
    body (``llm_server.flaky``): with a fresh random nonce the draws would change from run to run."""
    nonce = "f" * 16
    monkeypatch.setattr("summarizer.prompts.new_fence", lambda *texts: nonce)
    return nonce


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def seed_draft() -> dict[str, Any]:
    """What a good LLM answers for the seed article (straight quotes where the article has curly ones)."""
    return json.loads((DATA / "seed_draft.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _no_ambient_config(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up the developer's own key or endpoint by accident; only the
    live_capable tests see them, and only when re-recording live."""
    if os.environ.get("SUMMARIZER_RECORD_LIVE") == "1" and request.node.get_closest_marker("live_capable"):
        return
    for var in (
        "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "SUMMARIZER_API_KEY", "SUMMARIZER_BASE_URL",
        "SUMMARIZER_MODEL", "SUMMARIZER_MODE", "SUMMARIZER_BACKEND", "SUMMARIZER_PROMPTS",
    ):
        monkeypatch.delenv(var, raising=False)


def teaser_feed(path: Path, links: list[str]) -> Path:
    """An RSS feed of short teasers, entry ``t<i>`` linking to ``links[i]``: every page must be fetched."""
    items = "".join(
        f"<item><guid>t{i}</guid><title>Teaser {i}</title><link>{link}</link>"
        f"<description>Teaser {i}: read the full story on our site.</description></item>"
        for i, link in enumerate(links)
    )
    path.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>')
    return path

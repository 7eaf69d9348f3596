"""Endpoint kinds, their default modes and request shapes, and the faults the real server
cannot produce on demand (dropped connections, a validation 500 from an unknown server).

These run against the suite's scripted server directly (no cassette: a dropped connection
cannot be recorded). The same behaviour against the real llama.cpp server is in
tests/test_llama_server.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from llm_server import LLMServer, Reply
from summarizer import errors
from summarizer.client import _PROBED, detect_endpoint
from summarizer.config import Config
from summarizer.endpoints import DEFAULT_MODE, kind_from_models, kind_from_url, says_request_is_invalid
from summarizer.pipeline import Summarizer

#: What llama-cpp-python's server answers to GET /v1/models (llama_cpp/server/app.py, get_models).
LLAMA_CPP_PYTHON_MODELS = {"object": "list", "data": [{"id": "smollm2-135m", "object": "model", "owned_by": "me", "permissions": []}]}
#: What llama-cpp-python's server answered (HTTP 500) to response_format json_schema, as recorded.
LLAMA_VALIDATION_500 = {
    "error": {
        "message": "[{'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
        "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}]",
        "type": "internal_server_error", "param": None, "code": None,
    }
}


SEED_TEXT = (Path(__file__).resolve().parent.parent / "seeds" / "ukraine-istanbul-talks.txt").read_text(encoding="utf-8")


def _listing(owner: str) -> dict[str, Any]:
    return {"object": "list", "data": [{"id": "m", "object": "model", "owned_by": owner}]}


@pytest.fixture(autouse=True)
def _forget_probes() -> None:
    _PROBED.clear()


def _summarizer(server: LLMServer, **extra: Any) -> Summarizer:
    s = Summarizer(base_url=server.base_url, api_key="sk-test-x", model="m", backend="llm", **extra)

    async def instant(seconds: float) -> None:
        pass

    s.backend.client.sleep = instant  # type: ignore[attr-defined]
    return s


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (None, "openai"), ("https://api.openai.com/v1", "openai"), ("http://localhost:11434/v1", "ollama"),
        ("http://localhost:8000/v1", "vllm"), ("http://localhost:8080/v1", "llamacpp"),
        ("http://localhost:1234/v1", "lmstudio"), ("http://127.0.0.1:40123/v1", "custom"),
    ],
)
def test_the_url_names_the_usual_servers(url: str | None, kind: str) -> None:
    assert kind_from_url(url) == kind


@pytest.mark.parametrize(
    ("owner", "kind"),
    [("me", "llamacpp"), ("llamacpp", "llamacpp"), ("library", "ollama"), ("vllm", "vllm"),
     ("organization_owner", "lmstudio"), ("system", "openai"), ("test-server", "custom")],
)
def test_the_models_listing_names_the_server_when_the_url_does_not(owner: str, kind: str) -> None:
    assert kind_from_models(_listing(owner)) == kind


def test_every_kind_has_a_default_mode_and_openai_gets_strict_structured_outputs() -> None:
    assert DEFAULT_MODE == {
        "openai": "json_schema", "ollama": "json_schema", "vllm": "json_schema",
        "llamacpp": "json", "lmstudio": "json_schema", "custom": "tools",
    }


def test_a_llama_cpp_server_on_a_random_port_is_probed_once_and_gets_its_default_mode(llm_server: LLMServer, seed_draft: dict) -> None:
    llm_server.models_reply = Reply.http(200, LLAMA_CPP_PYTHON_MODELS)
    llm_server.script(Reply.text(json.dumps(seed_draft)), Reply.text(json.dumps(seed_draft)))
    s = _summarizer(llm_server)

    first, second = s.summarize("x " + SEED_TEXT), s.summarize(SEED_TEXT)

    assert (first.meta.endpoint, first.meta.mode) == ("llamacpp", "json") == (second.meta.endpoint, second.meta.mode)
    assert [r.path for r in llm_server.requests].count("/v1/models") == 1
    chat = [r.json for r in llm_server.requests if r.path.endswith("/chat/completions")]
    assert chat[0]["response_format"]["type"] == "json_object"
    assert chat[0]["response_format"]["schema"]["properties"]["attacks"]["type"] == "array"


def test_openai_json_schema_requests_are_strict() -> None:
    from summarizer.endpoints import shape_request

    kwargs = {"response_format": {"type": "json_schema", "json_schema": {"name": "S", "schema": {}}}}
    shaped = shape_request("openai", "json_schema", kwargs, {})
    assert shaped["response_format"]["json_schema"]["strict"] is True
    assert "strict" not in kwargs["response_format"]["json_schema"]  # instructor's own dict is left alone


def test_an_explicit_mode_wins_over_the_kinds_default(llm_server: LLMServer) -> None:
    llm_server.models_reply = Reply.http(200, LLAMA_CPP_PYTHON_MODELS)
    config = Config.resolve(env={}, base_url=llm_server.base_url, mode="tools")

    info = detect_endpoint(config)

    assert (info.kind, info.found_by, info.mode, info.mode_source) == ("llamacpp", "probe", "tools", "argument")
    assert info.describe() == "endpoint kind: llamacpp (from its /models answer); mode: tools (argument)"


def test_an_unknown_server_keeps_tools_and_says_it_was_not_recognised(llm_server: LLMServer) -> None:
    info = detect_endpoint(Config.resolve(env={}, base_url=llm_server.base_url))
    assert (info.kind, info.mode, info.mode_source) == ("custom", "tools", "default for custom")


def test_a_validation_500_is_not_retried_and_names_the_option_to_change(llm_server: LLMServer) -> None:
    llm_server.models_reply = Reply.http(200, LLAMA_CPP_PYTHON_MODELS)
    llm_server.script(Reply.http(500, LLAMA_VALIDATION_500))
    s = _summarizer(llm_server, mode="json_schema", transport_retries=5)

    with pytest.raises(errors.BadRequestError) as caught:
        s.summarize(SEED_TEXT)

    assert len([r for r in llm_server.requests if r.path.endswith("/chat/completions")]) == 1
    assert "This server does not accept --mode json_schema; use --mode json or --mode tools." in str(caught.value)


def test_a_plain_500_is_still_retried(llm_server: LLMServer, seed_draft: dict) -> None:
    llm_server.script(Reply.error(500), Reply.data(seed_draft))
    summary = _summarizer(llm_server).summarize(SEED_TEXT)
    assert summary.meta.transport_retries == 1


@pytest.mark.parametrize(
    ("message", "invalid"),
    [("Input should be 'text' or 'json_object'", True), ("1 validation error for Request", True),
     ("tools param requires --jinja flag", False), ("CUDA out of memory", False), ("Internal Server Error", False)],
)
def test_which_server_errors_say_the_request_itself_is_invalid(message: str, invalid: bool) -> None:
    assert says_request_is_invalid(message) is invalid


def test_a_dropped_connection_is_retried_like_any_transient_fault(llm_server: LLMServer, seed_draft: dict) -> None:
    llm_server.script(Reply.disconnect(), Reply.disconnect(), Reply.data(seed_draft))

    summary = _summarizer(llm_server, transport_retries=5).summarize(SEED_TEXT)

    assert summary.meta.transport_retries == 2 and summary.attacks


def test_connections_dropped_every_time_are_not_reported_as_could_not_connect(llm_server: LLMServer) -> None:
    llm_server.script(*[Reply.disconnect()] * 4)

    with pytest.raises(errors.EndpointUnavailableError) as caught:
        _summarizer(llm_server, transport_retries=3).summarize(SEED_TEXT)

    assert "dropped the connection" in str(caught.value) and "Could not connect" not in str(caught.value)
    assert len([r for r in llm_server.requests if r.path.endswith("/chat/completions")]) == 4



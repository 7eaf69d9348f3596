"""Secrets stay out of messages, stored errors and logs, whatever the key looks like."""

from __future__ import annotations

import base64
import logging
import re

import pytest

from llm_server import LLMServer, Reply
from summarizer import errors
from summarizer.pipeline import Summarizer
from summarizer.redact import display_url, mask, remember, scrub
from summarizer.store import scrub_error

GROQ_STYLE = "gsk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghijkl"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("key sk-proj-AbCdEf0123456789xyz rejected", "AbCdEf0123456789"),
        ("key sk-ant-api03-AbCdEf0123456789xyz rejected", "AbCdEf0123456789"),
        (f"key {GROQ_STYLE} rejected", "AbCdEfGhIjKl"),
        ("key AIzaSyAbCdEf0123456789xyz rejected", "SyAbCdEf0123456789"),
        ("authorization: bearer abcdef0123456789", "abcdef0123456789"),
        ("Authorization: Basic dXNlcjpodW50ZXIy", "dXNlcjpodW50ZXIy"),
        ("api_key=hunter2hunter2 refused", "hunter2"),
        ("http://proxyuser:PROXYPASS99@127.0.0.1:9/v1", "PROXYPASS99"),
    ],
)
def test_credential_shapes_are_scrubbed(text: str, secret: str) -> None:
    assert secret not in scrub(text)


def test_words_that_merely_contain_sk_dash_are_left_alone() -> None:
    text = "http://127.0.0.1:9/news/kramatorsk-missile-strike-kills-5 and a risk-assessment task-force"
    assert scrub(text) == text


def test_a_configured_key_of_any_shape_is_masked_everywhere() -> None:
    odd = "0123456789abcdef0123456789abcdef"  # an Azure-style hex key no pattern knows
    remember(odd)
    assert odd not in scrub(f"Invalid key {odd}.")
    assert odd not in scrub_error(f"Invalid key {odd}.")


def test_mask_shows_little_of_short_keys() -> None:
    assert mask("sk-short-key-1") == "***"
    assert mask("sk-proj-abcdefghijklmnop1234") == "sk-…1234"


def test_display_url_drops_credentials_and_query_values() -> None:
    assert display_url("http://u:p4ss@host:8080/v1?api-key=abc") == "http://host:8080/v1?api-key=***"
    assert display_url(None) == "https://api.openai.com/v1"


def test_a_server_echoing_an_unusual_key_does_not_leak_it(seed_text: str, caplog: pytest.LogCaptureFixture) -> None:
    with LLMServer() as server:
        server.script(Reply.error(400, f"Invalid API key {GROQ_STYLE} for this project."))
        s = Summarizer(base_url=server.base_url, api_key=GROQ_STYLE, backend="llm")
        with caplog.at_level(logging.ERROR), pytest.raises(errors.BadRequestError) as caught:
            s.summarize(seed_text)

    assert GROQ_STYLE not in str(caught.value)
    assert "Invalid API key" in str(caught.value)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "API call failed" in logged and GROQ_STYLE[:20] not in logged


def _longest_shared_run(secret: str, text: str) -> int:
    """The longest stretch of ``secret`` that appears verbatim in ``text`` (an oracle independent of scrub)."""
    best = 0
    for start in range(len(secret)):
        for end in range(start + best + 1, len(secret) + 1):
            if secret[start:end] not in text:
                break
            best = end - start
    return best


def _decoded_base64_tokens(text: str) -> list[str]:
    """Every base64-looking token of ``text``, decoded (the ones that decode)."""
    out = []
    for token in re.findall(r"[A-Za-z0-9+/_\-]{8,}={0,2}", text):
        padded = token + "=" * (-len(token) % 4)
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                out.append(decode(padded).decode("utf-8", "replace"))
            except ValueError:
                pass
    return out


HALF_MASK_KEY = "sk-SECREThalfmask0123456789abcdef"


@pytest.mark.parametrize(
    "echoed",
    [
        f"{HALF_MASK_KEY[:8]}...{HALF_MASK_KEY[-6:]}",
        f"{HALF_MASK_KEY[:8]}\u2026{HALF_MASK_KEY[-6:]}",
        f"{HALF_MASK_KEY[:10]}{'*' * 12}{HALF_MASK_KEY[-8:]}",
    ],
)
def test_a_configured_key_echoed_half_masked_shows_no_more_than_our_own_mask(echoed: str) -> None:
    remember(HALF_MASK_KEY)
    scrubbed = scrub(f"Incorrect API key provided: {echoed}. You can find your API key at ...")
    assert _longest_shared_run(HALF_MASK_KEY, scrubbed) <= 4  # mask() shows 'sk-' and the last four
    assert scrubbed.startswith("Incorrect API key provided: ")


def test_an_unknown_key_echoed_half_masked_loses_the_echoed_characters() -> None:
    scrubbed = scrub("Incorrect API key provided: sk-OTHERK...zz9876")
    assert "OTHERK" not in scrubbed and "zz9876" not in scrubbed


def test_a_key_the_server_echoes_half_masked_is_not_in_the_error(seed_text: str) -> None:
    key = "sk-SECRETechoed0123456789abcdef"
    with LLMServer() as server:
        server.script(Reply.error(401, f"Incorrect API key provided: {key[:8]}...{key[-6:]}.", code="invalid_api_key"))
        with pytest.raises(errors.AuthenticationError) as caught:
            Summarizer(base_url=server.base_url, api_key=key, backend="llm").summarize(seed_text)
        assert server.errors == []

    assert _longest_shared_run(key, str(caught.value)) <= 4


def test_a_password_in_the_base_url_echoed_as_a_basic_header_is_not_in_the_error(seed_text: str) -> None:
    user, password = "alice", "PROXYPASS-echo-77"
    with LLMServer() as server:
        # the server echoes the header it got, bare, as some proxies do
        server.responder = lambda req: Reply.error(400, f"Unexpected credentials {req.headers['authorization'].split()[-1]} here")
        url = server.base_url.replace("http://", f"http://{user}:{password}@")
        with pytest.raises(errors.BadRequestError) as caught:
            Summarizer(base_url=url, api_key="sk-x", backend="llm").summarize(seed_text)
        sent = server.chat_requests[0].headers["authorization"]
        assert server.errors == []

    message = str(caught.value)
    assert base64.b64decode(sent.split()[-1]).decode() == f"{user}:{password}"  # the echo really was the password
    assert "Unexpected credentials" in message
    assert password not in message
    assert not [d for d in _decoded_base64_tokens(message) if password in d]


def test_a_stored_error_keeps_no_more_of_a_half_masked_key_than_our_mask() -> None:
    remember(HALF_MASK_KEY)
    stored = scrub_error(f"AuthenticationError: Incorrect API key provided: {HALF_MASK_KEY[:8]}...{HALF_MASK_KEY[-6:]}")
    assert _longest_shared_run(HALF_MASK_KEY, stored) <= 4

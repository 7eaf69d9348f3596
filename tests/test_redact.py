"""Secrets stay out of messages, stored errors and logs, whatever the key looks like."""

from __future__ import annotations

import logging

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

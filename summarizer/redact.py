"""Keeping secrets out of messages, logs and stored results.

One function, :func:`scrub`, used wherever text leaves the process: error
messages (client), stored errors (store), stderr (CLI) and instructor's log
records. It removes

* every key this process was configured with (:func:`remember`, called by
  ``Config.resolve``), whatever its shape, and
* anything that looks like a credential: ``sk-…``/``gsk_…``/``AIza…``-style keys,
  ``Bearer``/``Basic`` tokens, ``api_key=…``-style values and passwords in URLs.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit, urlunsplit

_KNOWN: set[str] = set()

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # provider keys: OpenAI/Anthropic/OpenRouter (sk-), Groq (gsk_), Google (AIza), HF (hf_), Stripe-like (sk_live_)
    (re.compile(r"(?<![A-Za-z0-9_\-])(sk-|gsk_|AIza|hf_|sk_live_|sk_test_|xai-|pplx-|fw_)[A-Za-z0-9_\-]{12,}"), r"\1***"),
    (re.compile(r"\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]{6,}", re.IGNORECASE), r"\1 ***"),
    (
        re.compile(
            r"""\b(api[_-]?key|access[_-]?token|authorization|password|secret)(["']?[ \t]*[:=][ \t]*["']?)(?!bearer\b|basic\b)[^\s"',;}&]+""",
            re.IGNORECASE,
        ),
        r"\1\2***",
    ),
    (re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+@"), "***@"),  # user:password@host
]


def mask(secret: str | None) -> str:
    """A key as it may be shown: ``sk-…abcd`` for long keys, ``***`` for short ones."""
    if not secret:
        return "(not set)"
    return f"{secret[:3]}…{secret[-4:]}" if len(secret) >= 20 else "***"


def remember(secret: str | None) -> None:
    """Mask ``secret`` wherever :func:`scrub` runs from now on (keys of 8+ characters)."""
    if secret and len(secret) >= 8 and secret not in ("not-needed",):
        _KNOWN.add(secret)


def scrub(text: str) -> str:
    """``text`` without known keys and credential-like strings.

    >>> scrub("Incorrect API key provided: sk-proj-AbCdEf0123456789xyz. Use Bearer abc.def.ghi")
    'Incorrect API key provided: sk-***. Use Bearer ***'
    >>> scrub("http://user:hunter2@proxy:8080/v1 and /news/kramatorsk-missile-strike")
    'http://***@proxy:8080/v1 and /news/kramatorsk-missile-strike'
    """
    for secret in sorted(_KNOWN, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, mask(secret))
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def display_url(url: str | None) -> str:
    """``url`` safe to show: no user:password, no query values (default: OpenAI's URL)."""
    if not url:
        return "https://api.openai.com/v1"
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = "&".join(f"{kv.split('=', 1)[0]}=***" for kv in parts.query.split("&") if kv) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


class ScrubFilter(logging.Filter):
    """Scrub log records of a library that logs server error bodies (instructor does)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        return True

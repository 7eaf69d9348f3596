"""Keeping secrets out of messages, logs and stored results.

One function, :func:`scrub`, used wherever text leaves the process: error
messages (client), stored errors (store), stderr (CLI) and instructor's log
records. It removes

* every key this process was configured with (:func:`remember`, called by
  ``Config.resolve``), whatever its shape, also when a server echoes it back
  half-masked (``sk-SECRE...abcdef``: a prefix and a suffix of the real key);
* the password of a ``--base-url`` with ``user:password@`` (:func:`remember_url`),
  also as the ``base64(user:password)`` of the Basic header httpx derives from it, and
* anything that looks like a credential: ``sk-…``/``gsk_…``/``AIza…``-style keys,
  ``Bearer``/``Basic`` tokens, ``api_key=…``-style values and passwords in URLs.
"""

from __future__ import annotations

import base64
import logging
import re
from urllib.parse import unquote, urlsplit, urlunsplit

_KNOWN: set[str] = set()
#: Encoded forms of known secrets (base64 of ``user:password``), each shown as ``***``.
_DERIVED: set[str] = set()
#: A key shown half-masked: some characters, a run of dots, an ellipsis or stars, some characters.
_HALF_MASKED = re.compile(r"(?<![A-Za-z0-9_\-])([A-Za-z0-9_\-]{2,})(?:\.{2,}|\u2026|\*{2,})([A-Za-z0-9_\-]{2,})")

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # provider keys: OpenAI/Anthropic/OpenRouter (sk-), Groq (gsk_), Google (AIza), HF (hf_), Stripe-like (sk_live_)
    (re.compile(r"(?<![A-Za-z0-9_\-])(sk-|gsk_|AIza|hf_|sk_live_|sk_test_|xai-|pplx-|fw_)[A-Za-z0-9_\-]{12,}"), r"\1***"),
    # the same keys echoed half-masked by a server, when more than our own mask (sk-…abcd) shows
    (
        re.compile(
            r"(?<![A-Za-z0-9_\-])(sk-|gsk_|AIza|hf_|sk_live_|sk_test_|xai-|pplx-|fw_)[A-Za-z0-9_\-]{4,}"
            r"(?:\.{2,}|\u2026|\*{2,})[A-Za-z0-9_\-]{2,}"
        ),
        r"\1***",
    ),
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


def remember_url(url: str | None) -> None:
    """Mask the password of ``scheme://user:password@host`` wherever :func:`scrub` runs, also
    base64-encoded as ``user:password`` (the ``Authorization: Basic`` header httpx sends for it)."""
    if not url:
        return
    try:
        parts = urlsplit(url)
        username, password = parts.username, parts.password
    except ValueError:
        return
    if not password:
        return
    for user, secret in {(username or "", password), (unquote(username or ""), unquote(password))}:
        remember(secret)
        if len(secret) < 4:
            continue
        raw = f"{user}:{secret}".encode()
        for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
            _DERIVED.add(encoded.decode("ascii"))
            _DERIVED.add(encoded.decode("ascii").rstrip("="))


def _unmask_known(match: re.Match[str]) -> str:
    """A known key echoed half-masked becomes our own :func:`mask` of it."""
    head, tail = match.group(1), match.group(2)
    if len(head) + len(tail) >= 6:
        for secret in _KNOWN:
            if len(secret) > len(head) + len(tail) and secret.startswith(head) and secret.endswith(tail):
                return mask(secret)
    return match.group(0)


def scrub(text: str) -> str:
    """``text`` without known keys and credential-like strings.

    >>> scrub("Incorrect API key provided: sk-proj-AbCdEf0123456789xyz. Use Bearer abc.def.ghi")
    'Incorrect API key provided: sk-***. Use Bearer ***'
    >>> scrub("http://user:hunter2@proxy:8080/v1 and /news/kramatorsk-missile-strike")
    'http://***@proxy:8080/v1 and /news/kramatorsk-missile-strike'
    >>> scrub("Incorrect API key provided: sk-SECRE...abcdef")
    'Incorrect API key provided: sk-***'
    """
    for secret in sorted(_KNOWN, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, mask(secret))
    for encoded in sorted(_DERIVED, key=len, reverse=True):
        if encoded in text:
            text = text.replace(encoded, "***")
    if _KNOWN:
        text = _HALF_MASKED.sub(_unmask_known, text)
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

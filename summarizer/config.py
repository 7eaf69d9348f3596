"""Configuration: explicit arguments, then environment variables, then defaults.

Nothing is read at import time: :meth:`Config.resolve` reads the environment
when it is called, and remembers where each value came from so that
``summarizer config`` can show it.

==========================  ======================================  =============
setting                     environment (first one set wins)        default
==========================  ======================================  =============
model                       SUMMARIZER_MODEL, OPENAI_MODEL          gpt-4o-mini
base_url                    SUMMARIZER_BASE_URL, OPENAI_BASE_URL    (OpenAI)
api_key                     SUMMARIZER_API_KEY, OPENAI_API_KEY      (none)
mode                        SUMMARIZER_MODE                         auto (the endpoint kind's mode)
temperature                 SUMMARIZER_TEMPERATURE                  0.0
max_attempts                SUMMARIZER_MAX_ATTEMPTS                 3
timeout                     SUMMARIZER_TIMEOUT                      60 (seconds per request; 600 on a local server)
transport_retries           SUMMARIZER_TRANSPORT_RETRIES            5
max_retry_time              SUMMARIZER_MAX_RETRY_TIME               120 (seconds, all retries)
max_tokens                  SUMMARIZER_MAX_TOKENS                   4096
context_tokens              SUMMARIZER_CONTEXT_TOKENS               (from the server, else per endpoint kind)
max_tokens_ceiling          SUMMARIZER_MAX_TOKENS_CEILING           8192 (one re-ask after a cut-off answer)
==========================  ======================================  =============
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal
from urllib.parse import urlparse

from summarizer.endpoints import kind_from_url
from summarizer.errors import UsageError
from summarizer.redact import display_url, mask, remember, remember_url

Mode = Literal["auto", "tools", "json", "json_schema", "md_json"]
#: "auto" picks the endpoint kind's default (summarizer.endpoints.DEFAULT_MODE).
MODES: tuple[str, ...] = ("auto", "tools", "json", "json_schema", "md_json")
BACKENDS: tuple[str, ...] = ("auto", "llm", "extractive")

_ENV: dict[str, tuple[str, ...]] = {
    "model": ("SUMMARIZER_MODEL", "OPENAI_MODEL"),
    "base_url": ("SUMMARIZER_BASE_URL", "OPENAI_BASE_URL"),
    "api_key": ("SUMMARIZER_API_KEY", "OPENAI_API_KEY"),
    "mode": ("SUMMARIZER_MODE",),
    "temperature": ("SUMMARIZER_TEMPERATURE",),
    "max_attempts": ("SUMMARIZER_MAX_ATTEMPTS",),
    "timeout": ("SUMMARIZER_TIMEOUT",),
    "transport_retries": ("SUMMARIZER_TRANSPORT_RETRIES",),
    "max_retry_time": ("SUMMARIZER_MAX_RETRY_TIME",),
    "max_tokens": ("SUMMARIZER_MAX_TOKENS",),
    "context_tokens": ("SUMMARIZER_CONTEXT_TOKENS",),
    "max_tokens_ceiling": ("SUMMARIZER_MAX_TOKENS_CEILING",),
    "prompts_dir": ("SUMMARIZER_PROMPTS",),
    "backend": ("SUMMARIZER_BACKEND",),
}


#: Seconds per request when the server is on this machine or the local network and no timeout is set.
LOCAL_TIMEOUT = 600.0


def _is_local(base_url: str | None) -> bool:
    """True for a loopback or private-network host (a model served on this machine or the LAN)."""
    import ipaddress

    host = urlparse(base_url).hostname if base_url else None
    if not host:
        return False
    if host == "localhost" or host.endswith(".local"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def endpoint_kind(base_url: str | None) -> str:
    """Guess the server from its URL: openai, ollama, vllm, llamacpp, lmstudio or custom
    (:func:`summarizer.client.detect_endpoint` also asks the server when the URL says nothing)."""
    return kind_from_url(base_url)


@dataclass(frozen=True)
class Config:
    """Everything the LLM backend needs. Build it with :meth:`resolve`."""

    model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    mode: str = "auto"
    temperature: float = 0.0
    max_attempts: int = 3
    timeout: float = 60.0
    transport_retries: int = 5
    max_retry_time: float = 120.0
    max_tokens: int = 4096
    context_tokens: int | None = None
    max_tokens_ceiling: int = 8192
    strict: bool = False
    prompts_dir: str | None = None
    backend: str = "auto"
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def resolve(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        """Explicit ``overrides`` (None means unset), then ``env`` (default: os.environ), then defaults."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        names = {f.name for f in fields(cls)} - {"sources"}
        unknown = set(overrides) - names
        if unknown:
            raise UsageError(f"Unknown option(s): {', '.join(sorted(unknown))}.")
        for name in sorted(names):
            if overrides.get(name) is not None:
                values[name], sources[name] = overrides[name], "argument"
                continue
            for var in _ENV.get(name, ()):
                if env.get(var):
                    values[name], sources[name] = env[var], f"env {var}"
                    break
            else:
                sources[name] = "default"
        if sources["timeout"] == "default" and _is_local(values.get("base_url")):
            # a model on this machine reads a long prompt for minutes (SmolLM2 on 2 cores: ~70 tokens/s)
            values["timeout"], sources["timeout"] = LOCAL_TIMEOUT, "default for a local server"
        config = cls(**_coerce(values), sources=sources)
        config.validate()
        remember(config.api_key)  # masked in every message from now on
        remember_url(config.base_url)  # and a password in the URL, also base64-encoded
        return config

    def validate(self) -> None:
        if self.mode not in MODES:
            raise UsageError(f"Unknown mode {self.mode!r}.", hint=f"Choose one of: {', '.join(MODES)}.")
        if self.backend not in BACKENDS:
            raise UsageError(f"Unknown backend {self.backend!r}.", hint=f"Choose one of: {', '.join(BACKENDS)}.")
        if self.max_attempts < 1:
            raise UsageError("max_attempts must be at least 1.")
        if self.max_tokens < 1 or self.max_tokens_ceiling < 1:
            raise UsageError("max_tokens and max_tokens_ceiling must be at least 1.")
        if self.timeout <= 0:
            raise UsageError("timeout must be positive.")
        if self.context_tokens is not None and self.context_tokens < 512:
            raise UsageError("context_tokens must be at least 512.", hint="Give the model's context window in tokens, e.g. 8192.")
        if self.base_url and urlparse(self.base_url).scheme not in ("http", "https"):
            raise UsageError(
                f"Base URL {self.base_url!r} is not an http(s) URL.",
                hint="Example: --base-url http://localhost:11434/v1",
            )

    def replace(self, **changes: Any) -> Config:
        """A copy with ``changes`` applied (marked as coming from arguments)."""
        sources = {**self.sources, **{k: "argument" for k in changes}}
        return replace(self, **_coerce(changes), sources=sources)

    @property
    def has_endpoint(self) -> bool:
        """True when an API key or a base URL is configured."""
        return bool(self.api_key or self.base_url)

    @property
    def display_url(self) -> str:
        """The endpoint's URL as it may be shown (no credentials; OpenAI's when unset)."""
        return display_url(self.base_url)

    @property
    def endpoint(self) -> str:
        return endpoint_kind(self.base_url)

    def describe(self) -> list[tuple[str, str, str]]:
        """(setting, value, source) rows for display; the key is masked."""
        rows = []
        for f in fields(self):
            if f.name == "sources":
                continue
            value = getattr(self, f.name)
            if f.name == "api_key":
                shown = mask(value)
            elif f.name == "base_url":
                shown = display_url(value) if value else "(OpenAI)"
            else:
                shown = str(value)
            rows.append((f.name, shown, self.sources.get(f.name, "default")))
        return rows


_TYPES = {f: t for f, t in [
    ("temperature", float), ("timeout", float), ("max_retry_time", float),
    ("max_attempts", int), ("transport_retries", int), ("max_tokens", int), ("max_tokens_ceiling", int),
    ("context_tokens", int),
]}


def _coerce(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for name, kind in _TYPES.items():
        if name in out and not isinstance(out[name], kind):
            try:
                out[name] = kind(out[name])
            except (TypeError, ValueError):
                raise UsageError(f"{name} must be a number, got {out[name]!r}.") from None
    if "mode" in out:
        out["mode"] = str(out["mode"]).lower().replace("-", "_")
    return out

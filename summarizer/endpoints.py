"""Which server is behind a base URL, which mode to use with it, and the request shape it honours.

Pure functions and tables only (no HTTP here: :mod:`summarizer.client` makes the probe).

===========  ========================================  ============  ==============================================
kind         recognised by                             default mode  what the request carries
===========  ========================================  ============  ==============================================
openai       no base URL, ``*.openai.com``             json_schema   ``response_format`` json_schema, ``strict: true``
ollama       port 11434, "ollama"; owned_by library    json_schema   ``response_format`` json_schema (Ollama 0.5+)
vllm         port 8000, "vllm"; owned_by vllm          json_schema   ``response_format`` json_schema (guided decoding)
llamacpp     port 8080, "llama"; owned_by me/llamacpp  json          ``response_format`` json_object + ``schema``
                                                                     (the server turns it into a grammar)
lmstudio     port 1234, "lmstudio"                     json_schema   ``response_format`` json_schema
custom       anything else                             tools         what instructor sends for the mode
===========  ========================================  ============  ==============================================

When the URL says nothing (a random port), ``GET /models`` is asked once per base URL and
its ``owned_by`` names the server: llama-cpp-python answers ``"me"``, llama.cpp's
``llama-server`` ``"llamacpp"``, Ollama ``"library"``, vLLM ``"vllm"``, LM Studio
``"organization_owner"``, OpenAI ``"system"``/``"openai"``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

KINDS: tuple[str, ...] = ("openai", "ollama", "vllm", "llamacpp", "lmstudio", "custom")

DEFAULT_MODE: dict[str, str] = {
    "openai": "json_schema",
    "ollama": "json_schema",
    "vllm": "json_schema",
    "llamacpp": "json",
    "lmstudio": "json_schema",
    "custom": "tools",
}

#: Modes a kind is known to honour, best first (used to suggest another mode).
GOOD_MODES: dict[str, tuple[str, ...]] = {
    "openai": ("json_schema", "tools", "json"),
    "ollama": ("json_schema", "json", "tools"),
    "vllm": ("json_schema", "tools", "json"),
    "llamacpp": ("json", "tools", "md_json"),
    "lmstudio": ("json_schema", "json", "tools"),
    "custom": ("tools", "json", "md_json"),
}

_OWNERS: dict[str, str] = {
    "me": "llamacpp",  # llama-cpp-python's server
    "llamacpp": "llamacpp",  # llama.cpp's own llama-server
    "library": "ollama",
    "vllm": "vllm",
    "organization_owner": "lmstudio",
    "system": "openai",
    "openai": "openai",
    "openai-internal": "openai",
}


def kind_from_url(base_url: str | None) -> str:
    """Guess the server from its URL: openai, ollama, vllm, llamacpp, lmstudio or custom."""
    if not base_url:
        return "openai"
    parsed = urlparse(base_url)
    host, port = (parsed.hostname or ""), parsed.port
    if host.endswith("openai.com"):
        return "openai"
    if "ollama" in base_url or port == 11434:
        return "ollama"
    if "lmstudio" in base_url or port == 1234:
        return "lmstudio"
    if "llama" in base_url or port == 8080:
        return "llamacpp"
    if "vllm" in base_url or port == 8000:
        return "vllm"
    return "custom"


def kind_from_models(listing: Any) -> str:
    """The kind named by a ``GET /models`` answer (its ``owned_by``), or custom."""
    data = listing.get("data") if isinstance(listing, dict) else None
    for model in data or []:
        if isinstance(model, dict):
            kind = _OWNERS.get(str(model.get("owned_by", "")).lower())
            if kind:
                return kind
    return "custom"


@dataclass(frozen=True)
class EndpointInfo:
    """What :func:`summarizer.client.detect_endpoint` found."""

    kind: str
    #: "url" (recognised from the URL), "probe" (from GET /models) or "unknown" (probe failed)
    found_by: str
    mode: str
    #: "argument"/"env …" when the user chose the mode, "default for <kind>" otherwise
    mode_source: str

    def describe(self) -> str:
        how = {"url": "from its URL", "probe": "from its /models answer"}.get(self.found_by, "not recognised")
        if self.kind == "custom" and self.found_by == "probe":
            how = "its /models answer names no known server"
        return f"endpoint kind: {self.kind} ({how}); mode: {self.mode} ({self.mode_source})"


# ---------------------------------------------------------------------------
# Request shapes


def shape_request(kind: str, mode: str, kwargs: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The request instructor built for ``mode``, changed to what a ``kind`` of server honours."""
    shaper = _SHAPERS.get((kind, mode))
    return shaper(kwargs, schema) if shaper else kwargs


def _strict_json_schema(kwargs: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAI: Structured Outputs with ``strict: true`` (the draft schema is in the strict subset)."""
    out = dict(kwargs)
    response_format = copy.deepcopy(out.get("response_format") or {})
    if response_format.get("type") == "json_schema":
        response_format["json_schema"]["strict"] = True
        out["response_format"] = response_format
    return out


def _json_object_with_schema(kwargs: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """llama.cpp: ``{"type": "json_object", "schema": …}`` is turned into a grammar by both
    llama-cpp-python's server and ``llama-server``, so the answer cannot leave the schema."""
    return {**kwargs, "response_format": {"type": "json_object", "schema": schema}}


_SHAPERS = {
    ("openai", "json_schema"): _strict_json_schema,
    ("llamacpp", "json"): _json_object_with_schema,
}


# ---------------------------------------------------------------------------
# Requests the server rejected as invalid

_INVALID_REQUEST = re.compile(
    r"validation error|input should be|is not supported|not supported|unsupported|invalid request|"
    r"invalid_request|must be one of|extra inputs are not permitted|field required|missing required",
    re.I,
)


def says_request_is_invalid(message: str) -> bool:
    """True when an error body says the request itself is wrong (retrying cannot help)."""
    return bool(_INVALID_REQUEST.search(message or ""))


def names_the_mode(message: str) -> bool:
    """True when the rejection is about how structured output was asked for."""
    return bool(re.search(r"response_format|json_schema|json_object|tool_choice|\btools?\b|grammar", message or "", re.I))


def other_modes(kind: str, mode: str) -> list[str]:
    """Modes worth trying on this kind of server instead of ``mode``."""
    return [m for m in GOOD_MODES.get(kind, GOOD_MODES["custom"]) if m != mode][:2]

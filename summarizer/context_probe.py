"""Ask a server how large the served model's context window is.

* llama.cpp: ``GET /props`` (beside ``/v1``) answers ``default_generation_settings.n_ctx``
  (older builds: a top-level ``n_ctx``), the window the server was started with (``-c``).
* vLLM: ``GET /v1/models`` lists each model with ``max_model_len``; LM Studio and some
  proxies give ``context_length`` (or ``max_context_length``).
* Ollama: ``GET /api/ps`` gives a loaded model's ``context_length`` (its ``num_ctx``, the window
  it really serves); else ``POST /api/show`` gives ``num_ctx`` when the Modelfile sets one. The
  model's own maximum (``model_info``) is not its window, so it is not used.

A probe is a hint: any failure (no such route, a timeout, an unexpected body) gives None,
and the budget keeps its default until a context-length error teaches it better.
"""

from __future__ import annotations

import re
from typing import Any

import httpx2 as httpx

__all__ = ["context_from_models", "context_from_ollama_ps", "context_from_ollama_show", "context_from_props", "probe_context"]

_MODEL_KEYS = ("max_model_len", "context_length", "max_context_length", "context_window")


def _positive(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def context_from_props(body: Any) -> int | None:
    """The window from a llama.cpp ``/props`` body.

    >>> context_from_props({"default_generation_settings": {"n_ctx": 8192}})
    8192
    """
    if not isinstance(body, dict):
        return None
    settings = body.get("default_generation_settings")
    if isinstance(settings, dict) and _positive(settings.get("n_ctx")):
        return _positive(settings.get("n_ctx"))
    return _positive(body.get("n_ctx"))


def context_from_models(body: Any, model: str | None) -> int | None:
    """The window of ``model`` (or of the only model) from a ``/v1/models`` body.

    >>> context_from_models({"data": [{"id": "m", "max_model_len": 32768}]}, "m")
    32768
    """
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        return None
    entries = [d for d in data if isinstance(d, dict)]
    chosen = [d for d in entries if d.get("id") == model] or (entries if len(entries) == 1 else [])
    for entry in chosen:
        for key in _MODEL_KEYS:
            if found := _positive(entry.get(key)):
                return found
    return None


def context_from_ollama_ps(body: Any, model: str | None) -> int | None:
    """The window of ``model`` from Ollama's ``/api/ps`` (the models loaded now).

    >>> context_from_ollama_ps({"models": [{"name": "qwen2.5:7b", "context_length": 4096}]}, "qwen2.5:7b")
    4096
    """
    models = body.get("models") if isinstance(body, dict) else None
    if not isinstance(models, list) or not model:
        return None
    names = {model, f"{model}:latest"}
    for entry in models:
        if isinstance(entry, dict) and names & {entry.get("name"), entry.get("model")}:
            return _positive(entry.get("context_length"))
    return None


def context_from_ollama_show(body: Any) -> int | None:
    """``num_ctx`` from Ollama's ``/api/show`` parameters, when the model's Modelfile sets it.

    >>> context_from_ollama_show({"parameters": 'num_ctx 8192\\nstop "<|im_end|>"'})
    8192
    """
    parameters = body.get("parameters") if isinstance(body, dict) else None
    found = re.search(r"^\s*num_ctx\s+(\d+)\s*$", parameters, re.M) if isinstance(parameters, str) else None
    return _positive(int(found.group(1))) if found else None


async def _probe_ollama(client: Any, root: str, model: str | None) -> int | None:
    try:
        response = await client.get(f"{root}/api/ps")
        if response.status_code == 200 and (found := context_from_ollama_ps(response.json(), model)):
            return found
        if model:
            response = await client.post(f"{root}/api/show", json={"model": model})
            if response.status_code == 200:
                return context_from_ollama_show(response.json())
    except (httpx.HTTPError, ValueError):
        return None
    return None


async def probe_context(
    base_url: str, api_key: str | None, model: str | None, *, timeout: float = 5.0, listing: Any = None,
    kind: str | None = None,
) -> int | None:
    """The served model's context window as the server states it, or None. ``listing``: the
    ``/models`` answer already fetched (then it is not asked again); ``kind`` "ollama" asks
    Ollama's own API instead."""
    if kind == "ollama":
        base = base_url.rstrip("/")
        root = base[: -len("/v1")] if base.endswith("/v1") else base
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        async with httpx.AsyncClient(timeout=timeout, headers=headers) as client:
            return await _probe_ollama(client, root, model)
    if listing is not None and (found := context_from_models(listing, model)):
        return found
    base = base_url.rstrip("/")
    root = base[: -len("/v1")] if base.endswith("/v1") else base
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    async with httpx.AsyncClient(timeout=timeout, headers=headers) as client:
        asks = [(f"{root}/props", context_from_props)] + ([(f"{base}/models", None)] if listing is None else [])
        for url, read in asks:
            try:
                response = await client.get(url)
                if response.status_code != 200:
                    continue
                body = response.json()
            except (httpx.HTTPError, ValueError):
                continue
            found = read(body) if read is not None else context_from_models(body, model)
            if found:
                return found
    return None

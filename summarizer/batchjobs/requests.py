"""Request files in the provider batch format: one JSON line per chat request, split at the limits.

Each line is ``{"custom_id": KEY, "method": "POST", "url": "/v1/chat/completions", "body": {...}}``:
OpenAI's Batch API input format, which ``vllm run-batch`` also reads. ``custom_id`` is the
item's work key, so a result finds its item whichever file or job it came back in. The body is
the one the live path would send (captured from it, :class:`summarizer.client.Script`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from summarizer.atomic import atomic_writer

#: OpenAI's limits for one batch input file: 50,000 requests and 200 MB.
MAX_REQUESTS = 50_000
MAX_BYTES = 200 * 1024 * 1024

ENDPOINT = "/v1/chat/completions"


def request_line(key: str, body: Mapping[str, Any]) -> bytes:
    """One request of a batch input file, as a JSON line (UTF-8, newline-terminated)."""
    line = {"custom_id": key, "method": "POST", "url": ENDPOINT, "body": body}
    return (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def split_files(
    requests: Mapping[str, Mapping[str, Any]], *, max_requests: int = MAX_REQUESTS, max_bytes: int = MAX_BYTES
) -> list[tuple[list[str], bytes]]:
    """The requests (key -> body) as input files within the limits: a list of (keys, JSONL bytes)."""
    files: list[tuple[list[str], bytes]] = []
    keys: list[str] = []
    chunks: list[bytes] = []
    size = 0
    for key, body in requests.items():
        line = request_line(key, body)
        if len(line) > max_bytes:
            raise ValueError(f"one request is {len(line)} bytes, over the {max_bytes}-byte limit of a batch file")
        if keys and (len(keys) >= max_requests or size + len(line) > max_bytes):
            files.append((keys, b"".join(chunks)))
            keys, chunks, size = [], [], 0
        keys.append(key)
        chunks.append(line)
        size += len(line)
    if keys:
        files.append((keys, b"".join(chunks)))
    return files


def write_requests(requests: Mapping[str, Mapping[str, Any]], path: str | os.PathLike[str]) -> int:
    """Write every request to one JSONL file (atomically); return how many. ``vllm run-batch -i`` reads it;
    for a provider's console, split it at its limits first (:func:`split_files`)."""
    with atomic_writer(path) as handle:
        for key, body in requests.items():
            handle.write(request_line(key, body).decode("utf-8"))
    return len(requests)


def file_name(index: int, total: int) -> str:
    return f"summarizer-requests-{index + 1:03d}-of-{total:03d}.jsonl" if total > 1 else "summarizer-requests.jsonl"


__all__ = ["ENDPOINT", "MAX_BYTES", "MAX_REQUESTS", "file_name", "request_line", "split_files", "write_requests"]

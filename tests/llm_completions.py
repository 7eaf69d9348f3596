"""Response bodies in OpenAI's wire format: chat completions shaped after the request, model listings."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if __package__ and not TYPE_CHECKING:  # imported as tests.llm_server
    from .llm_replies import Reply
    from .llm_requests import RecordedRequest, _text_of, request_mode
else:  # tests/ on sys.path (conftest, benchmarks), or run as a script
    from llm_replies import Reply
    from llm_requests import RecordedRequest, _text_of, request_mode


CREATED = 1_700_000_000
"""The fixed ``created`` timestamp of every completion (2023-11-14T22:13:20Z)."""

DEFAULT_MODELS: tuple[str, ...] = (
    "gpt-4o-mini",
    "gpt-4o",
    "gpt-4.1-mini",
    "llama3.1:8b",
)


def _ceil4(chars: int) -> int:
    return math.ceil(chars / 4)


def render_reply(
    req: RecordedRequest, reply: Reply, models: list[str] | None
) -> tuple[int, bytes, list[tuple[str, str]]]:
    """Status, body and headers for ``reply`` to ``req`` (``models``: the listed models, None for the defaults)."""
    rid = req.body_hash[:24] + (f"{req.occurrence:02x}" if req.occurrence else "")
    headers = [("x-request-id", f"req_{rid}")]
    if reply.kind in ("error", "http"):
        headers += list(reply.headers)
        body = reply.body
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = bytes(body or b"")
        return reply.status, data, headers
    if reply.kind == "models":
        names = models if models is not None else list(DEFAULT_MODELS)
        listing = {
            "object": "list",
            "data": [
                {
                    "id": m,
                    "object": "model",
                    "created": CREATED,
                    "owned_by": "test-server",
                }
                for m in names
            ],
        }
        return 200, json.dumps(listing).encode(), headers
    if reply.kind == "model":
        model = {
            "id": reply.payload,
            "object": "model",
            "created": CREATED,
            "owned_by": "test-server",
        }
        return 200, json.dumps(model).encode(), headers
    return 200, json.dumps(completion_body(req, reply, rid)).encode(), headers


def completion_body(req: RecordedRequest, reply: Reply, rid: str) -> dict[str, Any]:
    """The ``chat.completion`` object, shaped after the request (tool call, function call, JSON or fence)."""
    body: dict[str, Any] = req.json
    mode = request_mode(req)
    finish = "stop"
    payload: str | None  # the JSON text (or raw text)
    if reply.kind == "data":
        payload = json.dumps(reply.obj, ensure_ascii=False)
    elif reply.kind == "truncated":
        full = json.dumps(reply.obj, ensure_ascii=False)
        payload = full[: max(1, int(len(full) * reply.keep))]
        finish = "length"
    else:
        payload = reply.payload
    message: dict[str, Any] = {
        "role": "assistant",
        "content": None,
        "refusal": None,
    }
    if reply.kind == "refusal":
        message["refusal"] = reply.payload
        output = reply.payload or ""
    elif reply.kind == "text" or mode not in ("tools", "functions"):
        if (
            reply.kind == "text"
            or reply.kind == "raw"
            or mode in ("json_schema", "json_object")
        ):
            content = payload
        elif reply.kind == "truncated":
            content = "```json\n" + (payload or "")
        else:
            content = (
                "```json\n"
                + json.dumps(reply.obj, indent=2, ensure_ascii=False)
                + "\n```"
            )
        message["content"] = content
        output = content or ""
    elif mode == "functions":
        message["function_call"] = {
            "name": _function_name(body),
            "arguments": payload,
        }
        output = payload or ""
        finish = "function_call" if finish == "stop" else finish
    else:
        message["tool_calls"] = [
            {
                "id": f"call_{rid[:24]}",
                "type": "function",
                "function": {"name": _function_name(body), "arguments": payload},
            }
        ]
        output = payload or ""
        finish = "tool_calls" if finish == "stop" else finish
    if reply.kind == "raw" and reply.finish_reason:
        finish = reply.finish_reason
    prompt_chars = sum(
        len(_text_of(m.get("content"))) for m in req.messages if isinstance(m, dict)
    )
    completion_tokens = _ceil4(len(output))
    if finish == "length":
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        if isinstance(limit, int) and limit > 0:
            completion_tokens = limit
    prompt_tokens = _ceil4(prompt_chars)
    return {
        "id": f"chatcmpl-{rid}",
        "object": "chat.completion",
        "created": CREATED,
        "model": body.get("model"),
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": finish,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
        "system_fingerprint": "fp_test",
    }


def _function_name(body: Mapping[str, Any]) -> str:
    """The forced ``tool_choice`` function, else the first tool's name."""
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name") or choice.get("name")
        if name:
            return str(name)
    function_call = body.get("function_call")
    if isinstance(function_call, dict) and function_call.get("name"):
        return str(function_call["name"])
    for tool in body.get("tools") or []:
        if isinstance(tool, dict):
            name = (tool.get("function") or {}).get("name") or tool.get("name")
            if name:
                return str(name)
    for function in body.get("functions") or []:
        if isinstance(function, dict) and function.get("name"):
            return str(function["name"])
    return "response"

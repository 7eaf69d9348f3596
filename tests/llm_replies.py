"""What the scripted LLM server answers: ``Reply`` and OpenAI-format error bodies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# status -> (type, code, message)
_STATUS_DEFAULTS: dict[int, tuple[str, str | None, str]] = {
    400: (
        "invalid_request_error",
        None,
        "Invalid request: the test server was scripted to reject it.",
    ),
    401: (
        "invalid_request_error",
        "invalid_api_key",
        "Incorrect API key provided: sk-te****************1234. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
    ),
    403: (
        "invalid_request_error",
        "unsupported_country_region_territory",
        "Country, region, or territory not supported",
    ),
    404: (
        "invalid_request_error",
        "model_not_found",
        "The model `gpt-4o-mini` does not exist or you do not have access to it.",
    ),
    408: ("invalid_request_error", None, "Request timed out."),
    409: (
        "invalid_request_error",
        None,
        "The request conflicted with another request.",
    ),
    422: ("invalid_request_error", None, "Unprocessable entity."),
    429: (
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached for gpt-4o-mini in organization org-test on requests per min (RPM): "
        "Limit 3, Used 3, Requested 1. Please try again in 20s. Visit "
        "https://platform.openai.com/account/rate-limits to learn more.",
    ),
    500: (
        "server_error",
        None,
        "The server had an error while processing your request. Sorry about that!",
    ),
    502: ("server_error", None, "Bad gateway."),
    503: ("server_error", None, "The server is overloaded or not ready yet."),
    504: ("server_error", None, "Gateway timeout."),
}

# code -> (type, param, message) used when a code is given without a message
_CODE_DEFAULTS: dict[str, tuple[str, str | None, str]] = {
    "invalid_api_key": _STATUS_DEFAULTS[401][:1] + (None, _STATUS_DEFAULTS[401][2]),
    "model_not_found": _STATUS_DEFAULTS[404][:1] + (None, _STATUS_DEFAULTS[404][2]),
    "rate_limit_exceeded": ("requests", None, _STATUS_DEFAULTS[429][2]),
    "insufficient_quota": (
        "insufficient_quota",
        None,
        "You exceeded your current quota, please check your plan and billing details. For more "
        "information on this error, read the docs: "
        "https://platform.openai.com/docs/guides/error-codes/api-errors.",
    ),
    "context_length_exceeded": (
        "invalid_request_error",
        "messages",
        "This model's maximum context length is 128000 tokens. However, your messages resulted in "
        "131072 tokens. Please reduce the length of the messages.",
    ),
    "missing_required_parameter": (
        "invalid_request_error",
        "messages",
        "Missing required parameter: 'messages'.",
    ),
}


def error_body(
    status: int,
    message: str | None = None,
    *,
    code: str | None = None,
    type: str | None = None,
    param: str | None = None,
) -> dict[str, Any]:
    """``{"error": {"message", "type", "param", "code"}}`` as OpenAI sends it."""
    d_type, d_code, d_message = _STATUS_DEFAULTS.get(
        status,
        (
            "server_error" if status >= 500 else "invalid_request_error",
            None,
            f"HTTP {status}",
        ),
    )
    d_param = None
    if code is not None and code in _CODE_DEFAULTS:
        d_type, d_param, d_message = _CODE_DEFAULTS[code]
    elif code is None:
        code = d_code
    return {
        "error": {
            "message": message if message is not None else d_message,
            "type": type if type is not None else d_type,
            "param": param if param is not None else d_param,
            "code": code,
        }
    }


def _mask_key(key: str) -> str:
    if len(key) <= 9:
        return key[:2] + "*" * max(len(key) - 2, 4)
    return key[:5] + "*" * (len(key) - 9) + key[-4:]


@dataclass(frozen=True)
class Reply:
    """What the server answers to one chat request. Build with the class methods."""

    kind: str
    obj: Any = None
    payload: str | None = None
    status: int = 200
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()
    finish_reason: str | None = None
    seconds: float = 0.0
    keep: float = 0.5
    inner: Reply | None = None

    # -- constructors ---------------------------------------------------------

    @classmethod
    def data(cls, obj: Any) -> Reply:
        """The structured answer, shaped after the request (tool call, JSON content or ```json fence)."""
        return cls("data", obj=obj)

    @classmethod
    def raw(cls, text: str, *, finish_reason: str | None = None) -> Reply:
        """This exact text where the JSON would go: the tool call's ``arguments`` if the
        request has tools, else the whole message ``content`` (no fence added)."""
        return cls("raw", payload=text, finish_reason=finish_reason)

    @classmethod
    def text(cls, content: str) -> Reply:
        """A plain assistant message with this content and NO tool call, even if tools were sent."""
        return cls("text", payload=content)

    @classmethod
    def refusal(cls, message: str = "I'm sorry, I can't help with that.") -> Reply:
        """An assistant message with ``refusal`` set and no content (structured-output refusal)."""
        return cls("refusal", payload=message)

    @classmethod
    def truncated(cls, obj: Any, *, keep: float = 0.5) -> Reply:
        """finish_reason "length" with the first ``keep`` fraction of ``json.dumps(obj)``."""
        return cls("truncated", obj=obj, keep=keep)

    @classmethod
    def error(
        cls,
        status: int,
        message: str | None = None,
        *,
        retry_after: float | str | None = None,
        retry_after_ms: float | None = None,
        code: str | None = None,
        type: str | None = None,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """An OpenAI-format error. ``retry_after`` (seconds; ints are sent as ints) sets the
        ``retry-after`` header, ``retry_after_ms`` the ``retry-after-ms`` header."""
        hdrs = dict(headers or {})
        if retry_after is not None:
            hdrs["retry-after"] = _num(retry_after)
        if retry_after_ms is not None:
            hdrs["retry-after-ms"] = _num(retry_after_ms)
        body = error_body(status, message, code=code, type=type, param=param)
        return cls("error", status=status, body=body, headers=tuple(hdrs.items()))

    @classmethod
    def http(
        cls,
        status: int,
        body: bytes | str | Mapping[str, Any] | list[Any] = b"",
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """Any HTTP response: dict/list bodies are sent as JSON, str/bytes as-is
        (e.g. a proxy's ``502`` HTML page). Set ``content-type`` in ``headers`` for str/bytes."""
        return cls(
            "http", status=status, body=body, headers=tuple((headers or {}).items())
        )

    @classmethod
    def delay(cls, seconds: float, reply: Reply | Mapping[str, Any]) -> Reply:
        """Wait ``seconds`` (interrupted by ``server.close()``) before sending ``reply``."""
        return cls("delay", seconds=seconds, inner=_as_reply(reply))

    @classmethod
    def disconnect(cls) -> Reply:
        """Close the connection without answering (client sees a connection error)."""
        return cls("disconnect")


def _num(value: float | str) -> str:
    if isinstance(value, str):
        return value
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _as_reply(reply: Reply | Mapping[str, Any]) -> Reply:
    if isinstance(reply, Reply):
        return reply
    if isinstance(reply, Mapping):
        return Reply.data(dict(reply))
    if type(reply).__name__ == "Reply" and hasattr(reply, "kind"):
        # The same class from another copy of this module (``llm_replies`` and ``tests.llm_replies``
        # imported by both paths): rendering only reads attributes, so it works as-is.
        return reply  # type: ignore[return-value]
    raise TypeError(f"expected a Reply or a dict, got {type(reply).__name__}")

"""A scripted, OpenAI-compatible chat-completions server for tests.

It speaks the real wire format, so the real ``openai`` client (sync and async)
and ``instructor`` work against it unchanged::

    with LLMServer() as server:
        server.script(Reply.data({"headline": "...", "summary": "..."}))
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
        ...
        assert server.requests[-1].json["model"] == "gpt-4o-mini"

Endpoints
    ``POST /v1/chat/completions`` (also ``/chat/completions``) -> ``chat.completion``
    ``GET  /v1/models`` (also ``/models``)                    -> model list

Replies are taken from the queue filled by :meth:`LLMServer.script`; when it is
empty, :attr:`LLMServer.responder` is called; without one the server answers
500 "test server has no scripted reply".

``Reply.data(obj)`` is formatted according to the *request*: ``tools`` ->
a tool call (finish_reason ``tool_calls``); ``response_format`` json_schema /
json_object -> bare JSON content; otherwise (MD_JSON / plain) a fenced
```` ```json ```` block.

Everything in a response is deterministic (ids are derived from a hash of the
request body plus how many times that exact body was seen; ``created`` is
fixed), so cassettes recorded from it are stable regardless of test order or
request concurrency.

Also runnable as a process::

    python tests/llm_server.py --port 0 [--p429 0.2 --p500 0.1 --seed 1]
                               [--responder module:function] [--api-key KEY]

prints ``READY http://127.0.0.1:PORT/v1`` once listening and serves until
killed. Without ``--responder`` it answers every chat request with
:func:`summary_responder` (a minimal valid ``SummaryDraft``).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import math
import random
import re
import signal
import socket
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = [
    "CREATED",
    "DEFAULT_MODELS",
    "LLMServer",
    "RecordedRequest",
    "Reply",
    "Responder",
    "article_from_request",
    "error_body",
    "flaky",
    "request_mode",
    "summary_responder",
]

CREATED = 1_700_000_000
"""The fixed ``created`` timestamp of every completion (2023-11-14T22:13:20Z)."""

DEFAULT_MODELS: tuple[str, ...] = (
    "gpt-4o-mini",
    "gpt-4o",
    "gpt-4.1-mini",
    "llama3.1:8b",
)

NO_REPLY_MESSAGE = (
    "test server has no scripted reply for {method} {path}: the script() queue is empty "
    "and server.responder is not set ({count} chat request(s) served so far)"
)


# ---------------------------------------------------------------------------
# Requests


@dataclass
class RecordedRequest:
    """One HTTP request as the server received it."""

    method: str
    path: str
    """The path without the query string, e.g. ``/v1/chat/completions``."""
    headers: dict[str, str]
    """Header names lower-cased."""
    json: Any
    """The parsed JSON body, or ``None`` (no body, or not valid JSON)."""
    raw_body: bytes
    query: str = ""
    status: int | None = None
    """The HTTP status the server answered with (set once the reply is chosen)."""
    peer: tuple[str, int] | None = None
    """The client's (host, port): equal peers mean one reused keep-alive connection."""
    occurrence: int = 0
    """How many earlier requests had exactly this method, path and body (0 for the first)."""

    @property
    def messages(self) -> list[dict[str, Any]]:
        body = self.json if isinstance(self.json, dict) else {}
        messages = body.get("messages")
        return messages if isinstance(messages, list) else []

    @property
    def model(self) -> str | None:
        return self.json.get("model") if isinstance(self.json, dict) else None

    @property
    def mode(self) -> str:
        """How a structured answer must be shaped: tools, json_schema, json_object or md_json."""
        return request_mode(self)

    @property
    def article(self) -> str | None:
        return article_from_request(self)

    @property
    def body_hash(self) -> str:
        return hashlib.sha256(
            self.method.encode() + b" " + self.path.encode() + b"\n" + self.raw_body
        ).hexdigest()


Responder = Callable[[RecordedRequest], "Reply"]


def _text_of(content: Any) -> str:
    """The text of a message ``content``: a string or a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif isinstance(part, str):
                parts.append(part)
        return "\n".join(parts)
    return ""


def request_mode(req: RecordedRequest) -> str:
    """``tools`` if the request has tools, ``json_schema`` / ``json_object`` from
    ``response_format``, else ``md_json`` (a fenced block in the content)."""
    body = req.json if isinstance(req.json, dict) else {}
    if body.get("tools"):
        return "tools"
    if body.get("functions"):
        return "functions"
    fmt = body.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") in ("json_schema", "json_object"):
        return fmt["type"]
    return "md_json"


_FENCE_RE = re.compile(
    r"=====BEGIN ARTICLE (?P<nonce>\w+)=====\n(?P<text>.*?)\n=====END ARTICLE (?P=nonce)=====",
    re.DOTALL,
)


def article_from_request(req: RecordedRequest | Mapping[str, Any]) -> str | None:
    """The article text the pipeline fenced into the request, verbatim, or None.

    Looks at user messages first (then any message), in order, for::

        =====BEGIN ARTICLE <nonce>=====
        <article>
        =====END ARTICLE <nonce>=====

    The END line must carry the same nonce as the BEGIN line, so an article that
    itself contains a fake END marker is still extracted whole. Accepts a
    :class:`RecordedRequest` or a request body dict.
    """
    body = req.json if isinstance(req, RecordedRequest) else req
    messages = body.get("messages") if isinstance(body, Mapping) else None
    if not isinstance(messages, list):
        return None
    ordered = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    ordered += [m for m in messages if isinstance(m, dict) and m.get("role") != "user"]
    for message in ordered:
        match = _FENCE_RE.search(_text_of(message.get("content")))
        if match:
            return match.group("text")
    return None


# ---------------------------------------------------------------------------
# Errors in OpenAI's format

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


# ---------------------------------------------------------------------------
# Replies


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
        # The same class from another copy of this module (``__main__`` vs ``llm_server``
        # vs ``tests.llm_server``): rendering only reads attributes, so it works as-is.
        return reply  # type: ignore[return-value]
    raise TypeError(f"expected a Reply or a dict, got {type(reply).__name__}")


# ---------------------------------------------------------------------------
# Responders


def _first_sentence(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    match = re.search(r"(.+?[.!?])(\s|$)", flat)
    sentence = match.group(1) if match else flat
    return sentence[:limit] or "No headline"


def summary_responder(req: RecordedRequest) -> Reply:
    """A minimal valid ``SummaryDraft``: headline and summary from the article, empty sections."""
    article = article_from_request(req) or ""
    headline = _first_sentence(article)
    return Reply.data(
        {
            "headline": headline,
            "summary": headline,
            "diplomacy": [],
            "attacks": [],
            "territory": [],
            "sanctions": [],
        }
    )


def flaky(
    base: Responder,
    p429: float = 0.0,
    p500: float = 0.0,
    seed: int = 0,
    *,
    p503: float = 0.0,
    retry_after: float | None = None,
    retry_after_ms: float | None = 10,
    max_failures: int | None = None,
) -> Responder:
    """Wrap ``base`` so requests randomly fail with 429 / 500 / 503.

    The draw for a request depends only on ``seed``, the request body and how many
    times that body was seen before (``occurrence``) - NOT on arrival order - so a
    concurrent batch fails the same requests on every run, and a retry (same body,
    next occurrence) gets a fresh draw. ``max_failures`` caps failures per distinct
    body so retries eventually succeed. 429s carry ``retry-after-ms: 10`` by default.
    """
    if p429 + p500 + p503 > 1:
        raise ValueError("p429 + p500 + p503 must be <= 1")

    def responder(req: RecordedRequest) -> Reply:
        if max_failures is None or req.occurrence < max_failures:
            draw = random.Random(f"{seed}:{req.body_hash}:{req.occurrence}").random()
            if draw < p429:
                return Reply.error(
                    429, retry_after=retry_after, retry_after_ms=retry_after_ms
                )
            if draw < p429 + p500:
                return Reply.error(500)
            if draw < p429 + p500 + p503:
                return Reply.error(503)
        return base(req)

    responder.__name__ = f"flaky({getattr(base, '__name__', 'responder')})"
    return responder


# ---------------------------------------------------------------------------
# The server


def _ceil4(chars: int) -> int:
    return math.ceil(chars / 4)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "llm-test-server/1"
    sys_version = ""
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.owner.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            self.server.owner._handle(self, raw)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    def send(
        self, status: int, body: bytes, headers: Iterable[tuple[str, str]] = ()
    ) -> None:
        self.send_response(status)
        names = set()
        for name, value in headers:
            names.add(name.lower())
            self.send_header(name, value)
        if "content-type" not in names:
            self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default 5 drops connections under a concurrent batch
    owner: LLMServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client killed mid keep-alive (the batch SIGKILL tests) is expected, not news.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


class LLMServer:
    """A scripted OpenAI-compatible server on 127.0.0.1, running in a daemon thread.

    ``LLMServer(api_key=...)`` requires ``Authorization: Bearer <api_key>`` (else 401
    ``invalid_api_key``); ``models=[...]`` makes chat requests for other models fail
    with 404 ``model_not_found`` (default: any model accepted, ``DEFAULT_MODELS`` listed).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        models: Iterable[str] | None = None,
        responder: Responder | None = None,
        verbose: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.api_key = api_key
        self.models: list[str] | None = list(models) if models is not None else None
        self.responder: Responder | None = responder
        self.models_reply: Reply | None = None
        """If set, ``GET /v1/models`` answers with this (e.g. ``Reply.error(500)``)."""
        self.verbose = verbose
        self._lock = threading.Lock()
        self._queue: deque[Reply] = deque()
        self._requests: list[RecordedRequest] = []
        self.errors: list[BaseException] = []
        """Exceptions raised by responders (each was answered with a 500 ``responder_error``)."""
        self._seen: dict[str, int] = {}
        self._connections: set[socket.socket] = set()
        self._closed = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------

    def start(self) -> LLMServer:
        if self._httpd is not None:
            return self
        self._closed.clear()
        httpd = _HTTPServer(
            (self.host, self.port), _Handler
        )  # bound and listening on return
        httpd.owner = self
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"LLMServer:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, drop open keep-alive connections and wake delayed replies."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._closed.set()
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no ``/v1``)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``, for ``OpenAI(base_url=...)``."""
        return f"{self.url}/v1"

    # -- scripting ----------------------------------------------------------------

    def script(self, *replies: Reply | Mapping[str, Any]) -> LLMServer:
        """Queue replies, consumed one per chat request (dicts mean ``Reply.data``)."""
        converted = [_as_reply(r) for r in replies]
        with self._lock:
            self._queue.extend(converted)
        return self

    @property
    def pending(self) -> int:
        """Scripted replies not yet consumed."""
        with self._lock:
            return len(self._queue)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot (copy) of every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """The ``POST .../chat/completions`` requests only."""
        return [
            r
            for r in self.requests
            if r.method == "POST" and r.path.endswith("/chat/completions")
        ]

    def reset(self) -> None:
        """Forget recorded requests, scripted replies, the responder and ``models_reply``."""
        with self._lock:
            self._queue.clear()
            self._requests.clear()
            self._seen.clear()
        self.responder = None
        self.models_reply = None

    # -- internals ------------------------------------------------------------------

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _record(self, handler: _Handler, raw: bytes) -> RecordedRequest:
        path, _, query = handler.path.partition("?")
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        req = RecordedRequest(
            method=handler.command,
            path=path,
            headers={k.lower(): v for k, v in handler.headers.items()},
            json=parsed,
            raw_body=raw,
            query=query,
            peer=tuple(handler.client_address[:2]),
        )
        key = req.body_hash
        with self._lock:
            req.occurrence = self._seen.get(key, 0)
            self._seen[key] = req.occurrence + 1
            self._requests.append(req)
        return req

    def _handle(self, handler: _Handler, raw: bytes) -> None:
        req = self._record(handler, raw)
        try:
            reply = self._choose(req)
        except Exception as exc:  # noqa: BLE001 - a responder bug: answer 500 instead of dropping the connection
            import traceback

            with self._lock:
                self.errors.append(exc)
            reply = Reply.error(
                500,
                f"test server responder raised {type(exc).__name__}: {exc}\n{traceback.format_exc()}",
                type="test_server_error",
                code="responder_error",
            )
        while reply.kind == "delay":
            if self._closed.wait(reply.seconds):
                handler.close_connection = True
                return
            assert reply.inner is not None
            reply = reply.inner
        if reply.kind == "disconnect":
            req.status = None
            handler.close_connection = True
            try:
                handler.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        status, body, headers = self._render(req, reply)
        req.status = status
        handler.send(status, body, headers)

    def _choose(self, req: RecordedRequest) -> Reply:
        """Auth, routing and validation, then the script queue / responder."""
        if self.api_key is not None:
            auth = req.headers.get("authorization", "")
            if not auth:
                return Reply.error(
                    401,
                    "You didn't provide an API key. You need to provide your API key in an Authorization "
                    "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password "
                    "field (with blank username) if you're accessing the API from your browser and are "
                    "prompted for a username and password. You can obtain an API key from "
                    "https://platform.openai.com/account/api-keys.",
                    code=None,
                    type="invalid_request_error",
                )
            given = auth[7:] if auth.lower().startswith("bearer ") else auth
            if given != self.api_key:
                return Reply.error(
                    401,
                    f"Incorrect API key provided: {_mask_key(given)}. You can find your API key at "
                    "https://platform.openai.com/account/api-keys.",
                    code="invalid_api_key",
                )
        route = req.path.rstrip("/")
        if route.startswith("/v1/"):
            route = route[3:]
        if req.method == "GET" and route == "/models":
            return self.models_reply or Reply("models")
        if req.method == "GET" and route.startswith("/models/"):
            model = route[len("/models/") :]
            if self.models is not None and model not in self.models:
                return Reply.error(
                    404,
                    f"The model '{model}' does not exist",
                    code="model_not_found",
                    param="model",
                )
            return Reply("model", payload=model)
        if route != "/chat/completions" or req.method != "POST":
            return Reply.error(404, f"Invalid URL ({req.method} {req.path})", code=None)
        body = req.json
        if not isinstance(body, dict):
            return Reply.error(
                400,
                "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
                "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
                "sent was not valid JSON. If you have trouble figuring out how to fix this, please "
                "contact us through our help center at help.openai.com.)",
                code=None,
            )
        if not body.get("model"):
            return Reply.error(
                400, "you must provide a model parameter", code=None, param=None
            )
        if not isinstance(body.get("messages"), list):
            return Reply.error(
                400,
                "Missing required parameter: 'messages'.",
                code="missing_required_parameter",
                param="messages",
            )
        if self.models is not None and body["model"] not in self.models:
            return Reply.error(
                404,
                f"The model `{body['model']}` does not exist or you do not have access to it.",
                code="model_not_found",
            )
        if body.get("stream"):
            return Reply.error(
                400,
                "the test server does not support stream=true",
                code="unsupported_parameter",
                param="stream",
            )
        with self._lock:
            reply = self._queue.popleft() if self._queue else None
            served = sum(1 for r in self._requests if r.path == req.path) - 1
        if reply is not None:
            return reply
        if self.responder is not None:
            return _as_reply(self.responder(req))
        return Reply.error(
            500,
            NO_REPLY_MESSAGE.format(method=req.method, path=req.path, count=served),
            type="test_server_error",
            code="no_scripted_reply",
        )

    def _render(
        self, req: RecordedRequest, reply: Reply
    ) -> tuple[int, bytes, list[tuple[str, str]]]:
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
            names = self.models if self.models is not None else list(DEFAULT_MODELS)
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
        return 200, json.dumps(self._completion(req, reply, rid)).encode(), headers

    def _completion(
        self, req: RecordedRequest, reply: Reply, rid: str
    ) -> dict[str, Any]:
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


# ---------------------------------------------------------------------------
# Standalone


def _load_responder(spec: str) -> Responder:
    module_name, sep, attr = spec.partition(":")
    if not sep or not attr:
        raise SystemExit(f"--responder must look like module:function, got {spec!r}")
    import os

    for path in (os.getcwd(), os.path.dirname(os.path.abspath(__file__))):
        if path not in sys.path:
            sys.path.insert(0, path)
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Scripted OpenAI-compatible test server."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--responder",
        help="module:function returning a Reply (default: summary_responder)",
    )
    parser.add_argument("--p429", type=float, default=0.0)
    parser.add_argument("--p500", type=float, default=0.0)
    parser.add_argument("--p503", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--api-key", default=None)
    parser.add_argument(
        "--model",
        action="append",
        dest="models",
        help="restrict to these models (repeatable)",
    )
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = parser.parse_args(argv)

    responder = _load_responder(args.responder) if args.responder else summary_responder
    if args.p429 or args.p500 or args.p503:
        responder = flaky(
            responder, p429=args.p429, p500=args.p500, p503=args.p503, seed=args.seed
        )
    server = LLMServer(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        models=args.models,
        responder=responder,
        verbose=args.verbose,
    )
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with server:
        print(f"READY {server.base_url}", flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    # Run the importable copy, so a --responder module doing ``from llm_server import Reply``
    # shares this module's classes (sys.path[0] is this file's directory).
    import llm_server

    sys.exit(llm_server.main())

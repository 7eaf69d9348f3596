"""A scripted, OpenAI-compatible chat-completions server for tests.

This module is the HTTP server and the entry point; the rest lives beside it and is
re-exported here: ``llm_requests`` (RecordedRequest, request_mode, article_from_request),
``llm_replies`` (Reply, error_body), ``llm_responders`` (summary_responder, flaky) and
``llm_completions`` (the wire-format response bodies).

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
    ``/v1/files``, ``/v1/batches``                              -> the Batch API (``llm_batches``)

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
import importlib
import json
import signal
import socket
import sys
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if __package__ and not TYPE_CHECKING:  # imported as tests.llm_server
    from .llm_batches import BatchService
    from .llm_completions import CREATED, DEFAULT_MODELS, render_reply
    from .llm_replies import Reply, _as_reply, _mask_key, error_body
    from .llm_requests import (
        RecordedRequest,
        Responder,
        article_from_request,
        request_mode,
    )
    from .llm_responders import flaky, summary_responder
else:  # tests/ on sys.path (conftest, benchmarks), or run as a script
    from llm_batches import BatchService
    from llm_completions import CREATED, DEFAULT_MODELS, render_reply
    from llm_replies import Reply, _as_reply, _mask_key, error_body
    from llm_requests import (
        RecordedRequest,
        Responder,
        article_from_request,
        request_mode,
    )
    from llm_responders import flaky, summary_responder

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

NO_REPLY_MESSAGE = (
    "test server has no scripted reply for {method} {path}: the script() queue is empty "
    "and server.responder is not set ({count} chat request(s) served so far)"
)


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
        self.batches = BatchService(self)
        """The Files and Batches endpoints (``tests/llm_batches.py``)."""

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
        status, body, headers = render_reply(req, reply, self.models)
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
        batch_reply = self.batches.handle(req, route)  # /files and /batches (tests/llm_batches.py)
        if batch_reply is not None:
            return batch_reply
        if route != "/chat/completions" or req.method != "POST":
            return Reply.error(404, f"Invalid URL ({req.method} {req.path})", code=None)
        return self._reply_for_chat(req)

    def _reply_for_chat(self, req: RecordedRequest) -> Reply:
        """A chat request's reply: validation, then the script queue, then the responder
        (also what a batch job's request lines get)."""
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

"""The LLM client: the only module that imports openai and instructor.

Two retry layers, counted separately:

* **transport** (this module, tenacity): 429, 5xx, timeouts and dropped
  connections are retried around each HTTP request with exponential backoff
  and jitter, honouring ``retry-after``; bounded by ``transport_retries`` and
  ``max_retry_time``. The openai client's own retries are off.
* **content** (instructor): an answer that is not valid JSON, does not match
  the schema, or is not grounded in the article is re-asked with the error
  message, up to ``max_attempts`` answers.

400/401/403/404 are never retried: they become errors that say what to fix, and so is
a 5xx whose body says the request itself is invalid (llama-cpp-python answers 500 to a
``response_format`` it does not accept). A refused connection is retried once; a
connection dropped mid-answer is transient like a 5xx.

The request instructor builds for the mode is then shaped for the server behind the
URL (:mod:`summarizer.endpoints`: strict json_schema for OpenAI, a schema-constrained
json_object for llama.cpp, …). An answer cut off at ``max_tokens`` is asked again once
with a larger limit, up to ``max_tokens_ceiling``.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import hashlib
import json
import logging
import re
import socket
import weakref
from dataclasses import dataclass, field
from typing import Any

import instructor
import openai
from instructor.core.exceptions import IncompleteOutputException, InstructorError, InstructorRetryException
from instructor.core.hooks import Hooks
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, stop_after_delay
from tenacity.stop import stop_base
from tenacity.wait import wait_base, wait_exponential_jitter

from summarizer import client_speedups, endpoints, errors
from summarizer.config import Config
from summarizer.endpoints import EndpointInfo
from summarizer.redact import ScrubFilter, display_url, scrub
from summarizer.schema import Usage

_MODES = {
    "tools": instructor.Mode.TOOLS,
    "json": instructor.Mode.JSON,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "md_json": instructor.Mode.MD_JSON,
}
# instructor logs every failed attempt (with the server's error body) at ERROR on this
# logger; scrub those records in case the application has logging configured.
# It also logs every failed attempt at ERROR; we report failures ourselves, so without an
# application handler nothing should reach stderr through logging's last resort.
logging.getLogger("instructor.v2.retry").addFilter(ScrubFilter())
logging.getLogger("instructor").addHandler(logging.NullHandler())
# Work instructor and openai repeat on every request, done once (summarizer/client_speedups.py).
client_speedups.memoize_async_validator_check()
_create_chat_completion = client_speedups.direct_chat_completions()


# ---------------------------------------------------------------------------
# Transport retries


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: rate limits, server errors, timeouts and connection failures;
    not a 5xx whose body says the request itself is invalid."""
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code >= 500 and endpoints.says_request_is_invalid(_server_message(exc)):
            return False
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return False


def was_refused(exc: BaseException | None) -> bool:
    """True when no connection could be made at all (refused, unknown host, unreachable),
    as opposed to one that was dropped while the server was answering."""
    if not isinstance(exc, openai.APIConnectionError) or isinstance(exc, openai.APITimeoutError):
        return False
    seen: set[int] = set()
    cause: BaseException | None = exc.__cause__ or exc.__context__
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, (ConnectionRefusedError, socket.gaierror)) or type(cause).__name__ in (
            "ConnectError", "ConnectionRefusedError",
        ):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def retry_after(exc: BaseException | None) -> float | None:
    """Seconds the server asked us to wait (retry-after-ms or retry-after), if any."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            continue
    return None


class _StopWhenRefusedAgain(stop_base):
    """A refused connection is retried once, not for the whole budget: a server that is
    not running (a stopped Ollama, a wrong port) will not start in the next seconds.
    A connection dropped mid-answer is retried like any other transient fault."""

    def __call__(self, retry_state: Any) -> bool:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        return was_refused(exc) and retry_state.attempt_number >= 2


_stop_when_refused_again = _StopWhenRefusedAgain()


class wait_retry_after(wait_base):
    """Honour the server's retry-after; otherwise exponential backoff with jitter."""

    def __init__(self, initial: float = 0.5, maximum: float = 30.0) -> None:
        self.fallback = wait_exponential_jitter(multiplier=initial, max=maximum)
        self.maximum = maximum

    def __call__(self, retry_state: Any) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        asked = retry_after(exc)
        if asked is not None:
            return min(asked, self.maximum)
        return float(self.fallback(retry_state))


@dataclass
class CallStats:
    """What one summary cost: answers received, transport retries, tokens."""

    attempts: int = 0
    transport_retries: int = 0
    max_tokens: int = 0  # the output limit of the last request (raised once after a cut-off answer)
    usage: Usage = field(default_factory=Usage)
    errors: list[str] = field(default_factory=list)
    refusal: str | None = None  # the model's refusal message, if it refused

    def add_usage(self, usage: Any) -> None:
        if usage is None:
            return
        self.usage = self.usage + Usage(
            prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
            total_tokens=getattr(usage, "total_tokens", 0) or 0,
        )


# ---------------------------------------------------------------------------
# Error translation


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    return exc.message


_TOO_LONG_CODES = {"context_length_exceeded", "string_above_max_length", "request_too_large"}


def _error_code(exc: openai.APIStatusError) -> str | None:
    code = getattr(exc, "code", None)
    if code is None and isinstance(exc.body, dict):
        inner = exc.body.get("error", exc.body)
        code = inner.get("code") if isinstance(inner, dict) else None
    return str(code) if code else None


def _mode_hint(kind: str, mode: str, definite: bool) -> str:
    others = " or ".join(f"--mode {m}" for m in endpoints.other_modes(kind, mode))
    if definite:
        return f"This server does not accept --mode {mode}; use {others}."
    return f"If this server does not accept --mode {mode}, use {others}."


def translate(
    exc: BaseException, config: Config, kind: str | None = None, mode: str | None = None
) -> errors.SummarizerError:
    """An openai/transport exception as a SummarizerError that says what to do."""
    where = display_url(config.base_url)
    kind = kind or config.endpoint
    mode = mode or (config.mode if config.mode != "auto" else endpoints.DEFAULT_MODE.get(kind, "tools"))
    if isinstance(exc, openai.APITimeoutError):
        return errors.EndpointUnavailableError(
            f"{where} did not answer within {config.timeout:g}s after {config.transport_retries} retries.",
            hint="Check that the server is up, or raise --timeout for slow local models.",
        )
    if isinstance(exc, openai.APIConnectionError):
        if was_refused(exc):
            return errors.EndpointUnavailableError(
                f"Could not connect to {where} (connection failed twice).",
                hint="Check --base-url and that the server is running (e.g. 'ollama serve').",
            )
        return errors.EndpointUnavailableError(
            f"{where} dropped the connection before answering, again after "
            f"{config.transport_retries} retries ({type(exc.__cause__ or exc).__name__}).",
            hint="The server or a proxy in between is closing connections; rerun later.",
        )
    if isinstance(exc, InstructorError):
        return errors.LLMError(
            scrub(f"instructor could not run the request in mode {mode!r}: {exc}"),
            hint="Try another --mode (tools, json, json_schema, md_json).",
        )
    if not isinstance(exc, openai.APIStatusError):
        return errors.LLMError(scrub(f"Unexpected error from the LLM client: {type(exc).__name__}: {exc}"))
    status, message = exc.status_code, scrub(_server_message(exc))
    error: errors.LLMError
    if status in (401, 403):
        error = errors.AuthenticationError(
            f"{where} refused the API key (HTTP {status}: {message}).",
            hint="Check OPENAI_API_KEY (or SUMMARIZER_API_KEY) for this endpoint.",
        )
    elif status == 404:
        error = errors.NotFoundError(
            f"{where} answered 404 for model {config.model!r} ({message}).",
            hint="Check --model (e.g. 'ollama list' for local models) and that --base-url ends in /v1.",
        )
    elif status == 413 or _error_code(exc) in _TOO_LONG_CODES or "context length" in message.lower():
        error = errors.BadRequestError(
            f"{where}: the article and prompt are too long for model {config.model!r} (HTTP {status}: {message}).",
            hint="Use a model with a larger context window, or summarize a shorter text.",
        )
    elif status in (400, 422) or (status >= 500 and endpoints.says_request_is_invalid(message)):
        error = errors.BadRequestError(
            f"{where} rejected the request as invalid (HTTP {status}: {_first_lines(' '.join(message.split()), 300)}).",
            hint=_mode_hint(kind, mode, definite=endpoints.names_the_mode(message)),
        )
    elif status == 429:
        error = errors.RateLimitError(
            f"{where} is still rate-limiting after {config.transport_retries} retries ({message}).",
            hint="Wait and rerun, lower --concurrency, or set --rpm.",
        )
    elif status >= 500:
        error = errors.EndpointUnavailableError(
            f"{where} failed with HTTP {status} after {config.transport_retries} retries ({message}).",
            hint="The server is having trouble; rerun later.",
        )
    else:
        error = errors.LLMError(f"{where} answered HTTP {status}: {message}.")
    error.status_code = status
    return error


# ---------------------------------------------------------------------------
# The client


@functools.lru_cache(maxsize=16)
def _prepared(model: type[BaseModel]) -> type[BaseModel]:
    """instructor wraps the response model in a new class on every call, which defeats
    its own schema cache; wrapping once here saves regenerating the JSON schema per request.
    (An optimisation only: without that internal helper the model is passed as it is.)"""
    try:
        from instructor.v2.core.function_calls import response_schema
    except ImportError:  # pragma: no cover - another instructor layout
        return model
    return response_schema(model)


def raw_answer(completion: Any) -> str | None:
    """The text the model put where the JSON should be (tool arguments or content)."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError):
        return None
    if getattr(message, "tool_calls", None):
        return message.tool_calls[0].function.arguments
    content = message.content or ""
    fenced = re.search(r"```(?:json)?\s*(.*?)```", content, re.S)
    return fenced.group(1) if fenced else content


@dataclass
class ContentFailure(Exception):
    """The content attempts ran out; carries the last answer so the caller can decide."""

    last_answer: str | None
    error: str
    stats: CallStats


class LLMClient:
    """An OpenAI-compatible endpoint driven through instructor, with both retry layers.

    One ``AsyncOpenAI`` is kept per event loop, so the same client serves
    ``asyncio.run`` calls, a notebook's loop and a batch.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        #: The endpoint kind and the mode in use; known after the first request
        #: (:meth:`endpoint`; a probe when the URL does not say which server it is).
        self.info: EndpointInfo | None = None
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, openai.AsyncOpenAI] = (
            weakref.WeakKeyDictionary()
        )
        #: Called with the wait in seconds whenever a transport retry is scheduled
        #: (batch uses it to slow every worker down after a 429).
        self.on_backoff: list[Any] = []
        #: How transport retries wait (tests replace it to observe the waits).
        self.sleep: Any = asyncio.sleep
        #: Awaited (no arguments) before every HTTP request: first tries, retries and
        #: re-asks (batch uses it for --rpm and to hold requests during a shared backoff).
        self.before_request: list[Any] = []

    def _client(self) -> openai.AsyncOpenAI:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = openai.AsyncOpenAI(
                api_key=self.config.api_key or "not-needed",
                base_url=self.config.base_url,
                max_retries=0,
                timeout=self.config.timeout,
            )
            self._clients[loop] = client
        return client

    async def aclose(self) -> None:
        """Close the HTTP client of the running loop."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.close()

    async def endpoint(self) -> EndpointInfo:
        """Which kind of server this is and which mode will be used (probed once per base URL)."""
        if self.info is None:
            config = self.config
            kind, found_by = endpoints.kind_from_url(config.base_url), "url"
            if kind == "custom":
                kind, found_by = await self._probe()
            if config.mode != "auto":
                mode, source = config.mode, config.sources.get("mode", "argument")
            else:
                mode, source = endpoints.DEFAULT_MODE[kind], f"default for {kind}"
            self.info = EndpointInfo(kind=kind, found_by=found_by, mode=mode, mode_source=source)
        return self.info

    async def _probe(self) -> tuple[str, str]:
        key = self.config.base_url or ""
        if key not in _PROBED:
            try:
                client = self._client().with_options(timeout=min(10.0, self.config.timeout))
                # GET /models as plain JSON: client.models would import every API resource of the SDK
                raw = await client.get("/models", cast_to=object)
                if not isinstance(raw, dict) or not isinstance(raw.get("data"), list):
                    return "custom", "unknown"
                listing = {"data": [m for m in raw["data"] if isinstance(m, dict)]}
                _PROBED[key] = (endpoints.kind_from_models(listing), "probe")
                LISTINGS[key] = listing  # also read for the model's context window (summarizer.context_probe)
            except (openai.OpenAIError, ValueError, TypeError):
                return "custom", "unknown"  # not cached: the real request will say what is wrong
        return _PROBED[key]

    async def _send(self, stats: CallStats, **kwargs: Any) -> Any:
        """One chat completion with transport retries (the function instructor patches).

        Under a :data:`SCRIPT` (provider batch jobs) the answers of a job are served first,
        and then the request is sent or captured."""
        script = SCRIPT.get()
        if script is not None:
            if script.answers:
                return script.serve()
            if script.then == "capture":
                raise Captured(request_body(kwargs))
        return await self._retrying(stats, lambda client: self._post_chat(client, kwargs))

    @staticmethod
    async def _post_chat(client: openai.AsyncOpenAI, kwargs: dict[str, Any]) -> Any:
        if _create_chat_completion is not None:
            return await _create_chat_completion(client, **kwargs)
        return await client.chat.completions.create(**kwargs)

    async def _retrying(self, stats: CallStats, call: Any) -> Any:
        """``await call(client)`` with the transport retries (429, 5xx, timeouts, dropped connections)."""
        config = self.config

        def before_sleep(state: Any) -> None:
            stats.transport_retries += 1
            wait = state.next_action.sleep if state.next_action else 0.0
            for callback in self.on_backoff:
                callback(wait, state.outcome.exception())

        retrying = AsyncRetrying(
            stop=(
                stop_after_attempt(config.transport_retries + 1)
                | stop_after_delay(config.max_retry_time)
                | _stop_when_refused_again
            ),
            wait=wait_retry_after(),
            retry=retry_if_exception(is_transient),
            before_sleep=before_sleep,
            sleep=lambda seconds: self.sleep(seconds),
            reraise=True,
        )
        client = self._client()
        async for attempt in retrying:
            with attempt:
                for hook in self.before_request:
                    await hook()
                return await call(client)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- provider batch jobs (summarizer.batchjobs): the files and batches resources ---------------

    async def upload_batch_file(self, name: str, data: bytes) -> str:
        """Upload a JSONL of requests (purpose "batch"); return the file id.

        The multipart boundary is derived from the content, so the same file makes the same request."""
        boundary = "summarizer-" + hashlib.sha256(data).hexdigest()[:32]
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        file = await self._resource(
            lambda c: c.files.create(file=(name, data, "application/jsonl"), purpose="batch", extra_headers=headers)
        )
        return str(file.id)

    async def create_batch(self, input_file_id: str, metadata: dict[str, str] | None = None) -> dict[str, Any]:
        """Start a batch job on an uploaded file (chat completions, 24 h window); return the job."""
        job = await self._resource(
            lambda c: c.batches.create(
                input_file_id=input_file_id, endpoint="/v1/chat/completions", completion_window="24h",
                metadata=metadata or openai.omit,
            )
        )
        return dict(job.model_dump())

    async def retrieve_batch(self, batch_id: str) -> dict[str, Any]:
        """The batch job ``batch_id`` now (status, request_counts, output_file_id, error_file_id)."""
        job = await self._resource(lambda c: c.batches.retrieve(batch_id))
        return dict(job.model_dump())

    async def file_content(self, file_id: str) -> bytes:
        """The content of file ``file_id`` (a job's output or error file)."""
        response = await self._resource(lambda c: c.files.content(file_id))
        return bytes(response.content)

    async def delete_file(self, file_id: str) -> None:
        """Delete file ``file_id`` at the provider (a collected job's uploaded input)."""
        await self._resource(lambda c: c.files.delete(file_id))

    async def _resource(self, call: Any) -> Any:
        try:
            return await self._retrying(CallStats(), call)
        except openai.OpenAIError as exc:
            raise translate(exc, self.config) from exc

    async def extract(self, response_model: type[BaseModel], messages: list[dict[str, str]]) -> tuple[BaseModel, CallStats]:
        """Ask for ``response_model``; returns it with the stats of every attempt.

        Raises :class:`ContentFailure` when every content attempt failed
        validation, or a :class:`~summarizer.errors.LLMError` for transport and
        HTTP errors.
        """
        stats = CallStats(max_tokens=self.config.max_tokens)
        try:
            info = await self.endpoint()
            try:
                return await self._extract(response_model, messages, stats, info, self.config.max_tokens)
            except IncompleteOutputException:
                larger = min(self.config.max_tokens_ceiling, 2 * self.config.max_tokens)
                if larger <= self.config.max_tokens:
                    raise
                stats.max_tokens = larger  # asked once more with room to finish
                return await self._extract(response_model, messages, stats, info, larger)
        except IncompleteOutputException as exc:
            error = errors.OutputTruncatedError(
                f"The model stopped at its output limit ({stats.max_tokens} tokens) before finishing the summary.",
                hint=(
                    "Raise SUMMARIZER_MAX_TOKENS_CEILING (and SUMMARIZER_MAX_TOKENS), "
                    "or use a model with a larger output window."
                ),
            )
            error.usage = stats.usage
            raise error from exc
        except errors.SummarizerError as exc:
            exc.usage = stats.usage  # what the failed attempts cost
            raise

    async def _extract(
        self,
        response_model: type[BaseModel],
        messages: list[dict[str, str]],
        stats: CallStats,
        info: EndpointInfo,
        max_tokens: int,
    ) -> tuple[BaseModel, CallStats]:
        config = self.config
        schema = client_speedups.json_schema(response_model)  # shared: read, never changed

        async def send(**kwargs: Any) -> Any:
            response = await self._send(stats, **endpoints.shape_request(info.kind, info.mode, kwargs, schema))
            _mark_cut_off_tool_calls(response, kwargs.get("max_tokens"))
            return response

        def on_response(response: Any) -> None:
            stats.attempts += 1
            stats.add_usage(getattr(response, "usage", None))
            choices = getattr(response, "choices", None) or []
            refusal = getattr(choices[0].message, "refusal", None) if choices else None
            if refusal:
                stats.refusal = str(refusal)

        def on_parse_error(error: Exception, **_: Any) -> None:
            stats.errors.append(_first_lines(str(error)))

        hooks = Hooks()
        hooks.on("completion:response", on_response)
        hooks.on("parse:error", on_parse_error)
        create: Any = instructor.patch(create=send, mode=_MODES[info.mode])
        try:
            result = await create(
                response_model=_prepared(response_model),
                messages=messages,  # never pass context=: it would render the article as Jinja
                model=config.model,
                temperature=config.temperature,
                max_tokens=max_tokens,
                max_retries=config.max_attempts - 1,
                strict=False,
                hooks=hooks,
            )
        except InstructorRetryException as exc:
            if stats.refusal:
                raise errors.SummaryError(
                    f"The model refused to summarize this article: \u201c{scrub(stats.refusal)}\u201d",
                    hint="Try another model or endpoint; some refuse reports of violence.",
                    attempts=stats.attempts,
                    errors=stats.errors,
                ) from exc
            cause = _root_cause(exc)
            if isinstance(cause, IncompleteOutputException):
                raise cause from exc
            if cause is not None and not _is_content_error(cause):
                raise translate(cause, config, info.kind, info.mode) from cause
            last = exc.failed_attempts[-1].completion if exc.failed_attempts else exc.last_completion
            raise ContentFailure(raw_answer(last), _first_lines(str(cause or exc)), stats) from exc
        except IncompleteOutputException:
            raise
        except (openai.OpenAIError, InstructorError) as exc:
            raise translate(exc, config, info.kind, info.mode) from exc
        return result, stats

    async def ping(self) -> list[str]:
        """List the endpoint's models: a tiny request that checks the URL and the key."""
        try:
            page = await self._client().models.list()
        except openai.OpenAIError as exc:
            raise translate(exc, self.config) from exc
        return [m.id for m in page.data]


#: base URL -> (kind, "probe"), so a batch or a notebook probes each server once.
_PROBED: dict[str, tuple[str, str]] = {}
#: The ``GET /models`` answer of each probed base URL.
LISTINGS: dict[str, dict[str, Any]] = {}


async def adetect_endpoint(config: Config) -> EndpointInfo:
    """Which kind of server ``config`` points at and which mode will be used.

    The URL is enough for the usual ports and hosts; otherwise one ``GET /models``
    is made (once per base URL). An explicit mode always wins over the kind's default.
    """
    client = LLMClient(config)
    try:
        return await client.endpoint()
    finally:
        await client.aclose()


def detect_endpoint(config: Config) -> EndpointInfo:
    """Blocking :func:`adetect_endpoint` (for ``summarizer config --check``)."""
    from summarizer.pipeline import run_sync

    return run_sync(adetect_endpoint(config))


# ---------------------------------------------------------------------------
# Provider batch jobs: answers served from a job's results, requests captured for a job


class Captured(BaseException):
    """Raised instead of sending a chat request while a :class:`Script` captures; carries the
    JSON body that would have been sent (a BaseException, so no retry layer swallows it)."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__("chat request captured for a provider batch job")
        self.body = body


@dataclass
class Script:
    """What :meth:`LLMClient._send` does under :data:`SCRIPT`: serve ``answers`` (chat.completion
    bodies from a batch job's results) first, then send the request live (``then="live"``) or
    raise :class:`Captured` with it (``"capture"``)."""

    answers: list[dict[str, Any]] = field(default_factory=list)
    then: str = "live"
    served: int = 0

    def serve(self) -> Any:
        self.served += 1
        return completion(self.answers.pop(0))


#: The script of the running task (a ContextVar: concurrent batch items never see each other's).
SCRIPT: contextvars.ContextVar[Script | None] = contextvars.ContextVar("summarizer_client_script", default=None)


def completion(body: Any) -> Any:
    """A chat.completion body (from a batch job's results) as the SDK's ChatCompletion; ValueError if it is not one."""
    from openai.types.chat import ChatCompletion

    try:
        return ChatCompletion.model_validate(body)
    except ValidationError as exc:
        raise ValueError(f"not a chat completion: {_first_lines(str(exc), 200)}") from None


def request_body(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The JSON body of a chat request made with ``kwargs`` (what the HTTP request carries)."""
    from openai._types import NotGiven, Omit

    body = {
        k: v for k, v in kwargs.items()
        if k not in client_speedups._OPTIONS and not isinstance(v, (Omit, NotGiven))
    }
    return dict(json.loads(json.dumps(body, default=_jsonable)))


def _jsonable(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json", exclude_unset=True)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _mark_cut_off_tool_calls(response: Any, max_tokens: int | None) -> None:
    """llama-cpp-python reports ``finish_reason="tool_calls"`` even when the arguments were
    cut off at ``max_tokens``; call it ``length`` so it is re-asked with a larger limit
    instead of being sent back as invalid JSON."""
    choices = getattr(response, "choices", None) or []
    used = getattr(getattr(response, "usage", None), "completion_tokens", None)
    if choices and max_tokens and used is not None and used >= max_tokens and choices[0].finish_reason == "tool_calls":
        choices[0].finish_reason = "length"


def _root_cause(exc: BaseException) -> BaseException | None:
    cause = exc.__cause__
    while isinstance(cause, InstructorRetryException) and cause.__cause__ is not None:
        cause = cause.__cause__
    return cause


def _is_content_error(exc: BaseException) -> bool:
    return isinstance(exc, (ValidationError, json.JSONDecodeError, ValueError)) and not isinstance(
        exc, openai.OpenAIError
    )


def _first_lines(text: str, limit: int = 1200) -> str:
    text = scrub(text.strip())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"

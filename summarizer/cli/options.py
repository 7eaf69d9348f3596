"""Options shared by the commands that summarize (summarize, eval, batch), and the helpers
that turn them into a Summarizer and report on it while it works."""

from __future__ import annotations

import contextlib
import functools
import gc
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import click

from summarizer.cli.messages import _DEBUG, note
from summarizer.config import BACKENDS, MODES

if TYPE_CHECKING:
    from summarizer.config import Config

F = TypeVar("F", bound=Callable[..., Any])

#: Seconds to fetch a URL when --timeout / SUMMARIZER_TIMEOUT is not set.
FETCH_TIMEOUT = 20.0


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[_DEBUG] = True


debug_option = click.option(
    "--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug,
    help="Show the full traceback on errors.",
)

#: option parameter name -> Config field
_SHARED_NAMES = {
    "model": "model",
    "base_url": "base_url",
    "mode": "mode",
    "temperature": "temperature",
    "max_attempts": "max_attempts",
    "timeout": "timeout",
    "backend": "backend",
    "strict": "strict",
    "prompts": "prompts_dir",
    "context_tokens": "context_tokens",
}

_SHARED_OPTIONS = [
    click.option(
        "-m", "--model", metavar="NAME",
        help="Model name.  [env: SUMMARIZER_MODEL, OPENAI_MODEL; default: gpt-4o-mini]",
    ),
    click.option(
        "--base-url", metavar="URL",
        help="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 for Ollama.  "
        "[env: SUMMARIZER_BASE_URL, OPENAI_BASE_URL; default: OpenAI]",
    ),
    click.option(
        "--mode", type=click.Choice(MODES, case_sensitive=False),
        help="How the model returns JSON: tools, json (most local servers), json_schema, md_json.  "
        "[env: SUMMARIZER_MODE; default: tools]",
    ),
    click.option("--temperature", type=float, help="Sampling temperature.  [env: SUMMARIZER_TEMPERATURE; default: 0]"),
    click.option(
        "--max-attempts", type=click.IntRange(min=1), metavar="N",
        help="Answers to try, re-asks included.  [env: SUMMARIZER_MAX_ATTEMPTS; default: 3]",
    ),
    click.option(
        "--timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
        help=f"Seconds per request.  [env: SUMMARIZER_TIMEOUT; default: 60 for the LLM, {FETCH_TIMEOUT:g} to fetch a URL or wait for a pipe]",
    ),
    click.option(
        "--backend", type=click.Choice(BACKENDS, case_sensitive=False),
        help="llm, extractive (offline, rule-based), or auto: llm when a key or --base-url is set, "
        "else extractive.  [env: SUMMARIZER_BACKEND; default: auto]",
    ),
    click.option(
        "--strict", is_flag=True, default=None,
        help="Fail when an item can't be grounded in the article, instead of dropping it.",
    ),
    click.option(
        "--context-tokens", type=click.IntRange(min=512), metavar="N",
        help="The model's context window in tokens; longer articles are read in overlapping chunks.  "
        "[env: SUMMARIZER_CONTEXT_TOKENS; default: asked from the server, else per endpoint kind]",
    ),
    click.option(
        "--prompts", type=click.Path(exists=True, file_okay=False), metavar="DIR",
        help="Use your own templates (see 'summarizer prompts --export').  [env: SUMMARIZER_PROMPTS]",
    ),
    debug_option,
]


def summarizer_options(f: F) -> F:
    """Add the shared options; the command receives them as ``overrides``, a dict of Config fields.

    An option that was not given is None in ``overrides``, so ``Config.resolve``
    falls back to the environment and records where each value came from.
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        overrides = {field: kwargs.pop(param) for param, field in _SHARED_NAMES.items()}
        overrides["strict"] = overrides["strict"] or None
        if overrides["mode"]:
            overrides["mode"] = overrides["mode"].lower()
        if overrides["backend"]:
            overrides["backend"] = overrides["backend"].lower()
        return f(*args, overrides=overrides, **kwargs)

    for option in reversed(_SHARED_OPTIONS):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]


def make_summarizer(overrides: dict[str, Any], *, announce: bool = True) -> Any:
    """A Summarizer with its backend chosen now, so configuration errors come before any work.

    With ``announce``, says on stderr when ``auto`` fell back to the extractive
    backend (otherwise call :func:`announce_fallback` once the input is read).
    """
    from summarizer.pipeline import Summarizer

    summarizer = Summarizer(**overrides)
    summarizer.backend  # noqa: B018 - raises NoEndpointError for --backend llm without an endpoint
    started()
    if announce:
        announce_fallback(summarizer)
    return summarizer


#: Allocations between two passes of the collector's youngest generation once start-up is over (Python's
#: default is 700). An article in flight holds thousands of objects; at 700 each pass walked the articles in
#: flight again: a fifth as many passes, and about 0.4 ms of CPU less per article in a batch.
YOUNG_THRESHOLD = 20_000


#: Whether :func:`summarizer.cli.main` has the collector off for start-up (until :func:`started`).
_paused = False


@contextlib.contextmanager
def collector_off_for_start_up() -> Iterator[None]:
    """:func:`summarizer.cli.main`: the garbage collector off until :func:`started` (or the end of the
    command), then as it was. Importing the SDK makes about a million objects that live as long as the
    process, and the collector would walk them again and again as they are made (about 0.2 s of a
    single call)."""
    global _paused
    threshold, enabled = gc.get_threshold(), gc.isenabled()
    _paused = True
    gc.disable()
    try:
        yield
    finally:
        _paused = False
        gc.set_threshold(*threshold)
        if enabled:
            gc.enable()
        else:
            gc.disable()


def started() -> None:
    """Start-up is over (the SDK imported, the backend made): the garbage collector, off since
    :func:`summarizer.cli.main` began, runs again, less often (:data:`YOUNG_THRESHOLD`), and what
    start-up made is kept out of its passes (``gc.freeze``): it lives as long as the process.
    Commands run some other way (``CliRunner``, a caller's own ``cli.main``) leave the collector alone."""
    global _paused
    if not _paused:
        return
    _paused = False
    gc.freeze()
    young, middle, oldest = gc.get_threshold()
    gc.set_threshold(max(YOUNG_THRESHOLD, young), middle, oldest)
    gc.enable()


def announce_fallback(summarizer: Any) -> None:
    """One line on stderr when the auto backend chose the extractive one, and why."""
    if summarizer.fallback_reason:
        note(summarizer.fallback_reason)


def announce_retries(summarizer: Any) -> None:
    """Say on stderr when a request is retried (429, 5xx, timeout, refused connection), so waits aren't silent."""
    client = getattr(summarizer.backend, "client", None)
    if client is None or not hasattr(client, "on_backoff"):
        return
    config = summarizer.config
    where = config.display_url
    count = 0

    def on_backoff(wait: float, exc: BaseException | None) -> None:
        nonlocal count
        count += 1
        status = getattr(exc, "status_code", None)
        if status is not None:
            reason = f"HTTP {status}"
        elif exc is not None and "timeout" in type(exc).__name__.lower():
            reason = "no answer in time"
        else:
            reason = "could not connect"
        note(f"{where}: {reason}; retry {count} of {config.transport_retries} in {wait:.1f} s")

    client.on_backoff.append(on_backoff)


@contextlib.contextmanager
def working(message: str) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr while ``message`` is being done, only when stderr is a terminal;
    yields a function that changes the message (chunk progress)."""
    if not sys.stderr.isatty():
        yield lambda _message: None
        return
    from rich.console import Console

    with Console(stderr=True).status(message) as status:
        yield status.update


def _fetch_timeout(config: Config) -> float:
    return config.timeout if not config.sources.get("timeout", "default").startswith("default") else FETCH_TIMEOUT

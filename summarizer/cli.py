"""The command line: parse arguments, call the library, print, exit.

    summarizer summarize SOURCE   one article (file, -, URL) as terminal / json / markdown / html
    summarizer schema             the JSON Schema of the output (--draft: what the LLM fills)
    summarizer prompts            the templates in use; --export DIR copies them out for editing
    summarizer config             the effective configuration and where each value came from; --check
    summarizer eval GOLD_DIR      score a backend, or stored results, against gold facts
    summarizer batch INPUT... -o OUT.jsonl   many articles, concurrently and resumably, through the store

Exit codes: 0 ok, 1 the summary failed (LLM or validation), 2 bad usage or bad
input, 130 interrupted. An error is one line on stderr (``summarizer: error:
...``); ``--debug`` adds the traceback.

The library is imported inside the commands, so ``summarizer --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from summarizer.config import BACKENDS, MODES

if TYPE_CHECKING:
    from summarizer.config import Config
    from summarizer.schema import Summary

F = TypeVar("F", bound=Callable[..., Any])

PROG = "summarizer"
FORMATS = ("terminal", "json", "markdown", "html")
#: -o FILE picks the format from the extension (.txt: the terminal tables as plain text); others are refused.
SUFFIX_FORMATS = {
    ".json": "json", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".txt": "terminal",
}
#: What batch writes: OUT is JSON Lines; the digest is Markdown or HTML.
BATCH_SUFFIXES = (".jsonl", ".ndjson")
DIGEST_SUFFIXES = (".md", ".markdown", ".html", ".htm")
#: Seconds to fetch a URL when --timeout / SUMMARIZER_TIMEOUT is not set.
FETCH_TIMEOUT = 20.0
_DEBUG = "summarizer.debug"  # key in click's ctx.meta, shared by the group and its commands


# ---------------------------------------------------------------------------
# Messages on stderr


def _scrub(text: str) -> str:
    """Remove keys from a message: every configured key, and anything key-like."""
    from summarizer.redact import remember, scrub

    for var in ("SUMMARIZER_API_KEY", "OPENAI_API_KEY"):  # also before any Config was resolved
        remember(os.environ.get(var))
    return scrub(text)


def note(message: str) -> None:
    """One line on stderr, prefixed with the program name."""
    click.echo(f"{PROG}: {' '.join(_scrub(message).split())}", err=True)


def _report(exc: BaseException, *, debug: bool) -> int:
    """Print ``exc`` as one line on stderr (after the traceback with --debug); return the exit code."""
    from summarizer.errors import SummarizerError

    if debug:
        click.echo(_scrub("".join(traceback.format_exception(type(exc), exc, exc.__traceback__))), err=True, nl=False)
    if isinstance(exc, SummarizerError):
        note(f"error: {exc}")
        return exc.exit_code
    rerun = "" if debug else " (rerun with --debug for the traceback)"
    note(f"internal error: {type(exc).__name__}: {exc}{rerun}")
    return 1


class _OneLineUsageError(click.UsageError):
    """A click usage error (bad option value, missing argument) shown as one line, like every other error."""

    def __init__(self, exc: click.UsageError, command: str) -> None:
        super().__init__(exc.message, exc.ctx)
        self.original = exc
        self.command = exc.ctx.command_path if exc.ctx is not None else command

    def show(self, file: Any = None) -> None:
        message = " ".join(self.original.format_message().split())
        if not message.endswith((".", "?", "!")):
            message += "."
        note(f"error: {message} See '{self.command} --help'.")


#: 'summarizer' alone shows the help through this error (click >= 8.2); it stays as it is.
_NO_ARGS_IS_HELP: tuple[type[Exception], ...] = tuple(
    t for t in [getattr(click.exceptions, "NoArgsIsHelpError", None)] if t is not None
)


def _one_line_usage(exc: click.UsageError, command: str) -> click.UsageError:
    if isinstance(exc, (_OneLineUsageError, *_NO_ARGS_IS_HELP)):
        return exc
    return _OneLineUsageError(exc, command)


_COMMAND = "summarizer.command"  # key in ctx.meta: the command path being parsed, for usage errors without a context


class _Group(click.Group):
    """Commands listed in the order they are defined; library and usage errors become one-line messages."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _one_line_usage(exc, info_name or PROG) from exc

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            ctx.meta[_COMMAND] = f"{ctx.command_path} {command.name}"
        return name, command, rest

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _one_line_usage(exc, ctx.meta.get(_COMMAND, ctx.command_path)) from exc
        except (click.exceptions.Exit, click.ClickException, click.Abort, BrokenPipeError):
            raise
        except KeyboardInterrupt:
            ctx.exit(130)
        except Exception as exc:  # noqa: BLE001 - the one place every failure is turned into a message
            ctx.exit(_report(exc, debug=bool(ctx.meta.get(_DEBUG))))


# ---------------------------------------------------------------------------
# Options shared by the commands that summarize (summarize, eval, batch)


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
        help=f"Seconds per request.  [env: SUMMARIZER_TIMEOUT; default: 60 for the LLM, {FETCH_TIMEOUT:g} to fetch a URL]",
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
    if announce:
        announce_fallback(summarizer)
    return summarizer


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
def working(message: str) -> Iterator[None]:
    """A spinner on stderr while ``message`` is being done, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(message):
        yield


# ---------------------------------------------------------------------------
# The group


@click.group(
    PROG,
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""\b
Examples:
  summarizer summarize seeds/ukraine-istanbul-talks.txt
  summarizer summarize https://example.com/story.html --format html -o story.html
  summarizer config --check
  summarizer COMMAND --help

\b
Exit codes: 0 ok, 1 the summary failed (LLM or validation) or a batch input failed,
2 bad usage or input, 130 interrupted (Ctrl-C).
""",
)
@click.version_option(package_name="summarizer", prog_name=PROG, message="%(prog)s %(version)s")
@debug_option
def cli() -> None:
    """Grounded, structured summaries of news about armed conflict.

    Every item (diplomacy, attacks, territory, sanctions) carries evidence copied
    verbatim from the article, with character offsets. Works with any
    OpenAI-compatible endpoint, or offline with the extractive backend.
    """


# ---------------------------------------------------------------------------
# summarize


def _default_format(output: Path | None) -> str:
    if output is not None:
        _check_suffix(output, "-o", SUFFIX_FORMATS, "or pass --format")
        return SUFFIX_FORMATS[output.suffix.lower()]
    return "terminal" if sys.stdout.isatty() else "json"


def _check_suffix(path: Path, option: str, allowed: Iterable[str], alternative: str = "") -> None:
    """Refuse a file name whose extension says nothing we write: no silent JSON in a .pdf."""
    from summarizer.errors import UsageError

    allowed = list(allowed)
    suffix = path.suffix.lower()
    if suffix in allowed:
        return
    what = f"unknown extension '{path.suffix}'" if suffix else "no extension"
    names = ", ".join(allowed[:-1]) + f" or {allowed[-1]}"
    raise UsageError(f"{option} {path}: {what}.", hint=f"Name it {names}{f' ({alternative})' if alternative else ''}.")


def _check_output(output: Path) -> None:
    """Refuse an -o path that can't be written before spending time (and tokens) on the summary."""
    from summarizer.errors import UsageError

    if output.is_dir():
        raise UsageError(f"-o {output} is a directory.", hint="Give a file name, e.g. -o summary.html.")
    parent = output.parent if str(output.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"Cannot write {output}: folder {parent} does not exist.", hint="Create it first.")


def _not_one_article(source: str, what: str) -> Exception:
    """The error for a feed, JSONL file, URL list or folder given to 'summarize': it points to 'batch'."""
    from summarizer.errors import InputError

    if source == "-":
        return InputError(
            f"<stdin> {what}; 'summarize' reads one article.",
            hint="Save it to a file and use 'summarizer batch FILE -o OUT.jsonl'.",
        )
    return InputError(f"{source} {what}; 'summarize' reads one article.", hint=f"Use 'summarizer batch {source} -o OUT.jsonl'.")


def _one_article(source: str) -> None:
    """Refuse a folder, a feed or a JSONL file by its name, before any work (the content is checked when read)."""
    from summarizer.inputs import FEED_SUFFIXES, JSONL_SUFFIXES

    if source == "-" or "://" in source:
        return
    path = Path(source)
    suffix = path.suffix.lower()
    if path.is_dir():
        what = "is a folder"
    elif suffix in JSONL_SUFFIXES or suffix == ".json":
        what = "holds many articles (JSON Lines)"
    elif suffix in FEED_SUFFIXES:
        what = "is an RSS/Atom feed"
    else:
        return
    raise _not_one_article(source, what)


def _fetch_timeout(config: Config) -> float:
    return config.timeout if config.sources.get("timeout", "default") != "default" else FETCH_TIMEOUT


def render(summary: Summary, fmt: str, *, tty: bool = False) -> str | None:
    """The summary as text in ``fmt``.

    ``terminal`` with ``tty`` prints in colour on stdout and returns None;
    without, it is plain text ($COLUMNS or 100 wide) without trailing spaces.
    """
    from summarizer import render as r

    if fmt != "terminal":
        text = {"json": r.to_json, "markdown": r.to_markdown, "html": r.to_html}[fmt](summary)
        return text if text.endswith("\n") else text + "\n"
    from rich.console import Console

    if tty:
        r.to_terminal(summary, Console(file=sys.stdout, highlight=False, emoji=False))
        return None
    buffer = io.StringIO()
    columns = os.environ.get("COLUMNS", "")
    width = int(columns) if columns.isdigit() and int(columns) > 0 else 100
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False, highlight=False, emoji=False)
    r.to_terminal(summary, console)
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def _write(summary: Summary, fmt: str, output: Path | None) -> None:
    from summarizer.errors import UsageError

    if output is None:
        text = render(summary, fmt, tty=sys.stdout.isatty())
        if text is not None:
            click.echo(text, nl=False)
        return
    try:
        output.write_text(render(summary, fmt) or "", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise UsageError(f"Cannot write {output} ({exc.strerror or exc}).") from exc
    note(f"wrote {output} ({fmt})")


def usage_line(summary: Summary) -> str:
    """Tokens, attempts, transport retries and latency, for --show-usage."""
    meta = summary.meta
    usage = meta.usage
    who = f"{meta.backend} {meta.model}" if meta.model else meta.backend
    reasks = meta.attempts - 1
    attempts = f"{meta.attempts} attempt{'s' if meta.attempts != 1 else ''}"
    if reasks:
        attempts += f" ({reasks} re-ask{'s' if reasks != 1 else ''})"
    parts = [
        who,
        f"{usage.total_tokens:,} tokens ({usage.prompt_tokens:,} prompt + {usage.completion_tokens:,} completion)",
        attempts,
        f"{meta.transport_retries} transport retr{'ies' if meta.transport_retries != 1 else 'y'}",
    ]
    if meta.latency_s is not None:
        parts.append(f"{meta.latency_s:.2f} s")
    return "usage: " + " · ".join(parts)


def dropped_line(summary: Summary) -> str | None:
    """'2 items dropped: ...' when the backend proposed items that are not in the article."""
    dropped = summary.meta.dropped
    if not dropped:
        return None
    whole = sum(1 for d in dropped if not d.kept and d.section not in ("headline", "summary"))
    trimmed = sum(1 for d in dropped if d.kept)
    parts = [f"{whole} item{'s' if whole != 1 else ''} dropped"] if whole else []
    parts += [f"{trimmed} item{'s' if trimmed != 1 else ''} kept without ungrounded parts"] if trimmed else []
    parts += [f"{d.section} replaced by the article's lead" for d in dropped if d.section in ("headline", "summary")]
    return f"{', '.join(parts)}: not found in the article (see 'dropped')"


@cli.command(
    epilog="""\b
Examples:
  summarizer summarize seeds/ukraine-istanbul-talks.txt
  summarizer summarize story.html --format markdown
  curl -s https://example.com/story | summarizer summarize - -o story.json
  summarizer summarize https://example.com/story --format html -o story.html
  summarizer summarize story.txt --base-url http://localhost:11434/v1 --model llama3.1 --mode json
  summarizer summarize story.txt --backend extractive --show-usage

\b
SOURCE is a .txt/.md file, an .html file (the article is extracted, with its
title and date), - for stdin, or an http(s) URL.
""",
)
@click.argument("source", metavar="SOURCE")
@click.option(
    "-f", "--format", "fmt", type=click.Choice(FORMATS, case_sensitive=False),
    help="terminal (readable tables), json (the Summary with metadata), markdown, or html "
    "(a standalone page with the evidence highlighted in the article).  "
    "[default: terminal on a terminal, else json; with -o, from the file extension]",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
    help="Write to FILE instead of stdout (.json, .md, .html or .txt, plain text, pick the format; "
    "another extension needs --format).",
)
@click.option("--show-usage", is_flag=True, help="Print tokens, attempts, retries and latency on stderr.")
@summarizer_options
def summarize(source: str, fmt: str | None, output: Path | None, show_usage: bool, overrides: dict[str, Any]) -> None:
    """Summarize one article from a file, stdin or a URL."""
    from summarizer.errors import SummarizerError
    from summarizer.inputs import ManyArticlesError, read_source

    fmt = (fmt or _default_format(output)).lower()
    if output is not None:
        _check_output(output)
    _one_article(source)
    summarizer = make_summarizer(overrides, announce=False)
    try:
        article = read_source(source, timeout=_fetch_timeout(summarizer.config))
    except ManyArticlesError as exc:
        raise _not_one_article(source, exc.what) from exc
    announce_fallback(summarizer)
    announce_retries(summarizer)
    try:
        if summarizer.backend.name == "llm":
            with working(f"Summarizing {article.key} with {summarizer.config.model}…"):
                summary = summarizer.summarize(article)
        else:
            summary = summarizer.summarize(article)
    except SummarizerError as exc:
        if show_usage and exc.usage is not None:
            note(f"usage before the failure: {exc.usage.total_tokens:,} tokens "
                 f"({exc.usage.prompt_tokens:,} prompt + {exc.usage.completion_tokens:,} completion)")
        raise
    if line := dropped_line(summary):
        note(line)
    _write(summary, fmt, output)
    if show_usage:
        note(usage_line(summary))


# ---------------------------------------------------------------------------
# schema


@cli.command(
    epilog="""\b
Examples:
  summarizer schema > summary.schema.json
  summarizer schema --draft
""",
)
@click.option("--draft", is_flag=True, help="The schema the LLM fills: evidence as plain strings, no offsets.")
@debug_option
def schema(draft: bool) -> None:
    """Print the JSON Schema of the output (a Summary)."""
    from summarizer.schema import Summary, SummaryDraft

    model = SummaryDraft if draft else Summary
    click.echo(json.dumps(model.model_json_schema(), indent=2, ensure_ascii=False))


# ---------------------------------------------------------------------------
# prompts


@cli.command(
    epilog="""\b
Examples:
  summarizer prompts
  summarizer prompts --export my-prompts
  summarizer summarize story.txt --prompts my-prompts
""",
)
@click.option(
    "--prompts", "prompts_dir", type=click.Path(exists=True, file_okay=False), metavar="DIR",
    help="Show (or export) the templates in DIR instead.  [env: SUMMARIZER_PROMPTS]",
)
@click.option(
    "--export", "export_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
    help="Copy the templates into DIR (created if needed) to edit them.",
)
@click.option("--force", is_flag=True, help="With --export, overwrite existing files.")
@debug_option
def prompts(prompts_dir: str | None, export_dir: Path | None, force: bool) -> None:
    """List the prompt templates in use, or copy them out for editing."""
    from summarizer.config import Config
    from summarizer.errors import UsageError
    from summarizer.prompts import TEMPLATE_NAMES, Prompts

    config = Config.resolve(prompts_dir=prompts_dir)
    loaded = Prompts.load(config.prompts_dir)
    origin = config.sources.get("prompts_dir", "default")
    if export_dir is None:
        where = "shipped with summarizer" if origin == "default" else f"from {'--prompts' if origin == 'argument' else origin}"
        click.echo(f"templates: {loaded.directory}  ({where})")
        click.echo(f"prompt version: {loaded.version}")
        for name in TEMPLATE_NAMES:
            lines = len((loaded.directory / name).read_text(encoding="utf-8").splitlines())
            click.echo(f"  {name:<14} {lines} lines")
        click.echo("Templates get 'article' (text, title, url, published, id) and 'fence'.")
        return

    if export_dir.exists() and export_dir.resolve() == loaded.directory.resolve():
        raise UsageError(f"{export_dir} is the folder the templates are read from.", hint="Export to another folder.")
    targets = [export_dir / name for name in TEMPLATE_NAMES]
    existing = [str(t) for t in targets if t.exists()]
    if existing and not force:
        raise UsageError(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}.",
            hint="Pass --force to overwrite, or export to another folder.",
        )
    try:
        export_dir.mkdir(parents=True, exist_ok=True)
        for name, target in zip(TEMPLATE_NAMES, targets):
            target.write_bytes((loaded.directory / name).read_bytes())
    except OSError as exc:
        raise UsageError(f"Cannot write to {export_dir} ({exc.strerror or exc}).") from exc
    for target in targets:
        click.echo(f"wrote {target}")
    click.echo(f"Edit them, then pass --prompts {export_dir} (or set SUMMARIZER_PROMPTS={export_dir}).")


# ---------------------------------------------------------------------------
# config


async def _ping(config: Config) -> list[str]:
    from summarizer.backends.llm import LLMBackend

    backend = LLMBackend(config)
    try:
        return await backend.client.ping()
    finally:
        await backend.aclose()


@cli.command(
    "config",
    short_help="Show the configuration and where each value came from.",
    epilog="""\b
Examples:
  summarizer config
  summarizer config --check
  summarizer config --base-url http://localhost:11434/v1 --model llama3.1 --check
""",
)
@click.option("--check", is_flag=True, help="Make one tiny request (list the models) to verify the endpoint and the key.")
@summarizer_options
def config_command(check: bool, overrides: dict[str, Any]) -> None:
    """Show the effective configuration and where each value came from.

    The API key is masked. --check makes one tiny request to verify the endpoint and the key.
    """
    from summarizer.config import Config
    from summarizer.errors import NoEndpointError

    config = Config.resolve(**overrides)
    unset = {"prompts_dir": "(shipped templates)"}
    rows = [("setting", "value", "source")]
    rows += [(n, unset.get(n, v) if v == "None" else v, src) for n, v, src in config.describe()]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    for name, value, source in rows:
        click.echo(f"{name:<{widths[0]}}  {value:<{widths[1]}}  {source}".rstrip())
    click.echo()
    where = config.display_url
    if config.backend == "extractive":
        click.echo("backend in use: extractive (offline, rule-based)")
    elif config.has_endpoint:
        click.echo(f"backend in use: llm, {config.model} at {where} ({config.endpoint})")
    elif config.backend == "auto":
        click.echo("backend in use: extractive (no LLM endpoint configured: set OPENAI_API_KEY or --base-url)")
    else:
        click.echo("backend in use: none (--backend llm, but no LLM endpoint configured)")
    if not check:
        return

    from summarizer.pipeline import run_sync

    if not config.has_endpoint:
        raise NoEndpointError()
    models = run_sync(_ping(config))
    click.echo(f"check: OK, {where} answered with {len(models)} model{'s' if len(models) != 1 else ''}")
    if config.model in models:
        click.echo(f"model {config.model!r} is available")
    elif models:
        shown = ", ".join(models[:8]) + (", …" if len(models) > 8 else "")
        click.echo(f"warning: model {config.model!r} is not in the list ({shown}); check --model")


# ---------------------------------------------------------------------------
# eval


@cli.command(
    "eval",
    short_help="Score summaries against hand-written gold facts.",
    epilog="""\b
Examples:
  summarizer eval gold/ --backend extractive
  summarizer eval gold/ --backend llm --model gpt-4o-mini --details
  summarizer eval gold/ --results results.jsonl --format markdown
""",
)
@click.argument("gold_dir", type=click.Path(exists=True, file_okay=False), metavar="GOLD_DIR")
@click.option(
    "--results", type=click.Path(exists=True, dir_okay=False), metavar="FILE.jsonl",
    help="Score stored summaries (one Summary JSON per line) instead of running a backend.",
)
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["table", "markdown", "json"]), default="table", show_default=True,
    help="How to print the scores.",
)
@click.option("--details", is_flag=True, help="Also list the missed, extra and wrong items of each article.")
@summarizer_options
def eval_command(gold_dir: str, results: str | None, fmt: str, details: bool, overrides: dict[str, Any]) -> None:
    """Score summaries against hand-written gold facts (recall, precision, numbers, grounding)."""
    from summarizer.evaluate import evaluate
    from summarizer.results import load_results

    if results is not None:
        report = evaluate(gold_dir, results=load_results(results))
    else:
        summarizer = make_summarizer(overrides)
        announce_retries(summarizer)
        with working(f"Summarizing the gold articles with the {summarizer.backend.name} backend…"):
            report = evaluate(gold_dir, backend=summarizer)
        model = summarizer.config.model if summarizer.backend.name == "llm" else None
        report.label = f"{summarizer.backend.name} ({model})" if model else summarizer.backend.name
    if fmt == "json":
        click.echo(report.to_json())
        return
    if fmt == "markdown":
        click.echo(report.to_markdown(details=details))
        return
    click.echo(report.to_table())
    if details:
        for article in report.articles:
            problems = [
                *(f"missed {m}" for m in article.missed),
                *(f"extra {e}" for e in article.extra),
                *(f"wrong {n}" for n in article.number_errors),
            ]
            if problems:
                click.echo(f"\n{article.name}")
                for problem in problems:
                    click.echo(f"  {problem}")


# --- batch command (owned by the batch engineer) ---
# Reuse @summarizer_options (its values arrive as ``overrides``), make_summarizer(),
# announce_fallback(), announce_retries(), working(), note(), render(), usage_line() and dropped_line() above.


class _BatchProgress:
    """A rich progress bar on stderr (done/total, failed, tokens, elapsed, ETA); silent when stderr is not a terminal."""

    def __init__(self, stats: Any, enabled: bool, total: int | None = None, console: Any = None) -> None:
        self.stats = stats
        self.total = total  # counted up front for local inputs; exact once every input is read
        self.progress: Any = None
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]} failed"),
            TextColumn("{task.fields[tokens]:,} tokens"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console or Console(stderr=True),
            transient=False,
        )
        self.task = self.progress.add_task("batch", total=total, failed=0, tokens=0)

    def __enter__(self) -> _BatchProgress:  # noqa: PYI034 - a private class, never subclassed
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if self.progress is None:
            return
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
            self.progress.live.transient = True  # erased: the 'interrupted' line takes its place
        else:
            self.update()
        self.progress.stop()

    def note(self, message: str) -> None:
        """One line on stderr, above the bar while it is shown."""
        if self.progress is None:
            note(message)
        else:
            self.progress.console.print(f"{PROG}: {' '.join(_scrub(message).split())}", markup=False, highlight=False)

    def update(self, _result: Any = None) -> None:
        if self.progress is None:
            return
        s = self.stats
        self.progress.update(self.task, completed=s.done, total=self.expected(), failed=s.failed, tokens=s.tokens)

    def expected(self) -> int | None:
        return _expected(self.stats, self.total)


def _expected(stats: Any, total: int | None) -> int | None:
    """How many results a batch will have: exact once every input is read, else the count made up front."""
    if stats.exhausted:
        return int(stats.read)
    return None if total is None else max(total, stats.read)


class _Warnings(logging.Handler):
    """Warnings of the ``summarizer`` loggers (an entry read from the feed because its page failed) as notes."""

    def __init__(self, say: Callable[[str], None]) -> None:
        super().__init__(logging.WARNING)
        self.say = say

    def emit(self, record: logging.LogRecord) -> None:
        self.say(f"warning: {record.getMessage()}")


@contextlib.contextmanager
def _warnings_as_notes(say: Callable[[str], None], name: str = "summarizer.inputs") -> Iterator[None]:
    logger = logging.getLogger(name)
    handler = _Warnings(say)
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


#: Failures named on stderr while a batch runs; the others are counted at the end (all are in OUT).
_NAMED_FAILURES = 20


def _failed(failed: int, unfinished: int, from_store: bool) -> str:
    """'N failed', with what to run to try them again (a plain rerun only repeats a stored failure)."""
    if not failed:
        return "0 failed"
    if not from_store:
        return f"{failed} failed (rerun with --retry-failed to try again)"
    if unfinished == failed:
        return f"{failed} failed (not summarized yet: run without --from-store to summarize them)"
    return f"{failed} failed (run without --from-store, with --retry-failed, to try again)"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@cli.command(
    short_help="Summarize many articles concurrently into JSONL and a digest.",
    epilog="""\b
Examples:
  summarizer batch feed.xml -o out.jsonl --digest digest.html
  summarizer batch https://example.com/rss articles.jsonl stories/ urls.txt -o out.jsonl
  summarizer batch feed.xml -o out.jsonl --concurrency 4 --rpm 500 --tpm 200000
  summarizer batch feed.xml -o out.jsonl --retry-failed
  summarizer batch --from-store -o out.jsonl --digest digest.md

\b
INPUT is an RSS/Atom feed (file or URL; teaser entries are fetched unless
--no-fetch), a JSONL file ({id, title, url, published, text} per line), a
folder of .txt/.md/.html files, a file listing URLs, or one article.
Every input gets one line in OUT: its summary (with the input's id, url and
source first) or an error record {"id", "url", "source", "error"}.
The store remembers every article: a rerun summarizes only what is missing,
a killed run resumes where it stopped, and --from-store rebuilds OUT (and the
digest) without calling the LLM. Exit code 1 if any input failed.
""",
)
@click.argument("inputs", nargs=-1, metavar="INPUT...")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, metavar="OUT.jsonl",
    help="Write one JSON line per input here.",
)
@click.option(
    "--concurrency", type=click.IntRange(min=1), default=8, show_default=True, metavar="N", help="Articles summarized at once.",
)
@click.option("--rpm", type=click.FloatRange(min=0, min_open=True), metavar="N", help="At most N requests per minute.")
@click.option(
    "--tpm", type=click.FloatRange(min=0, min_open=True), metavar="N",
    help="At most about N tokens per minute (estimated as characters / 4 until the real usage is known).",
)
@click.option(
    "--store", "store_path", type=click.Path(dir_okay=False, path_type=Path), default="summarizer.db",
    show_default=True, metavar="FILE", help="SQLite store: the cache, the batch state and the results.",
)
@click.option("--retry-failed", is_flag=True, help="Try again the articles that failed in earlier runs.")
@click.option(
    "--from-store", is_flag=True,
    help="Make no LLM call: rebuild OUT (and --digest) from the store, for INPUT... or, without INPUT, for the last run.",
)
@click.option(
    "--digest", "digest_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.md|FILE.html",
    help="Also write one brief across all articles: attacks (same event merged), diplomacy timeline, "
    "territory, sanctions; every line links to its article.",
)
@click.option("--no-fetch", is_flag=True, help="Do not fetch the page of a feed entry that has only a teaser.")
@summarizer_options
def batch(
    inputs: tuple[str, ...], output: Path, concurrency: int, rpm: float | None, tpm: float | None,
    store_path: Path, retry_failed: bool, from_store: bool, digest_path: Path | None, no_fetch: bool,
    overrides: dict[str, Any],
) -> None:
    """Summarize a whole feed (or many articles) concurrently and resumably; write JSONL and a digest."""
    from summarizer.batch import (
        BatchStats,
        iter_summarize_many,
        results_from_store,
        write_jsonl,
    )
    from summarizer.errors import UsageError
    from summarizer.inputs import count_articles, load_articles
    from summarizer.store import Store

    if not inputs and not from_store:
        raise UsageError("No INPUT given.", hint="Pass a feed, JSONL file, folder or URL list (or --from-store).")
    _check_suffix(output, "-o", BATCH_SUFFIXES, "OUT is JSON Lines")
    if digest_path is not None:
        _check_suffix(digest_path, "--digest", DIGEST_SUFFIXES)
    for path in (output, digest_path):
        if path is not None:
            _check_output(path)
    if from_store and not store_path.exists():
        raise UsageError(f"The store {store_path} does not exist.", hint="Run the batch first, or pass --store.")
    stats = BatchStats()
    total: int | None = None  # inputs expected, counted up front for local files
    written = False  # whether OUT was replaced
    shown = unnamed = 0  # failures named on stderr while the batch runs, and those left to OUT
    try:
        with Store(store_path) as store:
            run_id: str | None
            if inputs:
                if from_store:  # no backend (nor endpoint) needed: results are found by model and prompt version
                    from summarizer.pipeline import Summarizer

                    summarizer = Summarizer(**overrides)
                else:
                    summarizer = make_summarizer(overrides)
                articles = load_articles(inputs, fetch=not no_fetch, timeout=_fetch_timeout(summarizer.config))
                total = count_articles(inputs)  # None when a URL is among the inputs
                with _BatchProgress(stats, sys.stderr.isatty(), total) as progress, _warnings_as_notes(progress.note):

                    def on_result(result: Any) -> None:
                        nonlocal shown, unnamed
                        progress.update()
                        if result.ok:
                            return
                        if shown == _NAMED_FAILURES:  # every failure is in OUT; the first ones are named here
                            unnamed += 1
                            return
                        shown += 1
                        error = result.error or "failed"
                        progress.note(f"failed: {error}" if error.startswith(result.id) else f"failed: {result.id}: {error}")

                    run_args = {
                        "inputs": list(inputs), "output": str(output),
                        "digest": str(digest_path) if digest_path else None, "from_store": from_store,
                    }
                    results = iter_summarize_many(
                        articles, summarizer=summarizer, store=store, concurrency=concurrency, rpm=rpm, tpm=tpm,
                        retry_failed=retry_failed, cached_only=from_store, stats=stats, on_result=on_result,
                        run_args=run_args,
                    )
                    with contextlib.closing(results):  # on Ctrl-C: stopped, leases given back, before the bar goes
                        for _ in results:
                            pass
                run_id = stats.run_id
            else:
                run_id = store.latest_run_id()
                if run_id is None:
                    raise UsageError(f"The store {store_path} has no runs yet.", hint="Run the batch with INPUT... first.")
            # The outputs are rebuilt from the store, streamed: one pass, nothing held but the digest's rows.
            from summarizer.digest import DigestBuilder, write_digest

            digest = DigestBuilder()
            ok = failed = unfinished = 0

            def outcomes() -> Iterator[Any]:
                nonlocal ok, failed, unfinished
                for result in results_from_store(store, run_id):
                    if result.summary is not None:
                        ok += 1
                        digest.add(result.summary)
                    else:
                        failed += 1
                        unfinished += result.unfinished
                        digest.add_failure(result)
                    yield result

            write_jsonl(outcomes(), output)  # atomic: an interrupted write leaves the old OUT
            written = True
        if digest_path is not None:
            write_digest(digest.digest(), digest_path)
    except KeyboardInterrupt:
        # Nothing is lost: every finished article is in the store, and a rerun resumes. OUT is not
        # written from a partial run (it has one line per input); --from-store writes what is done.
        left = "" if written else f"; {output} was not written"
        if inputs:
            expected = _expected(stats, total)
            of = f" of {expected}" if expected is not None else ""
            note(f"interrupted: {stats.done}{of} done, kept in {store_path}{left}; rerun the same command to resume")
        else:
            note(f"interrupted{left}; rerun the same command")
        click.get_current_context().exit(130)
    if unnamed:
        note(f"failed: … and {unnamed} more (see {output})")
    if stats.retries:
        note(f"{_plural(stats.retries, 'request')} retried ({_plural(stats.backoffs, 'rate limit')} paused the batch)")
    cached = ok if not inputs else stats.cached
    extra = f", {_plural(stats.duplicates, 'duplicate')}" if stats.duplicates else ""
    also = f" and {digest_path}" if digest_path is not None else ""
    # The totals line is always the last line on stderr.
    note(f"{ok} summarized ({cached} cached{extra}), {_failed(failed, unfinished, from_store)} → {output}{also}")
    if failed:
        click.get_current_context().exit(1)


# ---------------------------------------------------------------------------
# Entry point


def main(argv: list[str] | None = None) -> None:
    """The ``summarizer`` console script (also ``python -m summarizer``)."""
    cli.main(args=argv)

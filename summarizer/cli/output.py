"""Where and how a summary is written: the format from -o's extension, checks on output paths,
rendering for the terminal or a file, and the usage / dropped-items lines."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from summarizer.cli.messages import note

if TYPE_CHECKING:
    from summarizer.schema import Summary

FORMATS = ("terminal", "json", "markdown", "html")
#: -o FILE picks the format from the extension (.txt: the terminal tables as plain text); others are refused.
SUFFIX_FORMATS = {
    ".json": "json", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".txt": "terminal",
}
#: What batch writes: OUT is JSON Lines; the digest is Markdown or HTML.
BATCH_SUFFIXES = (".jsonl", ".ndjson")
DIGEST_SUFFIXES = (".md", ".markdown", ".html", ".htm")


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
    from summarizer.atomic import write_text_atomic

    if output is None:
        text = render(summary, fmt, tty=sys.stdout.isatty())
        if text is not None:
            click.echo(text, nl=False)
        return
    write_text_atomic(output, render(summary, fmt) or "")  # whole or not at all: a full disk keeps the old file
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

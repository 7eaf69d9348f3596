"""Messages on stderr: one line, prefixed with the program name, keys scrubbed; a failure's exit code."""

from __future__ import annotations

import os
import traceback

import click

PROG = "summarizer"
_DEBUG = "summarizer.debug"  # key in click's ctx.meta, shared by the group and its commands


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

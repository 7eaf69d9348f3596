"""``summarizer summarize SOURCE``: one article from a file, stdin or a URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from summarizer.cli.app import cli
from summarizer.cli.messages import note
from summarizer.cli.options import (
    _fetch_timeout,
    announce_fallback,
    announce_retries,
    make_summarizer,
    started,
    summarizer_options,
    working,
)
from summarizer.cli.output import (
    FORMATS,
    _check_output,
    _default_format,
    _write,
    dropped_line,
    usage_line,
)


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
    from summarizer.cli.progress import _warnings_as_notes
    from summarizer.pipeline import Summarizer

    # The settings now, the backend once the input is read: a bad input is refused without
    # importing the LLM client (openai and instructor take seconds to import).
    summarizer = Summarizer(**overrides)
    if summarizer.config.backend == "llm" and not summarizer.config.has_endpoint:
        make_summarizer(overrides, announce=False)  # NoEndpointError, before any work
    try:
        with _warnings_as_notes(note):  # 'summarizer: warning: ...' (a byte that is not UTF-8, say)
            article = read_source(source, timeout=_fetch_timeout(summarizer.config))
    except ManyArticlesError as exc:
        raise _not_one_article(source, exc.what) from exc
    summarizer.backend  # noqa: B018 - chosen (and the LLM client imported) only for a good input
    started()
    announce_fallback(summarizer)
    announce_retries(summarizer)
    try:
        if summarizer.backend.name == "llm" or len(article.text) > 40_000:
            what = f"Summarizing {article.key}" + (f" with {summarizer.config.model}" if summarizer.backend.name == "llm" else "")
            with working(f"{what}…") as update:
                summarizer.on_chunk = lambda done, total: update(f"{what}: {done} of {total} chunks done…")
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
    for line in (n for n in summary.meta.notes if n.startswith("Partial:")):
        note(line)
    _write(summary, fmt, output)
    if show_usage:
        note(usage_line(summary))

"""The command line: parse arguments, call the library, print, exit.

    summarizer summarize SOURCE   one article (file, -, URL) as terminal / json / markdown / html
    summarizer schema             the JSON Schema of the output (--draft: what the LLM fills)
    summarizer prompts            the templates in use; --export DIR copies them out for editing
    summarizer config             the effective configuration and where each value came from; --check
    summarizer eval GOLD_DIR      score a backend, or stored results, against gold facts
    summarizer batch INPUT... -o OUT.jsonl   many articles, concurrently and resumably, through the store

Exit codes: 0 ok, 1 the summary failed (LLM or validation), 2 bad usage or bad
input, 3 provider batch jobs still running (``batch --via batch-api``), 130 interrupted. An error is one line on stderr (``summarizer: error:
...``); ``--debug`` adds the traceback.

The library is imported inside the commands, so ``summarizer --help`` stays fast.

Modules: ``app`` (the group, usage errors, exit codes), ``messages`` (stderr lines),
``options`` (shared options, Summarizer set-up), ``output`` (formats and writing),
``summarize_cmd``, ``batch_cmd`` (with ``progress``), ``commands`` (schema, prompts,
config, eval).
"""

from __future__ import annotations

from summarizer.cli.app import cli
from summarizer.cli.messages import PROG, note
from summarizer.cli.options import (
    FETCH_TIMEOUT,
    announce_fallback,
    announce_retries,
    collector_off_for_start_up,
    debug_option,
    make_summarizer,
    summarizer_options,
    working,
)
from summarizer.cli.output import (
    FORMATS,
    SUFFIX_FORMATS,
    dropped_line,
    render,
    usage_line,
)
from summarizer.cli.progress import _BatchProgress

# Each command registers itself on the group when imported, in the order 'summarizer --help' lists them.
# isort: off
from summarizer.cli.summarize_cmd import summarize
from summarizer.cli.commands import schema, prompts, config_command, eval_command
from summarizer.cli.batch_cmd import batch
# isort: on

__all__ = [
    "FETCH_TIMEOUT", "FORMATS", "PROG", "SUFFIX_FORMATS", "_BatchProgress", "announce_fallback", "announce_retries",
    "batch", "cli", "config_command", "debug_option", "dropped_line", "eval_command", "main", "make_summarizer", "note",
    "prompts", "render", "schema", "summarize", "summarizer_options", "usage_line", "working",
]


def main(argv: list[str] | None = None) -> None:
    """The ``summarizer`` console script (also ``python -m summarizer``), with the garbage collector
    off until start-up is over (:func:`~summarizer.cli.options.collector_off_for_start_up`)."""
    with collector_off_for_start_up():
        cli.main(args=argv)

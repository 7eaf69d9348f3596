"""The small commands: ``schema``, ``prompts``, ``config`` and ``eval``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from summarizer.cli.app import cli
from summarizer.cli.options import (
    announce_retries,
    debug_option,
    make_summarizer,
    summarizer_options,
    working,
)

if TYPE_CHECKING:
    from summarizer.config import Config

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
    from summarizer.atomic import write_text_atomic
    from summarizer.config import Config
    from summarizer.errors import UsageError
    from summarizer.prompts import MERGE_TEMPLATE, TEMPLATE_NAMES, Prompts

    config = Config.resolve(prompts_dir=prompts_dir)
    loaded = Prompts.load(config.prompts_dir)
    origin = config.sources.get("prompts_dir", "default")
    if export_dir is None:
        where = "shipped with summarizer" if origin == "default" else f"from {'--prompts' if origin == 'argument' else origin}"
        click.echo(f"templates: {loaded.directory}  ({where})")
        click.echo(f"prompt version: {loaded.version}")
        for name in (*TEMPLATE_NAMES, MERGE_TEMPLATE):
            path = loaded.path_of(name)
            lines = len(path.read_text(encoding="utf-8").splitlines())
            shipped = " (shipped; long articles only)" if path.parent != loaded.directory else ""
            click.echo(f"  {name:<14} {lines} lines{shipped}")
        click.echo("Templates get 'article' (text, title, url, published, id) and 'fence'.")
        return

    if export_dir.exists() and export_dir.resolve() == loaded.directory.resolve():
        raise UsageError(f"{export_dir} is the folder the templates are read from.", hint="Export to another folder.")
    names = (*TEMPLATE_NAMES, MERGE_TEMPLATE)
    targets = [export_dir / name for name in names]
    existing = [str(t) for t in targets if t.exists()]
    if existing and not force:
        raise UsageError(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}.",
            hint="Pass --force to overwrite, or export to another folder.",
        )
    try:
        export_dir.mkdir(parents=True, exist_ok=True)
        for name, target in zip(names, targets):  # each file whole or not at all: a full disk leaves no half template
            write_text_atomic(target, loaded.path_of(name).read_text(encoding="utf-8"))
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
    from summarizer.client import detect_endpoint

    click.echo(detect_endpoint(config).describe())


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
                *(f"wrong {n}" for n in article.analyst_errors),
            ]
            if problems:
                click.echo(f"\n{article.name}")
                for problem in problems:
                    click.echo(f"  {problem}")

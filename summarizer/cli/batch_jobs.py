"""``summarizer batch`` with provider batch jobs (``--via batch-api``, ``--collect``, ``--write-requests``,
``--collect-file``): the plan before the run, what is said after it, and exit code 3 while jobs run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from summarizer.cli.messages import PROG, note
from summarizer.cli.options import make_summarizer

#: Exit code of a run whose batch jobs are still running (OUT not written yet).
STILL_RUNNING = 3


def jobs_plan(
    overrides: dict[str, Any], store: Any, via: str, write_requests: Path | None, collect_file: Path | None,
    wait: bool = False,
) -> Any:
    """Poll the store's open jobs (or read --collect-file) and make the run's summarizer.

    With ``wait`` (--wait), poll until every job has ended, one line on stderr per poll; Ctrl-C
    stops waiting (exit 130) and the jobs stay recorded in the store."""
    from summarizer.batchjobs import prepare
    from summarizer.config import Config
    from summarizer.errors import UsageError

    given = {k: v for k, v in overrides.items() if v is not None}
    has_endpoint = Config.resolve(**given).has_endpoint
    if write_requests is not None and not has_endpoint:
        given["api_key"] = "not-needed"  # writing requests needs no key: nothing is sent
    elif collect_file is not None and not has_endpoint:
        raise UsageError(
            f"--collect-file needs the endpoint the requests were written for: an answer in {collect_file} "
            "that fails validation or grounding is asked again there.",
            hint="Pass the same --base-url and --model as --write-requests (and OPENAI_API_KEY if it needs one).",
        )
    if given.get("backend", "auto") == "auto":
        given["backend"] = "llm"
    summarizer = make_summarizer(given)
    if summarizer.backend.name != "llm":
        raise UsageError("Batch jobs are for an LLM endpoint, not the extractive backend.", hint="Drop --backend extractive.")
    line = _WaitLine(sys.stderr.isatty())
    try:
        return prepare(
            summarizer.config, store, via_jobs=via == "batch-api", write_requests=write_requests,
            collect_file=collect_file, wait=wait, on_wait=line.show,
        )
    except KeyboardInterrupt:
        line.close()
        from summarizer.batchjobs.flow import job_url

        jobs = store.provider_jobs(job_url(summarizer.config))
        note(f"stopped waiting: {_n(len(jobs), 'batch job')} recorded in {store.path}; resume with --collect --wait "
             "(or run the same command again)")
        click.get_current_context().exit(130)
    finally:
        line.close()


class _WaitLine:
    """The --wait progress: one line on stderr, rewritten in place on a terminal (else one line per poll)."""

    def __init__(self, tty: bool) -> None:
        self.tty, self.open = tty, False

    def show(self, plan: Any, seconds: float) -> None:
        text = (f"waiting for {_n(len(plan.running), 'batch job')} ({_n(len(plan.summarizer.waiting), 'article')}, "
                f"{plan.done_requests} of {_n(plan.total_requests, 'request')} answered so far); "
                f"next poll in {seconds:g} s, Ctrl-C stops waiting")
        if not self.tty:
            note(text)
            return
        click.echo(f"\r\x1b[K{PROG}: {text}", err=True, nl=False)
        self.open = True

    def close(self) -> None:
        if self.open:
            click.echo("", err=True)
            self.open = False


def checked_inputs(plan: Any, articles: Any) -> Any:
    """The inputs, checked against --collect-file's results (an error when they were asked with other settings)."""
    from summarizer.batchjobs.flow import check_inputs

    return check_inputs(plan, articles)


def finish_jobs(plan: Any, store: Any, output: Path) -> bool:
    """Submit (or write) the requests kept by the run and say so; True when OUT must wait.

    Exits with :data:`STILL_RUNNING` when the only thing left is jobs that still run."""
    from summarizer.batchjobs import finish

    outcome = finish(plan, store)
    summarizer = plan.summarizer
    for warning in outcome.warnings:
        note(f"warning: {warning}")
    _say_leftovers(plan, outcome.leftovers)
    if outcome.written is not None:
        note(f"wrote {_n(outcome.requests, 'request')} to {outcome.written} (provider batch format); run them "
             f"(e.g. vllm run-batch -i {outcome.written} -o RESULTS.jsonl), then rerun with --collect-file RESULTS.jsonl")
    elif outcome.submitted:
        then = "waiting for them (--wait)" if plan.wait else "collect with --collect, or run the same command again"
        note(f"submitted {_n(outcome.requests, 'request')} in {_n(len(outcome.submitted), 'batch job')} "
             f"({', '.join(outcome.submitted)}); {then}")
        if plan.wait:  # the same command again: it waits for the jobs, then collects them and writes OUT
            ctx = click.get_current_context()
            ctx.invoke(ctx.command.callback, **ctx.params)  # type: ignore[arg-type]
            return True
    if outcome.running:
        note(f"{_n(outcome.running, 'batch job')} still running ({_n(outcome.waiting, 'article')} waiting, "
             f"{outcome.done_requests} of {_n(outcome.total_requests, 'request')} answered so far); "
             f"{output} not written: run the same command (or --collect) again later")
    if outcome.requests:  # sent or written: the command did what was asked (exit 0)
        return True
    if outcome.running:
        click.get_current_context().exit(STILL_RUNNING)
    return False


def _say_leftovers(plan: Any, left: Any) -> None:
    """What became of the answers for articles not in this run's INPUT (summarizer.batchjobs.leftovers)."""
    if left.stored or left.failed or left.kept:
        kept = ""
        if left.kept:
            kept = f", {left.kept} with no usable answer left for " + ("the follow-up job" if plan.via_jobs else "a run that lists them")
        failed = f", {left.failed} failed" if left.failed else ""
        note(f"stored {_n(left.stored, 'answer')} of the batch jobs for articles not in this run's INPUT "
             f"({left.tokens} tokens{failed}{kept})")
    if left.unknown:
        note(f"{_n(left.unknown, 'result')} of {plan.collect_file} matched no article of this run or the store: ignored")
    if left.other_settings:
        if plan.collect_file:
            what, then = f"results in {plan.collect_file}", "not stored; pass the --model and --prompts of the --write-requests run"
        else:
            what = "answers of the batch jobs"
            then = "not stored, their jobs stay open; rerun with the --model and --prompts they were submitted with"
        note(f"{len(left.other_settings)} {what} were asked with another --model or prompt version: {then} to store them")


def jobs_totals(plan: Any) -> str:
    """What the totals line adds: how many answers came from the batch API, at what tokens, and how many live."""
    s = plan.summarizer
    text = f", {s.from_jobs} via the batch API ({s.job_tokens} tokens)" if s.from_jobs else ""
    return text + (f", {s.asked_live} asked live" if s.asked_live else "")


def _n(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"

"""A run with provider batch jobs, around the usual batch run: :func:`prepare` before it (poll the
store's open jobs and download what finished), :func:`finish` after it (submit the requests kept,
or write them to a file).

::

    plan = prepare(config, store, via="batch-api")   # or collect=True, collect_file=..., write_requests=...
    ... run the batch with summarizer=plan.summarizer ...
    outcome = finish(plan, store)                     # jobs submitted, items still waiting

A job is polled once per run (the command returns at once), or until every job has ended
with ``wait=True`` (``--wait``). Its results are taken (and the job marked collected in the
store) only by a run that finished, so an interrupted collect downloads them again next time;
the answers for articles not in the run are stored too (:mod:`.leftovers`), and the job's
uploaded input file is then deleted at the provider (best effort). With ``collect_file``,
:func:`check_inputs` refuses results asked with other settings before anything is asked live.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summarizer.batchjobs import requests as batch_requests
from summarizer.batchjobs.leftovers import Leftovers, store_leftovers
from summarizer.batchjobs.results import Result, parse_results
from summarizer.batchjobs.summarizer import JobSummarizer
from summarizer.config import Config
from summarizer.errors import InputError, UsageError
from summarizer.redact import display_url
from summarizer.schema import Article
from summarizer.store import StoreEngine
from summarizer.store.jobs import COLLECTED

#: Batch statuses after which a job gives no more results (its files are final).
FINISHED = ("completed", "failed", "expired", "cancelled")

#: ``wait=True``: seconds before the first poll again, doubled after each poll up to :data:`WAIT_MAX_S`.
WAIT_FIRST_S = 5.0
WAIT_MAX_S = 60.0


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


@dataclass
class Plan:
    """What :func:`prepare` found, for the run and for :func:`finish`."""

    summarizer: JobSummarizer
    base_url: str
    via_jobs: bool  # requests without a usable answer go to a new job (else live)
    write_requests: Path | None = None
    finished: list[str] = field(default_factory=list)  # job ids whose results this run takes
    finished_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)  # their work keys
    finished_inputs: dict[str, str] = field(default_factory=dict)  # their uploaded input files (deleted once collected)
    running: list[str] = field(default_factory=list)  # job ids still running
    done_requests: int = 0  # requests the running jobs have answered so far (their request_counts)
    total_requests: int = 0  # requests in the running jobs
    max_requests: int = batch_requests.MAX_REQUESTS
    max_bytes: int = batch_requests.MAX_BYTES
    collect_file: Path | None = None
    #: --collect-file: whether a result was found to be for an item of the store under this run's settings
    matched: bool = False
    store_path: str = ""
    wait: bool = False  # poll until every job has ended (and, from the CLI, collect what it submits)


@dataclass
class Outcome:
    """What :func:`finish` did: the jobs it created, the requests it wrote or sent, what still waits."""

    submitted: list[str] = field(default_factory=list)
    requests: int = 0
    written: Path | None = None
    running: int = 0  # jobs still running
    waiting: int = 0  # items waiting for them
    done_requests: int = 0  # of their requests, answered so far
    total_requests: int = 0
    leftovers: Leftovers = field(default_factory=Leftovers)  # answers for articles not in this run's INPUT
    warnings: list[str] = field(default_factory=list)  # what went wrong but lost nothing (an input file not deleted)

    @property
    def pending(self) -> bool:
        """True when OUT cannot be written yet: requests are out, or jobs still run."""
        return bool(self.requests or self.running)


def job_url(config: Config) -> str:
    """The endpoint a job belongs to, as stored (no credentials)."""
    return display_url(config.base_url)


def prepare(
    config: Config,
    store: StoreEngine,
    *,
    via_jobs: bool = False,
    write_requests: str | os.PathLike[str] | None = None,
    collect_file: str | os.PathLike[str] | None = None,
    max_requests: int = batch_requests.MAX_REQUESTS,
    max_bytes: int = batch_requests.MAX_BYTES,
    wait: bool = False,
    on_wait: Callable[[Plan, float], None] | None = None,
) -> Plan:
    """Poll the open jobs (or read ``collect_file``) and make the run's summarizer.

    ``via_jobs``: new and failed requests go to a job; ``write_requests``: they are written to
    that file and nothing is sent (no job is polled); otherwise they are asked live.
    ``wait``: poll again until every job has ended (:data:`WAIT_FIRST_S`, doubling up to
    :data:`WAIT_MAX_S`), calling ``on_wait(plan, seconds)`` before each pause; a
    KeyboardInterrupt stops the wait (the jobs stay in the store)."""
    from summarizer.pipeline import run_sync

    base_url = job_url(config)
    capture = via_jobs or write_requests is not None
    summarizer = JobSummarizer(config, then="capture" if capture else "live")
    if write_requests is not None:
        summarizer.offline()
    plan = Plan(summarizer, base_url, via_jobs, Path(write_requests) if write_requests else None,
                max_requests=max_requests, max_bytes=max_bytes, wait=wait)
    if collect_file is not None:
        path = Path(collect_file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"Cannot read {path}: {exc.strerror or exc}.", hint="Check the path of --collect-file.") from exc
        summarizer.answers = parse_results(data, str(path))
        plan.collect_file, plan.store_path = path, str(store.path)
        plan.matched = any(_ours(summarizer, store, key) for key in summarizer.answers)
        _check_mode(summarizer, path)
    elif write_requests is None:
        run_sync(_poll(plan, store))
        delay = WAIT_FIRST_S
        while wait and plan.running:
            if on_wait is not None:
                on_wait(plan, delay)
            _sleep(delay)
            delay = min(delay * 2, WAIT_MAX_S)
            plan.running, plan.done_requests, plan.total_requests = [], 0, 0
            summarizer.waiting.clear()
            run_sync(_poll(plan, store))
    all_jobs = store.provider_jobs(base_url, open_only=False)
    summarizer.rounds = dict(Counter(key for job in all_jobs for key in job.keys))
    return plan


def _ours(summarizer: JobSummarizer, store: StoreEngine, key: str) -> bool:
    """Whether ``key`` is an item of the store whose work key under this run's settings is ``key``."""
    record = store.get(key)
    return record is not None and summarizer.key_of(record.article) == key


def _check_mode(summarizer: JobSummarizer, path: Path) -> None:
    """Refuse results asked in another mode than this run reads (tool calls against a JSON mode, or
    the reverse): each answer would fail validation and be asked again live."""
    from summarizer.pipeline import run_sync

    bodies = [result.body for result in summarizer.answers.values() if result.body]
    calls = sum(1 for body in bodies if _tool_calls(body))
    if not bodies or 0 < calls < len(bodies):
        return  # nothing to read, or mixed: left to validation
    mode, source = summarizer.config.mode, "--mode"
    if mode == "auto":
        info = run_sync(_endpoint(summarizer))
        mode, source = info.mode, info.mode_source
    if (mode in ("tools", "parallel_tools")) == bool(calls):
        return
    asked = "tools mode (tool calls)" if calls else "a JSON mode (answers in the message content)"
    raise UsageError(
        f"The results in {path} were asked in {asked}, but this run reads answers in {mode} mode ({source}).",
        hint="Pass the --mode (and --base-url) of the --write-requests run"
        + (" (--mode tools)." if calls else " (--mode json_schema, json or md_json)."),
    )


def _tool_calls(body: dict[str, Any]) -> bool:
    choices = body.get("choices") or [{}]
    message = choices[0].get("message") if isinstance(choices[0], dict) else None
    return isinstance(message, dict) and bool(message.get("tool_calls"))


async def _endpoint(summarizer: JobSummarizer) -> Any:
    client = summarizer.backend.client
    try:
        return await client.endpoint()
    finally:
        await client.aclose()


def check_inputs(plan: Plan, articles: Iterable[Any]) -> Iterable[Any]:
    """The run's inputs, checked against --collect-file's results (custom_id is the work key).

    When no result is for an item of the store under this run's settings, the inputs are held
    back until one of them is in the results; if none is, the results were asked with other
    settings (--model, --mode, prompt version): :class:`UsageError` before anything is asked live.
    Otherwise ``articles`` is returned as it is (a stream still fetches its pages in the workers)."""
    if plan.collect_file is None or plan.matched or not plan.summarizer.answers:
        return articles
    return _held(plan, articles)


def _held(plan: Plan, articles: Iterable[Any]) -> Iterator[Any]:
    summarizer = plan.summarizer
    held: list[Any] = []
    iterator = iter(articles)
    for item in iterator:
        held.append(item)
        if isinstance(item, Article) and summarizer.key_of(item) in summarizer.answers:
            yield from held
            held.clear()
            yield from iterator
            return
    raise UsageError(
        f"None of the {len(summarizer.answers)} results in {plan.collect_file} is for an article of this run or of "
        f"the store {plan.store_path}: they were asked with other settings.",
        hint="Pass the same --model, --base-url (or --mode) and --prompts as the --write-requests run "
        "(custom_id is the work key: article, model and prompt version).",
    )


async def _poll(plan: Plan, store: StoreEngine) -> None:
    summarizer = plan.summarizer
    client = summarizer.backend.client
    try:
        for job in store.provider_jobs(plan.base_url):
            if job.job_id in plan.finished:
                continue  # downloaded by an earlier poll of this run (--wait)
            info = await client.retrieve_batch(job.job_id)
            status = str(info.get("status") or "unknown")
            if status != job.status:
                store.update_job(job.job_id, status)
            if status not in FINISHED:
                plan.running.append(job.job_id)
                counts = info.get("request_counts") or {}
                plan.done_requests += int(counts.get("completed") or 0) + int(counts.get("failed") or 0)
                plan.total_requests += int(counts.get("total") or 0) or len(job.keys)
                summarizer.waiting.update(job.keys)
                continue
            got: dict[str, Result] = {}
            for name in ("error_file_id", "output_file_id"):  # an answer in the output file wins
                file_id = info.get(name)
                if file_id:
                    data = await client.file_content(str(file_id))
                    got.update(parse_results(data, f"the {name[:-8]} file {file_id} of batch job {job.job_id}"))
            for key in job.keys:
                summarizer.answers[key] = got.get(key) or Result(
                    error=f"batch job {job.job_id} ended '{status}' without an answer for it"
                )
            plan.finished.append(job.job_id)
            plan.finished_keys[job.job_id] = job.keys
            if job.input_file_id:
                plan.finished_inputs[job.job_id] = job.input_file_id
    finally:
        await client.aclose()
    summarizer.answers = {k: v for k, v in summarizer.answers.items() if k not in summarizer.waiting}


def finish(plan: Plan, store: StoreEngine) -> Outcome:
    """After the run: store the answers no article of the run asked for, mark the finished jobs
    collected, then write or submit the requests kept."""
    from summarizer.pipeline import run_sync

    summarizer = plan.summarizer
    unread = [key for key in summarizer.answers if key not in summarizer.seen]
    leftovers = run_sync(store_leftovers(summarizer, store, unread, via_jobs=plan.via_jobs)) if unread else Leftovers()
    collected = [job_id for job_id in plan.finished
                 if not leftovers.other_settings.intersection(plan.finished_keys.get(job_id, ()))]
    for job_id in collected:
        store.update_job(job_id, COLLECTED)
    outcome = Outcome(running=len(plan.running), waiting=len(summarizer.waiting),
                      done_requests=plan.done_requests, total_requests=plan.total_requests, leftovers=leftovers)
    inputs = {job_id: plan.finished_inputs[job_id] for job_id in collected if job_id in plan.finished_inputs}
    if inputs:
        outcome.warnings = run_sync(_delete_inputs(summarizer, inputs))
    captured = dict(sorted(summarizer.captured.items()))  # by key: the same files whatever order items finished in
    if plan.write_requests is not None:
        outcome.requests = batch_requests.write_requests(captured, plan.write_requests)
        outcome.written = plan.write_requests
    elif captured:
        outcome.submitted = run_sync(_submit(plan, store, captured))
        outcome.requests = len(captured)
    return outcome


async def _delete_inputs(summarizer: JobSummarizer, inputs: dict[str, str]) -> list[str]:
    """Delete the uploaded input files of the collected jobs, best effort: a warning for each one left."""
    client = summarizer.backend.client
    warnings = []
    try:
        for job_id, file_id in inputs.items():
            try:
                await client.delete_file(file_id)
            except Exception as exc:  # noqa: BLE001 - a file left at the provider loses nothing
                warnings.append(f"could not delete the input file {file_id} of batch job {job_id} at the provider "
                                f"({' '.join(str(exc).split())}); delete it in the provider's console if you wish")
    finally:
        await client.aclose()
    return warnings


async def _submit(plan: Plan, store: StoreEngine, captured: dict[str, dict[str, Any]]) -> list[str]:
    client = plan.summarizer.backend.client
    files = batch_requests.split_files(captured, max_requests=plan.max_requests, max_bytes=plan.max_bytes)
    created: list[str] = []
    try:
        for index, (keys, data) in enumerate(files):
            file_id = await client.upload_batch_file(batch_requests.file_name(index, len(files)), data)
            job = await client.create_batch(file_id, {"created_by": "summarizer"})
            store.record_job(str(job["id"]), plan.base_url, file_id, str(job.get("status") or "validating"), keys)
            created.append(str(job["id"]))
    finally:
        await client.aclose()
    return created

"""``summarizer batch INPUT... -o OUT.jsonl``: many articles, concurrently and resumably, through the store."""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from summarizer.cli.app import cli
from summarizer.cli.messages import note
from summarizer.cli.options import _fetch_timeout, make_summarizer, started, summarizer_options
from summarizer.cli.output import (
    BATCH_SUFFIXES,
    DIGEST_SUFFIXES,
    _check_output,
    _check_suffix,
)
from summarizer.cli.progress import _BatchProgress, _expected, _warnings_as_notes

#: Failures named on stderr while a batch runs; the others are counted at the end (all are in OUT).
_NAMED_FAILURES = 20


def _failed(failed: int, unfinished: int, from_store: bool, unreadable: int = 0) -> str:
    """'N failed', with what to do: fix the inputs that could not be read; run what to try the others again
    (a plain rerun only repeats a stored failure)."""
    if not failed:
        return "0 failed"
    hints = []
    if unreadable:
        hints.append(f"{_plural(unreadable, 'input')} could not be read: fix {'it' if unreadable == 1 else 'them'} and rerun")
    rest = failed - unreadable
    other = " other" if unreadable else ""
    if not rest:
        pass
    elif not from_store:
        hints.append(f"rerun with --retry-failed to try the{other} {rest} again" if unreadable else "rerun with --retry-failed to try again")
    elif unfinished == rest:
        hints.append("not summarized yet: run without --from-store to summarize them")
    else:
        hints.append("run without --from-store, with --retry-failed, to try again")
    return f"{failed} failed ({'; '.join(hints)})"


def _check_jobs_options(
    inputs: tuple[str, ...], from_store: bool, via: str, collect: bool, write_requests: Path | None, collect_file: Path | None,
) -> None:
    from summarizer.errors import UsageError

    if from_store:
        raise UsageError("--from-store makes no call: it does not go with --via batch-api, --collect, --write-requests "
                         "or --collect-file.", hint="Drop one of them.")
    if not inputs:
        raise UsageError("Batch jobs need the INPUT... of the run.", hint="Pass the same INPUT... as when the jobs were submitted.")
    if write_requests is not None and (collect or collect_file is not None or via == "batch-api"):
        raise UsageError("--write-requests only writes the requests: it does not go with --via batch-api, --collect "
                         "or --collect-file.", hint="Run it alone, then --collect-file RESULTS.jsonl.")
    if collect and collect_file is not None:
        raise UsageError("--collect polls the jobs in the store; --collect-file reads a file instead.", hint="Pass one of them.")


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
  summarizer batch feed.xml -o out.jsonl --events events.csv
  summarizer batch feed.xml -o out.jsonl --via batch-api   (again to collect)
  summarizer batch feed.xml -o out.jsonl --store postgresql://bot@db.example.org/news   # one of many workers

\b
INPUT is an RSS/Atom feed (file or URL; teaser entries are fetched unless
--no-fetch), a JSONL file ({id, title, url, published, text} per line), a
folder of .txt/.md/.html files, a file listing URLs, or one article.
Every input gets one line in OUT: its summary (with the input's id, url and
source first) or an error record {"id", "url", "source", "error"}.
The store remembers every article: a rerun summarizes only what is missing,
a killed run resumes where it stopped, and --from-store rebuilds OUT (and the
digest) without calling the LLM. Exit code 1 if any input failed.
With --via batch-api the requests go to provider batch jobs (half the price,
answers within 24 hours); the same command run again collects them, exit
code 3 (and no OUT) while jobs still run.
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
    "--store", "store_spec", default="summarizer.db", show_default=True, metavar="FILE|URL",
    help="The store (the cache, the batch state and the results): an SQLite file, or postgresql://user@host/db "
    "shared by many workers (needs the postgres extra; see docs/SCALING.md).",
)
@click.option(
    "--lease", "lease_s", type=click.FloatRange(min=0, min_open=True), default=300.0, show_default=True,
    metavar="SECONDS", help="A claimed article is another worker's to take if its worker is silent this long (crashed).",
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
@click.option(
    "--events", "events_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.csv|FILE.geojson",
    help="Also write one row per incident (reports of one attack merged, lowest death toll kept): "
    "ACLED-shaped CSV with evidence offsets and article ids, or GeoJSON for map tools.",
)
@click.option("--no-fetch", is_flag=True, help="Do not fetch the page of a feed entry that has only a teaser.")
@click.option(
    "--via", type=click.Choice(["live", "batch-api"]), default="live", show_default=True,
    help="batch-api: submit the requests as provider batch jobs (half the price, answers within 24 h) and return; "
    "run the same command again (or --collect) to collect them.",
)
@click.option(
    "--collect", is_flag=True,
    help="Collect the finished batch jobs; what they did not answer is asked live. Exit code 3 while jobs still run.",
)
@click.option(
    "--wait", is_flag=True,
    help="With --collect or --via batch-api: poll until every batch job has ended (every 5 s, doubling up to a "
    "minute), then collect them and write OUT. Ctrl-C stops waiting; the jobs stay recorded.",
)
@click.option(
    "--write-requests", "write_requests", type=click.Path(dir_okay=False, path_type=Path), metavar="REQUESTS.jsonl",
    help="Make no call: write the requests in the provider batch format (for 'vllm run-batch' or a console).",
)
@click.option(
    "--collect-file", "collect_file", type=click.Path(dir_okay=False, path_type=Path), metavar="RESULTS.jsonl",
    help="Take the answers from a batch results file (a job's output, 'vllm run-batch -o'); ask live what it lacks.",
)
@summarizer_options
def batch(
    inputs: tuple[str, ...], output: Path, concurrency: int, rpm: float | None, tpm: float | None,
    store_spec: str, retry_failed: bool, from_store: bool, digest_path: Path | None, no_fetch: bool,
    overrides: dict[str, Any], events_path: Path | None = None, lease_s: float = 300.0, via: str = "live",
    collect: bool = False, write_requests: Path | None = None, collect_file: Path | None = None, wait: bool = False,
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
    from summarizer.store import is_url, open_store, store_label

    if not inputs and not from_store:
        raise UsageError("No INPUT given.", hint="Pass a feed, JSONL file, folder or URL list (or --from-store).")
    _check_suffix(output, "-o", BATCH_SUFFIXES, "OUT is JSON Lines")
    if digest_path is not None:
        _check_suffix(digest_path, "--digest", DIGEST_SUFFIXES)
    if events_path is not None:
        from summarizer.events.export import EVENT_SUFFIXES

        _check_suffix(events_path, "--events", EVENT_SUFFIXES)
    for path in (output, digest_path, events_path):
        if path is not None:
            _check_output(path)
    jobs = via == "batch-api" or collect or write_requests is not None or collect_file is not None
    if jobs:
        _check_jobs_options(inputs, from_store, via, collect, write_requests, collect_file)
    if wait and not (collect or via == "batch-api"):
        raise UsageError("--wait waits for provider batch jobs: it goes with --collect or --via batch-api.",
                         hint="Add one of them, or drop --wait.")
    store_path = store_label(store_spec)  # as shown: a URL without its password
    if from_store and not is_url(store_spec) and not Path(store_spec).exists():
        raise UsageError(f"The store {store_path} does not exist.", hint="Run the batch first, or pass --store.")
    stats = BatchStats()
    total: int | None = None  # inputs expected, counted up front for local files
    written = False  # whether OUT was replaced
    shown = unnamed = 0  # failures named on stderr while the batch runs, and those left to OUT
    plan: Any = None  # provider batch jobs (summarizer.batchjobs), with --via batch-api and the like
    try:
        with open_store(store_spec) as store:
            run_id: str | None
            if inputs:
                if from_store:  # no backend (nor endpoint) needed: results are found by model and prompt version
                    from summarizer.pipeline import Summarizer

                    summarizer = Summarizer(**overrides)
                elif jobs:
                    from summarizer.cli.batch_jobs import jobs_plan

                    plan = jobs_plan(overrides, store, via, write_requests, collect_file, wait)
                    summarizer = plan.summarizer
                else:
                    summarizer = make_summarizer(overrides)
                articles = load_articles(inputs, fetch=not no_fetch, timeout=_fetch_timeout(summarizer.config))
                if plan is not None:
                    from summarizer.cli.batch_jobs import checked_inputs

                    articles = checked_inputs(plan, articles)
                total = count_articles(inputs)  # None when a URL is among the inputs
                with _BatchProgress(stats, sys.stderr.isatty(), total) as progress, _warnings_as_notes(progress.note):

                    def on_result(result: Any) -> None:
                        nonlocal shown, unnamed
                        progress.update()
                        if result.ok or result.deferred:  # deferred: left for a provider batch job
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
                        run_args=run_args, lease_s=lease_s,
                    )
                    # What start-up made (the SDK's types, the prompt, the client) lives as long as the batch:
                    # kept out of the garbage collector's passes while it runs (about 0.4 ms per article),
                    # and the collector runs again if start-up left it off (--from-store makes no backend).
                    started()
                    gc.freeze()
                    try:
                        with contextlib.closing(results):  # on Ctrl-C: stopped, leases given back, before the bar goes
                            for _ in results:
                                pass
                    finally:
                        gc.unfreeze()
                run_id = stats.run_id
                if plan is not None:
                    from summarizer.cli.batch_jobs import finish_jobs

                    if finish_jobs(plan, store, output):  # requests sent or written, or jobs still running: no OUT yet
                        return
            else:
                run_id = store.latest_run_id()
                if run_id is None:
                    raise UsageError(f"The store {store_path} has no runs yet.", hint="Run the batch with INPUT... first.")
            # The outputs are rebuilt from the store, streamed: one pass, nothing held but the digest's rows.
            # The digest is built only when asked for (--digest): it is the one costly step of the rebuild.
            digest = None
            if digest_path is not None:
                from summarizer.digest import DigestBuilder

                digest = DigestBuilder()
            events = None
            if events_path is not None:  # likewise the events export (--events), and its imports
                from summarizer.events.export import EventsBuilder

                events = EventsBuilder()
            ok = failed = unfinished = unreadable = off_topic = 0

            def outcomes() -> Iterator[Any]:
                nonlocal ok, failed, unfinished, unreadable, off_topic
                for result in results_from_store(store, run_id):
                    if result.summary is not None:
                        ok += 1
                        off_topic += result.summary.off_topic
                        if digest is not None:
                            digest.add(result.summary)
                        if events is not None:
                            events.add(result.summary)
                    else:
                        failed += 1
                        unfinished += result.unfinished
                        unreadable += result.unreadable
                        if digest is not None:
                            digest.add_failure(result)
                    yield result

            write_jsonl(outcomes(), output)  # atomic: an interrupted write leaves the old OUT
            written = True
        if digest is not None and digest_path is not None:
            from summarizer.digest import write_digest

            write_digest(digest.digest(), digest_path)  # atomic: a full disk leaves the old file
        if events is not None and events_path is not None:
            from summarizer.events.export import write_events

            write_events(events, events_path)
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
    extra += f", {off_topic} not about armed conflict" if off_topic else ""
    also = "".join(f" and {p}" for p in (digest_path, events_path) if p is not None)
    # The totals line is always the last line on stderr.
    if plan is not None:
        from summarizer.cli.batch_jobs import jobs_totals

        extra += jobs_totals(plan)
    note(f"{ok} summarized ({cached} cached{extra}), {_failed(failed, unfinished, from_store, unreadable)} → {output}{also}")
    if failed:
        click.get_current_context().exit(1)

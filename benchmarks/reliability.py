"""docs/RELIABILITY.md: each fault or bad input, what summarizer does, the tests that prove it, and figures.

The rows live here (``ROWS``); the figures are measured by this script and kept in
``benchmarks/reliability.json``; the Markdown is rendered from both, and
``tests/test_reliability_doc.py`` fails when the document differs from what this
script renders, or when a test it names does not exist. So the document cannot drift.

    python benchmarks/reliability.py --measure   # run every probe and the 300-article batch (~2 min), write both files
    python benchmarks/reliability.py             # render docs/RELIABILITY.md from the stored figures

Each probe runs the real CLI in a subprocess (offline extractive backend, or the
suite's scripted server on 127.0.0.1) and records its exit code, wall time and peak
memory (VmHWM of that process).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "RELIABILITY.md"
FIGURES = ROOT / "benchmarks" / "reliability.json"
ARTICLE = (ROOT / "tests" / "data" / "article.txt").read_bytes()
FEED = ROOT / "seeds" / "feed-sample.xml"

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_faults import PeakMemory
from bench_faults import measure as batch_under_faults


@dataclass(frozen=True)
class Row:
    fault: str
    behaviour: str
    tests: tuple[str, ...]
    probe: str | None = None  # key of the figures in reliability.json
    after_merge: tuple[str, ...] = ()  # tests of another branch that prove it once merged ("h9: tests/...")


LIMITS = "tests/test_inputs_limits.py::"
FAULTS = "tests/test_batch_faults.py::"
ATOMIC = "tests/test_atomic_writes.py::"
STORE = "tests/test_store_errors.py::"

ROWS: tuple[Row, ...] = (
    Row("`summarize /dev/zero`: a device that never ends",
        "Read up to the 20 MB cap, then one line: `… is larger than 20 MB, too large for one article; split it.` Exit 2.",
        (LIMITS + "test_an_endless_device_is_read_only_up_to_the_size_cap",), "dev_zero"),
    Row("`summarize - </dev/zero`: endless stdin",
        "The same cap and line for `<stdin>`. Exit 2.",
        (LIMITS + "test_endless_stdin_is_read_only_up_to_the_size_cap",), "stdin_zero"),
    Row("`mkfifo f.txt; summarizer batch f.txt -o o.jsonl`: a named pipe nobody writes to",
        "Waits for a writer like `cat` would, but at most 20 s of silence; then an error record naming the pipe "
        "(`… is a named pipe and nothing was written to it for 20 s; start the program that writes to it first, "
        "raise --timeout, or pass a regular file.`). Counting inputs for the progress bar never reads a pipe. Exit 1.",
        (LIMITS + "test_a_named_pipe_nobody_writes_to_is_given_up_with_a_message",
         LIMITS + "test_a_batch_of_a_named_pipe_nobody_writes_to_ends_with_one_error_record",
         LIMITS + "test_counting_never_reads_a_named_pipe"), "fifo_silent"),
    Row("A pipe or `<(cmd)` holding an article, a feed or JSON Lines",
        "Read once, like stdin, up to the cap, and read by its content (a feed or JSONL becomes many articles).",
        (LIMITS + "test_a_named_pipe_is_read_like_stdin",
         LIMITS + "test_a_named_pipe_of_json_lines_is_read_once_as_a_batch"), "fifo_article"),
    Row("A folder holding a named pipe or a device",
        "Skipped with a warning naming it (`… skipped, it is a named pipe, not a regular file.`); the other files "
        "are read and the progress total agrees.",
        (LIMITS + "test_a_folder_skips_a_named_pipe_and_says_so",), "folder_fifo"),
    Row("A JSON Lines file with a 30 MB line",
        "That line is one error record (`line longer than 20 MB …`); no more than the cap is held; the next lines "
        "are read. Exit 1.",
        (LIMITS + "test_a_jsonl_line_longer_than_the_cap_is_one_error_and_the_next_lines_are_read",), "jsonl_long_line"),
    Row("One invalid byte in a UTF-8 file",
        "Read as UTF-8, the byte replaced by U+FFFD, one warning naming the file and the count; not latin-1 "
        "(no `â\\x80\\x9c` quotes).",
        (LIMITS + "test_one_invalid_byte_in_utf8_is_replaced_with_a_warning_not_latin1",
         LIMITS + "test_a_utf8_feed_with_one_bad_byte_keeps_its_quotes_and_warns"), "bad_utf8"),
    Row("A cp1251 / KOI8-R file, or a feed that declares no encoding",
        "Detected with charset-normalizer when its letters are not Latin; cp1252, latin-1 and UTF-16 files read "
        "as before.",
        (LIMITS + "test_a_cyrillic_legacy_encoding_is_detected",
         LIMITS + "test_a_feed_that_declares_no_encoding_is_detected_not_garbled",
         "tests/test_inputs.py::test_read_text_file_cp1252_decodes_curly_quotes_and_euro",
         "tests/test_inputs.py::test_read_text_file_latin1_fallback_when_cp1252_cannot_decode"), "cp1251_feed"),
    Row("A feed read whole despite a recoverable XML error (an undefined `&nbsp;`)",
        "A warning (`… has an XML error at line N (undefined entity); all N entries were read.`), not a failed "
        "input. Exit 0.",
        (LIMITS + "test_a_feed_read_whole_despite_an_undefined_entity_is_a_warning_not_a_failure",
         FAULTS + "test_a_feed_read_whole_despite_an_undefined_entity_exits_0_with_a_warning"), "nbsp_feed"),
    Row("A feed cut short",
        "The entries read, then an error record: `… is malformed XML at line N (…); read N entries, later ones may "
        "be missing.` Exit 1.",
        (LIMITS + "test_a_feed_cut_short_is_still_a_failure",
         "tests/test_inputs.py::test_broken_feed_yields_partial_results_then_a_failure")),
    Row("A feed with no entries",
        "An error record (`… is an RSS/Atom feed with no entries; check that it is the right feed.`), counted in "
        "the totals. Exit 1.",
        (LIMITS + "test_a_feed_with_no_entries_is_one_error_record",
         FAULTS + "test_an_empty_feed_is_an_error_record_counted_in_the_totals"), "empty_feed"),
    Row("A mistyped batch path",
        "Named on stderr (`failed: fed.xml: no such file or folder; check the path.`); the totals say `1 input "
        "could not be read: fix it and rerun`, not `--retry-failed`. Exit 1.",
        (FAULTS + "test_a_mistyped_input_is_named_and_not_sent_to_retry_failed",
         FAULTS + "test_failures_of_both_kinds_say_what_helps_each"), "missing_path"),
    Row("A full disk while writing `-o`, OUT.jsonl, the digest or the events file",
        "Written to a temporary file in the same folder and renamed: the old file is left as it was, no temporary "
        "file is left, one line names the file (`Cannot write out.jsonl: the disk is full; out.jsonl was left as it "
        "was.`). Exit 2. The permissions of a replaced file are kept.",
        (ATOMIC + "test_summarize_o_on_a_full_disk_keeps_the_old_file_and_names_it",
         ATOMIC + "test_batch_outputs_on_a_full_disk_keep_the_old_files_and_name_them",
         ATOMIC + "test_summarize_o_keeps_the_permissions_of_the_file_it_replaces")),
    Row("A full disk under the store while answers come in",
        "No new call starts; the answer's write is tried again after 1, 2, 4 and 8 s. Space back: nothing lost, "
        "each article asked once. Still full: the batch stops in one line naming the store and how many answers "
        "were lost (at most the calls in flight). Exit 2.",
        (FAULTS + "test_answers_that_could_not_be_stored_on_a_full_disk_are_written_again_not_lost",
         FAULTS + "test_a_disk_that_fills_then_frees_mid_batch_loses_no_answer_with_the_real_store",
         FAULTS + "test_a_store_that_stays_full_stops_the_batch_before_more_calls_in_one_line",
         STORE + "test_a_full_disk_keeps_the_paid_for_answers_and_writes_them_when_there_is_room",
         STORE + "test_a_batch_stops_at_the_first_answer_the_full_disk_refuses_with_one_line_and_exit_2")),
    Row("A read-only store, a store in a read-only folder, a damaged store, another program's SQLite database",
        "Checked before anything is changed: one line saying which and how to fix it (the folder named for a "
        "read-only folder); the file is left as it was (not switched to WAL, not written into). Exit 2.",
        (STORE + "test_a_read_only_store_says_so_and_how_to_fix_it",
         STORE + "test_a_store_in_a_read_only_folder_names_the_folder_not_the_file",
         STORE + "test_a_damaged_store_is_refused_and_not_written_into",
         STORE + "test_another_programs_database_is_refused_before_anything_is_changed")),
    Row("An article or feed title that tries to close the fence (`=====END ARTICLE …=====` + `SYSTEM: …`)",
        "The fence carries a random nonce per request, and every article-derived string (title, URL, date) is "
        "one line inside the data block: the request body the server receives has one fence, intact.",
        ("tests/test_pipeline.py::test_a_feed_title_cannot_close_the_fence_or_speak_outside_it",
         "tests/test_pipeline.py::test_instructions_inside_the_article_are_fenced_as_data",
         "tests/test_config_and_prompts.py::test_the_fence_is_new_for_every_request_but_the_prompt_version_is_not")),
    Row("`javascript:` / `data:` links, URLs with `>`, spaces or newlines, terminal escape sequences in articles",
        "Markdown and HTML link only http(s) URLs, percent-encoded so nothing breaks out; escapes and control "
        "characters are stripped from terminal, `.txt` and `.md` output.",
        ("tests/test_markup_safety.py::test_the_markdown_digest_links_only_http_urls_and_no_url_breaks_out",
         "tests/test_markup_safety.py::test_a_summary_as_markdown_and_in_a_notebook_is_link_safe_and_escape_free",
         "tests/test_markup_safety.py::test_terminal_and_txt_output_carry_no_escape_sequences",
         "tests/test_markup_safety.py::test_the_html_digest_links_only_http_urls")),
    Row("A key the server echoes half-masked (`sk-SECRE...abcdef`), a password in `--base-url` echoed as base64",
        "Scrubbed from stderr, the store and the digest: no more of the key than our own mask shows.",
        ("tests/test_redact.py::test_a_key_the_server_echoes_half_masked_is_not_in_the_error",
         "tests/test_redact.py::test_a_password_in_the_base_url_echoed_as_a_basic_header_is_not_in_the_error",
         "tests/test_redact.py::test_a_stored_error_keeps_no_more_of_a_half_masked_key_than_our_mask")),
    Row("429 Too Many Requests",
        "Retried after the server's retry-after (capped); in a batch every worker pauses for it.",
        ("tests/test_pipeline.py::test_429_with_retry_after_is_waited_out_then_succeeds",
         "tests/test_retries.py::test_a_huge_retry_after_is_capped_at_thirty_seconds",
         "tests/test_batch.py::test_a_429_storm_ends_with_every_article_summarized",
         "tests/test_batch.py::test_a_429_holds_every_worker_for_the_wait_the_server_asked_for"), "batch:429"),
    Row("500 Internal Server Error",
        "Retried with backoff within the transport budget (also 408 and 409), then `EndpointUnavailableError`; "
        "all retries together stop when the total retry time is spent.",
        ("tests/test_pipeline.py::test_500_is_retried_with_backoff",
         "tests/test_pipeline.py::test_persistent_500_gives_up_after_the_transport_retries",
         "tests/test_retries.py::test_request_timeout_and_conflict_are_retried",
         "tests/test_retries.py::test_retries_stop_when_the_total_retry_time_is_spent"), "batch:500"),
    Row("Malformed JSON where the summary should be",
        "Re-asked with the parse error, within `max_attempts`.",
        ("tests/test_pipeline.py::test_malformed_json_is_reasked",
         "tests/test_pipeline.py::test_429_then_bad_answer_then_success_counts_every_attempt"), "batch:malformed"),
    Row("An answer cut off (`finish_reason: length`)",
        "Asked again once with a larger `max_tokens` (up to the configured ceiling); the message names the limit "
        "really used.",
        ("tests/test_pipeline.py::test_output_cut_off_once_is_asked_again_with_a_larger_limit",
         "tests/test_pipeline.py::test_output_cut_off_twice_names_the_larger_limit_really_used",
         "tests/test_pipeline.py::test_output_cut_off_at_the_ceiling_is_not_asked_again"), "batch:truncated"),
    Row("A connection dropped without an answer",
        "Retried like any transient fault; `could not connect` only when the connection was really refused.",
        ("tests/test_endpoints.py::test_a_dropped_connection_is_retried_like_any_transient_fault",
         "tests/test_endpoints.py::test_connections_dropped_every_time_are_not_reported_as_could_not_connect"),
        "batch:dropped"),
    Row("`kill -9` halfway through a batch, then the same command again",
        "Resumes: every article summarized, each stored once, nothing done asked again.",
        ("tests/test_batch.py::test_a_batch_killed_with_sigkill_resumes_and_summarizes_each_article_once",
         "tests/test_store.py::test_kill_9_mid_batch_leaves_a_sound_store_and_reclaimable_items")),
    Row("Two processes on one store; a call longer than the lease",
        "Each item is claimed by exactly one of them; a long call renews its lease, so no other worker takes "
        "the article.",
        ("tests/test_store.py::test_two_processes_hammering_claim_win_each_key_exactly_once",
         "tests/test_retries.py::test_a_long_call_keeps_its_lease_so_no_other_worker_takes_the_article")),
    Row("300 articles at once under 20% 429, 10% 500, 10% malformed JSON, 5% cut off, 5% dropped connections",
        "No input lost, none duplicated; failures only where the retry budget ran out, each an error record "
        "that `--retry-failed` tries again.",
        (FAULTS + "test_a_batch_under_every_fault_at_once_loses_and_duplicates_nothing",
         "tests/test_reliability_doc.py::test_the_300_article_benchmark_lost_and_duplicated_nothing"), "batch"),
)


# ---------------------------------------------------------------------------
# Probes: the CLI in a subprocess


def _cli(args: list[str], cwd: Path, *, stdin: Any = subprocess.DEVNULL, env: dict[str, str] | None = None,
         before_wait: Callable[[], None] | None = None) -> dict[str, Any]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    environment.update(env or {})
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "summarizer", *args], cwd=cwd, env=environment, stdin=stdin,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = PeakMemory(child.pid)
    if before_wait is not None:
        before_wait()
    _, stderr = child.communicate()
    lines = [line.replace(str(cwd) + os.sep, "") for line in stderr.strip().splitlines()]
    return {"exit": child.returncode, "seconds": round(time.monotonic() - started, 2),
            "peak_mb": round(peak.stop()), "stderr": lines[-3:]}


def _batch(*inputs: str) -> list[str]:
    return ["batch", *inputs, "-o", "out.jsonl", "--store", "s.db", "--backend", "extractive"]


def _probe_dev_zero(work: Path) -> dict[str, Any]:
    return _cli(["summarize", "/dev/zero", "--backend", "extractive"], work)


def _probe_stdin_zero(work: Path) -> dict[str, Any]:
    with open("/dev/zero", "rb") as zero:
        return _cli(["summarize", "-", "--backend", "extractive"], work, stdin=zero)


def _probe_fifo_silent(work: Path) -> dict[str, Any]:
    os.mkfifo(work / "f.txt")
    return _cli(_batch("f.txt"), work)


def _probe_fifo_article(work: Path) -> dict[str, Any]:
    os.mkfifo(work / "f.txt")

    def write() -> None:
        (work / "f.txt").write_bytes(ARTICLE)

    writer = threading.Thread(target=write, daemon=True)
    return _cli(["summarize", "f.txt", "--backend", "extractive"], work, before_wait=writer.start)


def _probe_folder_fifo(work: Path) -> dict[str, Any]:
    (work / "in").mkdir()
    (work / "in" / "a.txt").write_bytes(ARTICLE)
    os.mkfifo(work / "in" / "b.txt")
    return _cli(_batch("in"), work)


def _probe_jsonl_long_line(work: Path) -> dict[str, Any]:
    good = json.dumps({"text": ARTICLE.decode()}).encode()
    with (work / "in.jsonl").open("wb") as handle:  # written in pieces: this process stays small
        handle.write(good + b"\n" + b'{"text": "')
        for _ in range(6 << 10):
            handle.write(b"word " * 1024)
        handle.write(b'"}\n' + good.replace(b"Friday", b"Monday") + b"\n")
    return _cli(_batch("in.jsonl"), work)


def _probe_bad_utf8(work: Path) -> dict[str, Any]:
    (work / "a.txt").write_bytes("\u201cWe will not give up,\u201d he said.\n".encode() + b"\xff\n" + ARTICLE)
    return _cli(["summarize", "a.txt", "--backend", "extractive"], work)


def _probe_cp1251_feed(work: Path) -> dict[str, Any]:
    text = ("Президент Украины заявил во вторник, что делегации снова встретятся в Стамбуле на следующей неделе, "
            "чтобы обсудить обмен пленными и прекращение огня вдоль линии фронта. Переговоры продлятся два дня.")
    feed = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Новости</title><item><guid>ru-1</guid>'
            f"<title>Переговоры</title><description>{text}</description></item></channel></rss>")
    (work / "ru.xml").write_bytes(feed.encode("cp1251"))
    return _cli(_batch("ru.xml"), work)


def _probe_nbsp_feed(work: Path) -> dict[str, Any]:
    (work / "nbsp.xml").write_bytes(FEED.read_bytes().replace(b"</title>", b"&nbsp;</title>", 1))
    return _cli(_batch("nbsp.xml"), work)


def _probe_empty_feed(work: Path) -> dict[str, Any]:
    (work / "empty.xml").write_text('<rss version="2.0"><channel><title>Quiet</title></channel></rss>')
    return _cli(_batch("empty.xml"), work)


def _probe_missing_path(work: Path) -> dict[str, Any]:
    return _cli(_batch("fed.xml"), work)


PROBES: dict[str, Callable[[Path], dict[str, Any]]] = {
    "dev_zero": _probe_dev_zero, "stdin_zero": _probe_stdin_zero, "fifo_silent": _probe_fifo_silent,
    "fifo_article": _probe_fifo_article, "folder_fifo": _probe_folder_fifo, "jsonl_long_line": _probe_jsonl_long_line,
    "bad_utf8": _probe_bad_utf8, "cp1251_feed": _probe_cp1251_feed, "nbsp_feed": _probe_nbsp_feed,
    "empty_feed": _probe_empty_feed, "missing_path": _probe_missing_path,
}


def measure() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for name, probe in PROBES.items():
        with tempfile.TemporaryDirectory() as tmp:
            figures[name] = probe(Path(tmp))
        print(f"{name}: {figures[name]}", file=sys.stderr)
    figures["batch"] = batch_under_faults()
    return figures


# ---------------------------------------------------------------------------
# The document


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _figures(row: Row, figures: dict[str, Any]) -> str:
    if row.probe is None:
        return "—"
    if row.probe.startswith("batch"):
        batch = figures.get("batch")
        if batch is None:
            return "not measured"
        run = batch["run"]
        kind = row.probe.partition(":")[2]
        if kind:
            return f"{run['answers'].get(kind, 0)} of {run['requests']} requests in the 300-article batch"
        rerun = batch["retry_failed_run"]
        return (f"lost **{run['lost']}**, duplicated **{run['duplicated']}**, failed **{run['failed']}** of "
                f"{batch['articles']}; {run['requests']} requests (attempts per article: mean "
                f"{run['attempts_per_article']['mean']}, max {run['attempts_per_article']['max']}); "
                f"{run['seconds']} s; peak {run['peak_mb']} MB. `--retry-failed`: {rerun['requests']} requests, "
                f"failed {rerun['failed']}")
    probe = figures.get(row.probe)
    if probe is None:
        return "not measured"
    return f"exit {probe['exit']}; {probe['seconds']} s; peak {probe['peak_mb']} MB"


def _failures(batch: dict[str, Any]) -> str:
    errors = batch["run"]["errors"]
    if not errors:
        return "No article failed."
    listed = "; ".join(f"{n} × `{error.rstrip('.')}…`" for error, n in errors.items())
    return f"What the {batch['run']['failed']} failures were: {listed}."


def render(figures: dict[str, Any]) -> str:
    lines = [
        "# Reliability",
        "",
        "Each fault or bad input, what summarizer does about it, the tests that prove it, and what it cost when",
        "measured. Generated by `python benchmarks/reliability.py` from the rows in that script and the figures",
        "in `benchmarks/reliability.json` (`--measure` measures them again); `tests/test_reliability_doc.py`",
        "fails if this file differs from what the script renders, or names a test that does not exist.",
        "Figures: exit code, wall time and peak memory (VmHWM) of the CLI process; the batch rows count",
        "what the scripted server answered.",
        "",
    ]
    batch = figures.get("batch")
    if batch is not None:
        budget = batch["budget"]
        ceiling = (f", one re-ask of a cut-off answer with up to {budget['max_tokens_ceiling']} tokens"
                   if "max_tokens_ceiling" in budget else ", no re-ask of a cut-off answer")
        lines += [
            (f"**Retry budget** (the defaults, used for every figure): {budget['transport_retries']} transport "
            f"retries per request (429, 5xx, timeouts) within {budget['max_retry_time_s']:g} s in all, "
            f"{budget['max_attempts']} attempts per article for answers that do not parse or validate, "
            f"`max_tokens` {budget['max_tokens']}{ceiling}. The 300-article batch: `--concurrency "
            f"{batch['concurrency']}`, seed {batch['seed']}, {batch['latency_s']:g} s per answer."),
            "",
        ]
    lines += [
        "| Fault or bad input | Expected behaviour | Proved by | Figures |",
        "|---|---|---|---|",
    ]
    for row in ROWS:
        tests = [f"`{t}`" for t in row.tests] + [f"`{t}` (after merging)" for t in row.after_merge]
        lines.append(f"| {_cell(row.fault)} | {_cell(row.behaviour)} | {'<br>'.join(tests) or '—'} | "
                     f"{_cell(_figures(row, figures))} |")
    if batch is not None:
        lines += ["", _failures(batch)]
    pending = sorted({t.partition(":")[0] for row in ROWS for t in row.after_merge})
    if pending:
        lines += ["", (f"Rows proved by tests marked *(after merging)* describe what the branch {', '.join(pending)} "
                       "brings; until it is merged and the figures measured again, the batch figures show those faults "
                       "as they are without it.")]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measure", action="store_true", help="run every probe and the batch, store the figures")
    args = parser.parse_args()
    if args.measure:
        FIGURES.write_text(json.dumps(measure(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    figures = json.loads(FIGURES.read_text(encoding="utf-8")) if FIGURES.exists() else {}
    DOC.write_text(render(figures), encoding="utf-8")
    print(f"wrote {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

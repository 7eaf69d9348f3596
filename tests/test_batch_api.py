"""Provider batch jobs: ``summarizer batch ... --via batch-api``, ``--collect``, ``--write-requests``, ``--collect-file``.

The jobs run on the suite's own server (``tests/llm_batches.py``: ``/v1/files`` and
``/v1/batches``, answering each request line as a live chat request would be answered).
The CLI tests replay cassettes (``cassettes/test_batch_api/``); re-record them with
``pytest tests/test_batch_api.py --record-mode=rewrite``. Their request bodies are made
stable by one fence nonce (``fixed_fence``), and their behaviour is read from OUT, stderr,
the store and the recorded requests.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import urllib.request
import pytest
from click.testing import CliRunner, Result
from conftest import TEST_KEY, TEST_MODEL, Endpoint
from factories import to_draft
from llm_server import LLMServer, RecordedRequest, Reply, article_from_request

from summarizer.backends.extractive import ExtractiveBackend
from summarizer.batch import asummarize_many
from summarizer.batch.results import Deferred
from summarizer.batchjobs import BadResultsError, JobSummarizer, finish, parse_results, prepare, split_files
from summarizer.cli import cli
from summarizer.pipeline import Summarizer
from summarizer.schema import Article
from summarizer.store import Store

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])


def story(i: int) -> str:
    place = ["Sumy", "Kharkiv", "Odesa", "Dnipro", "Kherson", "Poltava", "Mykolaiv"][i % 7]
    return (
        f"A Russian drone struck a bus stop in {place} on Saturday, killing {i % 7 + 2} people and injuring "
        f"{i % 5 + 3} others, the regional governor said. Rescue workers searched the rubble through the night "
        f"and officials said report number {i} was still being checked."
    )


def write_inputs(path: Path, n: int) -> Path:
    lines = [Article(text=story(i), id=f"a{i}", url=f"https://news.example.org/{i}").model_dump_json(exclude={"content_hash"})
             for i in range(n)]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def grounded(req: RecordedRequest) -> Reply:
    """What a good model answers: the extractive backend's reading of the article in the request."""
    return Reply.data(to_draft(ExtractiveBackend().summarize(Article(text=article_from_request(req) or ""))))


@pytest.fixture
def jobs_server(endpoint: Endpoint, fixed_fence: str) -> LLMServer:
    assert endpoint.server is not None
    endpoint.server.responder = grounded
    return endpoint.server


def run(server: LLMServer, tmp_path: Path, *extra: str, inputs: Path | None = None) -> Result:
    """``summarizer batch IN -o OUT --store DB`` against the server (a new process's Store every time)."""
    source = inputs or tmp_path / "in.jsonl"
    args = ["batch", str(source), "-o", str(tmp_path / "out.jsonl"), "--store", str(tmp_path / "s.db"),
            "--base-url", server.base_url, "--model", TEST_MODEL, *extra]
    return CliRunner(env={"OPENAI_API_KEY": TEST_KEY}).invoke(cli, args)


def out_lines(tmp_path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]


def recorded(cassette: Any, method: str, suffix: str) -> list[Any]:
    return [r for r in cassette.requests if r.method == method and r.path.endswith(suffix)]


def jobs_in(tmp_path: Path, server: LLMServer) -> list[Any]:
    with Store(tmp_path / "s.db") as store:
        return store.provider_jobs(server.base_url, open_only=False)


# -- submit and collect --------------------------------------------------------------------------------------


@pytest.mark.vcr
def test_submit_returns_at_once_and_collect_writes_out_once_the_job_has_completed(
    jobs_server: LLMServer, tmp_path: Path, vcr: Any
) -> None:
    write_inputs(tmp_path / "in.jsonl", 4)

    submitted = run(jobs_server, tmp_path, "--via", "batch-api")
    assert submitted.exit_code == 0, submitted.output
    assert "submitted 4 requests in 1 batch job" in submitted.stderr and "collect with --collect" in submitted.stderr
    assert not (tmp_path / "out.jsonl").exists()
    [job] = jobs_in(tmp_path, jobs_server)
    assert job.status == "validating" and len(job.keys) == 4

    running = run(jobs_server, tmp_path, "--collect")
    assert running.exit_code == 3, running.output
    assert "1 batch job still running (4 articles waiting, 0 of 4 requests answered so far)" in running.stderr
    assert not (tmp_path / "out.jsonl").exists()
    assert jobs_in(tmp_path, jobs_server)[0].status == "in_progress"

    collected = run(jobs_server, tmp_path, "--collect")
    assert collected.exit_code == 0, collected.output
    assert "4 summarized (0 cached, 4 via the batch API (" in collected.stderr.splitlines()[-1]
    records = out_lines(tmp_path)
    assert [r["id"] for r in records] == ["a0", "a1", "a2", "a3"]
    assert all(r["meta"]["attempts"] == 1 and r["meta"]["usage"]["total_tokens"] > 0 for r in records)
    assert all(r["attacks"] and r["attacks"][0]["evidence"][0]["text"] in story(i) for i, r in enumerate(records))
    [job] = jobs_in(tmp_path, jobs_server)
    assert job.status == "collected"
    assert recorded(vcr, "POST", "/chat/completions") == []  # every answer came from the job
    assert [r.path for r in recorded(vcr, "DELETE", "")] == [f"/v1/files/{job.input_file_id}"]  # its upload, once collected


@pytest.mark.vcr
def test_a_restart_between_submit_and_collect_finds_the_jobs_in_the_store_and_submits_nothing_twice(
    jobs_server: LLMServer, tmp_path: Path, vcr: Any
) -> None:
    write_inputs(tmp_path / "in.jsonl", 3)
    assert run(jobs_server, tmp_path, "--via", "batch-api").exit_code == 0

    again = run(jobs_server, tmp_path, "--via", "batch-api")  # the same command, a new process and Store
    assert again.exit_code == 3 and "submitted" not in again.stderr
    done = run(jobs_server, tmp_path, "--via", "batch-api")
    assert done.exit_code == 0, done.output

    assert len(recorded(vcr, "POST", "/files")) == 1 and len(recorded(vcr, "POST", "/batches")) == 1
    assert len(jobs_in(tmp_path, jobs_server)) == 1
    assert [r["id"] for r in out_lines(tmp_path)] == ["a0", "a1", "a2"]


@pytest.mark.vcr
def test_an_expired_job_keeps_the_answers_it_has_and_the_rest_are_asked_live(
    jobs_server: LLMServer, tmp_path: Path, vcr: Any
) -> None:
    write_inputs(tmp_path / "in.jsonl", 4)
    jobs_server.batches.end_next("expired", answered=2)
    assert run(jobs_server, tmp_path, "--via", "batch-api").exit_code == 0
    assert run(jobs_server, tmp_path, "--collect").exit_code == 3

    collected = run(jobs_server, tmp_path, "--collect")
    assert collected.exit_code == 0, collected.output
    assert "2 via the batch API" in collected.stderr and "2 asked live" in collected.stderr
    assert len(out_lines(tmp_path)) == 4 and all("headline" in r for r in out_lines(tmp_path))
    assert len(recorded(vcr, "POST", "/chat/completions")) == 2
    assert jobs_in(tmp_path, jobs_server)[0].status == "collected"


@pytest.mark.vcr
def test_error_lines_and_answers_that_do_not_validate_are_asked_again_live(
    jobs_server: LLMServer, tmp_path: Path, vcr: Any
) -> None:
    write_inputs(tmp_path / "in.jsonl", 4)
    # The job's first two request lines: an error, then an answer missing every required field.
    jobs_server.script(Reply.error(500), Reply.data({"headline": "Not a summary"}))
    assert run(jobs_server, tmp_path, "--via", "batch-api").exit_code == 0
    run(jobs_server, tmp_path, "--collect")

    collected = run(jobs_server, tmp_path, "--collect")
    assert collected.exit_code == 0, collected.output
    assert "2 via the batch API" in collected.stderr and "2 asked live" in collected.stderr
    assert all("headline" in r and r["headline"] != "Not a summary" for r in out_lines(tmp_path))
    live = [json.loads(r.body) for r in recorded(vcr, "POST", "/chat/completions")]
    # The invalid answer is re-asked with the validation error, as a live answer would be; the error line afresh.
    assert sorted(len(body["messages"]) for body in live) == [2, 4]


@pytest.mark.vcr
def test_a_failed_job_is_asked_again_in_a_follow_up_job_with_via_batch_api(
    jobs_server: LLMServer, tmp_path: Path, vcr: Any
) -> None:
    write_inputs(tmp_path / "in.jsonl", 2)
    jobs_server.batches.end_next("failed")
    assert run(jobs_server, tmp_path, "--via", "batch-api").exit_code == 0
    assert run(jobs_server, tmp_path, "--via", "batch-api").exit_code == 3  # validating -> in_progress

    follow_up = run(jobs_server, tmp_path, "--via", "batch-api")  # the job failed: its requests go to a new one
    assert follow_up.exit_code == 0 and "submitted 2 requests in 1 batch job" in follow_up.stderr
    assert run(jobs_server, tmp_path, "--via", "batch-api").exit_code == 3
    done = run(jobs_server, tmp_path, "--via", "batch-api")
    assert done.exit_code == 0, done.output
    assert [job.status for job in jobs_in(tmp_path, jobs_server)] == ["collected", "collected"]
    assert recorded(vcr, "POST", "/chat/completions") == []
    assert len(out_lines(tmp_path)) == 2


@pytest.mark.vcr
def test_answers_for_articles_not_in_the_collecting_runs_input_are_stored_all_the_same(
    jobs_server: LLMServer, tmp_path: Path, vcr: Any
) -> None:
    everything = write_inputs(tmp_path / "in.jsonl", 3)
    assert run(jobs_server, tmp_path, "--via", "batch-api").exit_code == 0
    assert run(jobs_server, tmp_path, "--collect").exit_code == 3
    one = tmp_path / "one.jsonl"
    one.write_text(everything.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8")

    collected = run(jobs_server, tmp_path, "--collect", inputs=one)
    assert collected.exit_code == 0, collected.output
    assert "stored 2 answers of the batch jobs for articles not in this run's INPUT" in collected.stderr
    assert [r["id"] for r in out_lines(tmp_path)] == ["a0"]
    assert jobs_in(tmp_path, jobs_server)[0].status == "collected"

    later = run(jobs_server, tmp_path, inputs=everything)  # a plain live run: everything is in the store
    assert later.exit_code == 0, later.output
    assert "3 summarized (3 cached" in later.stderr
    assert [r["id"] for r in out_lines(tmp_path)] == ["a0", "a1", "a2"]
    assert all(r["attacks"][0]["evidence"][0]["text"] in story(i) for i, r in enumerate(out_lines(tmp_path)))
    assert recorded(vcr, "POST", "/chat/completions") == []


def test_an_answer_for_an_article_not_in_the_input_that_does_not_validate_stays_pending(tmp_path: Path) -> None:
    with LLMServer(responder=grounded) as server, Store(tmp_path / "s.db") as store:
        server.batches.polls_to_finish = 1
        server.script(Reply.data({"headline": "Not a summary"}))  # the job's first line: a0's answer
        items = [Article(text=story(i), id=f"a{i}") for i in range(2)]
        jobs_round(server, store, items)

        results, outcome = jobs_round(server, store, items[1:], then_live=True)
        assert results[0].ok and (outcome.leftovers.stored, outcome.leftovers.kept) == (0, 1)
        key = JobSummarizer(Summarizer(base_url=server.base_url, api_key=TEST_KEY, model=TEST_MODEL, backend="llm").config,
                            then="live").key_of(items[0])
        record = store.get(key)
        assert record is not None and record.status == "pending" and record.lease_owner is None
        assert server.chat_requests == []  # no live request for an article the run was not given


@pytest.mark.vcr
def test_via_batch_api_with_wait_submits_polls_until_the_job_has_ended_and_writes_out(
    jobs_server: LLMServer, tmp_path: Path, vcr: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pauses: list[float] = []
    monkeypatch.setattr("summarizer.batchjobs.flow.WAIT_FIRST_S", 0.01)
    monkeypatch.setattr("summarizer.batchjobs.flow._sleep", pauses.append)
    jobs_server.batches.polls_to_finish = 4
    write_inputs(tmp_path / "in.jsonl", 3)

    result = run(jobs_server, tmp_path, "--via", "batch-api", "--wait")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert "submitted 3 requests in 1 batch job" in lines[0] and "waiting for them (--wait)" in lines[0]
    assert [line.split("; ")[0] for line in lines[1:4]] == [
        "summarizer: waiting for 1 batch job (3 articles, 0 of 3 requests answered so far)"] * 3
    assert pauses == [0.01, 0.02, 0.04]  # doubling
    assert "3 summarized (0 cached, 3 via the batch API (" in lines[-1]
    assert [r["id"] for r in out_lines(tmp_path)] == ["a0", "a1", "a2"]
    assert jobs_in(tmp_path, jobs_server)[0].status == "collected"
    assert recorded(vcr, "POST", "/chat/completions") == [] and len(recorded(vcr, "POST", "/batches")) == 1


@pytest.mark.vcr
def test_ctrl_c_while_waiting_stops_with_130_and_the_job_is_collected_by_a_later_collect(
    jobs_server: LLMServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_inputs(tmp_path / "in.jsonl", 2)
    assert run(jobs_server, tmp_path, "--via", "batch-api").exit_code == 0

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("summarizer.batchjobs.flow._sleep", interrupt)
    stopped = run(jobs_server, tmp_path, "--collect", "--wait")
    assert stopped.exit_code == 130, stopped.output
    assert stopped.stderr.splitlines()[-1] == (
        f"summarizer: stopped waiting: 1 batch job recorded in {tmp_path / 's.db'}; resume with --collect --wait "
        "(or run the same command again)"
    )
    assert not (tmp_path / "out.jsonl").exists() and jobs_in(tmp_path, jobs_server)[0].open

    monkeypatch.setattr("summarizer.batchjobs.flow._sleep", lambda seconds: None)
    resumed = run(jobs_server, tmp_path, "--collect", "--wait")
    assert resumed.exit_code == 0, resumed.output
    assert len(out_lines(tmp_path)) == 2 and not jobs_in(tmp_path, jobs_server)[0].open


def test_on_a_terminal_the_wait_progress_is_one_line_rewritten_in_place(capsys: pytest.CaptureFixture[str]) -> None:
    from types import SimpleNamespace

    from summarizer.cli.batch_jobs import _WaitLine

    plan = SimpleNamespace(running=["batch_1"], summarizer=SimpleNamespace(waiting={"k1", "k2"}), done_requests=1, total_requests=2)
    line = _WaitLine(tty=True)
    line.show(plan, 5)
    line.show(plan, 10)
    line.close()
    line.close()
    text = "summarizer: waiting for 1 batch job (2 articles, 1 of 2 requests answered so far); next poll in {} s, Ctrl-C stops waiting"
    # (click drops the erase-line code when stderr is not a real terminal, as under capsys)
    assert capsys.readouterr().err.replace("\x1b[K", "") == f"\r{text.format(5)}\r{text.format(10)}\n"


def test_wait_without_batch_jobs_is_a_one_line_usage_error(tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path / "in.jsonl", 1)
    result = CliRunner().invoke(cli, ["batch", str(inputs), "-o", str(tmp_path / "out.jsonl"), "--wait"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "summarizer: error: --wait waits for provider batch jobs: it goes with --collect or --via batch-api. "
        "Add one of them, or drop --wait."
    ]


def test_answers_asked_with_another_model_are_not_stored_and_their_job_stays_open_until_collected_with_it(
    tmp_path: Path,
) -> None:
    with LLMServer(responder=grounded) as server, Store(tmp_path / "s.db") as store:
        server.batches.polls_to_finish = 1
        article = Article(text=story(0), id="a0")
        jobs_round(server, store, [article])  # submitted with TEST_MODEL

        other = Summarizer(base_url=server.base_url, api_key=TEST_KEY, model="another-model", backend="llm").config
        outcome = finish(prepare(other, store), store)  # --collect with another --model and an empty INPUT
        [job] = store.provider_jobs(server.base_url)
        assert len(outcome.leftovers.other_settings) == 1 and job.open
        assert store.get(job.keys[0]).status == "pending"  # type: ignore[union-attr]

        _, outcome = jobs_round(server, store, [], then_live=True)  # back with the model it was submitted with
        assert outcome.leftovers.stored == 1 and store.provider_jobs(server.base_url) == []
        assert store.get(job.keys[0]).status == "done"  # type: ignore[union-attr]
        assert server.chat_requests == []


# -- the requests ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["tools", "json", "json_schema", "md_json"])
def test_a_batch_request_body_is_the_body_of_the_live_request(tmp_path: Path, fixed_fence: str, mode: str) -> None:
    article = Article(text=story(1), id="a1")
    with LLMServer(responder=grounded) as server:
        options = {"base_url": server.base_url, "api_key": TEST_KEY, "model": TEST_MODEL, "backend": "llm", "mode": mode}
        Summarizer(**options).summarize(article)
        [live] = server.chat_requests

        capturing = JobSummarizer(Summarizer(**options).config, then="capture")
        with pytest.raises(Deferred):
            asyncio.run(capturing.asummarize(article))
    [(key, body)] = capturing.captured.items()
    assert body == live.json
    assert key == capturing.key_of(article)


def test_requests_are_split_into_files_at_the_request_and_byte_limits() -> None:
    requests = {f"k{i}": {"model": "m", "messages": [{"role": "user", "content": "x" * 100}]} for i in range(7)}
    by_count = split_files(requests, max_requests=3)
    assert [keys for keys, _ in by_count] == [["k0", "k1", "k2"], ["k3", "k4", "k5"], ["k6"]]
    assert [len(data.splitlines()) for _, data in by_count] == [3, 3, 1]
    line = len(by_count[2][1])
    by_bytes = split_files(requests, max_bytes=2 * line + 10)
    assert [len(keys) for keys, _ in by_bytes] == [2, 2, 2, 1] and all(len(d) <= 2 * line + 10 for _, d in by_bytes)
    first = json.loads(by_count[0][1].splitlines()[0])
    assert first == {"custom_id": "k0", "method": "POST", "url": "/v1/chat/completions", "body": requests["k0"]}


def jobs_round(
    server: LLMServer, store: Store, items: list[Article], then_live: bool = False, **options: Any
) -> tuple[list[Any], Any]:
    """One ``--via batch-api`` run in the library (``then_live``: a ``--collect`` run): poll, run the batch, submit."""
    config = Summarizer(base_url=server.base_url, api_key=TEST_KEY, model=TEST_MODEL, backend="llm", **options).config
    plan = prepare(config, store, via_jobs=not then_live)

    async def drain() -> list[Any]:
        return [r async for r in asummarize_many(items, summarizer=plan.summarizer, store=store)]

    results = asyncio.run(drain())
    return results, finish(plan, store)


def test_an_item_whose_job_answers_never_validate_fails_after_max_attempts_jobs(tmp_path: Path) -> None:
    with LLMServer(responder=lambda req: Reply.data({"headline": "Not a summary"})) as server, Store(tmp_path / "s.db") as store:
        server.batches.polls_to_finish = 1
        items = [Article(text=story(0), id="a0")]
        first, submitted = jobs_round(server, store, items, max_attempts=2)
        assert first[0].deferred and submitted.requests == 1

        second, follow_up = jobs_round(server, store, items, max_attempts=2)  # the answer fails: its re-ask is a new job
        assert second[0].deferred and follow_up.requests == 1

        third, none = jobs_round(server, store, items, max_attempts=2)
        assert none.requests == 0 and not third[0].deferred
        assert third[0].error.startswith("No usable answer after 2 provider batch job(s): its answers did not validate.")
        assert server.chat_requests == []
        assert len(store.provider_jobs(server.base_url, open_only=False)) == 2


def test_an_input_file_the_provider_refuses_to_delete_is_a_warning_and_the_job_is_collected(tmp_path: Path) -> None:
    with LLMServer(responder=grounded) as server, Store(tmp_path / "s.db") as store:
        server.batches.polls_to_finish = 1
        server.batches.delete_status = 403
        items = [Article(text=story(0), id="a0")]
        jobs_round(server, store, items)

        results, outcome = jobs_round(server, store, items)
        [job] = store.provider_jobs(server.base_url, open_only=False)
        assert results[0].ok and job.status == "collected" and server.batches.deleted == []
        [warning] = outcome.warnings
        assert warning.startswith(f"could not delete the input file {job.input_file_id} of batch job {job.job_id} at the provider (")
        assert "\n" not in warning

        server.batches.delete_status = 200
        jobs_round(server, store, items)  # a later run does not try again: the job is collected
        assert server.batches.deleted == []


def test_a_submit_over_the_request_limit_makes_one_job_per_file(tmp_path: Path) -> None:
    with LLMServer(responder=grounded) as server, Store(tmp_path / "s.db") as store:
        config = Summarizer(base_url=server.base_url, api_key=TEST_KEY, model=TEST_MODEL, backend="llm").config
        plan = prepare(config, store, via_jobs=True, max_requests=3)

        async def drain() -> list[Any]:
            return [r async for r in asummarize_many([Article(text=story(i)) for i in range(7)],
                                                      summarizer=plan.summarizer, store=store)]

        results = asyncio.run(drain())
        outcome = finish(plan, store)
        assert all(r.deferred for r in results) and outcome.requests == 7
        assert [len(job.keys) for job in store.provider_jobs(server.base_url)] == [3, 3, 1]
        assert [len(upload.splitlines()) for upload in server.batches.uploads] == [3, 3, 1]
        assert server.chat_requests == []


def test_write_requests_then_collect_file_is_a_round_trip_without_a_job(tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path / "in.jsonl", 3)
    requests, results = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    base = ["batch", str(inputs), "-o", str(tmp_path / "out.jsonl"), "--store", str(tmp_path / "s.db"), "--model", TEST_MODEL]

    written = CliRunner().invoke(cli, [*base, "--write-requests", str(requests)])  # no key, no URL: no call
    assert written.exit_code == 0, written.output
    assert f"wrote 3 requests to {requests}" in written.stderr and not (tmp_path / "out.jsonl").exists()
    lines = [json.loads(line) for line in requests.read_text(encoding="utf-8").splitlines()]
    assert {line["url"] for line in lines} == {"/v1/chat/completions"}
    assert all(line["body"]["response_format"]["json_schema"]["strict"] is True for line in lines)  # OpenAI's shape

    with LLMServer(responder=grounded) as server:  # what 'vllm run-batch' does with the file
        out = [{"id": f"r{i}", "custom_id": line["custom_id"], "error": None,
                "response": {"status_code": 200, "request_id": f"q{i}", "body": post(f"{server.base_url}/chat/completions", line["body"])}}
               for i, line in enumerate(lines)]
        results.write_text("".join(json.dumps(r) + "\n" for r in out), encoding="utf-8")
        served = len(server.requests)

        # The same settings as the requests (OpenAI's URL, which the network block would refuse): nothing asked live.
        collected = CliRunner(env={"OPENAI_API_KEY": TEST_KEY}).invoke(cli, [*base, "--collect-file", str(results)])
        assert collected.exit_code == 0, collected.output
        assert len(server.requests) == served
    assert "3 via the batch API" in collected.stderr
    assert [r["id"] for r in out_lines(tmp_path)] == ["a0", "a1", "a2"]



def test_collect_file_without_an_endpoint_says_which_settings_to_pass_and_stores_nothing(tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path / "in.jsonl", 2)
    results = tmp_path / "results.jsonl"
    results.write_text('{"custom_id": "k", "response": {"status_code": 200, "body": {}}}\n', encoding="utf-8")
    db = tmp_path / "s.db"

    result = CliRunner(env={"OPENAI_API_KEY": None, "OPENAI_BASE_URL": None}).invoke(
        cli, ["batch", str(inputs), "-o", str(tmp_path / "out.jsonl"), "--store", str(db), "--model", TEST_MODEL,
              "--collect-file", str(results)])

    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "--collect-file needs the endpoint the requests were written for" in result.stderr
    assert "--base-url and --model as --write-requests" in result.stderr
    assert not (tmp_path / "out.jsonl").exists()

def vllm_run_batch(server: LLMServer, requests: Path, results: Path) -> None:
    """What ``vllm run-batch -i REQUESTS -o RESULTS`` does: each request line answered by the server."""
    lines = [json.loads(line) for line in requests.read_text(encoding="utf-8").splitlines()]
    out = [{"id": f"r{i}", "custom_id": line["custom_id"], "error": None,
            "response": {"status_code": 200, "request_id": f"q{i}", "body": post(f"{server.base_url}/chat/completions", line["body"])}}
           for i, line in enumerate(lines)]
    results.write_text("".join(json.dumps(r) + "\n" for r in out), encoding="utf-8")


def test_collect_file_with_another_model_than_write_requests_is_a_one_line_error_and_asks_nothing(tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path / "in.jsonl", 2)
    requests, results = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    with LLMServer(responder=grounded) as server:
        base = ["batch", str(inputs), "-o", str(tmp_path / "out.jsonl"), "--base-url", server.base_url, "--mode", "json"]
        wrote = CliRunner().invoke(cli, [*base, "--store", str(tmp_path / "s.db"), "--model", TEST_MODEL,
                                         "--write-requests", str(requests)])
        assert wrote.exit_code == 0, wrote.output
        vllm_run_batch(server, requests, results)
        served, asked = len(server.requests), len(server.chat_requests)

        for store in ("s.db", "fresh.db"):  # the store that has the items, and one that does not
            other = CliRunner(env={"OPENAI_API_KEY": TEST_KEY}).invoke(
                cli, [*base, "--store", str(tmp_path / store), "--model", "another-model", "--collect-file", str(results)])
            assert other.exit_code == 2, other.output
            assert other.stderr.strip().splitlines() == [
                f"summarizer: error: None of the 2 results in {results} is for an article of this run or of the store "
                f"{tmp_path / store}: they were asked with other settings. Pass the same --model, --base-url (or --mode) "
                "and --prompts as the --write-requests run (custom_id is the work key: article, model and prompt version)."
            ]
        assert len(server.requests) == served  # nothing was asked live

        same = CliRunner(env={"OPENAI_API_KEY": TEST_KEY}).invoke(
            cli, [*base, "--store", str(tmp_path / "fresh.db"), "--model", TEST_MODEL, "--collect-file", str(results)])
        assert same.exit_code == 0, same.output
        assert "2 via the batch API" in same.stderr and len(server.chat_requests) == asked  # no chat request: all from the file
    assert [r["id"] for r in out_lines(tmp_path)] == ["a0", "a1"]


@pytest.mark.parametrize(("written", "read", "asked"), [
    ("tools", "json", "tools mode (tool calls)"),
    ("json_schema", "tools", "a JSON mode (answers in the message content)"),
])
def test_collect_file_in_another_mode_than_write_requests_is_a_one_line_error(
    tmp_path: Path, written: str, read: str, asked: str
) -> None:
    inputs = write_inputs(tmp_path / "in.jsonl", 2)
    requests, results = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    with LLMServer(responder=grounded) as server:
        base = ["batch", str(inputs), "-o", str(tmp_path / "out.jsonl"), "--store", str(tmp_path / "s.db"),
                "--base-url", server.base_url, "--model", TEST_MODEL]
        assert CliRunner().invoke(cli, [*base, "--mode", written, "--write-requests", str(requests)]).exit_code == 0
        vllm_run_batch(server, requests, results)
        asked_before = len(server.chat_requests)

        other = CliRunner(env={"OPENAI_API_KEY": TEST_KEY}).invoke(cli, [*base, "--mode", read, "--collect-file", str(results)])
        assert len(server.chat_requests) == asked_before
    assert other.exit_code == 2, other.output
    [line] = other.stderr.strip().splitlines()
    assert line.startswith(f"summarizer: error: The results in {results} were asked in {asked}, but this run reads "
                           f"answers in {read} mode (")
    assert "Pass the --mode (and --base-url) of the --write-requests run" in line


def test_write_requests_asks_nothing_of_the_server_even_when_its_url_does_not_name_it(tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path / "in.jsonl", 2)
    with LLMServer(responder=grounded) as server:
        result = CliRunner().invoke(cli, [
            "batch", str(inputs), "-o", str(tmp_path / "out.jsonl"), "--store", str(tmp_path / "s.db"),
            "--base-url", server.base_url, "--mode", "json", "--write-requests", str(tmp_path / "r.jsonl"),
        ])
        assert result.exit_code == 0, result.output
        assert server.requests == []
    bodies = [json.loads(line)["body"] for line in (tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [body["response_format"]["type"] for body in bodies] == ["json_object", "json_object"]


def post(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_a_results_file_that_is_not_batch_results_is_a_one_line_error(tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path / "in.jsonl", 1)
    bad = tmp_path / "results.jsonl"
    bad.write_text('{"custom_id": "k", "response": null, "error": null}\nnot json\n', encoding="utf-8")
    result = CliRunner(env={"OPENAI_API_KEY": TEST_KEY}).invoke(
        cli, ["batch", str(inputs), "-o", str(tmp_path / "out.jsonl"), "--store", str(tmp_path / "s.db"),
              "--collect-file", str(bad)],
    )
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"summarizer: error: {bad} line 2 is not a batch result (a JSON object with custom_id, response and error). "
        "Pass the output (or error) file of a batch job, or of 'vllm run-batch'."
    ]
    assert "Traceback" not in result.output


def test_results_lines_become_answers_or_errors() -> None:
    ok = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
          "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "{}"}}],
          "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}}
    text = "\n".join(json.dumps(line) for line in [
        {"custom_id": "good", "response": {"status_code": 200, "body": ok}, "error": None},
        {"custom_id": "http", "response": {"status_code": 429, "body": {"error": {"message": "slow down", "code": "rate_limit_exceeded"}}}, "error": None},
        {"custom_id": "gone", "response": None, "error": {"code": "batch_expired", "message": "expired sk-abcdefghijklmnopqrstuvwxyz12"}},
        {"custom_id": "junk", "response": {"status_code": 200, "body": {"choices": "no"}}, "error": None},
    ])
    results = parse_results(text, "r.jsonl")
    assert results["good"].body == ok and results["good"].total_tokens == 7
    assert results["http"].error == "the batch job answered HTTP 429: slow down (rate_limit_exceeded)"
    assert results["gone"].body is None and "batch_expired" in (results["gone"].error or "")
    assert "sk-abcdefghijklmnopqrstuvwxyz12" not in (results["gone"].error or "")
    assert results["junk"].body is None and "not a chat completion" in (results["junk"].error or "")
    with pytest.raises(BadResultsError, match="r.jsonl line 1 is not a batch result"):
        parse_results("[1, 2]\n", "r.jsonl")


# -- the store ---------------------------------------------------------------------------------------------------


def test_the_store_keeps_jobs_until_they_are_collected(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        store.record_job("batch_1", "http://h/v1", "file-1", "validating", ["k1", "k2"])
        store.record_job("batch_2", "http://other/v1", "file-2", "validating", ["k3"])
    with Store(tmp_path / "s.db") as store:  # another process
        [job] = store.provider_jobs("http://h/v1")
        assert (job.job_id, job.input_file_id, job.keys, job.open) == ("batch_1", "file-1", ("k1", "k2"), True)
        store.update_job("batch_1", "collected")
        assert store.provider_jobs("http://h/v1") == []
        assert [j.status for j in store.provider_jobs("http://h/v1", open_only=False)] == ["collected"]

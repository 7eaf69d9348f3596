"""The command line, run in-process with click's CliRunner so cassettes apply.

LLM tests replay cassettes recorded from the suite's own server (``endpoint``
fixture, see tests/test_pipeline.py); everything else uses the offline
extractive backend. URL tests start a stdlib HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import ROOT, SEED, TEST_KEY, Endpoint
from llm_server import Reply

from summarizer.cli import cli
from summarizer.config import mask
from summarizer.schema import Summary

DATA = Path(__file__).parent / "data" / "cli"
HTML_PAGE = (DATA / "istanbul-talks.html").read_bytes()
FALLBACK = (
    "summarizer: no LLM endpoint configured (set OPENAI_API_KEY or --base-url); "
    "using the offline extractive backend\n"
)
NO_ENDPOINT = (
    "summarizer: error: No LLM endpoint configured: set OPENAI_API_KEY, or pass "
    "--base-url http://localhost:11434/v1 for Ollama.\n"
)


def run(*args: Any, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Result:
    """Run the CLI in-process; exceptions the CLI does not handle fail the test."""
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, env=env, catch_exceptions=False)


def llm(endpoint: Endpoint, *args: Any, env: dict[str, str] | None = None, input: str | None = None) -> Result:
    """Run a command against the test endpoint: its URL as --base-url, its key in OPENAI_API_KEY."""
    url = ["--base-url", endpoint.base_url] if endpoint.base_url else []
    options = [*url, "--model", endpoint.model, "--backend", "llm"]
    return run(*args, *options, input=input, env={"OPENAI_API_KEY": endpoint.api_key, **(env or {})})


def extractive(*args: Any, **kwargs: Any) -> Result:
    return run(*args, "--backend", "extractive", **kwargs)


def one_line(text: str) -> str:
    """The text, asserting it is exactly one line."""
    assert text.endswith("\n") and text.count("\n") == 1, f"not one line: {text!r}"
    return text


# ---------------------------------------------------------------------------
# Formats, on the seed article, from cassettes


@pytest.mark.vcr
@pytest.mark.live_capable
def test_json_is_the_summary_with_metadata(endpoint: Endpoint, seed_draft: dict) -> None:
    endpoint.script(Reply.data(seed_draft))

    result = llm(endpoint, "summarize", SEED, "--format", "json")

    assert result.exit_code == 0, result.stderr
    summary = Summary.model_validate_json(result.stdout)
    assert summary.meta.backend == "llm" and summary.meta.model == endpoint.model
    assert summary.meta.usage.total_tokens > 0 and summary.meta.prompt_version
    assert summary.article.id == "ukraine-istanbul-talks" and summary.article.source == str(SEED)
    sumy = summary.attacks[0]
    assert (sumy.killed, sumy.injured) == (9, 5)
    assert result.stderr == ""


@pytest.mark.vcr
def test_json_is_the_default_when_stdout_is_not_a_terminal(endpoint: Endpoint, seed_draft: dict) -> None:
    endpoint.script(Reply.data(seed_draft))

    result = llm(endpoint, "summarize", SEED)

    assert result.exit_code == 0, result.stderr
    assert Summary.model_validate_json(result.stdout).attacks[0].killed == 9


@pytest.mark.vcr
def test_terminal_shows_the_attacks_as_a_table(endpoint: Endpoint, seed_draft: dict) -> None:
    endpoint.script(Reply.data(seed_draft))

    result = llm(endpoint, "summarize", SEED, "--format", "terminal", env={"COLUMNS": "120"})

    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith(seed_draft["headline"])
    assert "Attacks (3)" in out and "Diplomacy" in out and "Territory" in out and "Sanctions" in out
    header = next(line for line in out.splitlines() if line.lstrip().startswith("#"))
    assert re.search(r"Place\s+Weapon\s+Killed\s+Injured", header)
    assert re.search(r"^1\s+Sumy region\s+drone\s+9\s+5\s", out, re.MULTILINE)
    assert "\x1b[" not in out  # no colour codes when stdout is not a terminal


@pytest.mark.vcr
def test_markdown_has_sections_and_an_attack_table(endpoint: Endpoint, seed_draft: dict) -> None:
    endpoint.script(Reply.data(seed_draft))

    result = llm(endpoint, "summarize", SEED, "--format", "markdown")

    assert result.exit_code == 0, result.stderr
    md = result.stdout
    assert md.startswith(f"# {seed_draft['headline']}")
    assert "## Attacks" in md and "## Diplomacy" in md
    assert re.search(r"\| Sumy region \| drone \|.*\| 9 \| 5 \|", md)


@pytest.mark.vcr
def test_html_is_a_standalone_page_with_the_evidence_marked(endpoint: Endpoint, seed_draft: dict) -> None:
    endpoint.script(Reply.data(seed_draft))

    result = llm(endpoint, "summarize", SEED, "--format", "html")

    assert result.exit_code == 0, result.stderr
    page = result.stdout
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "<mark" in page and "nine people died and five others were injured" in page
    assert "<script" not in page and "http://" not in page.split("<body>")[0]


@pytest.mark.vcr
def test_show_usage_reports_tokens_attempts_retries_and_latency_on_stderr(endpoint: Endpoint, seed_draft: dict) -> None:
    endpoint.script(Reply.data(seed_draft))

    result = llm(endpoint, "summarize", SEED, "--show-usage")

    assert result.exit_code == 0
    summary = Summary.model_validate_json(result.stdout)
    usage = summary.meta.usage
    line = one_line(result.stderr)
    assert line.startswith(f"summarizer: usage: llm {endpoint.model} · {usage.total_tokens:,} tokens ")
    assert f"({usage.prompt_tokens:,} prompt + {usage.completion_tokens:,} completion)" in line
    assert "· 1 attempt · 0 transport retries · " in line and re.search(r"\d+\.\d\d s$", line.strip())


@pytest.mark.vcr
def test_dropped_items_are_announced_in_one_line(endpoint: Endpoint, seed_draft: dict) -> None:
    bad = copy.deepcopy(seed_draft)
    bad["attacks"][1]["injured"] = 12  # "wound over a dozen": 12 is invented
    endpoint.script(*[Reply.data(bad)] * 2)

    result = llm(endpoint, "summarize", SEED, "--max-attempts", "2")

    assert result.exit_code == 0
    assert result.stderr == "summarizer: 1 item kept without ungrounded parts: not found in the article (see 'dropped')\n"
    summary = Summary.model_validate_json(result.stdout)
    assert len(summary.meta.dropped) == 1 and summary.meta.attempts == 2


@pytest.mark.vcr
def test_transport_retries_are_announced_on_stderr(endpoint: Endpoint, seed_draft: dict) -> None:
    endpoint.script(Reply.error(429, retry_after_ms=10), Reply.error(503), Reply.data(seed_draft))

    result = llm(endpoint, "summarize", SEED, "--show-usage")

    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == f"summarizer: {endpoint.base_url}: HTTP 429; retry 1 of 5 in 0.0 s"
    assert re.fullmatch(rf"summarizer: {re.escape(endpoint.base_url)}: HTTP 503; retry 2 of 5 in \d+\.\d s", lines[1])
    assert "· 2 transport retries ·" in lines[2]


# ---------------------------------------------------------------------------
# LLM failures, from cassettes


@pytest.mark.vcr
def test_strict_with_an_ungrounded_item_exits_1(endpoint: Endpoint, seed_draft: dict) -> None:
    bad = copy.deepcopy(seed_draft)
    bad["territory"][3]["evidence"] = ["Russian troops stormed and took Oleksandropil on Sunday."]
    endpoint.script(*[Reply.data(bad)] * 2)

    result = llm(endpoint, "summarize", SEED, "--strict", "--max-attempts", "2")

    assert result.exit_code == 1
    assert result.stdout == ""
    line = one_line(result.stderr)
    assert line.startswith("summarizer: error: 1 item(s) could not be grounded in the article after 2 attempt(s)")
    assert "Russian troops stormed" in line and "Drop --strict" in line


@pytest.mark.vcr
def test_answers_the_model_keeps_getting_wrong_exit_1(endpoint: Endpoint) -> None:
    endpoint.script(*[Reply.raw("I cannot do that.")] * 2)

    result = llm(endpoint, "summarize", SEED, "--max-attempts", "2")

    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert line.startswith("summarizer: error: The model's answer did not match the schema after 2 attempt(s)")
    assert "column 2. Try --mode json or --mode md_json" in line and "Traceback" not in result.output


@pytest.mark.vcr
def test_show_usage_reports_what_a_failed_summary_cost(endpoint: Endpoint, vcr: Any) -> None:
    endpoint.script(*[Reply.raw("I cannot do that.")] * 2)

    result = llm(endpoint, "summarize", SEED, "--max-attempts", "2", "--show-usage")

    assert result.exit_code == 1
    answers = [json.loads(r["body"]["string"]) for r in vcr.responses]
    spent = sum(a["usage"]["total_tokens"] for a in answers if "usage" in a)  # not the /models probe
    usage, error = result.stderr.splitlines()
    assert usage.startswith(f"summarizer: usage before the failure: {spent:,} tokens")
    assert error.startswith("summarizer: error: The model's answer did not match the schema")


@pytest.mark.vcr
def test_401_exits_1_in_one_line_without_the_key(endpoint: Endpoint) -> None:
    endpoint.script(Reply.error(401, "Incorrect API key provided: sk-te***cdef.", code="invalid_api_key"))

    result = llm(endpoint, "summarize", SEED)

    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert line.startswith(f"summarizer: error: {endpoint.base_url} refused the API key (HTTP 401")
    assert "Check OPENAI_API_KEY" in line
    assert TEST_KEY not in result.output and "Traceback" not in result.output


@pytest.mark.vcr
def test_debug_shows_the_traceback_of_an_llm_error_without_the_key(endpoint: Endpoint) -> None:
    endpoint.script(Reply.error(401, code="invalid_api_key"))

    result = llm(endpoint, "summarize", SEED, "--debug")

    assert result.exit_code == 1
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert "openai.AuthenticationError" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("summarizer: error: ")
    assert TEST_KEY not in result.output


# ---------------------------------------------------------------------------
# Backends and configuration errors


def test_llm_backend_without_an_endpoint_says_how_to_configure_one() -> None:
    result = run("summarize", SEED, "--backend", "llm")

    assert result.exit_code == 2
    assert result.stderr == NO_ENDPOINT and result.stdout == ""


def test_auto_backend_without_an_endpoint_falls_back_and_says_so() -> None:
    result = run("summarize", SEED)

    assert result.exit_code == 0
    assert result.stderr == FALLBACK
    summary = Summary.model_validate_json(result.stdout)
    assert summary.meta.backend == "extractive" and summary.attacks[0].killed == 9


def test_explicit_extractive_backend_says_nothing_on_stderr() -> None:
    result = extractive("summarize", SEED)

    assert result.exit_code == 0 and result.stderr == ""


MODES = "'auto', 'tools', 'json', 'json_schema', 'md_json'"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["summarize", SEED, "--mode", "yaml"],
         f"Invalid value for '--mode': 'yaml' is not one of {MODES}. See 'summarizer summarize --help'."),
        (["summarize", SEED, "--format", "pdf"],
         ("Invalid value for '-f' / '--format': 'pdf' is not one of 'terminal', 'json', 'markdown', 'html'. "
          "See 'summarizer summarize --help'.")),
        (["summarize"], "Missing argument 'SOURCE'. See 'summarizer summarize --help'."),
        (["summarize", SEED, "--max-attempts"], "Option '--max-attempts' requires an argument. See 'summarizer summarize --help'."),
        (["batch", SEED], "Missing option '-o' / '--output'. See 'summarizer batch --help'."),
        (["batch", SEED, "-o", "out.jsonl", "--concurrency", "0"],
         "Invalid value for '--concurrency': 0 is not in the range x>=1. See 'summarizer batch --help'."),
        (["sumarize", SEED], "No such command 'sumarize'. Did you mean 'summarize'? See 'summarizer --help'."),
        (["--verbos", "summarize"], "No such option '--verbos'. Did you mean '--version'? See 'summarizer --help'."),
    ],
    ids=["choice", "format", "missing-argument", "missing-value", "missing-option", "range", "command", "group-option"],
)
def test_usage_errors_from_click_are_one_line_and_exit_2(args: list[Any], line: str) -> None:
    result = run(*args)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"summarizer: error: {line}\n"


def test_summarizer_alone_still_shows_the_help() -> None:
    result = run()

    assert result.exit_code == 2 and "Commands:" in result.output


def test_bad_base_url_is_a_usage_error() -> None:
    result = run("summarize", SEED, "--base-url", "localhost:11434")

    assert result.exit_code == 2
    assert one_line(result.stderr).startswith("summarizer: error: Base URL 'localhost:11434' is not an http(s) URL.")


# ---------------------------------------------------------------------------
# Inputs: files, stdin, URLs


def test_empty_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text(" \n\t\n", encoding="utf-8")

    result = run("summarize", path)

    assert result.exit_code == 2
    assert result.stderr == f"summarizer: error: {path} is empty.\n"


def test_binary_file_exits_2() -> None:
    path = DATA / "binary.txt"

    result = run("summarize", path)

    assert result.exit_code == 2
    assert result.stderr == f"summarizer: error: {path}: input is not text (binary file?).\n"


def test_too_short_article_exits_2() -> None:
    path = DATA / "short.txt"

    result = run("summarize", path)

    assert result.exit_code == 2
    line = one_line(result.stderr)
    assert line.startswith(f"summarizer: error: {path} has only 6 words, too short to summarize")


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = run("summarize", tmp_path / "nope.txt")

    assert result.exit_code == 2
    assert result.stderr == f"summarizer: error: {tmp_path / 'nope.txt'}: no such file; check the path.\n"


@pytest.mark.parametrize(("name", "what"), [("feed.jsonl", "holds many articles (JSON Lines)"), ("feed.xml", "is an RSS/Atom feed"), ("folder", "is a folder")])
def test_many_article_inputs_point_to_batch(tmp_path: Path, name: str, what: str) -> None:
    path = tmp_path / name
    path.mkdir() if name == "folder" else path.write_text("{}", encoding="utf-8")

    result = run("summarize", path)

    assert result.exit_code == 2
    assert result.stderr == (
        f"summarizer: error: {path} {what}; 'summarize' reads one article. Use 'summarizer batch {path} -o OUT.jsonl'.\n"
    )


FEED = (ROOT / "tests" / "data" / "feed-rss.xml").read_text(encoding="utf-8")
JSONL = json.dumps({"id": "a", "text": SEED.read_text(encoding="utf-8")}) + "\n"


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (FEED, "is an RSS/Atom feed"),
        (JSONL * 2, "holds many articles (JSON Lines)"),
        ("https://example.org/a\nhttps://example.org/b\n", "is a list of URLs"),
    ],
    ids=["feed", "jsonl", "urls"],
)
def test_many_articles_saved_as_txt_point_to_batch(tmp_path: Path, content: str, what: str) -> None:
    path = tmp_path / "saved.txt"
    path.write_text(content, encoding="utf-8")

    result = extractive("summarize", path)

    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        f"summarizer: error: {path} {what}; 'summarize' reads one article. Use 'summarizer batch {path} -o OUT.jsonl'.\n"
    )


def test_a_feed_on_stdin_points_to_batch() -> None:
    result = extractive("summarize", "-", input=FEED)

    assert result.exit_code == 2
    assert result.stderr == (
        "summarizer: error: <stdin> is an RSS/Atom feed; 'summarize' reads one article. "
        "Save it to a file and use 'summarizer batch FILE -o OUT.jsonl'.\n"
    )


@pytest.mark.parametrize("name", ["story.txt", "story.md"])
def test_html_saved_as_txt_or_md_is_extracted(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(HTML_PAGE)

    result = extractive("summarize", path)

    assert result.exit_code == 0, result.stderr
    summary = Summary.model_validate_json(result.stdout)
    assert summary.article.title == "Trump to call Putin as Istanbul talks end with prisoner swap deal"
    assert "<" not in summary.headline and "<p>" not in summary.article.text
    assert summary.article.id == "story" and summary.article.source == str(path)


def test_cp1252_file_is_decoded() -> None:
    result = extractive("summarize", DATA / "istanbul-talks-cp1252.txt")

    assert result.exit_code == 0, result.stderr
    summary = Summary.model_validate_json(result.stdout)
    assert "\u201cThe call was being prepared,\u201d Kremlin spokesman" in summary.article.text
    assert "this very violent war\u2026 will end" in summary.article.text
    assert summary.article.text == SEED.read_text(encoding="utf-8").strip()


def test_html_file_is_extracted_with_title_and_date() -> None:
    result = extractive("summarize", DATA / "istanbul-talks.html")

    assert result.exit_code == 0, result.stderr
    article = Summary.model_validate_json(result.stdout).article
    assert article.title == "Trump to call Putin as Istanbul talks end with prisoner swap deal"
    assert article.published == "2025-05-17"
    assert "nine people died and five others were injured" in article.text
    assert "Subscribe to our newsletter" not in article.text and "Home" not in article.text


def test_stdin_dash_reads_the_article() -> None:
    result = extractive("summarize", "-", input=SEED.read_bytes())

    assert result.exit_code == 0, result.stderr
    summary = Summary.model_validate_json(result.stdout)
    assert summary.article.source == "<stdin>" and summary.attacks[0].killed == 9


def test_empty_stdin_exits_2() -> None:
    result = extractive("summarize", "-", input="")

    assert result.exit_code == 2
    assert result.stderr == "summarizer: error: <stdin> is empty.\n"


class _Pages(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        pages = {
            "/story": (200, "text/html; charset=utf-8", HTML_PAGE),
            "/report.pdf": (200, "application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"),
        }
        status, kind, body = pages.get(self.path, (404, "text/plain", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def site() -> Iterator[str]:
    """A web server on 127.0.0.1 (the only host the suite lets through, see vcr_config)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])
def test_url_is_fetched_and_extracted(site: str) -> None:
    result = extractive("summarize", f"{site}/story", "--format", "json")

    assert result.exit_code == 0, result.stderr
    summary = Summary.model_validate_json(result.stdout)
    assert summary.article.url == f"{site}/story" and summary.article.published == "2025-05-17"
    assert summary.article.title == "Trump to call Putin as Istanbul talks end with prisoner swap deal"
    assert any(a.killed == 9 and a.injured == 5 for a in summary.attacks)


@pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])
def test_url_answering_404_exits_2(site: str) -> None:
    result = extractive("summarize", f"{site}/gone")

    assert result.exit_code == 2
    assert result.stderr == f"summarizer: error: {site}/gone answered HTTP 404 Not Found.\n"


@pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])
def test_url_that_is_not_a_web_page_exits_2(site: str) -> None:
    result = extractive("summarize", f"{site}/report.pdf")

    assert result.exit_code == 2
    line = one_line(result.stderr)
    assert line.startswith(f"summarizer: error: {site}/report.pdf is not a web page (content-type application/pdf)")


# ---------------------------------------------------------------------------
# Output files


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("out.json", lambda text: Summary.model_validate_json(text).attacks[0].killed == 9),
        ("out.md", lambda text: text.startswith("# ") and "## Attacks" in text),
        ("out.html", lambda text: text.startswith("<!doctype html>") and "<mark" in text),
        ("out.txt", lambda text: "Attacks (3)" in text and "\x1b[" not in text),
    ],
)
def test_output_file_format_follows_the_extension(tmp_path: Path, name: str, check: Any) -> None:
    path = tmp_path / name

    result = extractive("summarize", SEED, "-o", path)

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert check(path.read_text(encoding="utf-8"))
    fmt = {"out.json": "json", "out.md": "markdown", "out.html": "html", "out.txt": "terminal"}[name]
    assert result.stderr == f"summarizer: wrote {path} ({fmt})\n"


@pytest.mark.parametrize(("name", "what"), [("out.pdf", "unknown extension '.pdf'"), ("out", "no extension")])
def test_output_file_with_an_unknown_extension_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, what: str
) -> None:
    monkeypatch.setattr("summarizer.inputs.read_source", _fail_if_called)
    path = tmp_path / name

    result = extractive("summarize", SEED, "-o", path)

    assert result.exit_code == 2 and not path.exists()
    assert result.stderr == (
        f"summarizer: error: -o {path}: {what}. Name it .json, .md, .markdown, .html, .htm or .txt (or pass --format).\n"
    )


def test_an_unknown_extension_is_written_in_an_explicit_format(tmp_path: Path) -> None:
    path = tmp_path / "out.pdf"

    result = extractive("summarize", SEED, "-o", path, "--format", "json")

    assert result.exit_code == 0, result.stderr
    assert Summary.model_validate_json(path.read_text(encoding="utf-8")).attacks[0].killed == 9


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["-o", "out.json"], "-o {tmp}/out.json: unknown extension '.json'. Name it .jsonl or .ndjson (OUT is JSON Lines)."),
        (["-o", "out.jsonl", "--digest", "d.pdf"],
         "--digest {tmp}/d.pdf: unknown extension '.pdf'. Name it .md, .markdown, .html or .htm."),
    ],
    ids=["out", "digest"],
)
def test_batch_outputs_with_unknown_extensions_are_refused(tmp_path: Path, args: list[str], line: str) -> None:
    args = [str(tmp_path / a) if a.startswith(("out", "d.")) else a for a in args]

    result = extractive("batch", SEED, *args, "--store", tmp_path / "s.db")

    assert result.exit_code == 2
    assert result.stderr == f"summarizer: error: {line.format(tmp=tmp_path)}\n"
    assert list(tmp_path.iterdir()) == []  # nothing written, not even the store


def test_explicit_format_wins_over_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "summary.txt"

    result = extractive("summarize", SEED, "-o", path, "--format", "terminal")

    assert result.exit_code == 0
    text = path.read_text(encoding="utf-8")
    assert "Attacks (3)" in text and "\x1b[" not in text
    assert not any(line.endswith(" ") for line in text.splitlines())


def test_output_into_a_missing_folder_fails_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("summarizer.inputs.read_source", _fail_if_called)

    result = extractive("summarize", SEED, "-o", tmp_path / "no" / "such" / "out.json")

    assert result.exit_code == 2
    assert one_line(result.stderr).startswith(f"summarizer: error: Cannot write {tmp_path / 'no' / 'such' / 'out.json'}")


def _fail_if_called(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("read_source should not have been called")


# ---------------------------------------------------------------------------
# Unexpected errors, interrupts, --debug


def test_unexpected_error_is_one_line_without_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"something broke near {TEST_KEY}")

    monkeypatch.setattr("summarizer.inputs.read_source", boom)

    result = run("summarize", SEED, env={"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})

    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert line.startswith("summarizer: internal error: RuntimeError: something broke near sk-")
    assert line.endswith("(rerun with --debug for the traceback)\n")
    assert TEST_KEY not in result.output


def test_keyboard_interrupt_exits_130_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("summarizer.inputs.read_source", interrupted)

    result = extractive("summarize", SEED)

    assert result.exit_code == 130 and result.output == ""


def test_debug_shows_the_traceback_and_keeps_the_exit_code(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")

    result = run("summarize", path, "--debug")

    assert result.exit_code == 2
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert "summarizer.errors.InputError" in result.stderr
    assert result.stderr.splitlines()[-1] == f"summarizer: error: {path} is empty."


def test_debug_before_the_command_works_too(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")

    result = run("--debug", "summarize", path)

    assert result.exit_code == 2 and "Traceback" in result.stderr


# ---------------------------------------------------------------------------
# schema, prompts, config, eval


def test_schema_prints_the_json_schema_of_summary() -> None:
    result = run("schema")

    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "Summary"
    assert {"headline", "summary", "attacks", "article", "meta"} <= set(schema["properties"])


def test_schema_draft_is_what_the_llm_fills() -> None:
    schema = json.loads(run("schema", "--draft").stdout)

    assert schema["title"] == "SummaryDraft" and "meta" not in schema["properties"]


def test_prompts_lists_the_shipped_templates() -> None:
    result = run("prompts")

    assert result.exit_code == 0
    assert "(shipped with summarizer)" in result.stdout
    assert re.search(r"^prompt version: [0-9a-f]{12}$", result.stdout, re.MULTILINE)
    assert "system.j2" in result.stdout and "summarize.j2" in result.stdout


def test_prompts_export_writes_both_templates_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "my-prompts"

    first = run("prompts", "--export", target)

    assert first.exit_code == 0, first.stderr
    shipped = ROOT / "prompts"
    for name in ("system.j2", "summarize.j2", "merge.j2"):  # merge.j2: the long-article call
        assert (target / name).read_bytes() == (shipped / name).read_bytes()
    assert f"--prompts {target}" in first.stdout

    (target / "system.j2").write_text("edited", encoding="utf-8")
    again = run("prompts", "--export", target)
    assert again.exit_code == 2
    assert "already exist" in one_line(again.stderr) and "--force" in again.stderr
    assert (target / "system.j2").read_text(encoding="utf-8") == "edited"

    forced = run("prompts", "--export", target, "--force")
    assert forced.exit_code == 0
    assert (target / "system.j2").read_bytes() == (shipped / "system.j2").read_bytes()


def test_prompts_shows_a_users_folder_and_its_version(tmp_path: Path) -> None:
    run("prompts", "--export", tmp_path)
    shipped_version = re.search(r"prompt version: (\w+)", run("prompts").stdout).group(1)  # type: ignore[union-attr]

    result = run("prompts", "--prompts", tmp_path)

    assert f"templates: {tmp_path}  (from --prompts)" in result.stdout
    assert f"prompt version: {shipped_version}" in result.stdout


def test_an_edited_merge_template_changes_the_prompt_version_and_a_folder_may_leave_it_out(tmp_path: Path) -> None:
    run("prompts", "--export", tmp_path)
    shipped_version = re.search(r"prompt version: (\w+)", run("prompts").stdout).group(1)  # type: ignore[union-attr]

    (tmp_path / "merge.j2").write_text("Write one headline from {{ count }} parts.", encoding="utf-8")
    edited = run("prompts", "--prompts", tmp_path)
    (tmp_path / "merge.j2").unlink()
    without = run("prompts", "--prompts", tmp_path)

    assert edited.exit_code == 0 and f"prompt version: {shipped_version}" not in edited.stdout
    assert without.exit_code == 0 and f"prompt version: {shipped_version}" in without.stdout
    assert "merge.j2" in without.stdout and "(shipped; long articles only)" in without.stdout


def test_prompts_folder_missing_a_template_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "system.j2").write_text("You summarize.", encoding="utf-8")

    result = run("prompts", "--prompts", tmp_path)

    assert result.exit_code == 2
    assert "lacks summarize.j2" in one_line(result.stderr)


def test_config_masks_the_key_and_shows_where_each_value_came_from() -> None:
    result = run("config", "--model", "gpt-4.1-mini", env={"OPENAI_API_KEY": TEST_KEY, "SUMMARIZER_MODE": "json"})

    assert result.exit_code == 0
    out = result.stdout
    assert TEST_KEY not in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    assert rows["api_key"][1:] == [mask(TEST_KEY), "env", "OPENAI_API_KEY"]
    assert rows["model"][1:] == ["gpt-4.1-mini", "argument"]
    assert rows["mode"][1:] == ["json", "env", "SUMMARIZER_MODE"]
    assert rows["temperature"][1:] == ["0.0", "default"]
    assert rows["prompts_dir"][1:] == ["(shipped", "templates)", "default"]
    assert "backend in use: llm, gpt-4.1-mini at https://api.openai.com/v1 (openai)" in out


def test_config_without_an_endpoint_says_extractive_will_be_used() -> None:
    result = run("config")

    assert result.exit_code == 0
    assert "api_key" in result.stdout and "(not set)" in result.stdout
    assert "backend in use: extractive (no LLM endpoint configured" in result.stdout


def test_config_check_without_an_endpoint_exits_2() -> None:
    result = run("config", "--check")

    assert result.exit_code == 2 and result.stderr == NO_ENDPOINT


@pytest.mark.vcr
def test_config_check_lists_the_models(endpoint: Endpoint) -> None:
    result = llm(endpoint, "config", "--check")

    assert result.exit_code == 0, result.stderr
    assert re.search(r"^check: OK, \S+ answered with \d+ models?$", result.stdout, re.MULTILINE)
    assert f"model '{endpoint.model}' is available" in result.stdout
    # which kind of server it is, and the mode that will be used (the default of that kind unless --mode)
    assert re.search(r"^endpoint kind: \w+ \((from its URL|from its /models answer|its /models answer names no known server)\); mode: \w+ \(default for \w+\)$",
                     result.stdout, re.MULTILINE), result.stdout


@pytest.mark.vcr
def test_config_check_says_an_explicit_mode_wins(endpoint: Endpoint) -> None:
    result = llm(endpoint, "config", "--check", "--mode", "md_json")

    assert result.exit_code == 0, result.stderr
    assert re.search(r"; mode: md_json \(argument\)$", result.stdout, re.MULTILINE), result.stdout


@pytest.mark.vcr
def test_config_check_with_a_refused_key_exits_1(endpoint: Endpoint) -> None:
    assert endpoint.server is not None
    endpoint.server.models_reply = Reply.error(401, code="invalid_api_key")

    result = llm(endpoint, "config", "--check")

    assert result.exit_code == 1
    assert one_line(result.stderr).startswith(f"summarizer: error: {endpoint.base_url} refused the API key (HTTP 401")
    assert TEST_KEY not in result.output


def test_eval_scores_a_backend_against_gold_facts() -> None:
    result = extractive("eval", DATA / "gold")

    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("backend: extractive\n")
    assert re.search(r"^attacks\s+2\s+3\s+2\s+100%", out, re.MULTILINE)
    assert "numeric accuracy: killed: 100% (1/1)" in out


def test_eval_scores_stored_results(tmp_path: Path) -> None:
    summary = extractive("summarize", SEED).stdout
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(json.loads(summary)) + "\n", encoding="utf-8")

    result = run("eval", DATA / "gold", "--results", results, "--format", "json")

    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["label"] == "extractive" and report["missing"] == []
    assert report["sections"]["attacks"]["matched"] == 2


def test_eval_of_a_folder_without_gold_files_exits_2(tmp_path: Path) -> None:
    result = extractive("eval", tmp_path)

    assert result.exit_code == 2
    assert result.stderr == f"summarizer: error: No gold files (*.yaml) in {tmp_path}.\n"


# ---------------------------------------------------------------------------
# Help and docs


def test_every_command_has_help_with_an_example_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert cli.commands, "no commands"
    top = run("--help")
    assert top.exit_code == 0 and "Examples:" in top.stdout
    for name in cli.commands:
        result = run(name, "--help")
        assert result.exit_code == 0, name
        assert "Examples:" in result.stdout and f"summarizer {name}" in result.stdout, name
        assert f"summarizer {name}" in readme, f"README does not show 'summarizer {name}'"
        assert name in top.stdout, name


def test_top_level_help_lists_every_command_in_full_and_every_exit_code() -> None:
    top = run("--help", env={"COLUMNS": "100"}).stdout

    assert "batch      Summarize many articles concurrently into JSONL and a digest.\n" in top
    commands = top[top.index("Commands:"):top.index("Examples:")]
    assert "..." not in commands
    exit_codes = " ".join(top[top.index("Exit codes:"):].split())
    assert exit_codes.startswith("Exit codes: 0 ok, 1") and "2 bad usage or input, 130 interrupted" in exit_codes


def test_batch_help_shows_numbers_as_n() -> None:
    help_text = run("batch", "--help").stdout

    assert "--concurrency N " in help_text and "RANGE" not in help_text and "INTEGER" not in help_text


def test_python_dash_m_summarizer_works() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "summarizer", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0 and "summarize" in result.stdout

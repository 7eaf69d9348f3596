"""The example notebook runs headless, cell by cell, and fails on any error.

The notebook runs in its own kernel process, out of reach of pytest-recording,
so the kernel loads ``tests/nb_kernel_vcr.py`` before the first cell: its HTTP
goes through ``cassettes/test_notebook/`` with the suite's matching and
scrubbing. CI (``--record-mode=none``) replays with no server and no network.
To record again from the suite's local server::

    pytest tests/test_notebook.py --record-mode=rewrite
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, TEST_KEY, TEST_MODEL
from llm_server import (
    LLMServer,
    RecordedRequest,
    Reply,
    article_from_request,
    summary_responder,
)

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK = ROOT / "examples" / "quickstart.ipynb"
TESTS = Path(__file__).resolve().parent
CASSETTES = ROOT / "cassettes" / "test_notebook"
KERNEL = "summarizer-test"
#: Where the kernel "connects" when replaying: nothing listens there, and nothing connects.
REPLAY_URL = "http://127.0.0.1:9/v1"

# What the local server answers for the two entries of seeds/feed-sample.xml.
FEED_DRAFTS: dict[str, dict[str, Any]] = {
    "A Russian drone struck a minibus carrying civilians": {
        "relevance": {"relevant": True, "reason": "It reports a drone strike and a prisoner exchange."},
        "headline": "Russian drone strike on a minibus kills nine in the Sumy region",
        "summary": "A Russian drone struck a minibus carrying civilians in the Sumy region on Saturday, "
        "killing nine people and injuring five, a day after the first direct talks since 2022.",
        "diplomacy": [
            {"kind": "prisoner_exchange", "actors": ["Russia", "Ukraine"], "what": "Both sides agreed in Istanbul to exchange 1,000 prisoners each.",
             "when": None, "quotes": [], "evidence": ["both sides agreed to exchange 1,000 prisoners each"]},
        ],
        "attacks": [
            {"place": None, "region": "Sumy region", "when": "on Saturday", "perpetrator": "Russia", "weapons": ["drone"],
             "target": "a minibus carrying civilians", "killed": 9, "injured": 5, "civilians": True,
             "event_type": "Explosions/Remote violence", "sub_event_type": "Air/drone strike",
             "attribution": "regional officials said",
             "evidence": [("A Russian drone struck a minibus carrying civilians in Ukraine's Sumy region on Saturday, "
                           "killing nine people and injuring five others, regional officials said.")]},
        ],
        "territory": [],
        "sanctions": [],
    },
    "US President Donald Trump and Russian President Vladimir Putin spoke": {
        "relevance": {"relevant": True, "reason": "It reports a call about a ceasefire and new sanctions."},
        "headline": "Trump and Putin hold a two-hour call; no date for a ceasefire",
        "summary": "Donald Trump and Vladimir Putin spoke by telephone for more than two hours on Monday. "
        "Putin offered to work on a memorandum about a future peace accord but set no ceasefire date, "
        "and European leaders said they would press ahead with new sanctions.",
        "diplomacy": [
            {"kind": "call", "actors": ["Donald Trump", "Vladimir Putin"], "what": "Trump and Putin spoke by telephone for more than two hours.",
             "when": "on Monday", "quotes": [{"speaker": "Donald Trump", "text": "immediately start negotiations"}],
             "evidence": ["US President Donald Trump and Russian President Vladimir Putin spoke by telephone for more than two hours on Monday, the Kremlin said."]},
            {"kind": "proposal", "actors": ["Vladimir Putin"], "what": "Putin said Russia was ready to work on a memorandum about a possible peace accord.",
             "when": None, "quotes": [],
             "evidence": ["Putin said Russia was ready to work with Ukraine on a memorandum about a possible future peace accord, but gave no date for a ceasefire."]},
        ],
        "attacks": [],
        "territory": [],
        "sanctions": [
            {"actors": ["European leaders"], "target": "Moscow", "status": "proposed", "what": "European leaders will press ahead with new sanctions.",
             "evidence": ["European leaders said they would press ahead with new sanctions against Moscow."]},
        ],
    },
}


def _responder(seed_draft: dict[str, Any]) -> Any:
    """The seed article gets the seed draft, feed entries theirs, anything else a minimal summary."""

    def respond(req: RecordedRequest) -> Reply:
        article = article_from_request(req) or ""
        if "Oleksandropil" in article:
            return Reply.data(seed_draft)
        for opening, draft in FEED_DRAFTS.items():
            if article.startswith(opening):
                return Reply.data(draft)
        reply = summary_responder(req)  # predates SummaryDraft.relevance: add it
        if isinstance(reply.obj, dict) and "relevance" not in reply.obj:
            reply = Reply.data({"relevance": {"relevant": True, "reason": "Test article."}, **reply.obj})
        return reply

    return respond


def _kernelspec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A kernel named KERNEL that runs this interpreter, whatever other python3 kernels are installed."""
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": KERNEL, "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))


def _kernel_environment(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    """The kernel inherits this process's environment: only what the test sets reaches it."""
    for name in list(os.environ):
        if name.startswith(("SUMMARIZER_", "OPENAI_")):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))


def _execute(tmp_path: Path) -> Any:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=180,
        startup_timeout=60,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
        extra_arguments=["--IPKernelApp.exec_lines=import nb_kernel_vcr"],
    )
    client.execute()  # raises CellExecutionError naming the cell on the first error
    nbformat.write(nb, tmp_path / "executed.ipynb")  # for a look when something is off
    return nb


def _outputs(nb: Any, mime: str) -> list[str]:
    out = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if mime in data:
                out.append("".join(data[mime]) if isinstance(data[mime], list) else data[mime])
    return out


def _printed(nb: Any) -> str:
    return "".join(
        "".join(o.get("text", "")) for cell in nb.cells for o in cell.get("outputs", []) if o.get("output_type") == "stream"
    )


def _check_displays(nb: Any) -> None:
    [batch_cell] = [c for c in nb.cells if "summarize_many(" in c.source]
    assert any("text/html" in o.get("data", {}) for o in batch_cell.outputs), "the batch did not display its digest"
    html = _outputs(nb, "text/html")
    summaries = [h for h in html if "smz-root" in h]
    assert summaries and all("<mark" in h for h in summaries), "no summary with highlighted evidence was displayed"
    assert any("Sumy" in h for h in summaries)
    assert any("<table" in h for h in html), "no DataFrame was displayed"
    assert all("<script" not in h for h in summaries)


# The kernel and its ZMQ sockets (libzmq, not Python sockets) are out of pytest-recording's reach;
# this keeps the guard on for the test's own process with loopback allowed (the recording server).
# pytest-recording has no "allowed_hosts" marker: allowed hosts go on block_network.
@pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])
def test_quickstart_notebook_runs_with_an_llm_endpoint_against_the_cassette(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed_draft: dict[str, Any]
) -> None:
    record_mode = request.config.getoption("--record-mode") or "none"
    cassette = CASSETTES / "quickstart_llm.yaml"
    report = tmp_path / "vcr.json"
    _kernelspec(tmp_path, monkeypatch)
    with LLMServer(responder=_responder(seed_draft)) as server:
        _kernel_environment(
            monkeypatch,
            SUMMARIZER_BASE_URL=REPLAY_URL if record_mode == "none" else server.base_url,
            OPENAI_API_KEY=TEST_KEY,
            SUMMARIZER_MODEL=TEST_MODEL,
            NB_VCR_CASSETTE=str(cassette),
            NB_VCR_RECORD_MODE=record_mode,
            NB_VCR_REPORT=str(report),
        )
        nb = _execute(tmp_path)

    seen = json.loads(report.read_text(encoding="utf-8"))  # written by the kernel hook: it ran
    printed = _printed(nb)
    assert "backend: llm" in printed and TEST_KEY not in printed
    _check_displays(nb)
    assert seen["interactions"] >= 4  # the seed twice, two feed entries
    if record_mode == "none":
        assert server.requests == []  # everything came from the cassette
        assert seen["all_played"] and seen["played"] == seen["interactions"], seen
    text = cassette.read_text(encoding="utf-8")
    assert TEST_KEY not in text and "REDACTED" in text


@pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])
def test_quickstart_notebook_runs_offline_without_a_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = tmp_path / "vcr.json"
    _kernelspec(tmp_path, monkeypatch)
    _kernel_environment(
        monkeypatch,
        # an empty cassette in replay-only mode: any HTTP request from the kernel fails its cell
        NB_VCR_CASSETTE=str(tmp_path / "no-requests.yaml"),
        NB_VCR_RECORD_MODE="none",
        NB_VCR_REPORT=str(report),
    )

    nb = _execute(tmp_path)

    printed = _printed(nb)
    assert "backend: extractive" in printed and "no LLM endpoint configured" in printed
    _check_displays(nb)
    assert json.loads(report.read_text(encoding="utf-8"))["interactions"] == 0

"""Start-up of the command line: the garbage collector is off while the SDK is imported, and on
again before any article is summarized (a long batch must not keep its cyclic garbage)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from conftest import SEED

from summarizer.cli import main
from summarizer.pipeline import Summarizer


def _run(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.fixture
def collector_states(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """(where, whether the collector was on) at backend creation and at each article summarized."""
    states: list[tuple[str, bool]] = []
    make_backend, asummarize = Summarizer._make_backend, Summarizer.asummarize

    def spy_backend(self: Summarizer) -> object:
        states.append(("start-up", gc.isenabled()))
        return make_backend(self)

    async def spy_summarize(self: Summarizer, article: object) -> object:
        states.append(("article", gc.isenabled()))
        return await asummarize(self, article)

    monkeypatch.setattr(Summarizer, "_make_backend", spy_backend)
    monkeypatch.setattr(Summarizer, "asummarize", spy_summarize)
    return states


def test_the_collector_is_off_during_start_up_and_on_while_one_article_is_summarized(
    collector_states: list[tuple[str, bool]], tmp_path: Path,
) -> None:
    assert _run(["summarize", str(SEED), "--backend", "extractive", "-o", str(tmp_path / "s.json")]) == 0
    assert collector_states == [("start-up", False), ("article", True)]
    assert gc.isenabled()


def test_a_batch_summarizes_with_the_collector_on_and_leaves_it_on(
    collector_states: list[tuple[str, bool]], tmp_path: Path,
) -> None:
    code = _run(["batch", str(SEED), "-o", str(tmp_path / "out.jsonl"), "--store", str(tmp_path / "s.db"),
                 "--backend", "extractive"])
    assert code == 0
    assert collector_states[0] == ("start-up", False)
    assert [on for where, on in collector_states if where == "article"] == [True]
    assert gc.isenabled()


def test_a_failing_command_leaves_the_collector_on(tmp_path: Path) -> None:
    assert _run(["summarize", str(tmp_path / "missing.txt"), "--backend", "extractive"]) != 0
    assert gc.isenabled()


def test_articles_are_summarized_with_fewer_collector_passes_and_the_thresholds_come_back(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    from summarizer.cli.options import YOUNG_THRESHOLD

    before = gc.get_threshold()
    seen: list[int] = []
    asummarize = Summarizer.asummarize

    async def spy(self: Summarizer, article: object) -> object:
        seen.append(gc.get_threshold()[0])
        return await asummarize(self, article)

    monkeypatch.setattr(Summarizer, "asummarize", spy)
    assert _run(["summarize", str(SEED), "--backend", "extractive", "-o", str(tmp_path / "s.json")]) == 0
    assert seen == [max(YOUNG_THRESHOLD, before[0])]
    assert gc.get_threshold() == before


def test_a_command_run_in_process_through_click_leaves_the_collector_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from summarizer.cli import cli

    before = gc.get_threshold()
    frozen: list[str] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append("freeze"))
    result = CliRunner().invoke(cli, ["summarize", str(SEED), "--backend", "extractive", "-o", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output
    assert (gc.get_threshold(), gc.isenabled(), frozen) == (before, True, [])


def test_a_collector_the_caller_turned_off_stays_off(tmp_path: Path) -> None:
    gc.disable()
    try:
        assert _run(["summarize", str(SEED), "--backend", "extractive", "-o", str(tmp_path / "s.json")]) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()

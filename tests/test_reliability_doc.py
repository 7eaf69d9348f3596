"""docs/RELIABILITY.md cannot drift: it is what benchmarks/reliability.py renders, every test it names
exists, and the figures it shows include a 300-article batch that lost and duplicated nothing."""

from __future__ import annotations

import ast
import json
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import reliability


@pytest.fixture(scope="module")
def figures() -> dict:
    return json.loads(reliability.FIGURES.read_text(encoding="utf-8"))


@cache
def _test_names(path: Path) -> frozenset[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(
        node.name for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test")
    )


def test_the_document_is_what_the_script_renders_from_its_rows_and_figures(figures: dict) -> None:
    assert reliability.DOC.read_text(encoding="utf-8") == reliability.render(figures), (
        "docs/RELIABILITY.md is out of date: run python benchmarks/reliability.py"
    )


@pytest.mark.parametrize("node_id", [t for row in reliability.ROWS for t in row.tests])
def test_every_test_the_document_names_exists(node_id: str) -> None:
    path, _, name = node_id.partition("::")
    assert (ROOT / path).is_file(), f"{path} does not exist"
    assert name.split("[")[0] in _test_names(ROOT / path), f"{node_id} does not exist"


def test_every_row_is_proved_by_a_test_here_or_on_a_named_branch() -> None:
    unproved = [row.fault for row in reliability.ROWS if not row.tests and not row.after_merge]
    assert unproved == []


def test_every_measured_row_has_its_figures(figures: dict) -> None:
    probes = {row.probe.partition(":")[0] for row in reliability.ROWS if row.probe}
    assert probes - set(figures) == set()


def test_the_300_article_benchmark_lost_and_duplicated_nothing(figures: dict) -> None:
    batch = figures["batch"]
    assert batch["articles"] == 300 and batch["run"]["lines"] == 300
    assert batch["run"]["lost"] == 0 and batch["run"]["duplicated"] == 0
    assert batch["run"]["summarized"] >= 250  # failures come from the faults, not from a responder out of date
    assert batch["faults"] == {"429": 0.2, "500": 0.1, "malformed": 0.1, "truncated": 0.05, "dropped": 0.05}

"""Work that is skipped when nobody needs it: the digest, a second HTML extraction, the LLM client's import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import summarizer.digest
from summarizer.cli import cli

SEED = Path(__file__).resolve().parent.parent / "seeds" / "ukraine-istanbul-talks.txt"


def _jsonl(tmp_path: Path, n: int) -> Path:
    text = SEED.read_text(encoding="utf-8")
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": f"a{i}", "text": f"{text}\n\nReport {i}."}) + "\n" for i in range(n)))
    return path


def test_a_batch_without_digest_never_builds_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the digest was built although --digest was not given")

    monkeypatch.setattr(summarizer.digest.DigestBuilder, "add", refuse)
    monkeypatch.setattr(summarizer.digest.DigestBuilder, "digest", refuse)
    args = ["batch", str(_jsonl(tmp_path, 3)), "-o", str(tmp_path / "out.jsonl"), "--store", str(tmp_path / "s.db"),
            "--backend", "extractive"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 3


def test_a_batch_with_digest_still_writes_it(tmp_path: Path) -> None:
    args = ["batch", str(_jsonl(tmp_path, 2)), "-o", str(tmp_path / "out.jsonl"), "--store", str(tmp_path / "s.db"),
            "--backend", "extractive", "--digest", str(tmp_path / "d.md")]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Istanbul" in (tmp_path / "d.md").read_text()

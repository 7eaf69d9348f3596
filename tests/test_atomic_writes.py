"""Output files are written whole or not at all: a full disk midway through ``-o``, OUT.jsonl or the
digest leaves the old file as it was, leaves no temporary file, and is one line naming the file (exit 2)."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from summarizer.cli import cli

SEED = Path(__file__).parent.parent / "seeds" / "ukraine-istanbul-talks.txt"
FEED = Path(__file__).parent.parent / "seeds" / "feed-sample.xml"


class _FullDisk:
    """A file handle on a disk that fills up after ``room`` characters (then: OSError ENOSPC)."""

    def __init__(self, handle: Any, room: int) -> None:
        self.handle, self.room = handle, room

    def write(self, text: str) -> int:
        if len(text) > self.room:
            self.handle.write(text[: self.room])
            self.room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(text)
        return self.handle.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """disk_full(name_part, room): writes to the temporary file of any output whose name holds ``name_part`` fail
    once ``room`` characters were written; disk_full(None): space is free again."""
    from summarizer import atomic

    real = atomic._open_temp

    def arm(name_part: str | None, room: int = 100) -> None:
        if name_part is None:
            monkeypatch.setattr(atomic, "_open_temp", real)
            return

        def open_temp(fd: int, name: str) -> Any:
            handle = real(fd, name)
            assert name_part is not None
            return _FullDisk(handle, room) if name_part in Path(name).name else handle

        monkeypatch.setattr(atomic, "_open_temp", open_temp)

    return arm


def run(*args: Any) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def full_disk_line(path: Path) -> str:
    return (f"summarizer: error: Cannot write {path}: the disk is full; {path} was left as it was. "
            "Free some space, or write it to another disk.")


def test_summarize_o_on_a_full_disk_keeps_the_old_file_and_names_it(tmp_path: Path, disk_full) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "summary.md"
    out.write_text("the previous summary\n", encoding="utf-8")
    disk_full("summary.md")

    result = run("summarize", SEED, "--backend", "extractive", "-o", out)

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [full_disk_line(out)]
    assert out.read_text(encoding="utf-8") == "the previous summary\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.md"]  # no temporary file left behind


def test_summarize_o_keeps_the_permissions_of_the_file_it_replaces(tmp_path: Path) -> None:
    out = tmp_path / "summary.json"
    out.write_text("{}", encoding="utf-8")
    out.chmod(0o640)

    assert run("summarize", SEED, "--backend", "extractive", "-o", out).exit_code == 0
    assert out.stat().st_mode & 0o777 == 0o640 and out.read_text(encoding="utf-8").startswith("{\n")


@pytest.mark.parametrize("failing", ["out.jsonl", "digest.md", "events.csv"])
def test_batch_outputs_on_a_full_disk_keep_the_old_files_and_name_them(tmp_path: Path, disk_full, failing: str) -> None:  # type: ignore[no-untyped-def]
    out, digest, events, db = tmp_path / "out.jsonl", tmp_path / "digest.md", tmp_path / "events.csv", tmp_path / "s.db"
    args = ["batch", FEED, "-o", out, "--digest", digest, "--events", events, "--store", db, "--backend", "extractive"]
    assert run(*args).exit_code == 0
    before = {}
    for path in (out, digest, events):  # old content that a rewrite of the same content would not restore
        path.write_text(f"old {path.name}\n", encoding="utf-8")
        before[path.name] = path.read_bytes()
    disk_full(failing)

    result = run(*args)

    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == full_disk_line(tmp_path / failing)
    assert (tmp_path / failing).read_bytes() == before[failing]
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    disk_full(None)
    assert run(*args).exit_code == 0  # nothing was lost: the store has every summary


def test_the_library_digest_and_events_writers_are_atomic_too(tmp_path: Path, disk_full: Any) -> None:
    from summarizer import digest
    from summarizer.errors import OutputError
    from summarizer.events.export import write_events
    from summarizer.pipeline import Summarizer

    summary = Summarizer(backend="extractive").summarize(SEED.read_text(encoding="utf-8"))
    for name, write in (("d.md", digest.write_digest), ("e.csv", write_events)):
        target = tmp_path / name
        target.write_text("the old file", encoding="utf-8")
        disk_full(name, 10)
        with pytest.raises(OutputError, match=name):
            write([summary], target)
        assert target.read_text(encoding="utf-8") == "the old file"
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"d.md", name})
    disk_full(None)
    assert digest.write_digest([summary], tmp_path / "d.md") == "markdown"
    assert "Digest of 1 article" in (tmp_path / "d.md").read_text(encoding="utf-8")

"""A store that can't be used gives one line with a fix and exit 2, and the file is left as it was.

Read-only files and folders are made with ``chmod`` and, when the suite runs as root (for whom
permissions do not apply), with ``chattr +i`` as well; a test skips only if neither works.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from factories import seed_summary

from summarizer.store import sqlite as sqlite_store
from summarizer.store import sqlite_files
from summarizer.cli import cli
from summarizer.errors import StoreError, StoreFullError
from summarizer.schema import Article
from summarizer.store import Store, make_owner, work_key

STORY = "A drone struck a bus in Sumy on Saturday, killing nine people. Rescue work went on all night."


def _files(folder: Path) -> dict[str, bytes]:
    """Every file of ``folder`` with its bytes: a store 'left as it was' leaves this unchanged."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _filled_store(path: Path, n: int = 40) -> None:
    with Store(path) as store:
        run = store.start_run("r1")
        for i in range(n):
            article = Article(text=f"{STORY} Report number {i}. " + "More detail follows. " * 40, id=f"a{i}")
            store.add(work_key(article.content_hash, "m", "p", "1"), article, run_id=run, seq=i)
    assert not Path(f"{path}-wal").exists()  # closed cleanly, as a finished run leaves it


@contextmanager
def _read_only(path: Path) -> Iterator[None]:
    mode = path.stat().st_mode
    path.chmod(mode & ~0o222)
    immutable = False
    try:
        if not _cannot_write(path) and shutil.which("chattr"):
            immutable = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False).returncode == 0
        if not _cannot_write(path):
            pytest.skip("cannot make a file read-only here (root without chattr)")
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(mode)


def _cannot_write(path: Path) -> bool:
    probe = path / ".probe" if path.is_dir() else path
    try:
        with open(probe, "ab"):
            pass
    except OSError:
        return True
    if path.is_dir():
        probe.unlink()
    return False


def _batch(tmp_path: Path, store: Path) -> object:
    feed = tmp_path / "in.jsonl"
    feed.write_text(f'{{"id": "a", "text": "{STORY}"}}\n')
    return CliRunner().invoke(
        cli, ["batch", str(feed), "-o", str(tmp_path / "out.jsonl"), "--store", str(store), "--backend", "extractive"]
    )


def _one_line_exit_2(result: object, *needles: str) -> str:
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    lines = result.stderr.splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("summarizer: error: "), lines
    for needle in needles:
        assert needle in lines[0]
    assert "Traceback" not in result.output and "internal error" not in result.output  # type: ignore[attr-defined]
    return lines[0]


def test_a_read_only_store_says_so_and_how_to_fix_it(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    _filled_store(db)
    before = _files(tmp_path)

    with _read_only(db):
        with pytest.raises(StoreError, match=r"is read-only.*chmod u\+w"):
            Store(db)
        line = _one_line_exit_2(_batch(tmp_path, db), "read-only")

    assert "readonly database" not in line
    assert {k: v for k, v in _files(tmp_path).items() if k not in ("in.jsonl",)} == before


def test_a_store_in_a_read_only_folder_names_the_folder_not_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "s.db"
    _filled_store(db)
    before = _files(folder)

    with _read_only(folder):
        with pytest.raises(StoreError) as caught:
            Store(db)
        line = _one_line_exit_2(_batch(tmp_path, db), "Can't write in", str(folder))
        with pytest.raises(StoreError, match="Can't write in"):
            Store(folder / "new.db")  # a new store there fails the same way

    for message in (str(caught.value), line):
        assert "move this file away" not in message and "Make the folder writable" in message
    assert _files(folder) == before


def test_a_damaged_store_is_refused_and_not_written_into(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    _filled_store(db)
    data = bytearray(db.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 3000] = b"\xde\xad\xbe\xef" * 750  # garbage mid-file
    db.write_bytes(bytes(data))
    before = _files(tmp_path)

    with pytest.raises(StoreError, match="is damaged"):
        Store(db)
    _one_line_exit_2(_batch(tmp_path, db), "is damaged")

    assert {k: v for k, v in _files(tmp_path).items() if k != "in.jsonl"} == before


def test_another_programs_database_is_refused_before_anything_is_changed(tmp_path: Path) -> None:
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE customers (name TEXT)")
        conn.execute("INSERT INTO customers VALUES ('Ada')")
    conn.close()  # the context manager only commits
    before = _files(tmp_path)

    with pytest.raises(StoreError, match="database of something else.*customers"):
        Store(db)
    _one_line_exit_2(_batch(tmp_path, db), "something else")

    assert {k: v for k, v in _files(tmp_path).items() if k != "in.jsonl"} == before  # still not WAL, no -wal/-shm


def _fill_disk(store: Store) -> None:
    """From now on every page the store needs beyond its current size fails with SQLITE_FULL."""
    conn = store._db
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")


def _claimed(store: Store, owner: str, n: int) -> list[str]:
    run = store.start_run("r1")
    keys = []
    for i in range(n):
        article = Article(text=f"{STORY} Report {i}.", id=f"a{i}")
        key = work_key(article.content_hash, "m", "p", "1")
        store.add(key, article, run_id=run, seq=i)
        assert store.claim(key, owner)
        keys.append(key)
    return keys


def test_a_full_disk_keeps_the_paid_for_answers_and_writes_them_when_there_is_room(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    owner = make_owner()
    with Store(db) as store:
        keys = _claimed(store, owner, 3)
        _fill_disk(store)
        answers = [seed_summary(headline=f"Answer {i}") for i in range(3)]

        for key, answer in zip(keys[:2], answers):
            with pytest.raises(StoreFullError, match=r"The disk holding the store .* is full.*kept in memory") as caught:
                store.complete(key, owner, answer)
        assert caught.value.unsaved == 2 and caught.value.exit_code == 2
        assert [s.headline for s in store.unsaved] == ["Answer 0", "Answer 1"]
        assert [store.get(k).status for k in keys] == ["running"] * 3  # type: ignore[union-attr]
        with pytest.raises(StoreFullError):
            store.flush()  # still full: still kept

        store._db.execute("PRAGMA max_page_count = 1000000")  # space freed
        assert store.complete(keys[2], owner, answers[2])  # the next write stores the kept ones first

        assert store.unsaved == [] and store.flush() == 0
        assert [store.get(k).summary.headline for k in keys] == ["Answer 0", "Answer 1", "Answer 2"]  # type: ignore[union-attr]


def test_a_full_disk_on_any_write_is_a_store_error_with_a_fix(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        _fill_disk(store)
        with pytest.raises(StoreFullError, match="Free some space") as caught:
            _claimed(store, make_owner(), 50)
    assert "\n" not in str(caught.value)


def test_a_batch_stops_at_the_first_answer_the_full_disk_refuses_with_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_complete, real_full = Store.complete, sqlite_files.full_error
    events: list[str] = []  # "stored" per answer written, "full" per write the full disk refused

    def complete(self: Store, key: str, owner: str, summary: object) -> bool:
        if events.count("stored") == 2:
            _fill_disk(self)  # from now on the store may not grow: SQLite answers SQLITE_FULL
        written = real_complete(self, key, owner, summary)  # type: ignore[arg-type]
        events.append("stored")
        return written

    def full(*args: Any) -> StoreFullError:
        events.append("full")
        return real_full(*args)

    monkeypatch.setattr(sqlite_files, "full_error", full)
    monkeypatch.setattr(sqlite_store, "full_error", full)
    monkeypatch.setattr("summarizer.batch.runner.STORE_RETRY_DELAYS", (0.01,) * 4)  # the disk stays full: no wait

    monkeypatch.setattr(Store, "complete", complete)
    feed = tmp_path / "in.jsonl"
    body = "The regional governor said rescue teams worked through the night and more details would follow."
    feed.write_text("".join(f'{{"id": "a{i}", "text": "{STORY} Report {i}. {body}"}}\n' for i in range(12)))
    db = tmp_path / "s.db"

    result = CliRunner().invoke(
        cli, ["batch", str(feed), "-o", str(tmp_path / "out.jsonl"), "--store", str(db),
              "--backend", "extractive", "--concurrency", "1"],
    )

    _one_line_exit_2(result, "is full", "Free some space")
    assert "full" in events and "stored" not in events[events.index("full") :]  # nothing stored after it
    with Store(db) as store:
        assert store.stats()["done"] == events.count("stored") >= 2  # what was written is still there
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    conn.close()

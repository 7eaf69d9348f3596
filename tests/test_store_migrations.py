"""The SQLite store's versions: older stores are migrated in order, in one transaction; newer ones refused.

``tests/data/store-v1.db`` was made by the version 1 code (before the store had a
migration list): a run of two inputs, one done with its summary, one failed, and
one extracted page.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from summarizer.batch import results_from_store
from summarizer.errors import StoreError, UsageError
from summarizer.store import STORE_VERSION, Store, make_owner, open_store
from summarizer.store.sqlite_files import MIGRATIONS

V1 = Path(__file__).resolve().parent / "data" / "store-v1.db"
V1_DONE = "3c93f71b6d2ef9536ff8540ca01b1eed2198c6029888fb9ec06c0babab034947"
V1_FAILED = "e83945ecd5bd973338e02388690e88393cc3cd557aa55d7c5d8d6014accd6c18"


@pytest.fixture
def v1(tmp_path: Path) -> Path:
    path = tmp_path / "old.db"
    shutil.copyfile(V1, path)
    return path


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def indexes(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


def test_the_migrations_are_numbered_one_by_one_and_the_last_is_the_store_version() -> None:
    assert [number for number, _, _ in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert STORE_VERSION == MIGRATIONS[-1][0] >= 2


def test_a_version_1_store_opens_and_is_migrated_to_the_current_version(v1: Path) -> None:
    assert user_version(v1) == 1 and "items_lease_owner" not in indexes(v1)

    with Store(v1) as store:
        done, failed = store.get(V1_DONE), store.get(V1_FAILED)
        stats = store.stats()

    assert user_version(v1) == STORE_VERSION
    assert "items_lease_owner" in indexes(v1)
    assert stats == {"pending": 0, "running": 0, "done": 1, "failed": 1}
    assert done is not None and done.summary is not None and done.summary.attacks[0].place == "Sumy"
    assert failed is not None and failed.error == "HTTP 500"


def test_a_migrated_version_1_store_keeps_its_runs_its_extracted_pages_and_still_works(v1: Path) -> None:
    with Store(v1) as store:
        rebuilt = list(results_from_store(store, "v1-run"))
        page = store.extracted("page-1")
        owner = make_owner()
        assert store.claim(V1_FAILED, owner, retry_failed=True)
        assert store.fail(V1_FAILED, owner, "HTTP 502")

    assert [(r.id, r.ok) for r in rebuilt] == [("sumy", True), ("istanbul", False)]
    assert page is not None and "Sumy" in page
    with Store(v1) as store:  # opened again: already current, nothing to do
        assert store.get(V1_FAILED).attempts == 2  # type: ignore[union-attr]


def test_a_store_with_a_newer_version_is_refused_and_left_as_it_was(v1: Path) -> None:
    with sqlite3.connect(v1) as conn:
        conn.execute(f"PRAGMA user_version = {STORE_VERSION + 1}")
    before = v1.read_bytes()

    with pytest.raises(StoreError, match=rf"has version {STORE_VERSION + 1}, made by a newer summarizer") as caught:
        Store(v1)

    assert "Upgrade summarizer" in (caught.value.hint or "")
    assert v1.read_bytes() == before


def test_a_migration_that_fails_leaves_the_store_at_its_old_version(v1: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from summarizer.store import sqlite, sqlite_files

    broken = (*sqlite_files.MIGRATIONS, (STORE_VERSION + 1, "broken", "CREATE TABLE runs (x INTEGER)"))
    monkeypatch.setattr(sqlite, "MIGRATIONS", broken)
    monkeypatch.setattr(sqlite, "STORE_VERSION", STORE_VERSION + 1)
    monkeypatch.setattr(sqlite_files, "STORE_VERSION", STORE_VERSION + 1)

    with pytest.raises(StoreError):
        Store(v1)

    assert user_version(v1) == 1 and "items_lease_owner" not in indexes(v1)  # not even migration 2 was kept


def test_open_store_of_a_path_is_the_sqlite_store(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        assert isinstance(store, Store)
    assert user_version(tmp_path / "s.db") == STORE_VERSION


def test_open_store_refuses_a_url_of_another_database_in_one_line() -> None:
    with pytest.raises(UsageError, match="SQLite file or in PostgreSQL") as caught:
        open_store("mysql://bob:hunter2@db.example.org/news")

    assert "hunter2" not in str(caught.value) and "\n" not in str(caught.value)

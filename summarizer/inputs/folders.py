"""Folders: every .txt/.md/.html file below, in sorted order, one article each. Anything there that is
not a regular file (a named pipe, a device, a socket) is skipped, with a warning."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from summarizer.errors import InputError
from summarizer.inputs.base import ARTICLE_SUFFIXES, InputFailure, log
from summarizer.inputs.single import _read_path
from summarizer.inputs.text import _file_type
from summarizer.schema import Article


def _is_article_file(path: Path) -> bool:
    """Whether a folder's entry is read as an article: its name (not hidden, an article suffix); not its type."""
    return not path.name.startswith(".") and path.suffix.lower() in ARTICLE_SUFFIXES


def _load_folder(folder: Path) -> Iterator[Article | InputFailure]:
    found = False
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if not _is_article_file(path):
                continue
            try:
                mode = path.stat().st_mode
            except OSError as exc:
                found = True
                yield InputFailure(str(path), path.stem, None, f"{path}: cannot read ({exc.strerror or exc}).")
                continue
            if not stat.S_ISREG(mode):  # reading a pipe or a device could block, or never end
                log.warning("%s: skipped, it is %s, not a regular file.", path, _file_type(mode))
                continue
            found = True
            try:
                yield _read_path(path)
            except InputError as exc:
                yield InputFailure(str(path), path.stem, None, exc.message)
    if not found:
        yield InputFailure(str(folder), None, None, f"{folder} has no .txt, .md or .html files; check the folder.")

"""Folders: every .txt/.md/.html file below, in sorted order, one article each."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from summarizer.errors import InputError
from summarizer.inputs.base import ARTICLE_SUFFIXES, InputFailure
from summarizer.inputs.single import _read_path
from summarizer.schema import Article


def _load_folder(folder: Path) -> Iterator[Article | InputFailure]:
    found = False
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if name.startswith(".") or path.suffix.lower() not in ARTICLE_SUFFIXES:
                continue
            found = True
            try:
                yield _read_path(path)
            except InputError as exc:
                yield InputFailure(str(path), path.stem, None, exc.message)
    if not found:
        yield InputFailure(str(folder), None, None, f"{folder} has no .txt, .md or .html files; check the folder.")

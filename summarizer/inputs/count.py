"""Counting what :func:`load_articles` will yield, cheaply and without reading any article (for a progress bar)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from summarizer.inputs.base import _OTHER_SCHEME, _is_url
from summarizer.inputs.folders import _is_article_file
from summarizer.inputs.sniff import _file_kind
from summarizer.inputs.text import _capped_lines

_COUNT_CHUNK = 1 << 20
_ENTRY_TAG = re.compile(rb"<(?:[A-Za-z][\w.-]{0,15}:)?(?:item|entry)[\s>/]")
_LONGEST_TAG = 32  # bytes kept from one chunk to the next, so a tag cut in two is still found


def count_articles(inputs: Iterable[str | os.PathLike[str]]) -> int | None:
    """About how many items :func:`load_articles` yields for ``inputs``, without reading any article.

    None when an input is a URL, ``-`` or a file listing URLs (only fetching
    tells). Files are streamed, nothing is kept: JSONL lines, folder files,
    feed entries (``<item>``/``<entry>`` tags) are counted. A damaged feed's
    extra error record is not, so the count can be one short.

    >>> count_articles(["seeds/articles.jsonl", "seeds/feed-sample.xml"])
    5
    >>> count_articles(["https://example.com/rss"]) is None
    True
    """
    total = 0
    for item in inputs:
        source = str(item)
        if source == "-" or _is_url(source):
            return None
        try:
            n = _count_one(Path(source)) if not _OTHER_SCHEME.match(source) else 1
        except OSError:
            n = 1  # load_articles yields one error record for it
        if n is None:
            return None
        total += n
    return total


def _count_one(path: Path) -> int | None:
    if path.is_dir():  # the files _load_folder reads
        files = 0
        for folder, dirnames, filenames in os.walk(path):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            # as _load_folder: article names, but not pipes or devices (a dangling link is one error record)
            files += sum(1 for n in filenames if _is_article_file(p := Path(folder, n)) and (p.is_file() or not p.exists()))
        return max(files, 1)
    if not path.exists():
        return 1
    if not path.is_file():
        return None  # a named pipe or a device: reading it to count would consume it
    kind = _file_kind(path)
    if kind == "urls":
        return None
    if kind == "jsonl":
        with path.open("rb") as handle:
            return sum(1 for line in _capped_lines(handle) if line is None or line.strip())
    if kind == "feed":
        return max(_count_entries(path), 1)
    return 1


def _count_entries(path: Path) -> int:
    """<item> and <entry> tags in a feed file, read in chunks."""
    count = 0
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_COUNT_CHUNK):
            buffer = tail + chunk
            # A tag ending inside ``tail`` was counted with the previous chunk.
            count += sum(1 for m in _ENTRY_TAG.finditer(buffer) if m.end() > len(tail))
            tail = buffer[-_LONGEST_TAG:]
    return count

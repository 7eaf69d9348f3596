"""One article from a text file, an HTML file, stdin, a URL or any path (:func:`read_source`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

from summarizer.errors import InputError, ManyArticlesError
from summarizer.inputs.base import _OTHER_SCHEME, HTML_SUFFIXES, MAX_BYTES, _is_url
from summarizer.inputs.extract import _extract_html
from summarizer.inputs.fetch import fetch_url
from summarizer.inputs.sniff import _MANY, _sniff
from summarizer.inputs.text import (
    _check_bytes,
    _check_text,
    _read_file_bytes,
    _too_large,
)
from summarizer.schema import Article


def read_text_file(path: str | os.PathLike[str]) -> Article:
    """Read a plain-text or Markdown article as it is; ``id`` is the file name stem.

    :func:`read_source` reads a file by its content: HTML in a .txt file is
    extracted, and a feed or JSON Lines file is refused.
    """
    p = Path(path)
    return _text_article(p, _check_bytes(_read_file_bytes(p), str(path)))


def _text_article(p: Path, decoded: str) -> Article:
    where = str(p)
    text = _check_text(decoded, where)
    title = None
    if p.suffix.lower() in {".md", ".markdown"}:
        first = text.split("\n", 1)[0]
        if first.startswith("# "):
            title = first[2:].strip() or None
    return Article(text=text, id=p.stem, title=title, source=where)


def read_html_file(path: str | os.PathLike[str]) -> Article:
    """Extract the article from a saved HTML page; ``id`` is the file name stem."""
    p = Path(path)
    data = _read_file_bytes(p)
    _check_bytes(data, str(path))
    return _html_article(p, data)


def _html_article(p: Path, data: bytes) -> Article:
    where = str(p)
    return _extract_html(data, where).model_copy(update={"id": p.stem, "source": where})


def read_stdin(stream: IO[str] | IO[bytes] | None = None) -> Article:
    """Read one article from ``stream`` (default: standard input); HTML is extracted."""
    where = "<stdin>"
    stream = sys.stdin if stream is None else stream
    buffer = getattr(stream, "buffer", None)
    # Read with a cap (stdin may be /dev/zero or an endless pipe): one byte more than MAX_BYTES says "too large".
    raw: str | bytes = buffer.read(MAX_BYTES + 1) if buffer is not None else stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise _too_large(where)
    if isinstance(raw, str):
        text = raw
        data = raw.encode("utf-8", errors="replace")
        if not raw.strip():
            raise InputError(f"{where} is empty.")
        if "\x00" in raw[:8192]:
            raise InputError(f"{where}: input is not text (binary file?).")
    else:
        data = raw
        text = _check_bytes(data, where)
    kind = _sniff(data)
    if kind in _MANY:
        raise ManyArticlesError(where, _MANY[kind])
    if kind == "html":
        return _extract_html(text, where).model_copy(update={"source": where})
    return Article(text=_check_text(text, where), source=where)


def _read_path(path: Path, idle_s: float | None = None) -> Article:
    """One article file, read by its content: HTML is extracted (whatever the extension), many articles refused.
    A pipe is given up after ``idle_s`` seconds without data."""
    data = _read_file_bytes(path, idle_s)
    if path.suffix.lower() in HTML_SUFFIXES:
        _check_bytes(data, str(path))
        return _html_article(path, data)
    text = _check_bytes(data, str(path))
    kind = _sniff(data)
    if kind in _MANY:
        raise ManyArticlesError(str(path), _MANY[kind])
    if kind == "html":
        return _html_article(path, data)
    return _text_article(path, text)


def read_source(source: str, *, timeout: float = 20.0) -> Article:
    """One article from ``-`` (stdin), an http(s) URL, or a file (read by its content).

    HTML is extracted wherever it comes from; a feed, a JSON Lines file, a list
    of URLs or a folder raises :class:`ManyArticlesError`.
    """
    if source == "-":
        return read_stdin()
    if _is_url(source):
        return fetch_url(source, timeout=timeout)
    if _OTHER_SCHEME.match(source):
        raise InputError(f"{source}: only http:// and https:// URLs are supported; download the file and pass its path.")
    return _read_path(Path(source), timeout)

"""What an input is, by its first bytes: feed, JSON Lines, URL list, HTML or text."""

from __future__ import annotations

import json
import re
from pathlib import Path

from summarizer.inputs.base import (
    _SNIFF_BYTES,
    ARTICLE_SUFFIXES,
    FEED_SUFFIXES,
    HTML_SUFFIXES,
    JSONL_SUFFIXES,
    TEXT_SUFFIXES,
)
from summarizer.inputs.text import _capped_lines, _decode, _is_binary

_HTML_HEAD = re.compile(rb"<(!doctype\s+html|html|head|body|article|main|div|p|h1|meta|title)[\s>/]", re.IGNORECASE)
_FEED_HEAD = re.compile(rb"<(rss|feed|rdf:rdf)[\s>]", re.IGNORECASE)


def _looks_like_html(head: bytes) -> bool:
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return stripped[:1] == b"<" and bool(_HTML_HEAD.search(head[:_SNIFF_BYTES]))


def _looks_like_feed(head: bytes) -> bool:
    head = head[:_SNIFF_BYTES]
    match = _FEED_HEAD.search(head)
    if match is None:
        return False
    return re.search(rb"<html[\s>]", head[: match.start()], re.IGNORECASE) is None


def _looks_like_jsonl(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


#: What an input holding many articles is, by the kind _sniff() finds.
_MANY = {
    "feed": "is an RSS/Atom feed",
    "jsonl": "holds many articles (JSON Lines)",
    "urls": "is a list of URLs",
}


def _starts_with_object_line(data: bytes) -> bool:
    line = data.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
    try:
        return isinstance(json.loads(line.decode("utf-8")), dict)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False


def _sniff(data: bytes) -> str:
    """What a whole (non-binary) input looks like: feed, jsonl, urls, html or text."""
    head = data[:_SNIFF_BYTES]
    if _looks_like_feed(head):
        return "feed"
    if _looks_like_jsonl(head) and _starts_with_object_line(data):
        return "jsonl"
    if _is_url_list(head):
        return "urls"
    if _looks_like_html(head):
        return "html"
    return "text"


def _first_line_is_object(path: Path) -> bool:
    with path.open("rb") as handle:
        for line in _capped_lines(handle):
            if line is None:
                return True  # a JSON Lines file whose first line is too long: that line gets its own error
            if line.strip():
                try:
                    return isinstance(json.loads(line.decode("utf-8-sig")), dict)
                except (UnicodeDecodeError, json.JSONDecodeError):
                    return False
    return False


_URL_LINE = re.compile(r"^https?://\S+$", re.IGNORECASE)


def _is_url_list(head: bytes) -> bool:
    """Every complete non-comment line in the first 4 KB is an http(s) URL (and there is one)."""
    text = _decode(head)
    lines = text.splitlines()
    if len(head) >= _SNIFF_BYTES and lines:
        lines = lines[:-1]  # the last line may be cut
    lines = [s.strip() for s in lines if s.strip() and not s.strip().startswith("#")]
    return bool(lines) and all(_URL_LINE.match(s) for s in lines)


def _file_kind(path: Path) -> str:
    """How load_articles reads a file: jsonl, json (not JSON Lines: an error), feed, urls or article."""
    suffix = path.suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in TEXT_SUFFIXES and _looks_like_jsonl(head) and _first_line_is_object(path):
        return "jsonl"  # JSON Lines saved as .txt
    if suffix == ".json" or (suffix not in ARTICLE_SUFFIXES and _looks_like_jsonl(head)):
        return "jsonl" if _first_line_is_object(path) else "json"
    if suffix in FEED_SUFFIXES or (suffix not in HTML_SUFFIXES and _looks_like_feed(head)):
        return "feed"
    if suffix not in HTML_SUFFIXES and not _is_binary(head) and _is_url_list(head):
        return "urls"
    return "article"

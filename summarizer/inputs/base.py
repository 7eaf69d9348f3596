"""Shared by every reader: the limits (``MIN_WORDS``, ``MAX_BYTES``, suffixes), the
``summarizer.inputs`` logger, :class:`InputFailure`, and URL tests."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

MIN_WORDS = 25
"""Texts with fewer words are refused: there is nothing to summarize."""

TEASER_WORDS = 60
"""A feed entry with fewer words than this (and a link) is a teaser: the link is fetched."""

MAX_BYTES = 20 * 1024 * 1024
"""Largest file or HTTP body read as one article."""

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
ARTICLE_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom"})

log = logging.getLogger("summarizer.inputs")
"""Warnings about inputs that were read, but not as asked (a feed entry whose page could not be fetched).

Named after the package, whichever module logs, so one handler on ``summarizer.inputs`` sees them all."""

_USER_AGENT = "Mozilla/5.0 (compatible; summarizer/0.1; +https://pypi.org/project/summarizer/)"
_SNIFF_BYTES = 4096


@dataclass(frozen=True)
class InputFailure:
    """One input (or one entry or line of it) that could not be turned into an Article."""

    source: str
    id: str | None
    url: str | None
    error: str

    def __str__(self) -> str:
        return self.error


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _is_url(source: str) -> bool:
    return source[:8].lower().startswith(("http://", "https://"))


_OTHER_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]+://")

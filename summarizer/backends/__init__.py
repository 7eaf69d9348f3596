"""Backends turn one Article into one Summary.

Every backend satisfies :class:`Backend`, so the CLI, batch and notebook code
never branch on which one is in use.
"""

from __future__ import annotations

from typing import Protocol

from summarizer.schema import Article, Summary


class Backend(Protocol):
    """What the pipeline needs from a backend."""

    name: str

    async def asummarize(self, article: Article) -> Summary:
        """Summarize one article. Raises a SummarizerError subclass on failure."""
        ...

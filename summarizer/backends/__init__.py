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

    @property
    def identity(self) -> tuple[str | None, str | None]:
        """(model, version) of what produces the summaries: with the article's content hash
        and the schema version, the key under which batch caches a result."""
        ...

    async def asummarize(self, article: Article) -> Summary:
        """Summarize one article. Raises a SummarizerError subclass on failure."""
        ...

"""Remembered HTML extractions: a page whose raw bytes were extracted before is not extracted again.

Extracting an article from a saved page with trafilatura takes tens to hundreds of
milliseconds; a rerun of a cached batch of HTML pages would spend nearly all its time there
just to find the content hash it already knows. So the article extracted from a page is
kept, keyed by ``sha256`` of the page's raw bytes, the URL it was given with and the
extractor's version (:data:`EXTRACTOR_VERSION` and trafilatura's version: a new extractor
extracts again), in whatever :class:`Memory` is in use: the batch store, while a batch
reads its inputs (:func:`remembering`). Outside a batch nothing is remembered.

The memory is a :class:`~contextvars.ContextVar`, so two batches in one process each use
their own store, and the threads that read inputs (``asyncio.to_thread``) see it.
A memory that fails (a full disk) is ignored: the page is simply extracted.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Protocol

from summarizer.schema import Article

#: Bump when ``extract._extract_html`` changes what it makes of a page.
EXTRACTOR_VERSION = "1"


class Memory(Protocol):
    """Where extractions are kept: :class:`summarizer.store.Store` is one."""

    def extracted(self, key: str) -> str | None: ...

    def remember_extracted(self, key: str, article_json: str) -> None: ...


_MEMORY: ContextVar[Memory | None] = ContextVar("summarizer_extracted", default=None)
_version: str | None = None


def _extractor() -> str:
    global _version
    if _version is None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            trafilatura = version("trafilatura")
        except PackageNotFoundError:  # pragma: no cover - it is a dependency
            trafilatura = "?"
        _version = f"summarizer-extract {EXTRACTOR_VERSION}; trafilatura {trafilatura}"
    return _version


def page_key(content: str | bytes, url: str | None) -> str:
    """The key of one page: its raw bytes (UTF-8 for text), the URL it came with, the extractor."""
    raw = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
    digest = hashlib.sha256()
    for part in (_extractor().encode(), (url or "").encode("utf-8", "surrogatepass"), raw):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@contextlib.contextmanager
def remembering(memory: Memory | None) -> Iterator[None]:
    """Within the block (and the threads and tasks it starts), extractions are kept in ``memory``."""
    token = _MEMORY.set(memory)
    try:
        yield
    finally:
        _MEMORY.reset(token)


def use(memory: Memory | None) -> None:
    """Keep extractions in ``memory`` for the rest of the current context (a task, a thread's ``ctx.run``)."""
    _MEMORY.set(memory)


def extract_once(content: str | bytes, url: str | None, extract: Callable[[], Article]) -> Article:
    """``extract()``, or the article it gave for the same page before (when a memory is in use)."""
    memory = _MEMORY.get()
    if memory is None:
        return extract()
    key = page_key(content, url)
    with contextlib.suppress(Exception):  # a memory that can't be read: extract
        found = memory.extracted(key)
        if found is not None:
            return Article.model_validate_json(found)
    article = extract()
    with contextlib.suppress(Exception):  # a memory that can't be written (disk full): nothing lost
        memory.remember_extracted(key, article.model_dump_json())
    return article

"""RSS/Atom feeds with feedparser: one Article per entry; teasers become a
:class:`PendingFetch`, resolved by fetching the entry's page."""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from summarizer.errors import InputError
from summarizer.inputs.base import (
    MIN_WORDS,
    TEASER_WORDS,
    InputFailure,
    _is_url,
    _one_line,
    log,
)
from summarizer.inputs.extract import _html_fragment_to_text
from summarizer.inputs.fetch import (
    FetchClient,
    _article_from_response,
    _Client,
    _http_get,
)
from summarizer.inputs.text import _check_text, _clean, _decode, _read_file_bytes
from summarizer.language import word_count
from summarizer.schema import Article

if TYPE_CHECKING:
    import httpx2


def _entry_text(entry: Any) -> str:
    """The entry's fullest body as plain text: content, else summary."""
    for detail in list(entry.get("content") or []) + [entry.get("summary_detail") or {}]:
        value = detail.get("value") or ""
        if not value.strip():
            continue
        if detail.get("type", "text/html") == "text/plain":
            return _clean(value)
        return _html_fragment_to_text(value)
    summary = entry.get("summary") or ""
    return _html_fragment_to_text(summary) if summary else ""


@dataclass(frozen=True)
class PendingFetch:
    """A feed entry that is only a teaser, whose page is still to be fetched.

    ``load_articles(..., defer_fetch=True)`` yields one in the entry's place
    instead of fetching the page there and then; :meth:`resolve` does the fetch,
    from any thread. ``source``, ``id`` and ``url`` are those of the Article
    (or InputFailure) it resolves to; ``text`` is the entry's own text.
    """

    source: str
    id: str | None
    url: str
    title: str | None = None
    published: str | None = None
    text: str = field(default="", repr=False)
    timeout: float = 20.0

    def resolve(self, client: httpx2.Client | FetchClient | None = None) -> Article | InputFailure:
        """Fetch the page: the Article, else the entry's own text if it has ``MIN_WORDS`` words, else an InputFailure.

        Reading the entry's own text is logged as a warning on ``summarizer.inputs``.
        ``client`` is a shared connection pool (a :class:`FetchClient` or an
        ``httpx2.Client``); without one, a client is made for this fetch.
        """
        where, link = self.source, self.url
        try:
            try:
                page = _article_from_response(_http_get(link, timeout=self.timeout, client=client), link)
            except InputError as exc:
                words = word_count(self.text)
                if words < MIN_WORDS:
                    raise
                # The page can't be had, but the entry's own text is enough to summarize.
                log.warning(
                    "%s: could not fetch the full article, so the feed's own text (%d words) is used: %s",
                    where, words, exc.message,
                )
                return Article(
                    text=_check_text(self.text, where), id=self.id, title=self.title, url=link,
                    published=self.published, source=where,
                )
            return page.model_copy(update={
                "id": self.id, "title": self.title or page.title, "published": self.published or page.published,
                "url": link, "source": where,
            })
        except InputError as exc:
            return InputFailure(where, self.id, link, exc.message)


_Item = Article | InputFailure | PendingFetch


def _feed_articles(
    parsed: Any, src: str, *, fetch: bool, timeout: float, client: _Client | None, defer: bool = False,
) -> Iterator[_Item]:
    import feedparser  # type: ignore[import-untyped]

    entries = parsed.get("entries") or []
    exc = parsed.get("bozo_exception") if parsed.get("bozo") else None
    benign = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
    url = src if _is_url(src) else None
    if not entries:
        if exc is not None and not isinstance(exc, benign):
            detail = _one_line(exc)
            yield InputFailure(src, None, url, f"{src} is not a readable RSS/Atom feed ({detail}); check the file or URL.")
        elif not parsed.get("version"):
            yield InputFailure(src, None, url, f"{src} is not an RSS/Atom feed; pass it as an article instead.")
        else:
            yield InputFailure(src, None, url, f"{src} is an RSS/Atom feed with no entries; check that it is the right feed.")
        return
    damage = None
    if exc is not None and not isinstance(exc, benign):
        line = exc.getLineNumber() if hasattr(exc, "getLineNumber") else None
        at = f" at line {line}" if line else ""
        n = len(entries)
        if parsed.get(_COMPLETE):  # every entry was read: a recoverable slip (an undefined &nbsp;), not a loss
            log.warning("%s has an XML error%s (%s); all %d entr%s read.", src, at, _one_line(exc), n,
                        "y was" if n == 1 else "ies were")
        else:
            damage = InputFailure(
                src, None, url,
                f"{src} is malformed XML{at} ({_one_line(exc)}); read {n} entr{'y' if n == 1 else 'ies'}, "
                "later ones may be missing.",
            )
    http = FetchClient(timeout) if client is None else client
    try:
        for index, entry in enumerate(entries, start=1):
            item = _feed_entry(entry, f"{src}#{index}", fetch=fetch, timeout=timeout)
            yield item.resolve(http) if isinstance(item, PendingFetch) and not defer else item
    finally:
        if client is None:
            http.close()
    if damage is not None:
        yield damage


def _feed_entry(entry: Any, where: str, *, fetch: bool, timeout: float) -> _Item:
    """The entry as an Article, or a PendingFetch when it is a teaser whose page is to be fetched."""
    link = entry.get("link") or None
    if link and not _is_url(link):
        # feedparser uses a <guid> as the link when there is none ("broken-3"); nothing to fetch there.
        link = None
    entry_id = entry.get("id") or link or where
    title = entry.get("title") or None
    published = entry.get("published") or entry.get("updated") or None
    text = _entry_text(entry)
    has_content = any((c.get("value") or "").strip() for c in entry.get("content") or [])
    words = word_count(text)
    if fetch and link and words < (MIN_WORDS if has_content else TEASER_WORDS):
        return PendingFetch(where, entry_id, link, title, published, text, timeout)
    try:
        if not text and not link:
            raise InputError(f"{where}: entry has no text and no link; the feed may be truncated.")
        if words < MIN_WORDS and link and not fetch:
            raise InputError(f"{where} is a teaser of {words} words; allow fetching to read the full article at {link}.")
        return Article(text=_check_text(text, where), id=entry_id, title=title, url=link, published=published, source=where)
    except InputError as exc:
        return InputFailure(where, entry_id, link, exc.message)


_COMPLETE = "summarizer_complete"
"""Key set on feedparser's result: whether the document ends with its root's end tag and every entry
it opens was parsed (an XML error was then recoverable, not a cut)."""
_ROOT_END = re.compile(rb"</(?:[A-Za-z][\w.-]*:)?(?:rss|feed|rdf)\s*>\s*(?:<!--.*?-->\s*)*$", re.IGNORECASE | re.DOTALL)
_ENTRY_OPEN = re.compile(rb"<(?:[A-Za-z][\w.-]{0,15}:)?(?:item|entry)[\s>/]")
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*\sencoding\s*=", re.IGNORECASE)


def _parse_feed_bytes(
    data: bytes, content_type: str | None = None, base_url: str | None = None, *, charset: str | None = None,
    where: str | None = None,
) -> Any:
    """Parse a whole feed document; ``base_url`` resolves relative entry links.

    A feed that declares no encoding (no BOM, no ``encoding=`` in its XML declaration, no HTTP
    charset) and is not UTF-8 is decoded as :func:`~summarizer.inputs.text._decode` would (mostly
    UTF-8 with a warning naming ``where``, else the detected legacy encoding), not left to
    feedparser's latin-1 fallback.
    """
    import feedparser

    declared = charset or data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        _XML_ENCODING.match(data[:512]) is not None
    )
    if not declared:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            data = _decode(data, where).encode("utf-8")
            charset = "utf-8"
    headers = {}
    if content_type or charset:
        headers["content-type"] = f"{content_type or 'application/xml'}; charset={charset}" if charset else content_type
    if base_url:
        headers["content-location"] = base_url
    parsed = feedparser.parse(data, response_headers=headers or None)
    entries = len(parsed.get("entries") or [])
    tail = data[-4096:]
    parsed[_COMPLETE] = _ROOT_END.search(tail) is not None and len(_ENTRY_OPEN.findall(data)) <= entries
    return parsed


def load_feed(
    path_or_url: str | os.PathLike[str], *, fetch: bool = True, timeout: float = 20.0,
    client: httpx2.Client | None = None,
) -> Iterator[Article | InputFailure]:
    """Yield one Article (or InputFailure) per RSS/Atom entry.

    Full ``content`` is used when present; teasers (under ``TEASER_WORDS`` words with a
    link) are completed by fetching the link unless ``fetch=False``. When that fetch
    fails, an entry with at least ``MIN_WORDS`` words of its own is read from the feed
    (logged as a warning on ``summarizer.inputs``). A malformed feed
    yields what feedparser could read, then an InputFailure describing the damage.

    >>> first = next(load_feed("seeds/feed-sample.xml", fetch=False))
    >>> first.source
    'seeds/feed-sample.xml#1'
    """
    return _load_feed(str(path_or_url), fetch=fetch, timeout=timeout, client=client)  # type: ignore[return-value]


def _load_feed(src: str, *, fetch: bool, timeout: float, client: _Client | None, defer: bool = False) -> Iterator[_Item]:
    url = src if _is_url(src) else None
    try:
        if url:
            resp = _http_get(url, timeout=timeout, client=client)
            parsed = _parse_feed_bytes(resp.body, resp.content_type, resp.url, charset=resp.charset, where=url)
        else:
            data = _read_file_bytes(Path(src))
            if not data.strip():
                raise InputError(f"{src} is empty.")
            parsed = _parse_feed_bytes(data, where=src)
    except InputError as exc:
        yield InputFailure(src, None, url, exc.message)
        return
    yield from _feed_articles(parsed, src, fetch=fetch, timeout=timeout, client=client, defer=defer)

"""Turn files, stdin, URLs, feeds, JSONL and folders into :class:`Article` objects.

Single articles (raise :class:`InputError` on any problem)::

    read_text_file(path)      .txt / .md (UTF-8, else cp1252, else latin-1)
    read_html_file(path)      .html / .htm, extracted with trafilatura
    read_stdin(stream)        ``-``; HTML on stdin is extracted too
    fetch_url(url)            http(s), extracted with trafilatura
    read_source(source)       dispatch on ``-``, URL scheme, content (ManyArticlesError for a feed,
                              JSON Lines, a URL list or a folder)

Many articles (streamed; a problem yields an :class:`InputFailure`, never raises)::

    load_feed(path_or_url)    RSS/Atom; teasers are completed by fetching the link
    load_articles(inputs)     feeds, JSONL, folders, URL lists, single articles
    count_articles(inputs)    how many load_articles yields, counted cheaply (None for URLs)

Pages are fetched one at a time unless asked otherwise: ``load_articles(...,
fetch_workers=8)`` fetches up to 8 at once (results still in order), and
``load_articles(..., defer_fetch=True)`` yields a :class:`PendingFetch` for
each teaser instead of fetching it, for the caller to :meth:`~PendingFetch.resolve`
when it likes (:mod:`summarizer.batch` resolves them in its workers, so a slow
site holds up one worker, not the whole feed).

``Article.source`` says where the text was read from: a path, a URL,
``feed.xml#3`` (third feed entry) or ``articles.jsonl:12`` (line 12).
A feed entry whose page can't be fetched, but whose own text is long enough,
is read from the feed; a warning on the ``summarizer.inputs`` logger says so.
No LLM code lives here.
"""

from __future__ import annotations

import codecs
import html as html_lib
import json
import logging
import os
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, TypeVar, Union, overload

from pydantic import ValidationError

from .errors import InputError, ManyArticlesError
from .schema import Article

if TYPE_CHECKING:
    import httpx2

__all__ = [
    "ARTICLE_SUFFIXES",
    "FEED_SUFFIXES",
    "HTML_SUFFIXES",
    "JSONL_SUFFIXES",
    "MIN_WORDS",
    "TEASER_WORDS",
    "TEXT_SUFFIXES",
    "ArticleStream",
    "FetchClient",
    "InputFailure",
    "ManyArticlesError",
    "PendingFetch",
    "count_articles",
    "fetch_url",
    "load_articles",
    "load_feed",
    "read_html_file",
    "read_source",
    "read_stdin",
    "read_text_file",
]

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

log = logging.getLogger(__name__)
"""Warnings about inputs that were read, but not as asked (a feed entry whose page could not be fetched)."""

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


# ---------------------------------------------------------------------------
# Small helpers


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _is_url(source: str) -> bool:
    return source[:8].lower().startswith(("http://", "https://"))


_OTHER_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]+://")


def _is_binary(data: bytes) -> bool:
    """NUL bytes, or more than 10% control characters in the first 8 KB."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    if not head:
        return False
    controls = sum(1 for b in head if (b < 32 and b not in b"\t\n\r\f\v\x1b") or b == 127)
    return controls / len(head) > 0.10


def _decode(data: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 with a BOM, else cp1252, else latin-1. Never fails."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1")


def _clean(text: str) -> str:
    """Unify newlines and trim the ends; offsets downstream refer to this text."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _count_words(text: str) -> int:
    return len(text.split())


def _check_text(text: str, where: str) -> str:
    text = _clean(text)
    if not text:
        raise InputError(f"{where} is empty.")
    words = _count_words(text)
    if words < MIN_WORDS:
        raise InputError(
            f"{where} has only {words} word{'' if words == 1 else 's'}, too short to summarize "
            f"(at least {MIN_WORDS} needed); pass the full article text."
        )
    return text


def _check_bytes(data: bytes, where: str) -> str:
    """Refuse binary data, decode the rest."""
    if not data.strip():
        raise InputError(f"{where} is empty.")
    if _is_binary(data) and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{where}: input is not text (binary file?).")
    return _decode(data)


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


def _read_file_bytes(path: Path) -> bytes:
    where = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{where}: no such file; check the path.") from None
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror or exc}).") from exc
    if path.is_dir():
        raise ManyArticlesError(where, "is a folder")
    if size > MAX_BYTES:
        raise InputError(f"{where} is {size // (1024 * 1024)} MB, too large for one article; split it.")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror or exc}).") from exc


# ---------------------------------------------------------------------------
# HTML


def _extract_html(content: str | bytes, where: str, *, url: str | None = None) -> Article:
    """Extract the main text, title and date of an HTML page with trafilatura."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            content, url=url, with_metadata=True, include_comments=False, include_tables=True
        )
    except Exception as exc:  # trafilatura/lxml raise many kinds; one bad page must not abort a batch
        raise InputError(f"{where}: could not extract the article from the HTML ({_one_line(exc)}).") from exc
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or not text.strip():
        raise InputError(f"{where}: no article text found in the HTML page; save the article text as a .txt file instead.")
    return Article(
        text=_check_text(text, where),
        title=getattr(doc, "title", None) or None,
        published=getattr(doc, "date", None) or None,
        url=url,
    )


_BLOCK_TAGS = frozenset((
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
    "tr", "table", "section", "article", "header", "footer", "figure", "figcaption", "hr",
    "dd", "dt", "dl", "aside", "main",
))


def _html_fragment_to_text(fragment: str) -> str:
    """Feed content (an HTML fragment) to plain text, one paragraph a line."""
    if "<" not in fragment:
        return _clean(html_lib.unescape(fragment))
    import lxml.html  # type: ignore[import-untyped]
    from lxml.etree import ParserError  # type: ignore[import-untyped]

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ParserError, ValueError):
        return _clean(html_lib.unescape(re.sub(r"<[^>]*>", " ", fragment)))
    for bad in root.xpath(".//script|.//style"):
        bad.drop_tree()
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().split("\n"))
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------------------
# Single articles


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
    raw: str | bytes = buffer.read() if buffer is not None else stream.read()
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


@dataclass(frozen=True)
class _Response:
    url: str  # final URL after redirects
    content_type: str  # media type, lower case, without parameters
    charset: str | None
    body: bytes

    def text(self) -> str | bytes:
        """The body decoded with the declared charset; bytes (for trafilatura to sniff) when none."""
        if self.charset:
            try:
                return self.body.decode(self.charset, errors="replace")
            except LookupError:
                pass
        return self.body


def _is_textual(content_type: str) -> bool:
    return (
        not content_type
        or content_type.startswith("text/")
        or content_type in {"application/xhtml+xml", "application/xml", "application/octet-stream"}
        or content_type.endswith(("+xml", "/xml"))
    )


def _new_client(timeout: float) -> httpx2.Client:
    import httpx2

    return httpx2.Client(
        follow_redirects=True,
        max_redirects=10,
        timeout=httpx2.Timeout(timeout),
        headers={"User-Agent": _USER_AGENT, "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,text/*;q=0.8,*/*;q=0.5"},
    )


class FetchClient:
    """One connection pool for fetching pages, made on first use (runs that never fetch never build one).

    Safe to share between threads; :meth:`close` it when done. Pass it to
    :meth:`PendingFetch.resolve`. ``timeout`` is only the default: each fetch
    sets its own.
    """

    def __init__(self, timeout: float = 20.0) -> None:
        self._timeout = timeout
        self._client: httpx2.Client | None = None
        self._lock = threading.Lock()

    def stream(self, method: str, url: str, **kwargs: Any) -> Any:
        with self._lock:
            if self._client is None:
                self._client = _new_client(self._timeout)
            client = self._client
        return client.stream(method, url, **kwargs)

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()


_Client = Union["httpx2.Client", FetchClient]


def _http_get(url: str, *, timeout: float, client: _Client | None) -> _Response:
    """GET ``url``; every failure becomes a one-line InputError."""
    import httpx2

    own = client is None
    http = _new_client(timeout) if client is None else client
    too_slow = f"{url} did not answer within {timeout:g}s; check the URL or pass --timeout."
    deadline = time.monotonic() + timeout
    try:
        with http.stream("GET", url, timeout=httpx2.Timeout(timeout)) as response:
            if not 200 <= response.status_code < 300:
                raise InputError(f"{url} answered HTTP {response.status_code} {response.reason_phrase}.".replace(" .", "."))
            media, _, params = response.headers.get("content-type", "").partition(";")
            media = media.strip().lower()
            if not _is_textual(media):
                raise InputError(
                    f"{url} is not a web page (content-type {media}); download it and convert it to text first."
                )
            charset = None
            match = re.search(r"charset\s*=\s*\"?([\w.:-]+)", params, re.IGNORECASE)
            if match:
                charset = match.group(1)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_BYTES:
                    raise InputError(f"{url} sent more than {MAX_BYTES // (1024 * 1024)} MB; that is not one article.")
                if time.monotonic() > deadline:
                    raise InputError(too_slow)
            return _Response(str(response.url), media, charset, b"".join(chunks))
    except httpx2.TimeoutException:
        raise InputError(too_slow) from None
    except httpx2.TooManyRedirects:
        raise InputError(f"{url} redirected too many times; open it in a browser to find the article's address.") from None
    except httpx2.ConnectError as exc:
        raise InputError(_connect_error_message(url, exc)) from None
    except httpx2.UnsupportedProtocol:
        raise InputError(f"{url} is not an http(s) URL.") from None
    except httpx2.InvalidURL:
        raise InputError(f"{url} is not a valid URL; check it.") from None
    except httpx2.HTTPError as exc:
        raise InputError(f"{url} could not be fetched ({type(exc).__name__}: {_one_line(exc)}); try again later.") from None
    finally:
        if own:
            http.close()


def _connect_error_message(url: str, exc: Exception) -> str:
    reason = _one_line(exc).lower()
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or url
    if any(s in reason for s in ("name or service", "nodename", "getaddrinfo", "name resolution", "no address", "errno -2", "errno -3", "errno 8", "11001")):
        return f"{url}: host {host} not found (DNS lookup failed); check the URL or your network."
    if "refused" in reason or "errno 111" in reason or "10061" in reason:
        return f"{url} refused the connection; check the URL and that the server is running."
    return f"{url} could not be reached ({_one_line(exc)}); check the URL or your network."


def _article_from_response(resp: _Response, url: str) -> Article:
    """Turn a fetched body into an Article: HTML is extracted, text/* kept as text."""
    head = resp.body[:_SNIFF_BYTES]
    if _is_binary(resp.body):
        raise InputError(f"{url}: input is not text (binary file?).")
    if _looks_like_feed(head):
        raise ManyArticlesError(url, _MANY["feed"])
    is_html = resp.content_type in {"text/html", "application/xhtml+xml"} or _looks_like_html(head)
    if is_html:
        article = _extract_html(resp.text(), url, url=resp.url)
    else:
        raw = resp.text()
        text = raw if isinstance(raw, str) else _decode(raw)
        article = Article(text=_check_text(text, url), url=resp.url)
    return article.model_copy(update={"id": url, "source": url})


def fetch_url(url: str, *, timeout: float = 20.0, client: httpx2.Client | None = None) -> Article:
    """Fetch a web page and extract its article (follows redirects).

    ``client`` lets a caller reuse one ``httpx2.Client`` (or pass one with a mock transport).
    """
    return _article_from_response(_http_get(url, timeout=timeout, client=client), url)


def _read_path(path: Path) -> Article:
    """One article file, read by its content: HTML is extracted (whatever the extension), many articles refused."""
    if path.suffix.lower() in HTML_SUFFIXES:
        return read_html_file(path)
    data = _read_file_bytes(path)
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
    return _read_path(Path(source))


# ---------------------------------------------------------------------------
# Feeds


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
                words = _count_words(self.text)
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
    if not entries:
        if exc is not None and not isinstance(exc, benign):
            detail = _one_line(exc)
            yield InputFailure(src, None, src if _is_url(src) else None,
                               f"{src} is not a readable RSS/Atom feed ({detail}); check the file or URL.")
        elif not parsed.get("version"):
            yield InputFailure(src, None, src if _is_url(src) else None,
                               f"{src} is not an RSS/Atom feed; pass it as an article instead.")
        return
    http = FetchClient(timeout) if client is None else client
    try:
        for index, entry in enumerate(entries, start=1):
            item = _feed_entry(entry, f"{src}#{index}", fetch=fetch, timeout=timeout)
            yield item.resolve(http) if isinstance(item, PendingFetch) and not defer else item
    finally:
        if client is None:
            http.close()
    if exc is not None and not isinstance(exc, benign):
        line = exc.getLineNumber() if hasattr(exc, "getLineNumber") else None
        at = f" at line {line}" if line else ""
        yield InputFailure(
            src, None, src if _is_url(src) else None,
            f"{src} is malformed XML{at} ({_one_line(exc)}); read {len(entries)} "
            f"entr{'y' if len(entries) == 1 else 'ies'}, later ones may be missing.",
        )


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
    words = _count_words(text)
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


def _parse_feed_bytes(data: bytes, content_type: str | None = None, base_url: str | None = None) -> Any:
    """Parse a whole feed document; ``base_url`` resolves relative entry links."""
    import feedparser

    headers = {}
    if content_type:
        headers["content-type"] = content_type
    if base_url:
        headers["content-location"] = base_url
    return feedparser.parse(data, response_headers=headers or None)


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
            parsed = _parse_feed_bytes(resp.body, resp.content_type, resp.url)
        else:
            data = _read_file_bytes(Path(src))
            if not data.strip():
                raise InputError(f"{src} is empty.")
            parsed = _parse_feed_bytes(data)
    except InputError as exc:
        yield InputFailure(src, None, url, exc.message)
        return
    yield from _feed_articles(parsed, src, fetch=fetch, timeout=timeout, client=client, defer=defer)


# ---------------------------------------------------------------------------
# JSONL

_JSONL_FIELDS = ("text", "id", "title", "url", "published")


def _jsonl_record(line: bytes, lineno: int, path: Path) -> Article | InputFailure:
    where = f"{path}:{lineno}"
    record_id: str | None = None
    obj: Any = None
    try:
        try:
            obj = json.loads(line.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise InputError(f"{where}: line is not UTF-8; re-save the file as UTF-8.") from None
        except json.JSONDecodeError as exc:
            reason = exc.msg.removesuffix(" at")  # json says "Invalid control character at"
            raise InputError(f"{where}: not valid JSON ({reason} at column {exc.colno}); fix or remove the line.") from None
        if not isinstance(obj, dict):
            raise InputError(f"{where}: expected a JSON object with a \"text\" field, got {type(obj).__name__}.")
        if obj.get("id") is not None:
            record_id = str(obj["id"])
        text = obj.get("text")
        if not isinstance(text, str):
            raise InputError(f"{where}: missing \"text\" (the article body as a string); add it or remove the line.")
        fields = {k: obj.get(k) for k in _JSONL_FIELDS[2:]}
        for key, value in fields.items():
            if value is not None and not isinstance(value, str):
                fields[key] = str(value) if isinstance(value, (int, float)) else None
        return Article(
            text=_check_text(text, where), id=record_id or f"{path.stem}:{lineno}", source=where, **fields
        )
    except InputError as exc:
        url = obj.get("url") if isinstance(obj, dict) else None
        return InputFailure(where, record_id, url if isinstance(url, str) else None, exc.message)
    except ValidationError as exc:
        return InputFailure(where, record_id, None, f"{where}: invalid article ({_one_line(exc.errors()[0]['msg'])}).")


def _first_line_is_object(path: Path) -> bool:
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                try:
                    return isinstance(json.loads(line.decode("utf-8-sig")), dict)
                except (UnicodeDecodeError, json.JSONDecodeError):
                    return False
    return False


def _load_jsonl(path: Path) -> Iterator[Article | InputFailure]:
    """One Article per non-blank line, read lazily; a bad line yields an InputFailure."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield InputFailure(str(path), None, None, f"{path}: cannot read ({exc.strerror or exc}).")
        return
    with handle:
        for lineno, line in enumerate(handle, start=1):
            if line.strip():
                yield _jsonl_record(line, lineno, path)


# ---------------------------------------------------------------------------
# Folders, URL lists, dispatch


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


_URL_LINE = re.compile(r"^https?://\S+$", re.IGNORECASE)


def _is_url_list(head: bytes) -> bool:
    """Every complete non-comment line in the first 4 KB is an http(s) URL (and there is one)."""
    text = _decode(head)
    lines = text.splitlines()
    if len(head) >= _SNIFF_BYTES and lines:
        lines = lines[:-1]  # the last line may be cut
    lines = [s.strip() for s in lines if s.strip() and not s.strip().startswith("#")]
    return bool(lines) and all(_URL_LINE.match(s) for s in lines)


@dataclass(frozen=True)
class _Feed:
    parsed: Any  # feedparser's result


def _read_url(url: str, *, timeout: float, client: _Client | None) -> Article | InputFailure | _Feed:
    """Fetch ``url`` once: the feed it holds (parsed), else its article, or why neither."""
    try:
        resp = _http_get(url, timeout=timeout, client=client)
        if _looks_like_feed(resp.body[:_SNIFF_BYTES]):
            return _Feed(_parse_feed_bytes(resp.body, resp.content_type, resp.url))
        return _article_from_response(resp, url)
    except InputError as exc:
        return InputFailure(url, url, url, exc.message)


def _url_items(
    url: str, read: Article | InputFailure | _Feed, *, fetch: bool, timeout: float, client: _Client | None,
    defer: bool,
) -> Iterator[_Item]:
    if isinstance(read, _Feed):
        yield from _feed_articles(read.parsed, url, fetch=fetch, timeout=timeout, client=client, defer=defer)
    else:
        yield read


def _load_url(
    url: str, *, fetch: bool, timeout: float, client: _Client | None, defer: bool = False,
) -> Iterator[_Item]:
    """A URL is fetched once; a feed is expanded into its entries, anything else is one article."""
    read = _read_url(url, timeout=timeout, client=client)
    yield from _url_items(url, read, fetch=fetch, timeout=timeout, client=client, defer=defer)


_T = TypeVar("_T")
_R = TypeVar("_R")


def _ordered_map(fn: Callable[[_T], _R], items: Iterator[_T], workers: int) -> Iterator[_R]:
    """``map(fn, items)`` with ``workers`` calls at once in threads; results in order, at most ``2 * workers`` ahead.

    Lazy like map: an item is taken only when there is room ahead. Closing the
    iterator drops what was fetched ahead (calls already running finish in their
    threads, within their own timeout).
    """
    if workers <= 1:
        yield from map(fn, items)
        return
    pool = ThreadPoolExecutor(workers, thread_name_prefix="summarizer-fetch")
    ahead: deque[Future[_R]] = deque()
    try:
        for item in items:
            ahead.append(pool.submit(fn, item))
            while len(ahead) >= 2 * workers or (ahead and ahead[0].done()):
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()
    finally:
        for future in ahead:
            future.cancel()
        pool.shutdown(wait=False, cancel_futures=True)


def _load_url_list(
    path: Path, *, fetch: bool, timeout: float, client: _Client | None, defer: bool = False, workers: int = 1,
) -> Iterator[_Item]:
    """One item per URL line (a feed's URL: one per entry), in order; ``workers`` pages are fetched at once."""

    def lines() -> Iterator[tuple[int, str]]:
        with path.open("rb") as handle:
            for lineno, raw in enumerate(handle, start=1):
                line = _decode(raw).strip()
                if line and not line.startswith("#"):
                    yield lineno, line

    def get(numbered: tuple[int, str]) -> tuple[int, str, Article | InputFailure | _Feed | None]:
        lineno, line = numbered  # fetched (and extracted) in a worker thread when workers > 1
        return lineno, line, _read_url(line, timeout=timeout, client=client) if _URL_LINE.match(line) else None

    for lineno, line, read in _ordered_map(get, lines(), workers):
        if read is None:
            where = f"{path}:{lineno}"
            yield InputFailure(where, None, None, f"{where}: not an http(s) URL ({line[:80]}); fix or comment out the line.")
        else:
            yield from _url_items(line, read, fetch=fetch, timeout=timeout, client=client, defer=defer)


def _load_one(
    source: str, *, fetch: bool, timeout: float, client: _Client | None, defer: bool = False, workers: int = 1,
) -> Iterator[_Item]:
    if source == "-":
        yield read_stdin()
        return
    if _is_url(source):
        yield from _load_url(source, fetch=fetch, timeout=timeout, client=client, defer=defer)
        return
    if _OTHER_SCHEME.match(source):
        raise InputError(f"{source}: only http:// and https:// URLs are supported; download the file and pass its path.")
    path = Path(source)
    if path.is_dir():
        yield from _load_folder(path)
        return
    if not path.exists():
        raise InputError(f"{source}: no such file or folder; check the path.")
    kind = _file_kind(path)
    if kind == "jsonl":
        yield from _load_jsonl(path)
    elif kind == "json":
        raise InputError(
            f"{source} is JSON but not JSON Lines (one article object per line); "
            "convert it, e.g. with jq -c '.[]', and name it .jsonl."
        )
    elif kind == "feed":
        yield from _load_feed(str(path), fetch=fetch, timeout=timeout, client=client, defer=defer)
    elif kind == "urls":
        yield from _load_url_list(path, fetch=fetch, timeout=timeout, client=client, defer=defer, workers=workers)
    else:
        yield _read_path(path)


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


# ---------------------------------------------------------------------------
# Counting, for a progress bar

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
        for _, dirnames, filenames in os.walk(path):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            files += sum(1 for n in filenames if not n.startswith(".") and Path(n).suffix.lower() in ARTICLE_SUFFIXES)
        return max(files, 1)
    if not path.exists():
        return 1
    kind = _file_kind(path)
    if kind == "urls":
        return None
    if kind == "jsonl":
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
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


_ItemT_co = TypeVar("_ItemT_co", covariant=True)


class ArticleStream(Iterator[_ItemT_co]):
    """What :func:`load_articles` returns: a lazy iterator that remembers how it was asked for.

    It reads nothing until the first item is asked for; :meth:`close` stops it
    (and its connections). :func:`summarizer.batch.asummarize_many` turns an
    unstarted stream into one that defers teaser fetches to its workers
    (:meth:`with_deferred_fetch`).
    """

    def __init__(
        self, inputs: Iterable[str | os.PathLike[str]], *, fetch: bool, timeout: float, defer_fetch: bool,
        fetch_workers: int,
    ) -> None:
        if fetch_workers < 1:
            raise ValueError("fetch_workers must be at least 1")
        self._inputs = inputs
        self.fetch, self.timeout, self.defer_fetch, self.fetch_workers = fetch, timeout, defer_fetch, fetch_workers
        self._items: Iterator[_ItemT_co] | None = None

    @property
    def started(self) -> bool:
        """Whether an item was asked for (or the stream was closed or handed on)."""
        return self._items is not None

    def __iter__(self) -> ArticleStream[_ItemT_co]:
        return self

    def __next__(self) -> _ItemT_co:
        if self._items is None:
            self._items = _load_all(  # type: ignore[assignment]
                self._inputs, fetch=self.fetch, timeout=self.timeout, defer=self.defer_fetch,
                workers=self.fetch_workers,
            )
        return next(self._items)  # type: ignore[arg-type]

    def close(self) -> None:
        """Stop reading; the connections are closed. Later calls to next() raise StopIteration."""
        items, self._items = self._items, iter(())
        close = getattr(items, "close", None)
        if close is not None:
            close()

    def with_deferred_fetch(self, fetch_workers: int | None = None) -> ArticleStream[Article | InputFailure | PendingFetch]:
        """The same inputs, yielding a :class:`PendingFetch` for each teaser instead of fetching it.

        Only for a stream not started yet (a started one is returned as it is):
        its inputs move to the new stream, and this one yields nothing more.
        ``fetch_workers`` (default: this stream's) is how many URL-list pages are fetched at once.
        """
        if self.started:
            return self  # type: ignore[return-value]
        self._items = iter(())
        return ArticleStream(
            self._inputs, fetch=self.fetch, timeout=self.timeout, defer_fetch=True,
            fetch_workers=self.fetch_workers if fetch_workers is None else fetch_workers,
        )

    def __repr__(self) -> str:
        state = "started" if self.started else "not started"
        return f"<ArticleStream defer_fetch={self.defer_fetch} fetch_workers={self.fetch_workers} ({state})>"


@overload
def load_articles(
    inputs: Iterable[str | os.PathLike[str]], *, fetch: bool = ..., timeout: float = ...,
    defer_fetch: Literal[False] = ..., fetch_workers: int = ...,
) -> ArticleStream[Article | InputFailure]: ...


@overload
def load_articles(
    inputs: Iterable[str | os.PathLike[str]], *, fetch: bool = ..., timeout: float = ...,
    defer_fetch: bool, fetch_workers: int = ...,
) -> ArticleStream[Article | InputFailure | PendingFetch]: ...


def load_articles(
    inputs: Iterable[str | os.PathLike[str]], *, fetch: bool = True, timeout: float = 20.0,
    defer_fetch: bool = False, fetch_workers: int = 1,
) -> ArticleStream[Any]:
    """Yield Articles (or InputFailures) from every input, lazily and in order.

    Each input may be ``-``, a URL (article or feed), a feed file, a JSONL file, a folder
    of .txt/.md/.html files, a file listing URLs, or one article file. A failing input,
    line or entry yields an InputFailure; the other inputs are still read.

    Pages (the links of feed teasers, the lines of URL lists) are fetched one at a
    time by default. ``fetch_workers=N`` fetches up to N at once, in threads, while
    still yielding in order (at most ``2 * N`` items are read ahead).
    ``defer_fetch=True`` yields a :class:`PendingFetch` in place of each teaser,
    for the caller to resolve (URL lists are still fetched here: a listed URL may
    be a feed of many entries).

    >>> items = list(load_articles(["seeds/articles.jsonl", "no/such/file.txt"]))
    >>> isinstance(items[-1], InputFailure)
    True
    """
    return ArticleStream(inputs, fetch=fetch, timeout=timeout, defer_fetch=defer_fetch, fetch_workers=fetch_workers)


def _load_all(
    inputs: Iterable[str | os.PathLike[str]], *, fetch: bool, timeout: float, defer: bool, workers: int,
) -> Iterator[_Item]:
    client = FetchClient(timeout)  # one connection pool for the whole run, made when first needed
    items = _load_inputs(inputs, fetch=fetch, timeout=timeout, client=client, defer=defer or workers > 1, workers=workers)
    try:
        if defer or workers == 1:
            yield from items
        else:  # teasers are fetched in threads, and yielded in order
            yield from _ordered_map(
                lambda item: item.resolve(client) if isinstance(item, PendingFetch) else item, items, workers
            )
    finally:
        items.close()
        client.close()


def _load_inputs(
    inputs: Iterable[str | os.PathLike[str]], *, fetch: bool, timeout: float, client: _Client, defer: bool,
    workers: int,
) -> Generator[_Item, None, None]:
    for item in inputs:
        source = str(item)
        try:
            yield from _load_one(source, fetch=fetch, timeout=timeout, client=client, defer=defer, workers=workers)
        except InputError as exc:
            yield InputFailure(source, None, source if _is_url(source) else None, exc.message)
        except OSError as exc:
            yield InputFailure(source, None, None, f"{source}: cannot read ({_one_line(exc.strerror or exc)}).")

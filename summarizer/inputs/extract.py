"""HTML to text: whole pages through trafilatura (text, title, canonical URL, date), feed fragments through lxml."""

from __future__ import annotations

import html as html_lib
import re

from summarizer.errors import InputError
from summarizer.inputs.base import _one_line
from summarizer.inputs.extracted import extract_once
from summarizer.inputs.text import _check_text, _clean
from summarizer.schema import Article


def _extract_html(content: str | bytes, where: str, *, url: str | None = None) -> Article:
    """Extract the main text, title and date of an HTML page with trafilatura (once per page
    while a batch's store remembers extractions: :mod:`summarizer.inputs.extracted`)."""
    return extract_once(content, url, lambda: _trafilatura(content, where, url=url))


def _trafilatura(content: str | bytes, where: str, *, url: str | None = None) -> Article:
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
        title=_page_title(getattr(doc, "title", None), content),
        published=getattr(doc, "date", None) or None,
        author=_byline(getattr(doc, "author", None)),
        # a saved page has no address of its own: keep the canonical URL the page declares
        url=url or getattr(doc, "url", None) or None,
    )


def _byline(found: str | None) -> str | None:
    """trafilatura's author, each name once ("Jane Doe; JANE DOE" is one name)."""
    names: dict[str, str] = {}
    for name in (found or "").split(";"):
        name = " ".join(name.split())
        if name:
            names.setdefault(name.casefold(), name)
    return "; ".join(names.values()) or None


#: Titles that content-management systems put where the page's title should be.
_PLACEHOLDER_TITLES = frozenset({
    "escenic", "untitled", "untitled document", "document", "home", "index", "homepage", "home page",
    "wordpress", "drupal", "joomla", "new page", "page", "article", "news", "null", "none", "title",
})
_TITLE_TAG = re.compile(r"<title[^>]*>(?P<t>.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_H1_TAG = re.compile(r"<h1[^>]*>(?P<t>.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)


def _is_placeholder(title: str | None) -> bool:
    return not title or title.strip().lower() in _PLACEHOLDER_TITLES


def _page_title(found: str | None, content: str | bytes) -> str | None:
    """trafilatura's title, unless it is a CMS placeholder ("escenic"): then the page's own
    ``<h1>`` or ``<title>``, whichever is a real title."""
    if not _is_placeholder(found):
        return found
    page = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    for rx in (_H1_TAG, _TITLE_TAG):
        for m in rx.finditer(page[:500_000]):
            candidate = " ".join(html_lib.unescape(re.sub(r"<[^>]*>", " ", m.group("t"))).split())
            if not _is_placeholder(candidate):
                return candidate
    return None


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

"""Escaping, tables and page chrome shared by :mod:`summarizer.render` and :mod:`summarizer.digest`.

Plain text: :func:`printable` drops terminal escape sequences and control
characters from article-derived text, for the terminal, ``.txt`` and Markdown
(:func:`printable_copy` does it to every string of a summary).

Markdown: :func:`md` escapes inline text; :func:`md_table` builds a pipe table
from cells that are already Markdown and escapes every ``|`` in them (GFM
splits rows on pipes before it parses links or code spans, so a pipe in a
link's URL or in a code span needs the escape too). :func:`md_link` links only
``http(s)`` URLs, percent-encoding anything that could end the destination;
:func:`md_code` is a one-line code span.

HTML: :func:`esc` escapes text and attributes; :func:`html_table`,
:func:`base_css` and :func:`html_page` take the CSS class prefix of their
caller (``smz`` for one summary, ``smzd`` for the digest), so both can sit in
one notebook without their styles clashing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterable, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel

from summarizer.schema import Attack, Territory

DASH = "—"  # shown for unknown values; a null number is never shown as 0


# ---------------------------------------------------------------------------
# Plain text

_TERMINAL_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, clear screen
    r"|\x9b[0-?]*[ -/]*[@-~]"  # the same, 8-bit
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC (title, clipboard, links), DCS, SOS, PM, APC
    r"|\x1b[ -/]*[0-~]"  # any other escape
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` without terminal escape sequences or control characters (newlines and tabs stay).

    >>> printable("Kyiv\\x1b[2J\\x1b]52;c;ZXZpbA==\\x07 shelled\\x07\\r")
    'Kyiv shelled'
    """
    return _CONTROLS.sub("", _TERMINAL_ESCAPES.sub("", text))


_M = TypeVar("_M", bound=BaseModel)


def _printable_value(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, BaseModel):
        return printable_copy(value)
    if isinstance(value, list):
        return [_printable_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_printable_value(v) for v in value)
    if isinstance(value, dict):
        return {k: _printable_value(v) for k, v in value.items()}
    return value


def printable_copy(model: _M) -> _M:
    """A copy of a pydantic ``model`` with :func:`printable` applied to every string in it."""
    fields = type(model).model_fields
    return model.model_copy(update={name: _printable_value(getattr(model, name)) for name in fields})



def words(value: str) -> str:
    """``prisoner_exchange`` -> ``prisoner exchange``."""
    return value.replace("_", " ")


def where(item: Attack | Territory) -> str:
    """``place, region``, either alone, or a dash when neither is known."""
    parts = [p for p in (item.place, item.region) if p]
    return ", ".join(parts) if parts else DASH


def clip(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------------------
# Markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#])")


def md(text: str) -> str:
    """Escape model or article text for inline Markdown: one line, no raw HTML, no accidental emphasis,
    no terminal escapes.

    Pipes are left alone here; :func:`md_table` escapes them in table cells.
    """
    return _MD_SPECIAL.sub(r"\\\1", " ".join(printable(str(text)).split()))


#: Characters kept as they are in a linked URL; everything else (space, ``<>()[]"'`\\|``,
#: controls, non-ASCII) is percent-encoded, so nothing can end the link destination.
_URL_SAFE = "-._~:/?#@!$&*+,;=%"
_HTTP = re.compile(r"https?://[^/?#\s]", re.IGNORECASE)


def safe_url(url: str | None) -> str | None:
    """``url`` percent-encoded for a Markdown link destination, or None unless it is http(s).

    >>> safe_url("https://example.org/a b)<img src=x>")
    'https://example.org/a%20b%29%3Cimg%20src=x%3E'
    >>> safe_url("javascript:alert(1)") is None
    True
    """
    if not url or not _HTTP.match(url):
        return None
    return quote(url, safe=_URL_SAFE)


def md_link(label: str, url: str | None) -> str:
    """``[label](url)`` when ``url`` is http(s) (``label`` is Markdown already), else just ``label``."""
    href = safe_url(url)
    return f"[{label}]({href})" if href else label


def md_code(text: str) -> str:
    """``text`` as a one-line inline code span (backticks and control characters dropped)."""
    body = " ".join(printable(str(text)).replace("`", "").split())
    return f"`{body}`" if body else DASH


def md_table(headers: Sequence[str], rows: Iterable[Sequence[str]], right: Collection[int] = ()) -> list[str]:
    """A GFM pipe table; ``rows`` hold Markdown cells, ``right`` the indexes of right-aligned columns."""
    align = ["---:" if k in right else "---" for k in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(c.replace("|", r"\|") for c in row) + " |" for row in rows]
    return lines


# ---------------------------------------------------------------------------
# HTML


def esc(value: object) -> str:
    """Escape for HTML text and double-quoted attributes."""
    return html.escape(str(value), quote=True)


def muted(prefix: str, text: str = DASH) -> str:
    return f'<span class="{prefix}-muted">{esc(text)}</span>'


def cell(prefix: str, value: str | None) -> str:
    """An escaped value, or a muted dash when there is none."""
    return esc(value) if value else muted(prefix)


def html_table(
    prefix: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    kinds: Sequence[str] = (),
    classes: Sequence[str] = (),
) -> str:
    """A scrollable table. ``rows`` hold already-escaped HTML cells.

    ``kinds`` gives each column a CSS kind (``""`` for none): ``num`` (right
    aligned, unwrapped), ``text`` (names, at least 7em wide) or ``prose``
    (sentences, at least 12em), so a wide neighbour never squeezes them to a
    word a line. ``classes`` are added to the ``<table>``.
    """
    attrs = [f' class="{prefix}-{k}"' if k else "" for k in kinds]
    attrs += [""] * (len(headers) - len(attrs))
    head = "".join(f"<th{attrs[k]}>{esc(h)}</th>" for k, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td{attrs[k]}>{c}</td>" for k, c in enumerate(row)) + "</tr>" for row in rows
    )
    table_class = " ".join([f"{prefix}-table", *classes])
    return (
        f'<div class="{prefix}-scroll"><table class="{table_class}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def base_css(prefix: str) -> str:
    """Typography of the root element, the tables of :func:`html_table` and muted text."""
    r = f".{prefix}-root"
    t = f"{r} .{prefix}-table"
    return (
        f"{r}{{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:14px;"
        f"line-height:1.45;max-width:1100px;color:inherit}}"
        f"{r} *{{box-sizing:border-box}}"
        f"{r} .{prefix}-scroll{{overflow-x:auto}}"
        # table-layout:auto against notebook styles that fix it (every column an equal share).
        f"{r} table.{prefix}-table{{border-collapse:collapse;table-layout:auto;width:100%;font-size:.92em;margin:0}}"
        f"{t} th,{t} td{{border-bottom:1px solid rgba(128,128,128,.3);padding:.25em .5em;"
        f"text-align:left;vertical-align:top}}"
        f"{t} th{{font-weight:600;border-bottom:2px solid rgba(128,128,128,.5);white-space:nowrap}}"
        f"{t} .{prefix}-num{{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}}"
        f"{t} td.{prefix}-text{{min-width:7em}}"
        f"{t} td.{prefix}-prose{{min-width:12em}}"
        f"{r} .{prefix}-muted{{color:gray;font-weight:normal}}"
    )


def html_page(title: str, body: str, css: str = "") -> str:
    """A standalone ``<!doctype html>`` page (no external resources) around ``body``."""
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title>"
        f"<style>body{{margin:1.5em auto;padding:0 1.2em;max-width:1140px;background:#fff;color:#1a1a1a}}{css}</style>"
        f"</head><body>\n{body}\n</body></html>\n"
    )

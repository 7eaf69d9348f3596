"""One brief across many summaries: attacks, a diplomacy timeline, territory, sanctions.

::

    build(summaries)               -> Digest (the merged rows, for your own rendering)
    to_markdown(summaries)         Markdown
    to_html_fragment(summaries)    self-contained HTML for notebooks (inline CSS, no scripts)
    to_html(summaries)             a standalone page
    write_digest(summaries, path)  .md / .markdown or .html / .htm, by the file's suffix

Every row names the articles it comes from and links to them (their URL, or
their id in the list of sources when there is no URL).

**Merging.** The same event is often reported by several articles. Every
summary is first resolved (:func:`summarizer.events.enrich`: dates against the
publication date, places in the gazetteer). Attacks from *different* articles
are one incident when they happened on the same resolved date (within a day),
at the same place and with compatible weapons (:mod:`summarizer.events.incidents`).
Following ACLED, an incident's killed figure is the lowest its reports give;
when they differ the row shows the range and marks it disputed. Attacks are
listed by resolved date, and the HTML draws them on an inline SVG map from
their coordinates (no network). Territorial changes merge by the events
export's rule (:class:`summarizer.events.incidents.ClaimIndex`: the same place,
status, side and time), so the digest and ``--events`` group them alike.
Sanctions moves and talks, calls, meetings, agreements and prisoner exchanges
are merged when they name the same target / actors with the same status or
kind. Duplicate summaries (same text) count once.

One module per job: :mod:`.model` the rows, :mod:`.merge` the merging, :mod:`.markdown` and
:mod:`.html` the two formats. Pure functions: nothing here reads files (except :func:`write_digest`), the
network or the environment, and every string is escaped for its format.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from summarizer.digest.html import to_html, to_html_fragment
from summarizer.digest.markdown import to_markdown
from summarizer.digest.merge import DigestBuilder, build
from summarizer.digest.model import (
    MAX_DAYS_APART,
    MAX_LINKS,
    AttackEvent,
    Digest,
    DiplomacyEntry,
    SanctionEntry,
    Source,
    TerritoryEntry,
)
from summarizer.schema import Summary

__all__ = [
    "MAX_DAYS_APART",
    "MAX_LINKS",
    "AttackEvent",
    "Digest",
    "DigestBuilder",
    "DiplomacyEntry",
    "SanctionEntry",
    "Source",
    "TerritoryEntry",
    "build",
    "to_html",
    "to_html_fragment",
    "to_markdown",
    "write_digest",
]


def write_digest(
    summaries: Iterable[Summary] | Digest, path: str | os.PathLike[str], *, failures: Iterable[Any] = ()
) -> str:
    """Write the digest to ``path``: HTML for .html/.htm, else Markdown. Returns the format written."""
    target = Path(path)
    fmt = "html" if target.suffix.lower() in (".html", ".htm") else "markdown"
    text = (to_html if fmt == "html" else to_markdown)(summaries, failures=failures)
    from summarizer.atomic import write_text_atomic

    write_text_atomic(target, text)  # whole or not at all: a full disk leaves the old digest as it was
    return fmt

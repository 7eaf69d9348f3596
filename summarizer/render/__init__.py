"""Pure functions from a :class:`~summarizer.schema.Summary` to text.

* :func:`to_json` the summary with its metadata, as JSON.
* :func:`to_markdown` Markdown (also ``Summary._repr_markdown_``).
* :func:`to_terminal` a rich rendering onto a ``Console`` (the CLI).
* :func:`to_html_fragment` self-contained HTML for Jupyter (``_repr_html_``),
  with the article and every grounded span highlighted by section.
* :func:`to_html` a standalone ``<!doctype html>`` page around the fragment.

One module per format: :mod:`.common` (what they share, and JSON), :mod:`.markdown`,
:mod:`.terminal`, :mod:`.html` and :mod:`.evidence` (the article view of the HTML).
Nothing here reads files, the network or the environment; every string that
comes from the article or the model is escaped for the target format.
"""

from __future__ import annotations

from summarizer.render.common import (
    NOTHING_FOUND,
    SECTION_COLOURS,
    SECTION_TITLES,
    UNATTRIBUTED,
    describe_item,
    empty_message,
    speaker,
    to_json,
)
from summarizer.render.html import MAX_OFFSETS, to_html, to_html_fragment
from summarizer.render.markdown import to_markdown
from summarizer.render.terminal import to_terminal

__all__ = [
    "MAX_OFFSETS",
    "NOTHING_FOUND",
    "SECTION_COLOURS",
    "SECTION_TITLES",
    "UNATTRIBUTED",
    "describe_item",
    "empty_message",
    "speaker",
    "to_html",
    "to_html_fragment",
    "to_json",
    "to_markdown",
    "to_terminal",
]

"""Flat tables of summary items: one row per item, for spreadsheets and pandas.

pandas is optional; it is imported only when a DataFrame is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from summarizer.schema import ITEM_MODELS, SECTIONS, Quote, Span, Summary

if TYPE_CHECKING:
    import pandas  # type: ignore[import-untyped,unused-ignore]

__all__ = ["COLUMNS", "results_to_dataframe", "to_dataframe", "to_records"]

EVIDENCE_SEPARATOR = " … "
LIST_SEPARATOR = "; "

_SKIP = {"evidence"}


def _item_columns() -> list[str]:
    """Every item field of every section, in section order, without duplicates."""
    seen: dict[str, None] = {}
    for section in SECTIONS:
        for name in ITEM_MODELS[section].model_fields:
            if name not in _SKIP:
                seen.setdefault(name, None)
    return list(seen)


#: Column order of :func:`to_records` rows and of the DataFrames.
COLUMNS: list[str] = [
    "section",
    "index",
    *_item_columns(),
    "evidence",
    "evidence_offsets",
    "attribution_offsets",
    "article_id",
    "content_hash",
    "headline",
]

_INT_COLUMNS = ("killed", "injured")
_FLOAT_COLUMNS = ("latitude", "longitude")
_BOOL_COLUMNS = ("civilians",)


def _flat(value: Any) -> Any:
    """Lists joined with ``"; "`` (quotes as ``speaker: text``); a span as its text; scalars unchanged."""
    if isinstance(value, Span):
        return value.text
    if isinstance(value, list):
        return LIST_SEPARATOR.join(
            f"{v.speaker or 'unattributed'}: {v.text}" if isinstance(v, Quote) else str(v) for v in value
        )
    return value


def to_records(summary: Summary) -> list[dict[str, Any]]:
    """One dict per item, in section order.

    Keys: ``section``, ``index`` (0-based position in its section, so
    ``getattr(summary, row["section"])[row["index"]]`` is the item), the item's
    own fields (lists joined with ``"; "``), ``evidence`` (texts joined with
    ``" … "``), ``evidence_offsets`` (a list of ``(start, end)``), ``attribution_offsets``
    (the ``(start, end)`` of the attribution of attacks and territory, or None;
    ``attribution`` itself is its text),
    ``article_id``, ``content_hash`` and ``headline``. Fields another section
    has but this one lacks are left out of the dict; keys follow :data:`COLUMNS`.
    """
    rows = []
    for section in SECTIONS:
        for index, item in enumerate(getattr(summary, section)):
            row: dict[str, Any] = {"section": section, "index": index}
            for name in type(item).model_fields:
                if name not in _SKIP:
                    row[name] = _flat(getattr(item, name))
            row["evidence"] = EVIDENCE_SEPARATOR.join(s.text for s in item.evidence)
            row["evidence_offsets"] = [(s.start, s.end) for s in item.evidence]
            attribution = getattr(item, "attribution", None)
            if section in ("attacks", "territory"):
                row["attribution_offsets"] = (attribution.start, attribution.end) if attribution else None
            row["article_id"] = summary.article.id
            row["content_hash"] = summary.article.content_hash
            row["headline"] = summary.headline
            rows.append({c: row[c] for c in COLUMNS if c in row})
    return rows


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as exc:
        raise ImportError("pandas is needed for DataFrames: pip install pandas (or pip install '.[pandas]' in a checkout)") from exc
    return pandas


def results_to_dataframe(results: Iterable[Summary]) -> pandas.DataFrame:
    """One DataFrame row per item of every summary (columns: :data:`COLUMNS`).

    Casualty counts use pandas' nullable ``Int64`` (a missing number stays
    missing, never 0) and ``civilians`` the nullable ``boolean`` dtype.

    >>> from summarizer import summarize
    >>> df = results_to_dataframe([summarize(open("seeds/ukraine-istanbul-talks.txt").read(), backend="extractive")])
    >>> int(df[df.section == "attacks"].killed.max())
    9
    """
    pd = _pandas()
    rows = [row for summary in results for row in to_records(summary)]
    df = pd.DataFrame(rows, columns=COLUMNS)
    for col in _INT_COLUMNS:
        df[col] = df[col].astype("Int64")
    for col in _BOOL_COLUMNS:
        df[col] = df[col].astype("boolean")
    for col in _FLOAT_COLUMNS:
        df[col] = df[col].astype("Float64")
    return df


def to_dataframe(summary: Summary) -> pandas.DataFrame:
    """One DataFrame row per item of ``summary``."""
    return results_to_dataframe([summary])

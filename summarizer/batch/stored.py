"""Results read back from the store (:func:`results_from_store`) and written as JSON Lines
(:func:`write_jsonl`)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from summarizer.atomic import atomic_writer
from summarizer.batch.results import BatchResult, _from_record, _Input, _shown_id
from summarizer.store import ItemRecord, Occurrence, StoreEngine


def results_from_store(store: StoreEngine, run_id: str | None = None) -> Iterator[BatchResult]:
    """Every input of ``run_id`` (default: the latest run) with its stored outcome, in input order.

    Makes no LLM call. An input whose item was never finished (an interrupted
    run) comes back as an error saying so.
    """
    run = run_id or store.latest_run_id()
    if run is None:
        return
    keys_seen: set[str] = set()
    for occ, record in store.run_results(run):
        yield _result_of_occurrence(occ, record, duplicate=occ.key in keys_seen)
        keys_seen.add(occ.key)


def _result_of_occurrence(occ: Occurrence, record: ItemRecord, *, duplicate: bool) -> BatchResult:
    # An input that could not be read is stored with an empty article (and no summary): a summary says it was read.
    is_failure = record.summary_json is None and record.article.text == ""
    shown = _shown_id(occ.input_id, occ.url, occ.source, None if is_failure else record.content_hash)
    article = None
    if not is_failure:  # the summary carries the article: parsed once
        article = record.summary.article if record.summary is not None else record.article
    p = _Input(occ.seq, shown, occ.url, occ.source, occ.input_id, occ.key, article, duplicate=duplicate)
    return _from_record(p, record, cached=True)


def write_jsonl(results: Iterable[BatchResult], path: str | os.PathLike[str]) -> int:
    """Write one JSON line per result, atomically (a temp file renamed into place); return the count.

    On a full disk (any OSError) the old file is left as it was and :class:`~summarizer.errors.OutputError` names it.
    """
    count = 0
    with atomic_writer(path) as handle:
        for result in results:
            handle.write(result.to_line() + "\n")
            count += 1
    return count

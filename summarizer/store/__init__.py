"""The store: the cache, the batch state and the results.

One row in ``items`` per work item, keyed by :func:`work_key` (the article's
content hash plus everything that changes the answer: model, prompt version,
schema version). One row in ``occurrences`` per input seen in a run, so the
outputs can be rebuilt in input order with one line per input, while duplicate
inputs share one work item.

Life of an item::

    add() ──▶ pending ──claim()──▶ running ──complete()──▶ done   (never claimed again)
                 ▲                   │  └─────fail()─────▶ failed ──claim(retry_failed=True)──▶ running
                 └──release()────────┘  lease expired: claim() takes it over

* ``claim`` is one ``UPDATE … WHERE`` so two workers (threads or processes)
  never both get an item.
* ``complete``/``fail`` only apply while the caller still owns the lease, and
  write everything in one transaction: a crash (even ``kill -9``) leaves at
  worst an expired lease, never a half-written result.

Two engines keep it, behind one interface (:class:`StoreEngine`, in
:mod:`summarizer.store.base`); :func:`open_store` picks one from ``--store``:

* a file path: SQLite, the embedded default (:mod:`summarizer.store.sqlite`; its
  file checks and errors are in :mod:`summarizer.store.sqlite_files`);
* a ``postgresql://`` URL: PostgreSQL, one queue for workers on many machines
  (:mod:`summarizer.store.postgres`, :mod:`summarizer.store.postgres_schema`;
  needs ``pip install 'summarizer[postgres]'``).

Both are versioned: each has an ordered list of migrations, applied in one
transaction when an older store is opened; a store made by a newer summarizer is
refused. What they store is described in :mod:`summarizer.store.records`.
"""

from __future__ import annotations

from summarizer.store.base import StoreEngine, is_url, open_store, store_label
from summarizer.store.records import (
    STATUSES,
    ItemRecord,
    Occurrence,
    Status,
    make_owner,
    scrub_error,
    work_key,
)
from summarizer.store.sqlite import DEFAULT_PATH, Store
from summarizer.store.sqlite_files import STORE_VERSION

__all__ = [
    "DEFAULT_PATH",
    "STATUSES",
    "STORE_VERSION",
    "ItemRecord",
    "Occurrence",
    "Status",
    "Store",
    "StoreEngine",
    "is_url",
    "make_owner",
    "open_store",
    "scrub_error",
    "store_label",
    "work_key",
]

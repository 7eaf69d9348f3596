"""Responders for ``python tests/llm_server.py --responder bench_responders:NAME`` (benchmarks only).

``seed_draft``: the hand-checked draft of ``seeds/ukraine-istanbul-talks.txt`` (tests/data/seed_draft.json),
whatever the article; the benchmark articles are that seed with a line added, so every item grounds.
``seed_draft_100ms``: the same answer after 100 ms, as a fast hosted model would give it.
The latency can also be set with the environment variable ``BENCH_LATENCY`` (seconds).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from llm_replies import Reply
from llm_requests import RecordedRequest

_DRAFT = json.loads((Path(__file__).resolve().parent.parent / "tests" / "data" / "seed_draft.json").read_text("utf-8"))


def seed_draft(req: RecordedRequest) -> Reply:
    latency = float(os.environ.get("BENCH_LATENCY", "0") or 0)
    reply = Reply.data(_DRAFT)
    return Reply.delay(latency, reply) if latency > 0 else reply


def seed_draft_100ms(req: RecordedRequest) -> Reply:
    return Reply.delay(0.1, Reply.data(_DRAFT))

"""Provider batch jobs against the suite's server: requests made, and the time to submit and to collect.

Writes N generated articles (default 300) as JSONL and runs the real CLI in subprocesses against the
test server on 127.0.0.1 (its ``/v1/files`` and ``/v1/batches``, ``tests/llm_batches.py``):

1. ``--via batch-api``: every request is captured from the live path and submitted (one job);
2. the same command again while the job runs (exit 3), and once more when it has completed
   (every answer validated and grounded, OUT written);
3. for comparison, a live run on a fresh store at ``--concurrency`` with ``--latency`` per answer.

Run from the repository root::

    python benchmarks/bench_batch_api.py [--articles 300] [--latency 0.1] [--concurrency 8] [--json]

Exit code 0 when every article ends summarized both ways. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_batch import grounded  # noqa: E402
from llm_server import LLMServer, Reply  # noqa: E402

from summarizer.schema import Article  # noqa: E402

PLACES = ["Sumy", "Kharkiv", "Odesa", "Dnipro", "Kherson", "Poltava", "Mykolaiv", "Chernihiv", "Izmail", "Nikopol"]


def story(i: int) -> str:
    return (
        f"A Russian drone struck a bus stop in {PLACES[i % len(PLACES)]} on Saturday, killing {i % 7 + 2} people and "
        f"injuring {i % 5 + 3} others, the regional governor said. Rescue workers searched the rubble through the "
        f"night and officials said report number {i} was still being checked."
    )


def run(server: LLMServer, inputs: Path, store: Path, out: Path, concurrency: int, *extra: str) -> tuple[int, str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    env.update(SUMMARIZER_BASE_URL=server.base_url, SUMMARIZER_API_KEY="sk-bench", SUMMARIZER_MODEL="gpt-4o-mini")
    args = [sys.executable, "-m", "summarizer", "batch", str(inputs), "-o", str(out), "--store", str(store),
            "--concurrency", str(concurrency), *extra]
    started = time.monotonic()
    child = subprocess.run(args, env=env, capture_output=True, text=True, cwd=ROOT, timeout=1200)
    stderr = child.stderr.strip()
    return child.returncode, stderr.splitlines()[-1] if stderr else "", time.monotonic() - started


def paths(requests: list[Any]) -> dict[str, int]:
    return dict(collections.Counter(f"{r.method} {r.path.split('/batch_')[0].split('/file-')[0]}" for r in requests))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds the server takes per live answer")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report: dict[str, Any] = {"articles": args.articles, "latency_s": args.latency, "concurrency": args.concurrency}
    ok = True
    with tempfile.TemporaryDirectory() as folder, LLMServer(responder=grounded) as server:
        tmp = Path(folder)
        inputs = tmp / "in.jsonl"
        inputs.write_text("".join(Article(text=story(i), id=f"a{i}").model_dump_json(exclude={"content_hash"}) + "\n"
                                  for i in range(args.articles)), encoding="utf-8")
        steps = []
        for name in ("submit", "poll (running)", "collect"):
            before = len(server.requests)
            code, last, seconds = run(server, inputs, tmp / "jobs.db", tmp / "jobs.jsonl", args.concurrency, "--via", "batch-api")
            steps.append({"step": name, "exit": code, "seconds": round(seconds, 2), "requests": paths(server.requests[before:]),
                          "last_line": last})
        ok &= [s["exit"] for s in steps] == [0, 3, 0]
        jobs_out = [json.loads(line) for line in (tmp / "jobs.jsonl").read_text().splitlines()]
        ok &= sum("headline" in r for r in jobs_out) == args.articles
        report["batch_api"] = steps

        server.responder = lambda r: Reply.delay(args.latency, grounded(r))
        before = len(server.requests)
        code, last, seconds = run(server, inputs, tmp / "live.db", tmp / "live.jsonl", args.concurrency)
        report["live"] = {"exit": code, "seconds": round(seconds, 2), "requests": paths(server.requests[before:]),
                          "last_line": last}
        ok &= code == 0
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for step in report["batch_api"]:
            print(f"batch-api {step['step']:<15} exit {step['exit']}  {step['seconds']:6.2f} s  {step['requests']}")
        live = report["live"]
        print(f"live {'':<20} exit {live['exit']}  {live['seconds']:6.2f} s  {live['requests']}")
        print(report["batch_api"][-1]["last_line"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Reliability benchmark: a 300-article batch against a server that fails in every way at once.

The suite's OpenAI-compatible test server (tests/llm_server.py) answers each chat
request, by a draw that depends only on the seed, the article and how many times
that article was asked before (so a run is reproducible whatever the arrival order):

    20%  429 Too Many Requests (retry-after-ms: 10)
    10%  500 Internal Server Error
    10%  malformed JSON where the summary should be
     5%  a cut-off answer (finish_reason "length")
     5%  the connection dropped without an answer
    50%  a good, grounded answer

and the real CLI runs ``summarizer batch in.jsonl -o out.jsonl`` in a subprocess.
Measured: inputs lost (no line in OUT) and duplicated (more than one line), failed
and summarized; requests by what the server answered; attempts per article; wall
time; the batch process's peak memory (VmHWM). Then a rerun with
``--retry-failed`` shows what the failures were.

Run from the repository root::

    python benchmarks/bench_faults.py              # 300 articles, --concurrency 8, seed 11
    python benchmarks/bench_faults.py --json       # the figures as JSON (docs/RELIABILITY.md is built from them)

Exit code 0 when no input is lost or duplicated. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_batch import (
    draft_for,  # a good model's answer, shared with the 40-item acceptance benchmark
)
from llm_server import LLMServer, RecordedRequest, Reply, article_from_request

from summarizer.config import Config

#: What the server answers, in order of the draw: (name, probability).
FAULTS = (("429", 0.20), ("500", 0.10), ("malformed", 0.10), ("truncated", 0.05), ("dropped", 0.05))

PLACES = ["Sumy", "Kharkiv", "Odesa", "Dnipro", "Kherson", "Poltava", "Mykolaiv", "Chernihiv", "Izmail", "Nikopol",
          "Zaporizhzhia", "Kramatorsk", "Sloviansk", "Pokrovsk", "Kupiansk"]


def story(i: int) -> str:
    place = PLACES[i % len(PLACES)]
    return (
        f"A Russian drone struck a bus stop in {place} on Saturday, killing {i % 7 + 2} people and injuring "
        f"{i % 5 + 3} others, the regional governor said. Rescue workers searched the rubble through the night. "
        f"Officials said report number {i} was still being checked, and that {i % 9 + 4} apartment blocks "
        f"and a school were damaged in the attack on the city."
    )


class FaultyResponder:
    """Draws one fault (or a good answer) per request; remembers what it answered."""

    def __init__(self, seed: int, latency: float) -> None:
        self.seed, self.latency = seed, latency
        self.lock = threading.Lock()
        self.asked: collections.Counter[str] = collections.Counter()  # article -> requests so far
        self.answers: collections.Counter[str] = collections.Counter()  # what the server answered, by kind
        self.per_article: dict[str, list[str]] = collections.defaultdict(list)

    def __call__(self, req: RecordedRequest) -> Reply:
        text = article_from_request(req) or ""
        with self.lock:
            occurrence = self.asked[text]
            self.asked[text] += 1
        draw = random.Random(f"{self.seed}:{text}:{occurrence}").random()
        kind, edge = "ok", 0.0
        for name, p in FAULTS:
            edge += p
            if draw < edge:
                kind = name
                break
        with self.lock:
            self.answers[kind] += 1
            self.per_article[text].append(kind)
        reply = {
            "429": lambda: Reply.error(429, retry_after_ms=10),
            "500": lambda: Reply.error(500),
            "malformed": lambda: Reply.raw('{"headline": "Drone strike", "summary": "A drone struck'),
            "truncated": lambda: Reply.truncated(draft_for(text)),
            "dropped": Reply.disconnect,
            "ok": lambda: Reply.data(draft_for(text)),
        }[kind]()
        return Reply.delay(self.latency, reply) if self.latency and kind != "dropped" else reply


class PeakMemory:
    """The peak resident memory of process ``pid``, in MB: its VmHWM, read every 10 ms while it runs.

    Not ru_maxrss: on Linux a child's ru_maxrss starts from its parent's size at fork, so a
    large parent would be measured instead of the child.
    """

    def __init__(self, pid: int) -> None:
        self.path = Path(f"/proc/{pid}/status")
        self.kb = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while not self.done.is_set():
            try:
                for line in self.path.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        self.kb = max(self.kb, int(line.split()[1]))
            except (OSError, ValueError, IndexError):
                pass
            self.done.wait(0.01)

    def stop(self) -> float:
        self.done.set()
        self.thread.join()
        return round(self.kb / 1024, 1)


def run_batch(server: LLMServer, args: list[str]) -> dict[str, Any]:
    """The CLI in a subprocess: exit code, last stderr line, wall time, peak memory (MB)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    env.update(SUMMARIZER_BASE_URL=server.base_url, SUMMARIZER_API_KEY="sk-bench", SUMMARIZER_BACKEND="llm",
               SUMMARIZER_MODEL="gpt-4o-mini")
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "summarizer", "batch", *args], env=env, cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = PeakMemory(child.pid)
    _, stderr = child.communicate()
    return {"exit": child.returncode, "seconds": round(time.monotonic() - started, 1),
            "peak_mb": peak.stop(), "last_line": (stderr.strip().splitlines() or [""])[-1],
            "stderr_lines": len(stderr.splitlines())}


def outcome(out: Path, ids: list[str]) -> dict[str, Any]:
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []
    seen = collections.Counter(r["id"] for r in records)
    errors = collections.Counter(
        re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", " ".join(str(r["error"]).split()))[:90]
        for r in records if "error" in r
    )
    return {
        "lines": len(records),
        "lost": sum(1 for i in ids if seen[i] == 0),
        "duplicated": sum(1 for i in ids if seen[i] > 1),
        "summarized": sum(1 for r in records if "headline" in r),
        "failed": sum(1 for r in records if "error" in r),
        "errors": dict(errors.most_common(5)),
    }


def retry_budget() -> dict[str, Any]:
    """The retry budget of the default configuration: what the figures were measured with."""
    config = Config()
    budget = {"transport_retries": config.transport_retries, "max_retry_time_s": config.max_retry_time,
              "max_attempts": config.max_attempts, "max_tokens": config.max_tokens}
    if hasattr(config, "max_tokens_ceiling"):
        budget["max_tokens_ceiling"] = config.max_tokens_ceiling
    return budget


def measure(articles: int = 300, seed: int = 11, latency: float = 0.02, concurrency: int = 8) -> dict[str, Any]:
    """Run the faulty batch, then a rerun with --retry-failed; the figures as a dict."""
    report: dict[str, Any] = {
        "articles": articles, "concurrency": concurrency, "seed": seed, "latency_s": latency,
        "faults": dict(FAULTS), "budget": retry_budget(),
    }
    responder = FaultyResponder(seed, latency)
    with tempfile.TemporaryDirectory() as tmp, LLMServer(responder=responder) as server:
        work = Path(tmp)
        ids = [f"a{i:03}" for i in range(articles)]
        inputs = work / "in.jsonl"
        inputs.write_text("".join(json.dumps({"id": i, "text": story(n)}) + "\n" for n, i in enumerate(ids)),
                          encoding="utf-8")
        out, db = work / "out.jsonl", work / "s.db"
        common = [str(inputs), "-o", str(out), "--store", str(db), "--concurrency", str(concurrency)]

        first = run_batch(server, common)
        asked = list(responder.per_article.values())
        report["run"] = {
            **first, **outcome(out, ids), "requests": sum(responder.answers.values()),
            "answers": dict(responder.answers),
            "attempts_per_article": {"max": max(map(len, asked), default=0),
                                     "mean": round(sum(map(len, asked)) / max(len(asked), 1), 2)},
            "articles_answered_ok_twice": sum(1 for kinds in asked if kinds.count("ok") > 1),
        }
        report["run"]["last_line"] = report["run"]["last_line"].replace(str(work), "<tmp>")
        before = sum(responder.answers.values())
        again = run_batch(server, [*common, "--retry-failed"])
        report["retry_failed_run"] = {**again, **outcome(out, ids),
                                      "requests": sum(responder.answers.values()) - before}
        report["retry_failed_run"]["last_line"] = report["retry_failed_run"]["last_line"].replace(str(work), "<tmp>")
    report["checks"] = {
        "no input lost": report["run"]["lost"] == 0,
        "no input duplicated": report["run"]["duplicated"] == 0,
    }
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--articles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds the server takes per answer")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    report = measure(args.articles, args.seed, args.latency, args.concurrency)
    budget = report["budget"]
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        run, rerun = report["run"], report["retry_failed_run"]
        print(f"{args.articles} articles, --concurrency {args.concurrency}, seed {args.seed}; server faults: "
              + ", ".join(f"{p:.0%} {name}" for name, p in FAULTS))
        print(f"retry budget: {budget}")
        print(f"run            {run['seconds']:6.1f} s  peak {run['peak_mb']} MB  exit {run['exit']}  "
              f"lost {run['lost']}  duplicated {run['duplicated']}  failed {run['failed']}  "
              f"summarized {run['summarized']}")
        print(f"               requests {run['requests']} {run['answers']}  attempts/article {run['attempts_per_article']}")
        print(f"               {run['last_line']}")
        for error, n in run["errors"].items():
            print(f"               {n} x {error}")
        print(f"--retry-failed {rerun['seconds']:6.1f} s  requests {rerun['requests']}  failed {rerun['failed']}  "
              f"exit {rerun['exit']}")
        for name, passed in report["checks"].items():
            print(f"{'PASS' if passed else 'FAIL'}  {name}")
    return 0 if all(report["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())

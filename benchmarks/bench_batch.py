"""Acceptance benchmark for ``summarizer batch``: a flaky server, a rerun, and a kill -9 halfway.

Serves ``seeds/feed-40.xml`` (40 articles) from the suite's OpenAI-compatible
test server on 127.0.0.1, failing 20% of requests with 429 and 10% with 500,
and runs the real CLI in subprocesses:

1. a full run on a fresh store: every article must end summarized (40/40);
2. a rerun on the same store: it must make 0 requests;
3. a run on a fresh store killed with SIGKILL once half the items are done,
   then restarted: 40/40 again, each article summarized exactly once (stored
   once, never asked again once done).

Run from the repository root::

    python benchmarks/bench_batch.py                 # defaults: 40 items, 20% 429, 10% 500
    python benchmarks/bench_batch.py --latency 0.5 --concurrency 4 --seed 7 --json

Exit code 0 when every check passes. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from factories import to_draft
from llm_server import LLMServer, RecordedRequest, Reply, article_from_request, flaky

from summarizer.backends.extractive import ExtractiveBackend
from summarizer.schema import Article
from summarizer.store import Store

FEED = ROOT / "seeds" / "feed-40.xml"


def grounded(req: RecordedRequest) -> Reply:
    """A good model's answer: the extractive reading of the article, as a draft (evidence as strings)."""
    return Reply.data(draft_for(article_from_request(req) or ""))


def draft_for(text: str) -> dict[str, Any]:
    """The extractive reading of ``text`` in the shape the LLM fills (relevance first, evidence as strings)."""
    return to_draft(ExtractiveBackend().summarize(Article(text=text)))


def cli(server: LLMServer, store: Path, out: Path, concurrency: int, *extra: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    env.update(SUMMARIZER_BASE_URL=server.base_url, SUMMARIZER_API_KEY="sk-bench", SUMMARIZER_BACKEND="llm",
               SUMMARIZER_MODEL="gpt-4o-mini")
    args = [sys.executable, "-m", "summarizer", "batch", str(FEED), "-o", str(out), "--store", str(store),
            "--concurrency", str(concurrency), *extra]
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def finish(child: subprocess.Popen[str], timeout: float = 600) -> tuple[int, str]:
    _, stderr = child.communicate(timeout=timeout)
    summary = [line for line in stderr.splitlines() if " summarized (" in line]
    return child.returncode, summary[-1] if summary else stderr.strip()[-300:]


def chat(server: LLMServer, since: int = 0) -> list[RecordedRequest]:
    return server.chat_requests[since:]


def counts(requests: list[RecordedRequest]) -> dict[str, int]:
    statuses = collections.Counter(r.status for r in requests)
    return {"requests": len(requests), "200": statuses[200], "429": statuses[429], "500": statuses[500]}


def store_state(path: Path) -> dict[str, Any]:
    with Store(path) as store:
        stats = store.stats()
        run = store.latest_run_id()
        attempts = collections.Counter(record.attempts for _, record in store.run_results(run or ""))
    return {"stats": stats, "attempts": dict(attempts)}


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--p429", type=float, default=0.2)
    parser.add_argument("--p500", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds the server takes per answer")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON")
    args = parser.parse_args()

    responder = flaky(lambda r: Reply.delay(args.latency, grounded(r)), p429=args.p429, p500=args.p500,
                      seed=args.seed, retry_after_ms=50)
    report: dict[str, Any] = {"feed": str(FEED.relative_to(ROOT)), "p429": args.p429, "p500": args.p500,
                              "seed": args.seed, "latency_s": args.latency, "concurrency": args.concurrency}
    checks: dict[str, bool] = {}
    with tempfile.TemporaryDirectory() as tmp, LLMServer(responder=responder) as server:
        work = Path(tmp)

        # 1. A full run on a fresh store.
        db, out = work / "full.db", work / "full.jsonl"
        started = time.monotonic()
        code, line = finish(cli(server, db, out, args.concurrency, "--digest", str(work / "digest.md")))
        first = chat(server)
        ok_lines = sum("headline" in r for r in lines(out))
        report["full_run"] = {"exit": code, "seconds": round(time.monotonic() - started, 2), "lines": len(lines(out)),
                              "summarized": ok_lines, **counts(first), "store": store_state(db), "summary_line": line}
        checks["full run: 40/40 summarized"] = code == 0 and ok_lines == 40

        # 2. A rerun on the same store.
        before = len(server.chat_requests)
        started = time.monotonic()
        code, line = finish(cli(server, db, out, args.concurrency))
        report["rerun"] = {"exit": code, "seconds": round(time.monotonic() - started, 2),
                           "requests": len(server.chat_requests) - before, "summary_line": line}
        checks["rerun: 0 requests"] = code == 0 and len(server.chat_requests) == before

        # 3. Killed with SIGKILL halfway, then restarted.
        db, out = work / "kill.db", work / "kill.jsonl"
        before = len(server.chat_requests)
        started = time.monotonic()
        child = cli(server, db, out, args.concurrency)
        done_at_kill = 0
        while child.poll() is None:
            if db.exists():
                with Store(db) as store:
                    done_at_kill = store.stats()["done"]
                if done_at_kill >= 20:
                    break
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        child.communicate()
        with Store(db) as store:
            done_texts = {
                record.article.text for _, record in store.run_results(store.latest_run_id() or "")
                if record.status == "done"
            }
        killed_at = len(server.chat_requests)
        code, line = finish(cli(server, db, out, args.concurrency))
        after_kill = chat(server, killed_at)
        all_runs = chat(server, before)
        answered = collections.Counter(r.article for r in all_runs if r.status == 200)
        asked_again = {r.article for r in after_kill} & done_texts
        state = store_state(db)
        ok_lines = sum("headline" in r for r in lines(out))
        report["kill_and_resume"] = {
            "killed_when_done": len(done_texts), "exit": code,
            "seconds_total": round(time.monotonic() - started, 2), "lines": len(lines(out)), "summarized": ok_lines,
            "before_kill": counts(all_runs[: killed_at - before]), "after_restart": counts(after_kill),
            "done_items_asked_again": len(asked_again),
            "articles_answered_twice": sum(n > 1 for n in answered.values()),
            "store": state, "summary_line": line,
        }
        checks["kill -9 + restart: 40/40 summarized"] = code == 0 and ok_lines == 40 and state["stats"]["done"] == 40
        checks["kill -9 + restart: each stored once (attempts == 1)"] = state["attempts"] == {1: 40}
        checks["kill -9 + restart: nothing done is asked again"] = not asked_again
    report["checks"] = checks

    if args.json:
        print(json.dumps(report, indent=2))
    else:
        full, rerun, kill = report["full_run"], report["rerun"], report["kill_and_resume"]
        print(f"feed {report['feed']}: 40 articles; server fails {args.p429:.0%} with 429 and {args.p500:.0%} with 500 "
              f"(seed {args.seed}), answers in {args.latency:g} s; --concurrency {args.concurrency}")
        print(f"full run       {full['seconds']:6.2f} s  {full['summarized']}/40 summarized  requests {full['requests']} "
              f"(200: {full['200']}, 429: {full['429']}, 500: {full['500']})  exit {full['exit']}")
        print(f"               {full['summary_line']}")
        print(f"rerun          {rerun['seconds']:6.2f} s  requests {rerun['requests']}  exit {rerun['exit']}")
        print(f"kill -9        killed with {kill['killed_when_done']} done; before the kill {kill['before_kill']['requests']} "
              f"requests, after the restart {kill['after_restart']['requests']}")
        print(f"               {kill['summarized']}/40 summarized, attempts per item {kill['store']['attempts']}, "
              f"done items asked again: {kill['done_items_asked_again']}, articles answered twice "
              f"(in flight at the kill): {kill['articles_answered_twice']}  exit {kill['exit']}")
        print(f"               {kill['summary_line']}")
        for name, passed in checks.items():
            print(f"{'PASS' if passed else 'FAIL'}  {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

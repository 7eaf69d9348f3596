"""A cached rerun of a folder of saved HTML pages: no extraction, no LLM call.

    python benchmarks/bench_rerun.py [-n 144]

Writes ``-n`` HTML pages made from the real page texts of ``tests/data/corpus/corpus.jsonl``
(title, paragraphs) to a temporary folder, runs ``summarizer batch FOLDER`` once (extractive
backend, so no server is needed; every page is extracted and summarized), then the same command
again on the same store, and prints the wall time and CPU seconds of each run (subprocesses,
``wait4``).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(argv: list[str], cwd: Path) -> tuple[float, float, str]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - t0, usage.ru_utime + usage.ru_stime, err.strip().splitlines()[-1] if err.strip() else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=144)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="summarizer-rerun-"))
    pages = work / "pages"
    pages.mkdir()
    lines = (ROOT / "tests" / "data" / "corpus" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines[: args.n]):
        page = json.loads(line)
        body = "".join(f"<p>{html.escape(p)}</p>\n" for p in page["text"].split("\n") if p.strip())
        title = html.escape(page.get("title") or f"Page {i}")
        (pages / f"p{i:04d}.html").write_text(
            f"<!doctype html><html><head><title>{title}</title></head><body><header><nav>Home · World</nav>"
            f"</header><article><h1>{title}</h1>\n{body}</article><footer>© example</footer></body></html>",
            encoding="utf-8",
        )
    exe = str(Path(sys.executable).with_name("summarizer"))
    cmd = [exe, "batch", "pages", "-o", "out.jsonl", "--store", "s.db", "--backend", "extractive"]
    first = run(cmd, work)
    again = run(cmd, work)
    print(f"{args.n} pages: first run {first[0]:.2f} s wall, {first[1]:.2f} s CPU ({first[2]})")
    print(f"{args.n} pages: rerun     {again[0]:.2f} s wall, {again[1]:.2f} s CPU ({again[2]})")
    print(f"command: {' '.join(cmd[1:])} (in a folder holding pages/)")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

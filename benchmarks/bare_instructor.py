"""What a user would write instead of ``summarizer batch``: asyncio + instructor, a semaphore, no grounding.

    python benchmarks/bare_instructor.py IN.jsonl OUT.jsonl --base-url URL [--model M] [--concurrency 16]

Each line of IN.jsonl has ``text``; each line of OUT.jsonl is the model's ``SummaryDraft`` (the
same schema the summarizer asks for), in completion order. No store, no grounding, no retries
beyond instructor's own, no output ordering: less work than ``summarizer batch`` does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os

import instructor
import openai

from summarizer.schema import SummaryDraft


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", default="bench")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    with open(args.input, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    client = instructor.from_openai(
        openai.AsyncOpenAI(base_url=args.base_url, api_key=os.environ.get("OPENAI_API_KEY", "sk-bench")),
        mode=instructor.Mode.TOOLS,
    )
    gate = asyncio.Semaphore(args.concurrency)

    async def one(text: str) -> SummaryDraft:
        async with gate:
            return await client.chat.completions.create(
                model=args.model,
                response_model=SummaryDraft,
                max_retries=2,
                messages=[
                    {"role": "system", "content": "Summarize the news article into the schema."},
                    {"role": "user", "content": text},
                ],
            )

    with open(args.output, "w", encoding="utf-8") as out:
        for done in asyncio.as_completed([one(t) for t in texts]):
            out.write((await done).model_dump_json() + "\n")


if __name__ == "__main__":
    asyncio.run(main())

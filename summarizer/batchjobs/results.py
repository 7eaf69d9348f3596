"""Result files in the provider batch format: what came back for each request, by ``custom_id``.

A line is ``{"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}``:
the output and error files of OpenAI's Batch API and the output of ``vllm run-batch``.
A line with a 200 response carries a chat completion (its answer is validated and
grounded like a live one); any other line is an error, and so is a request a job
never answered (an expired or failed job): both are asked again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from summarizer.errors import InputError
from summarizer.redact import scrub


@dataclass(frozen=True)
class Result:
    """What a batch job gave for one request: a chat completion body, or an error."""

    body: dict[str, Any] | None = None
    error: str | None = None

    @property
    def total_tokens(self) -> int:
        usage = (self.body or {}).get("usage") or {}
        return int(usage.get("total_tokens") or 0)


class BadResultsError(InputError):
    """A results file that is not in the batch output format."""


def parse_results(data: bytes | str, source: str) -> dict[str, Result]:
    """The results in a JSONL output or error file, by ``custom_id`` (a later line wins).

    Raises :class:`BadResultsError` (one line, naming the line) for anything else."""
    from summarizer.client import completion

    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    results: dict[str, Result] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not isinstance(record, dict) or not isinstance(record.get("custom_id"), str):
            raise BadResultsError(
                f"{source} line {number} is not a batch result (a JSON object with custom_id, response and error).",
                hint="Pass the output (or error) file of a batch job, or of 'vllm run-batch'.",
            )
        results[record["custom_id"]] = _result(record, completion)
    return results


def _result(record: dict[str, Any], completion: Any) -> Result:
    response = record.get("response") if isinstance(record.get("response"), dict) else {}
    body = response.get("body")
    status = response.get("status_code")
    if status == 200 and isinstance(body, dict):
        try:
            completion(body)
        except ValueError as exc:
            return Result(error=f"the batch result is {exc}")
        return Result(body=body)
    error = record.get("error") if isinstance(record.get("error"), dict) else None
    if error is None and isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
    message = (error or {}).get("message") or "no answer"
    code = (error or {}).get("code")
    where = f"HTTP {status}: " if status else ""
    return Result(error=scrub(f"the batch job answered {where}{message}" + (f" ({code})" if code else "")))

"""The scripted server's Files and Batches endpoints: OpenAI's Batch API, answered from the same
script queue and responder as live chat requests.

    ``POST /v1/files`` (multipart: ``file``, ``purpose``)   -> file object
    ``GET  /v1/files/{id}``                                 -> file object
    ``GET  /v1/files/{id}/content``                         -> the file's bytes
    ``DELETE /v1/files/{id}``                               -> deletion status (the file is gone)
    ``POST /v1/batches`` (``input_file_id``, ``endpoint``, ``completion_window``) -> batch, ``validating``
    ``GET  /v1/batches/{id}``                               -> the batch, one status further per poll

A batch moves ``validating`` -> ``in_progress`` -> its ending (``completed`` by default) as it is
polled (:attr:`BatchService.polls_to_finish` polls). On the poll that ends it, every request line is
answered as ``POST /v1/chat/completions`` would be (the script queue, then the responder, in file
order) and written to the output file (status 200) or the error file (any other status). Endings
(:meth:`BatchService.end_next`): ``"failed"`` (no results, ``errors`` set), ``"expired"`` (only the
first ``answered`` requests run; the rest are ``batch_expired`` lines in the error file) and
``"cancelled"`` (likewise).

Ids are derived from a counter and the content, so recordings are stable.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if __package__ and not TYPE_CHECKING:  # imported as tests.llm_server
    from .llm_completions import CREATED, render_reply
    from .llm_replies import Reply
    from .llm_requests import RecordedRequest
else:  # tests/ on sys.path
    from llm_completions import CREATED, render_reply
    from llm_replies import Reply
    from llm_requests import RecordedRequest

STEPS = ("validating", "in_progress")


@dataclass
class _Batch:
    id: str
    input_file_id: str
    endpoint: str
    completion_window: str
    metadata: dict[str, Any] | None
    ending: str = "completed"
    answered: int | None = None  # expired/cancelled: how many requests ran
    polls: int = 0
    status: str = "validating"
    output_file_id: str | None = None
    error_file_id: str | None = None
    counts: dict[str, int] = field(default_factory=lambda: {"total": 0, "completed": 0, "failed": 0})
    errors: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        done = self.status not in STEPS
        return {
            "id": self.id, "object": "batch", "endpoint": self.endpoint, "errors": self.errors,
            "input_file_id": self.input_file_id, "completion_window": self.completion_window,
            "status": self.status, "output_file_id": self.output_file_id, "error_file_id": self.error_file_id,
            "created_at": CREATED, "in_progress_at": CREATED + 1 if self.polls else None,
            "expires_at": CREATED + 86400, "finalizing_at": None,
            "completed_at": CREATED + 2 if self.status == "completed" else None,
            "failed_at": CREATED + 2 if self.status == "failed" else None,
            "expired_at": CREATED + 2 if self.status == "expired" else None,
            "cancelling_at": None, "cancelled_at": CREATED + 2 if self.status == "cancelled" else None,
            "request_counts": dict(self.counts) if done or self.polls else {"total": 0, "completed": 0, "failed": 0},
            "metadata": self.metadata,
        }


class BatchService:
    """Files and batches of one :class:`LLMServer` (``server.batches``)."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.files: dict[str, tuple[str, str, bytes]] = {}  # id -> (filename, purpose, content)
        self.batches: dict[str, _Batch] = {}
        #: ids of deleted files, in order (they stay in :attr:`files`, for :attr:`uploads`, but answer 404)
        self.deleted: list[str] = []
        #: DELETE /v1/files answers with this status instead (a provider that refuses)
        self.delete_status = 200
        #: How many polls a batch takes to end (the first answers ``in_progress``).
        self.polls_to_finish = 2
        self._endings: deque[tuple[str, int | None]] = deque()
        self._lock = threading.Lock()

    def end_next(self, ending: str, *, answered: int | None = None) -> BatchService:
        """The next batch created ends ``ending`` (completed, failed, expired, cancelled) after
        ``answered`` of its requests ran (expired/cancelled; default none)."""
        self._endings.append((ending, answered))
        return self

    @property
    def uploads(self) -> list[bytes]:
        """The content of every uploaded batch input file, in upload order."""
        return [content for _, purpose, content in self.files.values() if purpose == "batch"]

    # -- routing (called by LLMServer._choose) ----------------------------------

    def handle(self, req: RecordedRequest, route: str) -> Reply | None:
        """The reply for a files/batches request, or None when ``route`` is not one."""
        parts = route.strip("/").split("/")
        if parts[0] == "files":
            if req.method == "POST" and len(parts) == 1:
                return self._upload(req)
            known = len(parts) > 1 and parts[1] in self.files and parts[1] not in self.deleted
            if req.method == "DELETE" and len(parts) == 2 and known:
                if self.delete_status != 200:
                    return Reply.error(self.delete_status, "The test server was scripted to refuse deleting files.", code=None)
                with self._lock:
                    self.deleted.append(parts[1])
                return Reply.http(200, {"id": parts[1], "object": "file", "deleted": True})
            if req.method == "GET" and len(parts) in (2, 3) and known:
                name, purpose, content = self.files[parts[1]]
                if len(parts) == 3 and parts[2] == "content":
                    return Reply.http(200, content, headers={"content-type": "application/octet-stream"})
                if len(parts) == 2:
                    return Reply.http(200, _file_json(parts[1], name, purpose, content))
            return _not_found(f"No such File object: {parts[1] if len(parts) > 1 else ''}")
        if parts[0] == "batches":
            if req.method == "POST" and len(parts) == 1:
                return self._create(req)
            if req.method == "GET" and len(parts) == 2 and parts[1] in self.batches:
                return Reply.http(200, self._poll(self.batches[parts[1]]).to_json())
            return _not_found(f"No such batch: {parts[1] if len(parts) > 1 else ''}")
        return None

    def _upload(self, req: RecordedRequest) -> Reply:
        content_type = req.headers.get("content-type", "")
        if not content_type.startswith("multipart/form-data"):
            return Reply.error(400, "Uploads must be multipart/form-data.", code=None)
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + req.raw_body
        )
        fields: dict[str, tuple[str | None, bytes]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            fields[str(name)] = (part.get_filename(), part.get_payload(decode=True) or b"")
        if "file" not in fields or "purpose" not in fields:
            return Reply.error(400, "Missing required parameter: 'file' or 'purpose'.", code="missing_required_parameter")
        filename, content = fields["file"]
        purpose = fields["purpose"][1].decode()
        with self._lock:
            file_id = f"file-{len(self.files) + 1:03d}{hashlib.sha256(content).hexdigest()[:12]}"
            self.files[file_id] = (filename or "upload.jsonl", purpose, content)
        return Reply.http(200, _file_json(file_id, filename or "upload.jsonl", purpose, content))

    def _create(self, req: RecordedRequest) -> Reply:
        body = req.json if isinstance(req.json, dict) else {}
        file_id = body.get("input_file_id")
        if file_id not in self.files:
            return _not_found(f"No such File object: {file_id}")
        if body.get("endpoint") != "/v1/chat/completions" or body.get("completion_window") != "24h":
            return Reply.error(400, "endpoint must be /v1/chat/completions and completion_window 24h.", code=None)
        with self._lock:
            ending, answered = self._endings.popleft() if self._endings else ("completed", None)
            batch_id = f"batch_{len(self.batches) + 1:03d}{hashlib.sha256(file_id.encode()).hexdigest()[:12]}"
            batch = self.batches[batch_id] = _Batch(
                batch_id, file_id, body["endpoint"], body["completion_window"], body.get("metadata"), ending, answered,
            )
        batch.counts["total"] = len(_lines(self.files[file_id][2]))
        return Reply.http(200, batch.to_json())

    # -- running a batch ---------------------------------------------------------

    def _poll(self, batch: _Batch) -> _Batch:
        with self._lock:
            if batch.status not in STEPS:
                return batch
            batch.polls += 1
            if batch.polls < self.polls_to_finish:
                batch.status = STEPS[min(batch.polls, len(STEPS) - 1)]
                return batch
        self._run(batch)
        return batch

    def _run(self, batch: _Batch) -> None:
        requests = _lines(self.files[batch.input_file_id][2])
        if batch.ending == "failed":
            batch.status = "failed"
            batch.errors = {"object": "list", "data": [
                {"code": "invalid_request", "message": "The test server was scripted to fail this batch.", "line": None,
                 "param": None}]}
            return
        runs = len(requests) if batch.ending == "completed" else (batch.answered or 0)
        output, errors = [], []
        for n, line in enumerate(requests):
            custom_id = line.get("custom_id")
            if n >= runs:
                errors.append({"id": f"batch_req_{batch.id}_{n}", "custom_id": custom_id, "response": None,
                               "error": {"code": f"batch_{batch.ending}",
                                         "message": "This request could not be executed before the completion window expired."}})
                continue
            status, body = self._answer(line)
            record = {"id": f"batch_req_{batch.id}_{n}", "custom_id": custom_id,
                      "response": {"status_code": status, "request_id": f"req_{batch.id}_{n}", "body": body}, "error": None}
            (output if status == 200 else errors).append(record)
        batch.counts.update(completed=len(output), failed=len(errors))
        if output:
            batch.output_file_id = self._keep(f"{batch.id}_output.jsonl", "batch_output", output)
        if errors:
            batch.error_file_id = self._keep(f"{batch.id}_error.jsonl", "batch_output", errors)
        batch.status = batch.ending

    def _answer(self, line: dict[str, Any]) -> tuple[int, Any]:
        """The request answered as a live ``POST`` of it: the script queue, then the responder."""
        raw = json.dumps(line.get("body")).encode()
        req = RecordedRequest("POST", line.get("url") or "/v1/chat/completions", {}, line.get("body"), raw)
        reply = self.server._reply_for_chat(req)
        while reply.kind == "delay":
            reply = reply.inner
        if reply.kind == "disconnect":
            reply = Reply.error(500)
        status, data, _ = render_reply(req, reply, self.server.models)
        try:
            return status, json.loads(data)
        except ValueError:
            return status, {"error": {"message": data.decode("utf-8", "replace")}}

    def _keep(self, name: str, purpose: str, records: list[dict[str, Any]]) -> str:
        content = "".join(json.dumps(r) + "\n" for r in records).encode()
        with self._lock:
            file_id = f"file-{len(self.files) + 1:03d}{hashlib.sha256(content).hexdigest()[:12]}"
            self.files[file_id] = (name, purpose, content)
        return file_id


def _lines(content: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in content.decode().splitlines() if line.strip()]


def _file_json(file_id: str, name: str, purpose: str, content: bytes) -> dict[str, Any]:
    return {"id": file_id, "object": "file", "bytes": len(content), "created_at": CREATED, "filename": name,
            "purpose": purpose, "status": "processed", "expires_at": None, "status_details": None}


def _not_found(message: str) -> Reply:
    return Reply.error(404, message, code=None)

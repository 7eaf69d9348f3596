"""Requests as the scripted LLM server records them, and what they ask for (mode, fenced article)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llm_replies import Reply


@dataclass
class RecordedRequest:
    """One HTTP request as the server received it."""

    method: str
    path: str
    """The path without the query string, e.g. ``/v1/chat/completions``."""
    headers: dict[str, str]
    """Header names lower-cased."""
    json: Any
    """The parsed JSON body, or ``None`` (no body, or not valid JSON)."""
    raw_body: bytes
    query: str = ""
    status: int | None = None
    """The HTTP status the server answered with (set once the reply is chosen)."""
    peer: tuple[str, int] | None = None
    """The client's (host, port): equal peers mean one reused keep-alive connection."""
    occurrence: int = 0
    """How many earlier requests had exactly this method, path and body (0 for the first)."""

    @property
    def messages(self) -> list[dict[str, Any]]:
        body = self.json if isinstance(self.json, dict) else {}
        messages = body.get("messages")
        return messages if isinstance(messages, list) else []

    @property
    def model(self) -> str | None:
        return self.json.get("model") if isinstance(self.json, dict) else None

    @property
    def mode(self) -> str:
        """How a structured answer must be shaped: tools, json_schema, json_object or md_json."""
        return request_mode(self)

    @property
    def article(self) -> str | None:
        return article_from_request(self)

    @property
    def body_hash(self) -> str:
        return hashlib.sha256(
            self.method.encode() + b" " + self.path.encode() + b"\n" + self.raw_body
        ).hexdigest()


Responder = Callable[[RecordedRequest], "Reply"]


def _text_of(content: Any) -> str:
    """The text of a message ``content``: a string or a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif isinstance(part, str):
                parts.append(part)
        return "\n".join(parts)
    return ""


def request_mode(req: RecordedRequest) -> str:
    """``tools`` if the request has tools, ``json_schema`` / ``json_object`` from
    ``response_format``, else ``md_json`` (a fenced block in the content)."""
    body = req.json if isinstance(req.json, dict) else {}
    if body.get("tools"):
        return "tools"
    if body.get("functions"):
        return "functions"
    fmt = body.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") in ("json_schema", "json_object"):
        return fmt["type"]
    return "md_json"


_FENCE_RE = re.compile(
    r"=====BEGIN ARTICLE (?P<nonce>\w+)=====\n(?P<text>.*?)\n=====END ARTICLE (?P=nonce)=====",
    re.DOTALL,
)


def article_from_request(req: RecordedRequest | Mapping[str, Any]) -> str | None:
    """The article text the pipeline fenced into the request, verbatim, or None.

    Looks at user messages first (then any message), in order, for::

        =====BEGIN ARTICLE <nonce>=====
        <article>
        =====END ARTICLE <nonce>=====

    The END line must carry the same nonce as the BEGIN line, so an article that
    itself contains a fake END marker is still extracted whole. Accepts a
    :class:`RecordedRequest` or a request body dict.
    """
    body = req.json if isinstance(req, RecordedRequest) else req
    messages = body.get("messages") if isinstance(body, Mapping) else None
    if not isinstance(messages, list):
        return None
    ordered = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    ordered += [m for m in messages if isinstance(m, dict) and m.get("role") != "user"]
    for message in ordered:
        match = _FENCE_RE.search(_text_of(message.get("content")))
        if match:
            return match.group("text")
    return None

"""Long articles: an offline token estimate, a per-model token budget, and overlapping chunks.

Pure functions and one small mutable object (:class:`TokenBudget`), no I/O.

* :func:`estimate_tokens` counts tokens without a tokenizer (nothing is downloaded): about
  3.5 ASCII characters per token and 0.8 tokens per other character (Cyrillic, CJK), which
  errs on the side of more tokens than OpenAI's and Llama's tokenizers count for news text.
* :class:`TokenBudget` holds the model's context window: given (``--context-tokens``), learned
  from the server (``/v1/models``, llama.cpp ``/props``, or a context-length-exceeded error,
  remembered for the rest of the batch), or a default per endpoint kind. It says how many
  tokens of article fit in one request beside the prompt and the answer.
* :func:`split` cuts a text on paragraph boundaries, then sentence boundaries (and, for a
  sentence longer than a chunk, on whitespace) into chunks that overlap by a sentence or
  more, so an event told across a chunk boundary is whole in at least one chunk.
  It is linear in the text's length.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from summarizer.errors import InputError

__all__ = [
    "DEFAULT_CONTEXT",
    "MAX_ARTICLE_CHARS",
    "Chunk",
    "TokenBudget",
    "check_size",
    "context_exceeded",
    "estimate_tokens",
    "minimum_tokens",
    "split",
]

#: The longest article summarized, in characters (about 10 MB of English). Longer texts are
#: refused up front: time and memory stay bounded, and the message says what to do.
MAX_ARTICLE_CHARS = 10_000_000

#: A model's context window in tokens when neither the user nor the server says otherwise.
#: Local servers are often started with small windows (llama.cpp's ``-c`` is commonly 4,096 or
#: 8,192); the hosted APIs serve 128k-token models. Ollama's window is its ``num_ctx``, not the
#: model's: 2,048 tokens before Ollama 0.6.7, 4,096 since (from 0.15.5 chosen by free VRAM:
#: 4,096 below 24 GiB), unless ``OLLAMA_CONTEXT_LENGTH`` or the Modelfile says otherwise. Its
#: OpenAI-compatible API ignores a per-request ``num_ctx`` and cuts a longer prompt without an
#: error, so the default is the smallest any version uses (and answers are checked for cut
#: prompts: :func:`minimum_tokens`).
DEFAULT_CONTEXT: dict[str, int] = {
    "openai": 128_000,
    "vllm": 8_192,
    "llamacpp": 8_192,
    "ollama": 2_048,
    "lmstudio": 4_096,
    "custom": 8_192,
}

#: Tokens the prompt takes besides the article: the system prompt, the template, and the draft's
#: JSON schema sent as a tool or response format (about 3,600 with this estimate for the shipped templates).
PROMPT_OVERHEAD = 3_800
#: The smallest article budget: below this a chunk would hold less than a couple of sentences.
MIN_ARTICLE_TOKENS = 120
#: Extractive backend: articles longer than this many characters are read chunk by chunk, which
#: keeps its time and memory linear in the article's length.
EXTRACTIVE_CHUNK_CHARS = 40_000


def estimate_tokens(text: str) -> int:
    """Tokens in ``text``, estimated offline (errs high for English news).

    >>> estimate_tokens("A Russian drone struck a minibus in Sumy.")
    12
    """
    if not text:
        return 0
    ascii_chars = len(text.encode("ascii", "ignore"))
    return math.ceil(ascii_chars / 3.5 + (len(text) - ascii_chars) * 0.8)


def minimum_tokens(text: str) -> int:
    """The fewest tokens any common tokenizer counts in ``text``: a character in six for ASCII
    (English prose is about one in four; JSON and numbers more), one in five for other
    scripts. A server that counts fewer prompt tokens than this did not read the whole prompt.

    >>> minimum_tokens("A Russian drone struck a minibus in Sumy.")
    6
    """
    ascii_chars = len(text.encode("ascii", "ignore"))
    return int(ascii_chars / 6 + (len(text) - ascii_chars) * 0.2)


def prompt_overhead(prompts: Any) -> int:
    """Tokens a request takes besides the article: the rendered templates with an empty article,
    and the draft's JSON schema (sent as a tool or response format), plus a margin."""
    import json

    from summarizer.client_speedups import json_schema
    from summarizer.schema import Article, SummaryDraft

    messages = prompts.messages(Article(text=""))
    schema = json.dumps(json_schema(SummaryDraft))
    return sum(estimate_tokens(m["content"]) for m in messages) + estimate_tokens(schema) + 200


def check_size(text: str) -> None:
    """Refuse a text longer than :data:`MAX_ARTICLE_CHARS`, with a message that says what to do."""
    if len(text) > MAX_ARTICLE_CHARS:
        raise InputError(
            f"The article is {len(text):,} characters long; summarizer reads at most {MAX_ARTICLE_CHARS:,} "
            "(about 10 MB) in one article.",
            hint="Split the text into several articles (e.g. one per day or per section) and use 'summarizer batch'.",
        )


# ---------------------------------------------------------------------------
# The budget


@dataclass
class TokenBudget:
    """The context window of the model in use and what fits in one request.

    ``context`` is the window in tokens; ``source`` says where it came from (argument,
    server, error, default). ``scale`` corrects :func:`estimate_tokens` when the server
    told us how many tokens a request really had.
    """

    context: int
    source: str = "default"
    output_tokens: int = 4096
    overhead: int = PROMPT_OVERHEAD
    scale: float = 1.0
    learned: list[str] = field(default_factory=list)

    @classmethod
    def for_config(cls, config: Any) -> TokenBudget:
        """The budget for ``config``: its ``context_tokens`` if set, else the endpoint kind's default."""
        given = getattr(config, "context_tokens", None)
        output = int(getattr(config, "max_tokens", 4096) or 4096)
        if given:
            return cls(int(given), "argument", output)
        kind = getattr(config, "endpoint", "custom") or "custom"
        return cls(DEFAULT_CONTEXT.get(kind, DEFAULT_CONTEXT["custom"]), f"default for {kind}", output)

    @property
    def room(self) -> int:
        """Tokens of the window left for the article: the window minus the prompt and the answer."""
        answer = min(self.output_tokens, max(256, self.context // 4))
        return self.context - self.overhead - answer

    @property
    def article_tokens(self) -> int:
        """Tokens of article that fit in one request (at least :data:`MIN_ARTICLE_TOKENS`)."""
        return max(MIN_ARTICLE_TOKENS, int(self.room / self.scale))

    def fits(self, text: str) -> bool:
        return estimate_tokens(text) <= self.article_tokens

    def learn(self, context: int | None, *, source: str, sent_tokens: int | None = None, estimated: int | None = None) -> None:
        """Remember a smaller window the server reported (or, when it named none, halve what we sent).

        ``sent_tokens``/``estimated``: the tokens the server counted in the request we sent and
        our estimate of them; their ratio corrects later estimates.
        """
        counted = bool(sent_tokens and estimated)
        if counted and sent_tokens > estimated:  # type: ignore[operator]
            self.scale = max(self.scale, sent_tokens / estimated)  # type: ignore[operator]
        if context and context < self.context:
            self.context, self.source = context, source
        else:
            # Refused within the window we assumed: our estimate was too low. Without the
            # server's count of what we sent, estimate half again as many tokens from now on.
            if not counted:
                self.scale *= 1.5
            self.source = source
        self.learned.append(f"{self.context} tokens ({source})")


# ---------------------------------------------------------------------------
# Learning the limit from an error

_LIMIT_PATTERNS = (
    re.compile(r"maximum context length is (\d[\d,]*)\s*tokens", re.I),  # OpenAI, vLLM
    re.compile(r"context (?:length|size|window)(?: of| is|:)?\s*(\d[\d,]*)", re.I),
    re.compile(r"n_ctx\D{0,4}(\d+)", re.I),  # llama.cpp
    re.compile(r"exceed context window of (\d+)", re.I),  # llama-cpp-python's own words
)
_SENT_PATTERNS = (
    re.compile(r"(\d[\d,]*) in the messages", re.I),  # vLLM, llama-cpp-python: the prompt alone
    re.compile(r"(?:resulted in|requested|prompt (?:has|contains)|you requested)\s*(\d[\d,]*)\s*tokens", re.I),
    re.compile(r"n_prompt_tokens\D{0,4}(\d+)", re.I),
    re.compile(r"requested tokens \((\d+)\)", re.I),
)
_EXCEEDED = re.compile(
    r"context[_ ]length[_ ]exceeded|maximum context length|exceeds? (?:the )?(?:available |model's )?context|"
    r"context (?:size|window|length) (?:has been )?exceeded|too many tokens|prompt is too long|"
    r"greater than the context length|exceed_context_size|exceed context window",
    re.I,
)
_TOO_LONG_CODES = {"context_length_exceeded", "string_above_max_length", "request_too_large", "exceed_context_size_error"}


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def context_exceeded(exc: BaseException) -> tuple[bool, int | None, int | None]:
    """Whether ``exc`` (a summarizer error or the openai error under it) says the request was
    longer than the model's context; with the window and the request's size in tokens when
    the server named them.

    >>> class E(Exception): pass
    >>> context_exceeded(E("This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens."))
    (True, 8192, 9000)
    """
    seen: set[int] = set()
    texts: list[str] = []
    codes: set[str] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts.append(str(current))
        body = getattr(current, "body", None)
        if isinstance(body, dict):
            inner = body.get("error", body)
            if isinstance(inner, dict):
                texts.append(" ".join(f"{k}: {v}" for k, v in inner.items()))
                codes.update(str(inner.get(k)) for k in ("code", "type") if inner.get(k))
        if getattr(current, "code", None):
            codes.add(str(current.code))  # type: ignore[attr-defined]
        status = getattr(current, "status_code", None)
        if status == 413:
            codes.add("request_too_large")
        current = current.__cause__ or current.__context__
    joined = "\n".join(texts)
    if not (codes & _TOO_LONG_CODES or _EXCEEDED.search(joined)):
        return False, None, None
    limit = next((_int(m.group(1)) for p in _LIMIT_PATTERNS if (m := p.search(joined))), None)
    sent = next((_int(m.group(1)) for p in _SENT_PATTERNS if (m := p.search(joined))), None)
    return True, limit, sent


# ---------------------------------------------------------------------------
# Splitting


@dataclass(frozen=True)
class Chunk:
    """``text[start:end]`` of the whole article; ``index`` counts from 0."""

    index: int
    start: int
    end: int


_PARAGRAPH_END = re.compile(r"\n")
_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*\s+|\n")
_SPACE = re.compile(r"\s+")


def _pieces(text: str, limit: int) -> list[tuple[int, int, bool]]:
    """``text`` cut into (start, end, ends_paragraph) pieces of at most ``limit`` estimated
    tokens: sentences, and, for a sentence longer than that, runs of words."""
    out: list[tuple[int, int, bool]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end()
        if end > start:
            out.extend(_fit(text, start, end, limit, "\n" in m.group()))
            start = end
    if start < len(text):
        out.extend(_fit(text, start, len(text), limit, True))
    return out


def _fit(text: str, start: int, end: int, limit: int, paragraph: bool) -> list[tuple[int, int, bool]]:
    if estimate_tokens(text[start:end]) <= limit:
        return [(start, end, paragraph)]
    # A sentence longer than a chunk: cut it after whitespace, about ``limit`` tokens at a time.
    step = max(16, int(limit * 3.5))
    out: list[tuple[int, int, bool]] = []
    pos = start
    while pos < end:
        stop = min(end, pos + step)
        if stop < end:
            space = text.rfind(" ", pos + step // 2, stop)
            stop = space + 1 if space > pos else stop
        while stop < end and estimate_tokens(text[pos:stop]) > limit and stop - pos > 16:
            stop = pos + (stop - pos) * 3 // 4
        out.append((pos, stop, paragraph and stop == end))
        pos = stop
    return out


def split(text: str, max_tokens: int, overlap_tokens: int | None = None) -> list[Chunk]:
    """Overlapping chunks of ``text`` of at most ``max_tokens`` estimated tokens each.

    A chunk ends at a paragraph break when one falls in its second half, else at a sentence
    break. The next chunk starts with the last sentences of the previous one (at least one,
    about ``overlap_tokens`` in all, default an eighth of a chunk, never more than half), so
    every sentence pair that meets at a boundary is whole in one chunk. The chunks cover the
    text: the first starts at 0, the last ends at ``len(text)``.

    >>> [(c.start, c.end) for c in split("One. Two. Three. Four.", 5)]
    [(0, 10), (5, 17), (10, 22)]
    """
    if max_tokens < 1:
        raise ValueError("max_tokens must be positive")
    if estimate_tokens(text) <= max_tokens:
        return [Chunk(0, 0, len(text))]
    overlap = max_tokens // 8 if overlap_tokens is None else overlap_tokens
    overlap = min(overlap, max_tokens // 2)
    pieces = _pieces(text, max(1, max_tokens // 2))
    tokens = [estimate_tokens(text[s:e]) for s, e, _ in pieces]
    chunks: list[Chunk] = []
    first, must = 0, 0  # ``must``: the first piece no earlier chunk holds
    n = len(pieces)
    while first < n:
        total, last = 0, first
        cut = None  # the last piece after which a paragraph ends, in the chunk's second half
        while last < n and (last <= must or total + tokens[last] <= max_tokens):
            total += tokens[last]
            if pieces[last][2] and total >= max_tokens // 2 and last >= must:
                cut = last
            last += 1
        if last < n and cut is not None:
            last = cut + 1
        chunks.append(Chunk(len(chunks), pieces[first][0], pieces[last - 1][1]))
        if last >= n:
            break
        # The next chunk starts a sentence or more before this one ended.
        back, kept = last, 0
        while back - 1 > first and (kept < overlap or back == last) and kept + tokens[back - 1] <= max_tokens // 2:
            back -= 1
            kept += tokens[back]
        first, must = back, last
    if chunks:
        last_chunk = chunks[-1]
        chunks[-1] = Chunk(last_chunk.index, last_chunk.start, len(text))
        chunks[0] = Chunk(0, 0, chunks[0].end)
    return chunks

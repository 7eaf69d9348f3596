"""Every error summarizer raises on purpose.

    SummarizerError                 base class; ``exit_code`` is what the CLI exits with
    ├── UsageError                  bad configuration or options (exit 2)
    │   ├── NoEndpointError         no API key and no base URL configured
    │   └── StoreError              the store can't be used: read-only, damaged, another program's, disk full
    │       └── StoreFullError      a write failed for lack of space (finished answers are kept in memory)
    ├── InputError                  the article can't be read or is not an article (exit 2)
    │   └── ManyArticlesError       one article expected, but the input is a feed, JSONL, URL list or folder
    ├── OutputError                 an output file (-o, OUT.jsonl, the digest) can't be written; the old one is kept (exit 2)
    ├── LLMError                    the endpoint refused or failed (exit 1)
    │   ├── AuthenticationError     401/403: wrong or missing key
    │   ├── NotFoundError           404: unknown model or wrong base URL
    │   ├── BadRequestError         400: the server rejected the request (often the mode)
    │   ├── RateLimitError          429 still answered after every transport retry
    │   ├── EndpointUnavailableError 5xx, timeouts, refused connections after every retry
    │   └── OutputTruncatedError    the model hit its output-token limit
    └── SummaryError                the LLM never produced a valid summary (exit 1)
        └── GroundingError          strict mode: items could not be grounded in the article

Messages say what happened and what to do, in one line, and never contain a key.
"""

from __future__ import annotations

from typing import Any


class SummarizerError(Exception):
    """Base class of every error raised by summarizer.

    ``usage`` holds the tokens spent before the failure (a ``schema.Usage``), when an
    LLM was involved; ``None`` otherwise.
    """

    exit_code = 1
    usage: Any = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        if hint and not message.rstrip().endswith((".", "!", "?", "\u201d", '"')):
            message = message.rstrip() + "."
        super().__init__(f"{message} {hint}".strip() if hint else message)


class UsageError(SummarizerError):
    """Raised for invalid options or configuration."""

    exit_code = 2


class NoEndpointError(UsageError):
    """Raised when the llm backend is requested but no key or base URL is configured."""

    def __init__(self) -> None:
        super().__init__(
            "No LLM endpoint configured: set OPENAI_API_KEY, or pass "
            "--base-url http://localhost:11434/v1 for Ollama.",
        )


class StoreError(UsageError):
    """Raised when the SQLite store can't be opened or written: a read-only file or folder, a damaged
    file, another program's database, or a full disk. The file is left as it was."""


class StoreFullError(StoreError):
    """Raised when a write to the store failed for lack of space.

    ``unsaved`` counts the finished summaries the store holds in memory because they could
    not be written; :meth:`summarizer.store.Store.flush` retries them.
    """

    detail = ""  # SQLite's own words

    def __init__(self, message: str, *, hint: str | None = None, unsaved: int = 0) -> None:
        self.unsaved = unsaved
        super().__init__(message, hint=hint)


class InputError(SummarizerError):
    """Raised when an input can't be read, fetched, or is not a usable article."""

    exit_code = 2


class ManyArticlesError(InputError):
    """Raised when one article was expected but the input holds many: a feed, JSON Lines, a URL list, a folder.

    ``where`` names the input and ``what`` says what it is (``"is an RSS/Atom feed"``),
    so a caller can point to its own way of reading many articles.
    """

    def __init__(self, where: str, what: str) -> None:
        self.where = where
        self.what = what
        super().__init__(
            f"{where} {what}, not one article.",
            hint="Read it as a batch: load_articles(), or 'summarizer batch' on the command line.",
        )


class OutputError(SummarizerError):
    """Raised when an output file can't be written (a full disk, no permission); ``path`` names it.

    Outputs are written to a temporary file and renamed, so the file that was there is left as it was.
    """

    exit_code = 2

    def __init__(self, message: str, *, path: str, hint: str | None = None) -> None:
        self.path = path
        super().__init__(message, hint=hint)


class LLMError(SummarizerError):
    """Raised when the LLM endpoint refuses or fails a request."""

    status_code: int | None = None


class AuthenticationError(LLMError):
    """401/403: the key is wrong, missing or lacks access."""


class NotFoundError(LLMError):
    """404: the model or the endpoint path does not exist."""


class BadRequestError(LLMError):
    """400: the server rejected the request."""


class RateLimitError(LLMError):
    """429 after every transport retry was spent."""


class EndpointUnavailableError(LLMError):
    """5xx, timeouts or connection errors after every transport retry was spent."""


class OutputTruncatedError(LLMError):
    """The model stopped at its output-token limit before finishing the JSON."""


class SummaryError(SummarizerError):
    """The LLM's answers kept failing validation until the attempts ran out.

    ``last_attempt`` holds the last raw answer (a string), ``attempts`` how many
    answers were tried and ``errors`` the validation message of each.
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        attempts: int = 0,
        last_attempt: Any = None,
        errors: list[str] | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.attempts = attempts
        self.last_attempt = last_attempt
        self.errors = errors or []


class GroundingError(SummaryError):
    """Strict mode: after every re-ask some items were still not found in the article.

    ``dropped`` lists those items with their reasons; ``last_attempt`` is the
    last draft the LLM returned.
    """

    def __init__(self, message: str, *, dropped: list[Any], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.dropped = dropped

"""summarizer: grounded structured summaries of armed-conflict news.

The public API, for scripts and notebooks::

    from summarizer import Summarizer, summarize, asummarize, summarize_many

    summary = summarize(open("seeds/ukraine-istanbul-talks.txt").read())
    summary                                   # in Jupyter: headline, sections, highlighted evidence
    summary.to_dataframe()                    # one row per item (needs pandas)
    summary = await asummarize(text)          # inside async code

Every name below is imported on first use, so ``import summarizer`` stays fast
and never imports openai or instructor; nothing is read from the environment
until a summarizer is made.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    # summarizing
    "Summarizer": "summarizer.pipeline",
    "summarize": "summarizer.pipeline",
    "asummarize": "summarizer.pipeline",
    "summarize_many": "summarizer.batch",
    "Config": "summarizer.config",
    # the data model
    "Article": "summarizer.schema",
    "Summary": "summarizer.schema",
    "Diplomacy": "summarizer.schema",
    "Attack": "summarizer.schema",
    "Territory": "summarizer.schema",
    "Sanction": "summarizer.schema",
    "Quote": "summarizer.schema",
    "Span": "summarizer.schema",
    "Meta": "summarizer.schema",
    "Usage": "summarizer.schema",
    "Dropped": "summarizer.schema",
    # inputs and stored results
    "load_feed": "summarizer.inputs",
    "load_articles": "summarizer.inputs",
    "InputFailure": "summarizer.inputs",
    "load_results": "summarizer.results",
    "Results": "summarizer.results",
    "ResultError": "summarizer.results",
    "results_to_dataframe": "summarizer.tables",
    # errors (tree in summarizer.errors)
    "SummarizerError": "summarizer.errors",
    "UsageError": "summarizer.errors",
    "NoEndpointError": "summarizer.errors",
    "ManyArticlesError": "summarizer.errors",
    "InputError": "summarizer.errors",
    "StoreError": "summarizer.errors",
    "StoreFullError": "summarizer.errors",
    "LLMError": "summarizer.errors",
    "AuthenticationError": "summarizer.errors",
    "NotFoundError": "summarizer.errors",
    "BadRequestError": "summarizer.errors",
    "RateLimitError": "summarizer.errors",
    "EndpointUnavailableError": "summarizer.errors",
    "OutputTruncatedError": "summarizer.errors",
    "SummaryError": "summarizer.errors",
    "GroundingError": "summarizer.errors",
}

__all__ = [
    "Article",
    "Attack",
    "AuthenticationError",
    "BadRequestError",
    "Config",
    "Diplomacy",
    "Dropped",
    "EndpointUnavailableError",
    "GroundingError",
    "InputError",
    "InputFailure",
    "LLMError",
    "Meta",
    "NoEndpointError",
    "ManyArticlesError",
    "NotFoundError",
    "OutputTruncatedError",
    "Quote",
    "RateLimitError",
    "ResultError",
    "Results",
    "Sanction",
    "Span",
    "StoreError",
    "StoreFullError",
    "Summarizer",
    "SummarizerError",
    "Summary",
    "SummaryError",
    "Territory",
    "Usage",
    "UsageError",
    "__version__",
    "asummarize",
    "load_articles",
    "load_feed",
    "load_results",
    "results_to_dataframe",
    "summarize",
    "summarize_many",
]

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ imports on demand
    from summarizer.batch import summarize_many
    from summarizer.config import Config
    from summarizer.errors import (
        AuthenticationError,
        BadRequestError,
        EndpointUnavailableError,
        GroundingError,
        InputError,
        LLMError,
        ManyArticlesError,
        NoEndpointError,
        NotFoundError,
        OutputTruncatedError,
        RateLimitError,
        StoreError,
        StoreFullError,
        SummarizerError,
        SummaryError,
        UsageError,
    )
    from summarizer.inputs import InputFailure, load_articles, load_feed
    from summarizer.pipeline import Summarizer, asummarize, summarize
    from summarizer.results import ResultError, Results, load_results
    from summarizer.schema import (
        Article,
        Attack,
        Diplomacy,
        Dropped,
        Meta,
        Quote,
        Sanction,
        Span,
        Summary,
        Territory,
        Usage,
    )
    from summarizer.tables import results_to_dataframe


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'summarizer' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})

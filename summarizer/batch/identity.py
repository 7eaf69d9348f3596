"""Which backend a stored result belongs to: (model, prompt version), part of every work key."""

from __future__ import annotations

from summarizer.config import Config
from summarizer.pipeline import Summarizer

Identity = tuple[str | None, str | None]
"""(model, prompt version): with the content hash and the schema version, the key of a work item."""


def backend_identity(summarizer: Summarizer) -> Identity:
    """(model, version) that key the store for this summarizer's backend."""
    return summarizer.backend.identity


def config_identities(config: Config) -> list[Identity]:
    """The identities results for ``config`` may be stored under, most likely first; no backend is made.

    For reading the store (``cached_only``): the LLM's (the configured model and
    the prompt version of ``config.prompts_dir``) whether or not an endpoint is
    configured now, and for ``backend="auto"`` also the extractive backend's,
    which an earlier run without an endpoint used.
    """
    from summarizer.backends.extractive import lexicon_version
    from summarizer.prompts import Prompts

    extractive = ("extractive", lexicon_version())
    if config.backend == "extractive":
        return [extractive]
    llm = (config.model, Prompts.load(config.prompts_dir).version)
    return [llm] if config.backend == "llm" else [llm, extractive]

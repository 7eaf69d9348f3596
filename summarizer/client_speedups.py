"""Work instructor repeats on every request, done once per response model (used by ``client.py`` only).

instructor checks that a response model carries none of its own async validators by walking
the model's classes, fields and annotations; it does so six times for every request
(``prepare_response_model`` twice, the retry loop, the patch wrapper, the parser...), about
120 recursive visits each time for ``SummaryDraft``: a fifth of the client's CPU per article.
A class's validators are fixed when the class is built, so the answer for a class never
changes: :func:`memoize_async_validator_check` remembers the classes that passed (weakly,
so a class that goes away is forgotten) and asks instructor only about new ones. Anything
that is not a class (``list[X]``, unions) is still checked every time, as before, and a class
that fails is never remembered, so it fails every time.
"""

from __future__ import annotations

import functools
import sys
import types
import weakref
from typing import Any

_MARK = "_summarizer_memoized"


def memoize_async_validator_check() -> bool:
    """Make instructor's ``reject_async_validators`` check each class once; True when installed.

    Idempotent; a no-op (False) when instructor has no such function (another version)."""
    try:
        from instructor.v2.validation import async_validators
    except ImportError:  # pragma: no cover - another instructor layout
        return False
    original = getattr(async_validators, "reject_async_validators", None)
    if original is None:  # pragma: no cover - another instructor layout
        return False
    if getattr(original, _MARK, False):
        return True
    passed: weakref.WeakSet[type] = weakref.WeakSet()

    def reject_async_validators(response_model: Any) -> None:
        # A class only: on Python 3.10, list[Model] also passes isinstance(..., type)
        if isinstance(response_model, type) and not isinstance(response_model, types.GenericAlias):
            if response_model in passed:
                return
            original(response_model)
            passed.add(response_model)
            return
        original(response_model)

    setattr(reject_async_validators, _MARK, True)
    reject_async_validators.__doc__ = original.__doc__
    # Modules that imported the function by name (the others look it up at call time).
    for name, module in list(sys.modules.items()):
        if name.startswith("instructor") and getattr(module, "reject_async_validators", None) is original:
            module.reject_async_validators = reject_async_validators  # type: ignore[attr-defined]
    async_validators.reject_async_validators = reject_async_validators  # type: ignore[assignment]
    return True


@functools.lru_cache(maxsize=16)
def json_schema(model: type[Any]) -> dict[str, Any]:
    """``model.model_json_schema()``, built once per class: pydantic builds it anew on every call
    (about 11 ms for ``SummaryDraft``, the largest CPU cost of a batch's article). The dict is shared
    by every request: read it, never change it."""
    return model.model_json_schema()  # type: ignore[no-any-return]


#: Keyword arguments of ``chat.completions.create`` that are request options, not body fields.
_OPTIONS = ("extra_headers", "extra_query", "extra_body", "timeout")


def direct_chat_completions() -> Any | None:
    """``create(client, **kwargs)``: what ``client.chat.completions.create(**kwargs)`` sends and
    returns, without the SDK's resource layer, or None when this openai has no such seams.

    Two costs go: ``client.chat`` imports every API resource of the SDK on first use (about
    0.35 s of CPU for a single call), and every request walks its body against the SDK's
    TypedDicts (about 1 ms per article: the tool schema alone is a hundred nodes), which
    for the plain JSON dicts instructor builds changes nothing. The request goes through
    the same client (``post``: headers, auth, timeout, error mapping), and the answer is
    parsed into the same ``ChatCompletion``. ``tests/test_performance.py`` checks that the
    body and the answer are the same as through the SDK, in every mode. Streaming is not
    handled: it goes the SDK's way.
    """
    try:
        from openai._base_client import make_request_options
        from openai._types import Omit, NotGiven
        from openai.types.chat import ChatCompletion
    except ImportError:  # pragma: no cover - another openai layout
        return None

    async def create(client: Any, **kwargs: Any) -> Any:
        if kwargs.get("stream"):
            return await client.chat.completions.create(**kwargs)
        options = {k: kwargs.pop(k) for k in _OPTIONS if k in kwargs}
        body = {k: v for k, v in kwargs.items() if not isinstance(v, (Omit, NotGiven))}
        return await client.post(
            "/chat/completions",
            body=body,
            cast_to=ChatCompletion,
            options=make_request_options(**options, security={"bearer_auth": True}),
        )

    return create

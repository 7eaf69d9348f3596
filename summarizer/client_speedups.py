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

import sys
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
        if isinstance(response_model, type):
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

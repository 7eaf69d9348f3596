"""The examples in the docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import summarizer
from conftest import ROOT

ALL_MODULES = sorted(m.name for m in pkgutil.walk_packages(summarizer.__path__, "summarizer.") if m.name != "summarizer.__main__")


def _has_examples(name: str) -> bool:
    tests = doctest.DocTestFinder().find(importlib.import_module(name))
    return any(not e.options.get(doctest.SKIP) for t in tests for e in t.examples)


#: Only modules whose docstrings hold examples that run (not ``+SKIP``): a parameter that runs
#: nothing would pass vacuously.
MODULES = [name for name in ALL_MODULES if _has_examples(name)]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # examples open seeds/...
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples to run"
    assert result.failed == 0


def test_the_documented_modules_are_found() -> None:
    assert {"summarizer.redact", "summarizer.grounding"} <= set(MODULES)

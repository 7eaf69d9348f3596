"""The draft schema (what the LLM fills) conforms to OpenAI's strict Structured Outputs subset.

The rules, as OpenAI documents them ("Structured Outputs", section "Supported schemas"):

* the root is an object, not ``anyOf``;
* every object sets ``additionalProperties: false`` and lists every property in ``required``
  (an optional field is expressed as a union with ``null``);
* only the supported keywords: ``type``, ``properties``, ``required``, ``additionalProperties``,
  ``items``, ``enum``, ``const``, ``anyOf``, ``$ref``/``$defs``, ``description``/``title``, and the
  type-specific ``pattern``, ``format``, ``minimum``, ``maximum``, ``exclusiveMinimum``,
  ``exclusiveMaximum``, ``multipleOf``, ``minItems``, ``maxItems``; no ``default``, no ``allOf``,
  ``not``, ``if``/``then``/``else``, ``dependentRequired``/``dependentSchemas``;
* at most 5,000 object properties, 10 levels of object nesting, 1,000 enum values, and
  120,000 characters over property names, definition names, enum and const values.

The walk covers the whole schema, so a field added later is checked too. Feeding the schema to
llama-cpp-python's own grammar converter is in tests/test_llama_server.py (it needs the extra).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from summarizer.schema import SummaryDraft

ALLOWED = {
    "type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf",
    "$ref", "$defs", "description", "title",
    "pattern", "format",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "minItems", "maxItems",
}
MAX_PROPERTIES, MAX_DEPTH, MAX_ENUM_VALUES, MAX_STRING_CHARS = 5000, 10, 1000, 120_000


def _subschemas(schema: dict[str, Any], path: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object in the tree, with a readable path."""
    yield path, schema
    for name, sub in schema.get("$defs", {}).items():
        yield from _subschemas(sub, f"{path}/$defs/{name}")
    for name, sub in schema.get("properties", {}).items():
        yield from _subschemas(sub, f"{path}/properties/{name}")
    if isinstance(schema.get("items"), dict):
        yield from _subschemas(schema["items"], f"{path}/items")
    for i, sub in enumerate(schema.get("anyOf", [])):
        yield from _subschemas(sub, f"{path}/anyOf/{i}")


def violations(schema: dict[str, Any]) -> list[str]:
    """Every way ``schema`` breaks the strict subset (empty when it conforms)."""
    problems = []
    if schema.get("type") != "object" or "anyOf" in schema:
        problems.append("#: the root must be an object, not anyOf")
    for path, sub in _subschemas(schema):
        for keyword in sorted(set(sub) - ALLOWED):
            problems.append(f"{path}: keyword {keyword!r} is not supported in strict mode")
        if "$ref" in sub and set(sub) - {"$ref"}:
            problems.append(f"{path}: $ref must stand alone")
        if sub.get("type") == "object" or "properties" in sub:
            if sub.get("additionalProperties") is not False:
                problems.append(f"{path}: additionalProperties must be false")
            missing = set(sub.get("properties", {})) - set(sub.get("required", []))
            if missing:
                problems.append(f"{path}: not required: {sorted(missing)} (make them nullable instead)")
    return problems


def _depth(schema: dict[str, Any], defs: dict[str, Any], seen: tuple[str, ...] = ()) -> int:
    """Levels of object nesting, following $refs."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        assert name not in seen, f"recursive schema through {name}"
        return _depth(defs[name], defs, (*seen, name))
    children = [*schema.get("properties", {}).values(), *schema.get("anyOf", [])]
    if isinstance(schema.get("items"), dict):
        children.append(schema["items"])
    below = max((_depth(c, defs, seen) for c in children), default=0)
    return below + (1 if schema.get("type") == "object" else 0)


def _sizes(schema: dict[str, Any]) -> tuple[int, int, int]:
    """(object properties, enum values, characters of names, enum and const values)."""
    properties = enums = chars = 0
    for _, sub in _subschemas(schema):
        properties += len(sub.get("properties", {}))
        chars += sum(len(name) for name in sub.get("properties", {})) + sum(len(n) for n in sub.get("$defs", {}))
        enums += len(sub.get("enum", []))
        chars += sum(len(str(v)) for v in sub.get("enum", [])) + (len(str(sub["const"])) if "const" in sub else 0)
    return properties, enums, chars


@pytest.fixture(scope="module")
def draft_schema() -> dict[str, Any]:
    """What ``summarizer schema --draft`` prints and instructor sends."""
    return SummaryDraft.model_json_schema()


def test_the_draft_schema_follows_the_strict_structured_outputs_rules(draft_schema: dict[str, Any]) -> None:
    assert violations(draft_schema) == []


def test_the_draft_schema_is_within_the_documented_size_and_nesting_limits(draft_schema: dict[str, Any]) -> None:
    properties, enums, chars = _sizes(draft_schema)
    assert properties <= MAX_PROPERTIES and enums <= MAX_ENUM_VALUES and chars <= MAX_STRING_CHARS
    assert _depth(draft_schema, draft_schema.get("$defs", {})) <= MAX_DEPTH


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ({"type": "object", "properties": {"a": {"type": "string"}}, "required": [], "additionalProperties": False},
         "not required: ['a']"),
        ({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
         "additionalProperties must be false"),
        ({"type": "object", "properties": {"a": {"type": "string", "default": "x"}}, "required": ["a"],
          "additionalProperties": False}, "keyword 'default'"),
        ({"type": "object", "properties": {"a": {"allOf": [{"type": "string"}]}}, "required": ["a"],
          "additionalProperties": False}, "keyword 'allOf'"),
        ({"anyOf": [{"type": "object"}]}, "root must be an object"),
        ({"type": "object", "properties": {"a": {"$ref": "#/$defs/A", "description": "d"}}, "required": ["a"],
          "additionalProperties": False, "$defs": {"A": {"type": "string"}}}, "$ref must stand alone"),
    ],
)
def test_the_checker_catches_each_kind_of_violation(schema: dict[str, Any], problem: str) -> None:
    assert any(problem in v for v in violations(schema)), violations(schema)


def test_a_draft_that_leaves_optional_fields_out_still_parses() -> None:
    """Strict mode asks for every field; lenient servers may still omit the optional ones
    (relevance is not optional: it is the first thing the model must answer)."""
    relevance = {"relevant": True, "reason": "r"}
    draft = SummaryDraft.model_validate({"relevance": relevance, "headline": "h", "summary": "s"})
    assert draft.attacks == [] and draft.diplomacy == []

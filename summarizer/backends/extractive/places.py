"""Places and regions (gazetteer, patterns, prepositions) and time expressions in a text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from summarizer.backends.extractive.lexicon import _DEMONYM, _lexicon


@dataclass(frozen=True)
class _Place:
    name: str
    kind: str  # "place" or "region"
    start: int
    end: int


def _places(text: str) -> list[_Place]:
    return list(_places_cached(text))


@lru_cache(maxsize=2048)
def _places_cached(text: str) -> tuple[_Place, ...]:
    lex = _lexicon()
    found: list[_Place] = []
    rw, sw, dr = lex.region_words, lex.settlement_words, lex.directions

    def add(name: str, kind: str, start: int, end: int) -> None:
        if any(p.start <= start < p.end or start <= p.start < end for p in found):
            return
        found.append(_Place(name, kind, start, end))

    # "eastern Ukraine", "northern Israel": a direction before a country of the gazetteer
    for m in re.finditer(rf"\b(?:{dr})\s+(?:{lex.countries})\b", text, re.IGNORECASE):
        add(m.group(), "region", m.start(), m.end())
    # Known names, with a following region/settlement word.
    for m in lex.gazetteer.finditer(text):
        name = m.group()
        after = re.match(rf"\s+(?P<w>{rw}|{sw})\b", text[m.end() :], re.IGNORECASE)
        if after and re.fullmatch(rw, after.group("w"), re.IGNORECASE):
            add(f"{name} {after.group('w')}", "region", m.start(), m.end() + after.end())
        elif after:
            add(name, "place", m.start(), m.end() + after.end())
        elif name in lex.settlements:
            add(name, "place", m.start(), m.end())
        else:
            add(name, "region", m.start(), m.end())
    # Unknown names followed by "village"/"region" or after "the village of".
    cap = r"[A-Z][\w’'-]+(?:[\s-][A-Z][\w’'-]+)?"
    for m in re.finditer(rf"(?P<n>{cap})\s+(?P<w>{rw}|{sw})\b", text):
        if m.group("n").split()[0] in lex.not_places or m.group("n").lower() in lex.number_words:
            continue
        if re.match(r"\s+of\s+[A-Z]", text[m.end() :]) and re.fullmatch(_DEMONYM, m.group("n").split()[-1]):
            continue  # "the Libyan city of Sirte": the place is Sirte
        if re.fullmatch(rw, m.group("w"), re.IGNORECASE):
            add(f"{m.group('n')} {m.group('w')}", "region", m.start(), m.end())
        else:
            add(m.group("n"), "place", m.start(), m.end())
    # only the settlement word ignores case: the name itself must be capitalised ("of Vilne in" is not a name)
    for m in re.finditer(rf"\b(?i:{sw})\s+of\s+(?P<n>{cap})", text):
        if m.group("n") not in lex.not_places:
            add(m.group("n"), "place", m.start("n"), m.end("n"))
    # Prepositional fallbacks: "near Bilozerske", "in Okhtyrka".
    for m in re.finditer(rf"\b(?:in|near|outside|on|at|around|over)\s+(?:the\s+)?(?P<n>{cap})", text):
        n = m.group("n")
        first = n.split()[0].split("-")[0]
        if first in lex.not_places or lex.actors.fullmatch(n) or n.endswith(("’s", "'s")):
            continue
        if n.endswith(("ists", "ians")) or re.match(r"\s+(?-i:[a-z])", text[m.end("n") :]) and re.fullmatch(_DEMONYM, n.split()[-1]):
            continue  # "on Islamists", "in the North African nation": a group or an adjective
        add(n, "place", m.start("n"), m.end("n"))
    found.sort(key=lambda p: p.start)
    return tuple(found)


def _when(text: str) -> str | None:
    m = _lexicon().when.search(text)
    return m.group() if m else None

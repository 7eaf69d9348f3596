"""Named people (surnames resolved, sentence subjects for 'he'/'she') and the actors of a passage."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache

from summarizer.backends.extractive.lexicon import _alt, _lexicon
from summarizer.backends.extractive.sentences import Sentence


@dataclass
class _People:
    """Named people in document order, with surnames resolved to full names."""

    mentions: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, canonical)
    subjects: list[tuple[int, str]] = field(default_factory=list)  # (position, canonical)
    _starts: list[int] = field(default_factory=list, repr=False)
    _actor_cache: dict[tuple[int, int], tuple[list[tuple[int, str, bool]], bool]] = field(default_factory=dict, repr=False)

    def between(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """Mentions starting in ``[start, end)``, by binary search (articles can be long)."""
        if len(self._starts) != len(self.mentions):
            self.mentions.sort()
            self._starts[:] = [m[0] for m in self.mentions]
        return self.mentions[bisect.bisect_left(self._starts, start) : bisect.bisect_left(self._starts, end)]

    def at(self, start: int, end: int) -> list[str]:
        return [n for _, _, n in self.between(start, end)]

    def actor_mentions(self, text: str, start: int, end: int) -> tuple[list[tuple[int, str, bool]], bool]:
        """:func:`_actor_mentions`, once per passage: each section asks about every sentence."""
        key = (start, end)
        found = self._actor_cache.get(key)
        if found is None:
            found = self._actor_cache[key] = _actor_mentions(text, start, end, self)
        return found

    def resolve(self, pos: int) -> str | None:
        """The last sentence subject before ``pos``: what 'he'/'she' most likely means."""
        i = bisect.bisect_left(self.subjects, (pos,)) - 1  # subjects are appended in text order
        return self.subjects[i][1] if i >= 0 else None


def _find_people(text: str, sentences: list[Sentence]) -> _People:
    lex = _lexicon()
    raw: list[tuple[int, int, str]] = []
    for m in lex.person_titled.finditer(text):
        name = m.group("name")
        # Cut at words that cannot be part of a name.
        tokens = name.split()
        while tokens and (tokens[-1] in lex.not_places and tokens[-1] not in lex.raw["persons"]):
            tokens.pop()
        if tokens and tokens[0] not in lex.not_places and not lex.actors.fullmatch(tokens[0]):
            name = " ".join(tokens)
            s = m.start("name")
            raw.append((s, s + len(name), name))
    for m in lex.known_persons.finditer(text):
        name = m.group()
        first = name.split()[0]
        if len(name.split()) > 1 and (first in lex.not_places or lex.actors.fullmatch(first) or first in lex.demonyms):
            s = m.start() + len(first) + 1
            name = text[s : m.end()]
        else:
            s = m.start()
        raw.append((s, s + len(name), name))
    # "Name Surname said" without a title
    for m in re.finditer(rf"(?P<n>[A-Z][a-z’'-]+\s+[A-Z][a-z’'-]+)\s+(?:{_alt(lex.raw['speech_verbs'])})\b", text):
        n = m.group("n")
        if not any(t in lex.not_places or lex.actors.fullmatch(t) or t in lex.demonyms for t in n.split()):
            raw.append((m.start("n"), m.end("n"), n))
    raw.sort(key=lambda r: (r[0], -(r[1] - r[0])))
    mentions: list[tuple[int, int, str]] = []
    for r in raw:
        if mentions and r[0] < mentions[-1][1]:
            continue
        mentions.append(r)
    full: dict[str, str] = {}
    for _, _, n in mentions:
        last = n.split()[-1]
        if len(n) > len(full.get(last, "")):
            full[last] = n
    canon = [(s, e, full.get(n.split()[-1], n)) for s, e, n in mentions]
    people = _People(mentions=canon)
    # Sentence subjects: a leading pronoun resolves to the previous subject;
    # otherwise the first person not governed by a preposition.
    for sent in sentences:
        if sent.heading:
            continue
        here = [(s, n) for s, e, n in people.between(sent.start, sent.end)]
        pron = re.match(r"(?:[^,“\"]{0,40},\s+)?(?P<p>[Hh]e|[Ss]he)\b", sent.text)
        if pron:
            prev = people.resolve(sent.start)
            if prev:
                people.subjects.append((sent.start + pron.start("p"), prev))
            continue
        for s, n in here:
            before = text[max(sent.start, s - 12) : s]
            if re.search(r"\b(?:with|to|and|between|by|for|against|of|from|on|about)\s+(?:\w+\s+){0,2}$", before):
                continue
            people.subjects.append((s, n))
            break
    return people


# Compiled once: _actors runs for every sentence.
_LEADING_PRONOUN = re.compile(r"(?:[^,“\"]{0,40},\s+)?(?P<p>[Hh]e|[Ss]he)\b")
_LEADING_THEY = re.compile(r"(?:[^,“\"]{0,40},\s+)?They\b")
_TITLE_AFTER = re.compile(r"\s+(?:President|Secretary|Foreign|Prime|Defen[cs]e|Chancellor|Minister|Ambassador|envoy)\b")


@lru_cache(maxsize=1)
def _said_pronoun() -> re.Pattern[str]:
    return re.compile(rf"[,”\"]\s+(?P<p>he|she)\s+(?:{_alt(_lexicon().raw['speech_verbs'])})\b")


def _actors(text: str, start: int, end: int, people: _People, prev: list[str] | None = None) -> list[str]:
    """People, governments and bodies named in ``text[start:end]``, in order, deduplicated."""
    mentions, leading_they = people.actor_mentions(text, start, end)
    found: list[tuple[int, str]] = []
    for pos, name, sides in mentions:
        if sides:  # 'both sides', 'the two sides': the actors of the sentence before
            if prev:
                found.extend((pos, p) for p in prev)
        else:
            found.append((pos, name))
    if prev and leading_they:
        found.extend((0, p) for p in prev)
    found.sort(key=lambda f: f[0])
    out: list[str] = []
    aliases = _lexicon().raw.get("actor_aliases", {})
    for _, n in found:
        n = aliases.get(n, n)
        if n not in out:
            out.append(n)
    return out


def _actor_mentions(text: str, start: int, end: int, people: _People) -> tuple[list[tuple[int, str, bool]], bool]:
    """What :func:`_actors` finds in ``text[start:end]`` whatever came before: (position, name,
    stands for the previous actors) in the order found, and whether the passage opens with 'They'."""
    lex = _lexicon()
    seg = text[start:end]
    inside = people.between(start, end)
    found: list[tuple[int, str, bool]] = [(s - start, n, False) for s, e, n in inside]
    person_spans = [(s - start, e - start) for s, e, n in inside]
    for m in lex.demonym_group.finditer(seg):
        for g in ("a", "b"):
            if m.group(g):
                found.append((m.start(g), lex.demonyms[m.group(g)], False))
    for m in lex.actors.finditer(seg):
        if any(a <= m.start() < b for a, b in person_spans):
            continue
        name = m.group()
        if _TITLE_AFTER.match(seg, m.end()):
            continue
        if name.lower() in ("both sides", "the two sides"):
            found.append((m.start(), name, True))
            continue
        if name.lower() == "officials":
            continue
        found.append((m.start(), name, False))
    pron = _LEADING_PRONOUN.match(seg) or _said_pronoun().search(seg)
    if pron:
        who = people.resolve(start + pron.start("p") + 1)
        if who:
            found.append((pron.start("p"), who, False))
    return found, _LEADING_THEY.match(seg) is not None


_POLITICAL_NAMES = re.compile(
    r"(?<![\w-])(?:President|Prime\s+Minister|Foreign\s+Minister|Defen[cs]e\s+Minister|Minister|Secretary\s+of\s+State|"
    r"Defen[cs]e\s+Secretary|Chancellor|[Ee]nvoy|[Aa]mbassador|[Nn]egotiator|Commissioner|High\s+Representative|"
    r"King|Emir|Crown\s+Prince|Pope|Secretary-General|Secretary\s+General|Kremlin\s+spokesman|"
    r"(?:foreign|defen[cs]e)\s+minister|(?:presidential|Kremlin)\s+aide|head\s+of\s+state)"
    r"(?P<names>(?:\s+[A-Z][\w’'.-]+){1,4})"
)


@lru_cache(maxsize=8)
def _titled_surnames(text: str) -> frozenset[str]:
    """Names that follow a political title somewhere in ``text``: any of their words."""
    return frozenset(w for m in _POLITICAL_NAMES.finditer(text) for w in m.group("names").split())


def political_actors(actors: list[str], text: str) -> list[str]:
    """The actors that are states, international bodies or office holders: the lexicon's
    actors and well-known people, demonyms' countries, and people named after a political
    title ("Foreign Minister Andrii Sybiha") somewhere in ``text``."""
    lex = _lexicon()
    countries = set(lex.demonyms.values()) | set(lex.raw["gazetteer"]["countries"])
    persons = set(lex.raw["persons"])
    titled = _titled_surnames(text)
    out = []
    for a in actors:
        last = a.split()[-1] if a.split() else a
        if a in countries or lex.actors.fullmatch(a) or last in persons or last in titled:
            if a.lower() not in ("both sides", "the two sides", "officials", "senators", "lawmakers"):
                out.append(a)
    return out

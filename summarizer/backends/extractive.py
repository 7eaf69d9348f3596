"""An offline, rule-based backend: lexicons and patterns, no model.

In the spirit of dictionary-based event coders (TABARI/PETRARCH for CAMEO, the
ACLED categories), it

1. segments the article into sentences (lines without final punctuation are
   headings and carry no content),
2. classifies each sentence into diplomacy / attacks / territory / sanctions with
   the lexicons in ``lexicons/extractive.yaml``,
3. pulls out places, actors, weapons, casualty counts, quotes with speakers,
   territorial claims and sanctions moves with small patterns,
4. groups neighbouring sentences about the same event into one item.

Every piece of evidence is a verbatim :class:`~summarizer.schema.Span` of the
article, so ``article.text[span.start:span.end] == span.text`` always holds.
It is deterministic and fast (a few milliseconds per article). Its limits are
described in ``docs/EVALUATION.md``.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from summarizer.grounding import check_count
from summarizer.schema import (
    Article,
    Attack,
    Diplomacy,
    Meta,
    Quote,
    Sanction,
    Span,
    Summary,
    Territory,
)

__all__ = ["ExtractiveBackend", "Sentence", "segment", "parse_count"]

LEXICON_DIR = Path(__file__).parent / "lexicons"
_VAGUE = -1  # sentinel: a count was given, but not an exact one


# ---------------------------------------------------------------------------
# Lexicons (loaded lazily, compiled once)


def _alt(terms: list[str] | tuple[str, ...]) -> str:
    """A regex alternation of literal phrases, longest first, spaces matching any whitespace."""
    return _alt_cached(tuple(terms))


@lru_cache(maxsize=256)
def _alt_cached(terms: tuple[str, ...]) -> str:
    parts = sorted(set(terms), key=lambda t: (-len(t), t))
    return "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in parts)


def _words(terms: list[str], flags: int = re.IGNORECASE) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{_alt(terms)})(?![\w-])", flags)


@dataclass(frozen=True)
class _Lex:
    raw: dict[str, Any]
    number_words: dict[str, int]
    num: str
    vague_before: re.Pattern[str]
    vague_counts: tuple[re.Pattern[str], re.Pattern[str]]
    killed_after: re.Pattern[str]
    killed_before: re.Pattern[str]
    attack_terms: re.Pattern[str]
    reaction: re.Pattern[str]
    weapons: dict[str, re.Pattern[str]]
    civilian: re.Pattern[str]
    military: re.Pattern[str]
    diplomacy: dict[str, re.Pattern[str]]
    prisoners: re.Pattern[str]
    anaphor: re.Pattern[str]
    territory: dict[str, re.Pattern[str]]
    demand_terms: re.Pattern[str]
    sanction_terms: re.Pattern[str]
    sanction_status: dict[str, re.Pattern[str]]
    person_titled: re.Pattern[str]
    known_persons: re.Pattern[str]
    actors: re.Pattern[str]
    demonym_group: re.Pattern[str]
    demonyms: dict[str, str]
    speech: re.Pattern[str]
    gazetteer: re.Pattern[str]
    regions: frozenset[str]
    settlements: frozenset[str]
    region_words: str
    settlement_words: str
    directions: str
    not_places: frozenset[str]
    when: re.Pattern[str]


@lru_cache(maxsize=1)
def _lexicon() -> _Lex:
    raw: dict[str, Any] = yaml.safe_load((LEXICON_DIR / "extractive.yaml").read_text(encoding="utf-8"))
    nw: dict[str, int] = {k.lower(): int(v) for k, v in raw["number_words"].items()}
    units = "one|two|three|four|five|six|seven|eight|nine"
    tens = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
    num = (
        r"(?:\d{1,3}(?:,\d{3})+|\d+"
        rf"|(?:{tens})(?:[- ](?:{units}))?"
        rf"|{_alt([w for w in nw if ' ' in w])}"
        rf"|{_alt([w for w in nw if ' ' not in w])})"
    )
    filler = (
        r"(?:other|others|more|people|persons|person|civilians|civilian|residents|children|child|"
        r"soldiers|troops|men|women|passengers|workers|servicemen|police|officers|rescuers|"
        r"were|was|have|has|had|been|being|are|is|reportedly|also|later|subsequently|all|"
        r"seriously|critically|badly|lightly|severely|slightly|fatally|injured|wounded|and|"
        r"including|of|them|a|the|elderly|local|Ukrainian|Russian)"
    )
    killed = _alt(raw["killed_terms"])
    injured = _alt(raw["injured_terms"])
    verb = rf"(?P<k>{killed})|(?P<i>{injured})"
    killed_after = re.compile(
        rf"(?<![\w,.-])(?<![Nn]o\s)(?P<num>{num})(?![\w-]|[.,]\d)(?:\s+(?:{filler}|(?!(?:and|or|but|while|as|after|in|on|at|to|from)\b)[a-z][\w-]*)){{0,5}}?\s+(?:{verb})(?!\w)", re.IGNORECASE
    )
    killed_before = re.compile(
        rf"(?<!\w)(?:{verb})\s+(?:(?:at\s+least|a\s+total\s+of)\s+)?(?P<mod>(?:{_alt(raw['vague_modifiers'])})\s+)?(?P<num>{num})(?![\w-]|[.,]\d)",
        re.IGNORECASE,
    )
    weapons = {w: _words(terms) for w, terms in raw["weapons"].items()}
    diplomacy = {k: _words(terms) for k, terms in raw["diplomacy_kinds"].items()}
    territory = {k: _words(terms) for k, terms in raw["territory_verbs"].items()}
    status = {k: _words(terms) for k, terms in raw["sanction_status"].items()}
    titles = _alt([t for t in raw["titles"]])
    name = r"[A-Z][\w’'-]+(?:\s+(?:von\s+der\s+|de\s+)?[A-Z][\w’'-]+){0,2}"
    gaz = raw["gazetteer"]
    regions = frozenset(gaz["regions"])
    settlements = frozenset(gaz["settlements"])
    when_days = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
    months = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    when = re.compile(
        rf"\b(?:(?:[Oo]n|[Ll]ate\s+on|[Ee]arly\s+on|[Bb]y|[Ss]ince)\s+(?:{when_days}|{months}\s+\d{{1,2}}|\d{{1,2}}\s+{months})"
        rf"(?:\s+(?:morning|evening|night|afternoon))?|(?:[Ll]ast|[Tt]his|[Nn]ext)\s+{when_days}|"
        rf"(?:[Ii]n|[Ss]ince)\s+(?:(?:spring|summer|autumn|winter)\s+)?(?:19|20)\d\d|{_alt(raw['when_terms'])})\b"
    )
    return _Lex(
        raw=raw,
        number_words=nw,
        num=num,
        vague_before=re.compile(rf"(?:{_alt(raw['vague_modifiers'])})\s+$", re.IGNORECASE),
        vague_counts=(
            re.compile(
                rf"(?<!\w)(?:{_alt(raw['vague_counts'])})(?:\s+of)?(?:\s+{filler}){{0,4}}?\s+(?:{verb})(?!\w)",
                re.IGNORECASE,
            ),
            re.compile(rf"(?<!\w)(?:{verb})\s+(?:{_alt(raw['vague_counts'])})(?!\w)", re.IGNORECASE),
        ),
        killed_after=killed_after,
        killed_before=killed_before,
        attack_terms=_words(raw["attack_terms"]),
        reaction=_words(raw["attack_reaction_terms"]),
        weapons=weapons,
        civilian=_words(raw["civilian_terms"]),
        military=_words(raw["military_terms"]),
        diplomacy=diplomacy,
        prisoners=re.compile(
            r"\b(?:exchange|exchanged|swap|swapped|release|released|returned)\b[^.;]{0,40}\b(?:prisoners|POWs|captives|soldiers)\b",
            re.IGNORECASE,
        ),
        anaphor=re.compile(
            r"\b(?:the|this|that|such\s+a|such|his|her|their|its|these|those)\s+(?:[\w-]+\s+){0,2}?"
            r"(?P<n>call|calls|talks|meeting|exchange|swap|agreement|deal|proposal|summit|negotiations|conversation)\b",
            re.IGNORECASE,
        ),
        territory=territory,
        demand_terms=_words(raw["territory_demand_terms"]),
        sanction_terms=_words(raw["sanction_terms"]),
        sanction_status=status,
        person_titled=re.compile(rf"(?<![\w-])(?:{titles})\s+(?P<name>{name})"),
        known_persons=re.compile(rf"(?<![\w-])(?:[A-Z][\w’'-]+\s+)?(?:{_alt(raw['persons'])})(?![\w-])"),
        actors=re.compile(rf"(?<![\w.-])(?:{_alt(raw['actors'])})(?![\w-])"),
        demonym_group=re.compile(
            rf"(?<![\w-])(?P<a>{_alt(list(raw['demonyms']))})(?:\s+and\s+(?P<b>{_alt(list(raw['demonyms']))}))?"
            r"\s+(?:officials|delegation|delegations|negotiators|government|governments|side|sides|leaders|team|teams|authorities|diplomats|counterparts)\b"
        ),
        demonyms=dict(raw["demonyms"]),
        speech=_words(raw["speech_verbs"]),
        gazetteer=re.compile(rf"(?<![\w-])(?:{_alt(sorted(regions | settlements))})(?![\w-])"),
        regions=regions,
        settlements=settlements,
        region_words=_alt(raw["region_words"]),
        settlement_words=_alt(raw["settlement_words"]),
        directions=_alt(raw["directions"]),
        not_places=frozenset(raw["not_places"]) | frozenset(gaz["countries"]) | frozenset(raw["persons"]),
        when=when,
    )


# ---------------------------------------------------------------------------
# Sentences


@dataclass
class Sentence:
    """A sentence (or heading) of the article with its offsets."""

    start: int
    end: int
    text: str
    para: int
    heading: bool = False

    def span(self) -> Span:
        return Span(text=self.text, start=self.start, end=self.end)


_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Maj|Capt|Sgt|St|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|No|vs|etc|Rep|Sen|Gov|approx)"
    r"|(?:\b[A-Za-z]\.)+[A-Za-z])\.$"
)
_BOUNDARY = re.compile(r"[.!?…]+[\"”’)\]]*(?=\s|$)")
_CLOSING = ".!?…:;\"”’)]"


def segment(text: str) -> list[Sentence]:
    """Split ``text`` into sentences with exact offsets.

    Each line is a paragraph. A short line without final punctuation (e.g.
    "First Direct Talks Since 2022", or a live-blog timestamp) is a heading.
    """
    out: list[Sentence] = []
    para = 0
    for line in re.finditer(r"[^\n]+", text):
        raw = line.group()
        stripped = raw.strip()
        if not stripped:
            continue
        base = line.start() + (len(raw) - len(raw.lstrip()))
        if stripped[-1] not in _CLOSING and len(stripped.split()) <= 15:
            out.append(Sentence(base, base + len(stripped), stripped, para, heading=True))
            para += 1
            continue
        pos = 0
        for m in _BOUNDARY.finditer(stripped):
            candidate = stripped[pos : m.end()]
            rest = stripped[m.end() :].lstrip()
            if rest:
                nxt = rest[0]
                if not (nxt.isupper() or nxt.isdigit() or nxt in "“\"‘'("):
                    continue
                if _ABBREV.search(stripped[: m.start() + 1]) and stripped[m.start()] == ".":
                    continue
            s = candidate.strip()
            if s:
                off = base + pos + (len(candidate) - len(candidate.lstrip()))
                out.append(Sentence(off, off + len(s), s, para))
            pos = m.end()
        tail = stripped[pos:]
        if tail.strip():
            s = tail.strip()
            off = base + pos + (len(tail) - len(tail.lstrip()))
            out.append(Sentence(off, off + len(s), s, para))
        para += 1
    return out


# ---------------------------------------------------------------------------
# Numbers


def parse_count(word: str) -> int | None:
    """'nine' → 9, '1,000' → 1000, 'twenty-three' → 23, 'a dozen' → 12; None if not a number."""
    w = " ".join(word.lower().replace("-", " ").split())
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+", w):
        return int(w.replace(",", ""))
    nw = _lexicon().number_words
    if w in nw:
        return nw[w]
    parts = w.split()
    if len(parts) == 2 and parts[0] in nw and parts[1] in nw and nw[parts[0]] >= 20 and nw[parts[1]] < 10:
        return nw[parts[0]] + nw[parts[1]]
    return None


def _casualties(text: str) -> tuple[int | None, int | None]:
    """Killed and injured counts stated in ``text``; ``_VAGUE`` for vague counts."""
    lex = _lexicon()
    found: dict[str, tuple[int, int]] = {}  # role -> (position, value)
    taken: list[tuple[int, int]] = []

    def put(role: str, pos: int, value: int, span: tuple[int, int]) -> None:
        if any(a < span[1] and span[0] < b for a, b in taken):
            return
        taken.append(span)
        if role not in found or pos < found[role][0]:
            found[role] = (pos, value)

    for m in lex.killed_before.finditer(text):
        role = "k" if m.group("k") else "i"
        value = parse_count(m.group("num"))
        if value is None:
            continue
        if m.group("mod"):
            value = _VAGUE
        put(role, m.start(), value, m.span("num"))
    for m in lex.killed_after.finditer(text):
        role = "k" if m.group("k") else "i"
        value = parse_count(m.group("num"))
        if value is None:
            continue
        if lex.vague_before.search(text[: m.start()]):
            value = _VAGUE
        put(role, m.start(), value, m.span("num"))
    for rx in lex.vague_counts:
        for m in rx.finditer(text):
            role = "k" if m.group("k") else "i"
            put(role, m.start(), _VAGUE, (m.start(), m.start() + 1))
    k = found.get("k")
    i = found.get("i")
    return (k[1] if k else None), (i[1] if i else None)


# ---------------------------------------------------------------------------
# Places, people and actors


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

    # "eastern Ukraine", "the south of Russia"
    for m in re.finditer(rf"\b(?:{dr})\s+(?:Ukraine|Russia)\b", text, re.IGNORECASE):
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
        add(n, "place", m.start("n"), m.end("n"))
    found.sort(key=lambda p: p.start)
    return tuple(found)


@dataclass
class _People:
    """Named people in document order, with surnames resolved to full names."""

    mentions: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, canonical)
    subjects: list[tuple[int, str]] = field(default_factory=list)  # (position, canonical)
    _starts: list[int] = field(default_factory=list, repr=False)

    def between(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """Mentions starting in ``[start, end)``, by binary search (articles can be long)."""
        if len(self._starts) != len(self.mentions):
            self.mentions.sort()
            self._starts[:] = [m[0] for m in self.mentions]
        return self.mentions[bisect.bisect_left(self._starts, start) : bisect.bisect_left(self._starts, end)]

    def at(self, start: int, end: int) -> list[str]:
        return [n for _, _, n in self.between(start, end)]

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


def _actors(text: str, start: int, end: int, people: _People, prev: list[str] | None = None) -> list[str]:
    """People, governments and bodies named in ``text[start:end]``, in order, deduplicated."""
    lex = _lexicon()
    seg = text[start:end]
    inside = people.between(start, end)
    found: list[tuple[int, str]] = [(s - start, n) for s, e, n in inside]
    person_spans = [(s - start, e - start) for s, e, n in inside]
    for m in lex.demonym_group.finditer(seg):
        for g in ("a", "b"):
            if m.group(g):
                found.append((m.start(g), lex.demonyms[m.group(g)]))
    for m in lex.actors.finditer(seg):
        if any(a <= m.start() < b for a, b in person_spans):
            continue
        name = m.group()
        if re.match(r"\s+(?:President|Secretary|Foreign|Prime|Defen[cs]e|Chancellor|Minister|Ambassador|envoy)\b", seg[m.end() :]):
            continue
        if name.lower() in ("both sides", "the two sides") and prev:
            found.extend((m.start(), p) for p in prev)
            continue
        if name.lower() in ("both sides", "the two sides", "officials"):
            continue
        found.append((m.start(), name))
    pron = re.match(r"(?:[^,“\"]{0,40},\s+)?(?P<p>[Hh]e|[Ss]he)\b", seg) or re.search(
        rf"[,”\"]\s+(?P<p>he|she)\s+(?:{_alt(lex.raw['speech_verbs'])})\b", seg
    )
    if pron:
        who = people.resolve(start + pron.start("p") + 1)
        if who:
            found.append((pron.start("p"), who))
    if re.match(r"(?:[^,“\"]{0,40},\s+)?They\b", seg) and prev:
        found.extend((0, p) for p in prev)
    found.sort(key=lambda f: f[0])
    out: list[str] = []
    aliases = lex.raw.get("actor_aliases", {})
    for _, n in found:
        n = aliases.get(n, n)
        if n not in out:
            out.append(n)
    return out


def _when(text: str) -> str | None:
    m = _lexicon().when.search(text)
    return m.group() if m else None


# ---------------------------------------------------------------------------
# Quotes


_QUOTE_PAIRS = re.compile(r"“(?P<a>[^”\n]+)”|\"(?P<b>[^\"\n]+)\"")


def _sentence_at(sentences: list[Sentence], starts: list[int], pos: int) -> Sentence | None:
    """The sentence containing offset ``pos`` (``starts``: the sentences' start offsets)."""
    i = bisect.bisect_right(starts, pos) - 1
    return sentences[i] if i >= 0 and sentences[i].start <= pos < sentences[i].end else None


def _quotes(text: str, sentences: list[Sentence], people: _People) -> list[tuple[int, Quote]]:
    """Every quotation with an identifiable speaker, with the paragraph it is in."""
    lex = _lexicon()
    out: list[tuple[int, Quote]] = []
    starts = [s.start for s in sentences]
    for m in _QUOTE_PAIRS.finditer(text):
        g = "a" if m.group("a") is not None else "b"
        qs, qe = m.start(g), m.end(g)
        inner = text[qs:qe]
        lead = len(inner) - len(inner.lstrip())
        trimmed = inner.strip().rstrip(",").rstrip()
        if not trimmed:
            continue
        qs += lead
        qe = qs + len(trimmed)
        first = _sentence_at(sentences, starts, m.start())
        last = _sentence_at(sentences, starts, m.end() - 1) or first
        if first is None or last is None:
            continue
        speaker = None
        # After the quote: ', said Peskov.' / ', Dmitry Peskov told TASS.' / ', he said.'
        after = text[m.end() : last.end]
        a = re.match(
            rf"[\s,]*(?:[^.“\"]{{0,60}}?)(?:(?P<v>{_alt(lex.raw['speech_verbs'])})\s+(?P<n>[A-Z][\w’'-]+)|(?P<p>\b[Hh]e|\b[Ss]he)\s+(?:\w+\s+)?(?:{_alt(lex.raw['speech_verbs'])})\b)",
            after,
        )
        if a:
            if a.group("p"):
                speaker = people.resolve(m.end() + a.start("p"))
            else:
                pos = m.end() + a.start()
                named = [n for _, _, n in people.between(pos, m.end() + a.end())]
                speaker = named[-1] if named else None
                if speaker is None and a.group("v"):
                    named = people.at(m.end() + a.start("n"), m.end() + a.end())
                    speaker = named[0] if named else None
        if speaker is None:
            # Before the quote, in the same sentence: 'Umerov ... said the “next step”'.
            before_start = first.start
            verbs = list(lex.speech.finditer(text, before_start, m.start()))
            if verbs:
                v = verbs[-1]
                named_before = [(s, n) for s, _, n in people.between(before_start, v.start())]
                prons = list(re.finditer(r"\b(?:[Hh]e|[Ss]he)\b", text[before_start : v.start()]))
                cand_person = named_before[-1] if named_before else None
                cand_pron = prons[-1] if prons else None
                if cand_pron and (cand_person is None or before_start + cand_pron.start() > cand_person[0]):
                    speaker = people.resolve(before_start + cand_pron.start())
                elif cand_person:
                    speaker = cand_person[1]
                else:
                    subj = re.search(rf"(?P<n>{lex.actors.pattern})\s+$", text[before_start : v.start()])
                    speaker = subj.group("n") if subj else None
        if speaker:
            out.append((first.para, Quote(text=text[qs:qe], start=qs, end=qe, speaker=speaker)))
    return out


# ---------------------------------------------------------------------------
# Sections


@dataclass
class _Item:
    section: str
    fields: dict[str, Any]
    sentences: list[Sentence]
    para: int
    quotes: list[Quote] = field(default_factory=list)


def _find_weapons(text: str) -> list[str]:
    lex = _lexicon()
    hits = []
    for w, rx in lex.weapons.items():
        m = rx.search(text)
        if m:
            hits.append((m.start(), w))
    return [w for _, w in sorted(hits)]


_SUB_EVENT = {
    "drone": "Air/drone strike",
    "air_strike": "Air/drone strike",
    "glide_bomb": "Air/drone strike",
    "missile": "Shelling/artillery/missile attack",
    "rocket": "Shelling/artillery/missile attack",
    "shelling": "Shelling/artillery/missile attack",
    "artillery": "Shelling/artillery/missile attack",
    "mine": "Remote explosive/landmine/IED",
    "ground_assault": "Armed clash",
    "small_arms": "Armed clash",
}


_INTERCEPT = re.compile(r"\b(?:shot\s+down|intercepted|destroyed\s+\d[\d,]*)\b", re.IGNORECASE)
_TALLY = re.compile(r"\b\d[\d,]*\s+(?:\w+\s+)?(?:drones|missiles|rockets|shells|glide\s+bombs)\b", re.IGNORECASE)
_ATTACK_ANAPHOR = re.compile(
    r"(?:The|This|That|Another)\s+(?:[\w-]+\s+)?(?:missile|drone|strike|attack|shelling|blast|explosion|bomb|rocket|shell)s?\b"
)


def _attacks(text: str, sentences: list[Sentence]) -> list[_Item]:
    lex = _lexicon()
    items: list[_Item] = []
    cur: _Item | None = None
    for sent in sentences:
        if sent.heading:
            cur = None
            continue
        # quoted words are reactions, not reports: blank them (offsets unchanged)
        t = re.sub(r"“[^”]*”|\"[^\"]*\"", lambda m: " " * len(m.group()), sent.text)
        killed, injured = _casualties(t)
        weapons = _find_weapons(t)
        term = lex.attack_terms.search(t)
        places = [p for p in _places(t)]
        captured = lex.territory["captured"].search(t)
        has_cas = killed is not None or injured is not None
        reaction = term is not None and lex.reaction.search(t[: term.start()]) is not None
        is_attack = has_cas or (bool(weapons) and (term is not None or bool(places))) or (
            term is not None and bool(places) and not reaction
        )
        if captured and not has_cas:
            is_attack = False
        if not has_cas and (_INTERCEPT.search(t) or (not places and _TALLY.search(t))):
            is_attack = False  # air-defence reports and nationwide tallies
        if lex.sanction_terms.search(t) and not has_cas:
            is_attack = False
        if not is_attack:
            continue
        place = next((p for p in places if p.kind == "place"), None)
        region = next((p for p in places if p.kind == "region"), None)
        new_place = place or region
        cont = _ATTACK_ANAPHOR.match(t) is not None
        same = (
            cur is not None
            and cur.para >= sent.para - 1
            and not (killed is not None and cur.fields["killed"] is not None)
            and (
                cont
                or new_place is None
                or (cur.para == sent.para and cur.fields["place"] is None and cur.fields["region"] is None)
            )
        )
        if not same and new_place is not None and not (killed is not None or injured is not None):
            # another sentence about a place already attacked
            names = {new_place.name.lower()}
            cur = next(
                (it for it in items if {str(it.fields["place"]).lower(), str(it.fields["region"]).lower()} & names),
                None,
            )
            same = cur is not None
        if not same:
            cur = _Item(
                "attacks",
                {"place": None, "region": None, "when": None, "perpetrator": None, "weapons": [],
                 "target": None, "killed": None, "injured": None, "civilians": None},
                [],
                sent.para,
            )
            items.append(cur)
        assert cur is not None
        f = cur.fields
        cur.sentences.append(sent)
        cur.sentences.sort(key=lambda x: x.start)
        cur.para = max(cur.para, sent.para)
        if place and f["place"] is None:
            f["place"] = place.name
        if region and f["region"] is None:
            f["region"] = region.name
        if f["when"] is None:
            f["when"] = _when(t)
        for w in weapons:
            if w not in f["weapons"]:
                f["weapons"].append(w)
        if f["killed"] is None and killed is not None:
            f["killed"] = killed
        if f["injured"] is None and injured is not None:
            f["injured"] = injured
        if f["perpetrator"] is None:
            pm = re.search(r"\b(?P<d>Russian|Ukrainian)\s+(?P<n>forces|troops|army|military|drones?|missiles?|strikes?|shelling|attacks?|artillery|air\s+force)\b", t)
            if pm:
                country = "Russia" if pm.group("d") == "Russian" else "Ukraine"
                f["perpetrator"] = f"{pm.group('d')} forces" if pm.group("n") in ("forces", "troops", "army", "military") else country
        if f["target"] is None:
            tm = re.search(
                r"\b(?:struck|hit|hits|targeted|damaged|destroyed|slammed\s+into|smashed\s+into)\s+(?P<t>(?:an?|the)\s+[^,.;]{3,80}?)(?=\s+(?:in|on|near|at|outside|during|as|killing|injuring|wounding|and|late|early|overnight|shortly|setting|leaving|left|with)\b|[,.;]|$)",
                t,
            )
            if tm:
                f["target"] = tm.group("t")
        if lex.civilian.search(t):
            f["civilians"] = True
        elif f["civilians"] is None and lex.military.search(t):
            f["civilians"] = False
    # a lead sentence often restates an attack reported in detail later
    merged: set[int] = set()  # ids of items folded into another (identity, not dataclass equality)
    for it in items:
        for other in items:
            if other is it or id(other) in merged or id(it) in merged:
                continue
            fi, fo = it.fields, other.fields
            if (
                fi["killed"] not in (None, _VAGUE)
                and fi["killed"] == fo["killed"]
                and set(fi["weapons"]) & set(fo["weapons"])
                and fi["place"] is None
                and fo["place"] is not None
            ):
                for k, v in fi.items():
                    if fo.get(k) in (None, []) and v not in (None, []):
                        fo[k] = v
                other.sentences = sorted({id(x): x for x in it.sentences + other.sentences}.values(), key=lambda x: x.start)
                merged.add(id(it))
    out = []
    for it in items:
        if id(it) in merged:
            continue
        f = it.fields
        for k in ("killed", "injured"):
            if f[k] == _VAGUE:
                f[k] = None
        if not (f["place"] or f["region"]) and f["killed"] is None and f["injured"] is None:
            continue  # national tallies ("120 drones overnight") and stray mentions
        weapons = f["weapons"]
        sub = _SUB_EVENT.get(weapons[0], "Other") if weapons else "Other"
        if sub == "Armed clash":
            f["event_type"] = "Battles"
        else:
            f["event_type"] = "Explosions/Remote violence"
        f["sub_event_type"] = sub
        out.append(it)
    return out


_CONTINUES = re.compile(r"(?:[“\"]|(?:However|But|And|Also|In response),?\s+(?:it|he|she|they)\b|(?:It|He|She|They|The two)\b)")


def _diplomacy(
    text: str, sentences: list[Sentence], people: _People, sanction_sentences: frozenset[int] = frozenset()
) -> list[_Item]:
    lex = _lexicon()
    items: list[_Item] = []
    last_actors: list[str] = []
    for sent in sentences:
        if sent.heading:
            continue
        t = sent.text
        kind = None
        if lex.prisoners.search(t):
            kind = "prisoner_exchange"
        else:
            for k, rx in lex.diplomacy.items():
                if rx.search(t):
                    kind = k
                    break
        actors = _actors(text, sent.start, sent.end, people, prev=last_actors)
        if kind in ("proposal", "agreement", "statement") and sent.start in sanction_sentences:
            kind = None  # a sanctions proposal belongs to the sanctions section
        if kind is None:
            if actors:
                last_actors = actors
            continue
        target: _Item | None = None
        ana = lex.anaphor.search(t)
        if ana:
            noun = ana.group("n").lower()
            group = {
                "call": {"call"}, "calls": {"call"}, "conversation": {"call"},
                "talks": {"talks", "meeting"}, "meeting": {"talks", "meeting"}, "summit": {"talks", "meeting"},
                "negotiations": {"talks", "meeting"},
                "exchange": {"prisoner_exchange"}, "swap": {"prisoner_exchange"},
                "agreement": {"agreement", "prisoner_exchange"}, "deal": {"agreement", "prisoner_exchange"},
                "proposal": {"proposal"},
            }[noun]
            if kind == "prisoner_exchange":
                group = {"prisoner_exchange"}
            exact = "talks" if noun in ("talks", "negotiations") else None
            target = next((it for it in reversed(items) if it.fields["kind"] == exact), None) or next(
                (it for it in reversed(items) if it.fields["kind"] in group), None
            )
        if target is None and kind in ("talks", "prisoner_exchange"):
            # an article usually reports one round of talks and one exchange
            when = _when(t)
            target = next(
                (it for it in items if it.fields["kind"] == kind and (when is None or it.fields["when"] in (None, when))),
                None,
            )
        para_item = next((it for it in reversed(items) if any(s.para == sent.para for s in it.sentences)), None)
        if target is None and para_item is not None:
            # 'However, it added ...' / '“...,” said Peskov.' continue the paragraph's event
            if para_item.fields["kind"] == kind or _CONTINUES.match(t):
                target = para_item
        if target is not None:
            target.sentences.append(sent)
            for a in actors:
                if a not in target.fields["actors"]:
                    target.fields["actors"].append(a)
            if target.fields["when"] is None:
                target.fields["when"] = _when(t)
        else:
            if not actors and re.search(r"\b(?:both sides|the two sides|they)\b", t, re.IGNORECASE) and items:
                actors = list(items[-1].fields["actors"])
            items.append(_Item("diplomacy", {"kind": kind, "actors": list(actors), "when": _when(t)}, [sent], sent.para))
        if actors:
            last_actors = actors
    return items


def _object_np(text: str, pos: int, max_words: int = 6) -> tuple[int, int] | None:
    m = re.match(r"\s+(?P<np>(?:the\s+)?[\w’'-]+(?:\s+(?!and\b|which\b|that\b|since\b|in\b)[\w’'-]+){0,%d})" % (max_words - 1), text[pos:])
    if not m:
        return None
    return pos + m.start("np"), pos + m.end("np")


# "a claim Ukraine did not confirm", "could not be independently verified": a capture only claimed
_UNCONFIRMED = re.compile(
    r"\b(?:(?:did|could|has|have|can)\s*(?:not|n[’']t)\s+(?:be\s+)?(?:independently\s+)?(?:confirm|verif)\w*|unconfirmed|unverified)\b",
    re.IGNORECASE,
)


def _subject(text: str, people: _People, start: int, verb_pos: int) -> str | None:
    """The actor nearest before ``verb_pos`` in ``text[start:verb_pos]`` (article offsets)."""
    lex = _lexicon()
    seg = text[start:verb_pos]
    pm = list(re.finditer(r"\b(?:Russian|Ukrainian)\s+(?:forces|troops|army|military|defen[cs]e\s+ministry|soldiers)\b", seg))
    if pm:
        return pm[-1].group()
    acts = list(lex.actors.finditer(seg))
    cands: list[tuple[int, str]] = [(m.start(), m.group()) for m in acts]
    cands += [(s - start, n) for s, _, n in people.between(start, verb_pos)]
    poss = list(re.finditer(r"\b(?P<n>[A-Z][\w-]+)[’']s\s+(?:territorial\s+)?(?:demands?|claims?)\b", text[start : verb_pos + 200]))
    if cands:
        return sorted(cands)[-1][1]
    return poss[0].group("n") if poss else None


def _territory(text: str, sentences: list[Sentence], people: _People) -> list[_Item]:
    lex = _lexicon()
    items: list[_Item] = []

    def add(sent: Sentence, place: str, status: str, claimant: str | None, region: str | None = None) -> None:
        for it in items:
            same_place = it.fields["place"].lower() == place.lower()
            if it.fields["status"] == status and (same_place or (status == "demand_rejected" and it.para == sent.para)):
                if sent not in it.sentences:
                    it.sentences.append(sent)
                return
        items.append(_Item("territory", {"place": place, "region": region, "claimant": claimant or "unknown",
                                          "status": status, "when": _when(sent.text)}, [sent], sent.para))

    for sent in sentences:
        if sent.heading:
            continue
        t = sent.text
        places = _places(t)
        # annexed: "Crimea, which Russia annexed in 2014" / "Russia annexed Crimea" / "annexation of Crimea"
        for m in lex.territory["annexed"].finditer(t):
            rel = re.search(r"(?P<p>[A-Z][\w’'-]+),\s+which\s+(?P<c>[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)?)\s+(?:illegally\s+)?$", t[: m.start()])
            if rel:
                when = re.match(r"\s+in\s+\d{4}", t[m.end():])
                add(sent, rel.group("p"), "annexed", rel.group("c"))
                if when:
                    items[-1].fields["when"] = when.group().strip()
                continue
            after = [p for p in places if p.start >= m.end() and p.start - m.end() < 25]
            if after:
                add(sent, after[0].name, "annexed", _subject(text, people, sent.start, sent.start + m.start()))
        # captured
        for m in lex.territory["captured"].finditer(t):
            obj = re.match(
                rf"\s+(?:(?:full\s+)?control\s+of\s+|over\s+)?(?:the\s+)?(?:(?:{lex.settlement_words})\s+of\s+)?",
                t[m.end() :],
                re.IGNORECASE,
            )
            pos = m.end() + (obj.end() if obj else 0)
            target = next((p for p in places if p.start == pos), None)
            if target is None:
                # passive: "Oleksandropil was captured by ..."
                target = next((p for p in places if p.end <= m.start() and re.fullmatch(r"\s+(?:village\s+|town\s+)?(?:was|has\s+been|had\s+been|were|have\s+been)\s+", t[p.end : m.start()])), None)
                by = re.match(r"\s+by\s+(?P<c>(?:Russian|Ukrainian)\s+\w+|[A-Z][\w-]+)", t[m.end():])
                claimant = by.group("c") if by else None
            else:
                claimant = _subject(text, people, sent.start, sent.start + m.start())
            if target is None:
                continue
            region = next((p.name for p in places if p.kind == "region" and p is not target), None)
            add(sent, target.name, "claimed" if _UNCONFIRMED.search(t) else "captured", claimant, region)
        for m in re.finditer(
            rf"(?P<p>[A-Z][\w’'-]+),\s+(?:which\s+was\s+)?(?:{_alt(lex.raw['territory_verbs']['captured'])})\s+by\s+(?P<c>(?:Russian|Ukrainian)\s+(?:forces|troops)|Russia|Ukraine|Kyiv|Moscow)(?P<w>\s+in\s+(?:{'|'.join(['January','February','March','April','May','June','July','August','September','October','November','December'])}\s+)?\d{{4}})?",
            t,
        ):
            target = next((p for p in places if p.start == m.start("p")), None)
            if target is not None:
                add(sent, target.name, "captured", m.group("c"))
                if m.group("w"):
                    items[-1].fields["when"] = m.group("w").strip()
        # contested
        for m in lex.territory["contested"].finditer(t):
            target = next((p for p in places if p.start >= m.end() and p.start - m.end() < 20), None)
            if target:
                add(sent, target.name, "contested", _subject(text, people, sent.start, sent.start + m.start()) or "both sides")
        # claimed
        for m in lex.territory["claimed"].finditer(t):
            explicit = " " in m.group()
            np = _object_np(t, m.end())
            if np is None:
                continue
            claimed = t[np[0] : np[1]]
            if not explicit and not re.search(rf"\b(?:{lex.region_words})\b", claimed, re.IGNORECASE) and not any(
                p.start >= np[0] and p.end <= np[1] for p in places if p.kind == "region"
            ):
                continue
            claimed = re.sub(r"^the\s+", "", claimed).rstrip()
            add(sent, claimed, "claimed", _subject(text, people, sent.start, sent.start + m.start()))
        # demand rejected
        rej = lex.territory["demand_rejected"].search(t)
        if rej and lex.demand_terms.search(t):
            poss = re.search(r"\b(?P<n>Russia|Moscow|Ukraine|Kyiv|the Kremlin|Kremlin)[’']s\s+(?:territorial\s+)?(?:demands?|claims?)", t)
            claimant = poss.group("n") if poss else None
            if claimant is None:
                prev = next((it for it in reversed(items) if it.para == sent.para or it.fields["status"] == "demand_rejected"), None)
                claimant = prev.fields["claimant"] if prev and prev.fields["status"] != "demand_rejected" else None
            place = next((p.name for p in places if p.start >= rej.end()), None)
            if place is None:
                # the territory concerned is usually named in the same paragraph
                para = [s for s in sentences if s.para == sent.para and s is not sent]
                for s in para:
                    cm = lex.territory["claimed"].search(s.text)
                    if cm and " " in cm.group():
                        np = _object_np(s.text, cm.end())
                        if np:
                            place = re.sub(r"^the\s+", "", s.text[np[0] : np[1]])
                            break
            if place is None:
                dm = lex.demand_terms.search(t)
                assert dm is not None
                place = dm.group()
            existing = next((it for it in items if it.fields["status"] == "demand_rejected" and it.para == sent.para), None)
            if existing:
                existing.sentences.append(sent)
                if existing.fields["claimant"] == "unknown" and claimant:
                    existing.fields["claimant"] = claimant
            else:
                add(sent, place, "demand_rejected", claimant)
    return items


def _sanctions(text: str, sentences: list[Sentence], people: _People) -> list[_Item]:
    lex = _lexicon()
    items: list[_Item] = []
    prev_actors: list[str] = []
    prev_sent: Sentence | None = None
    for sent in sentences:
        if sent.heading:
            continue
        t = sent.text
        actors_all = _actors(text, sent.start, sent.end, people, prev=prev_actors)
        term = lex.sanction_terms.search(t)
        if term is None and items and items[-1].para == sent.para and items[-1].sentences[-1] is prev_sent:
            term = re.search(r"\b(?:the|this|that|these)\s+(?:proposal|measures|package|decision|idea|plan)\b", t)
        prev_sent = sent
        if term is None:
            if actors_all:
                prev_actors = [a for a in actors_all]
            continue
        best: tuple[int, str] | None = None
        for st, rx in lex.sanction_status.items():
            m = rx.search(t)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), st)
        if best is None:
            continue
        status = best[1]
        tm = re.search(
            r"\b(?:against|on|targeting|over)\s+(?P<t>the\s+Kremlin|Russian\s+[a-z]+(?:\s+[a-z]+)?|Russia|Moscow|Belarus|Iran|North\s+Korea|China|[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*)",
            t[term.start() :],
        )
        target = tm.group("t") if tm else "Russia"
        def keep(a: str) -> bool:
            return a.lower() not in target.lower() and target.lower() not in a.lower()

        actors = [a for a in actors_all if keep(a)]
        if not actors and prev_actors:
            actors = [a for a in prev_actors if keep(a)]
        existing = next(
            (it for it in items if it.fields["status"] == status and set(it.fields["actors"]) & set(actors)), None
        )
        if existing is None and not actors:
            existing = next((it for it in reversed(items) if it.fields["status"] == status and it.para == sent.para), None)
        if existing:
            existing.sentences.append(sent)
        else:
            items.append(_Item("sanctions", {"actors": actors, "target": target, "status": status}, [sent], sent.para))
        if actors_all:
            prev_actors = actors_all
    return items


# ---------------------------------------------------------------------------
# The backend


def _attach_quotes(items: list[_Item], quotes: list[tuple[int, Quote]]) -> None:
    by_para: dict[int, list[_Item]] = {}
    for it in items:
        for para in dict.fromkeys(s.para for s in it.sentences):
            by_para.setdefault(para, []).append(it)
    for para, q in quotes:
        cands = by_para.get(para) or by_para.get(para - 1)
        if not cands:
            continue
        # the item whose evidence is closest before the quote
        best = min(cands, key=lambda it: min(abs(s.start - q.start) for s in it.sentences))
        best.quotes.append(q)


def _describe(it: _Item) -> str:
    return it.sentences[0].text


def _checked_counts(attack: Attack) -> Attack:
    """Apply the grounding rules to the counts the patterns found: a count the grounding
    check would reject (vague, or not stated) becomes null, so both backends agree."""
    evidence = " \u2016 ".join(s.text for s in attack.evidence)
    for name in ("killed", "injured"):
        if check_count(getattr(attack, name), evidence) is not None:
            attack = attack.model_copy(update={name: None})
    return attack


_DANGLING = re.compile(r"^(?:[\"“‘']|(?:He|She|They|It|This|These|That|Those|His|Her|Their)\b)")
_DIPLOMACY_FIRST = ("talks", "agreement", "prisoner_exchange", "meeting", "call", "proposal", "statement")


def _summary_text(headline: str, content: list[Sentence], dipl: list[_Item], attacks: list[_Item],
                  territory: list[_Item], sanctions: list[_Item], max_chars: int = 500) -> str:
    """Key sentences, in article order: the main diplomatic event, the first attack, the first
    territorial item and the first sanctions move, skipping the headline and sentences that
    lean on a previous one ("He said ...", quotes). Lead sentences fill in when that is too little."""

    def usable(sent: Sentence) -> bool:
        return sent.text != headline and not _DANGLING.match(sent.text)

    ranked_dipl = sorted(dipl, key=lambda it: _DIPLOMACY_FIRST.index(it.fields["kind"]))
    picked: list[Sentence] = []
    for items in (ranked_dipl, attacks, territory, sanctions):
        sent = next((s for it in items for s in it.sentences if usable(s)), None)
        if sent is not None and sent not in picked:
            picked.append(sent)
    for sent in content:  # too little: the lead
        if len(picked) >= 2:
            break
        if usable(sent) and sent not in picked:
            picked.append(sent)
    out: list[str] = []
    for sent in sorted(picked, key=lambda s: s.start):
        if out and sum(len(x) + 1 for x in out) + len(sent.text) > max_chars:
            break
        out.append(sent.text)
    return " ".join(out) or headline


@functools.lru_cache(maxsize=1)
def lexicon_version() -> str:
    """A short hash of the lexicon files: changes whenever the rules' data changes."""
    digest = hashlib.sha256()
    for path in sorted(LEXICON_DIR.glob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class ExtractiveBackend:
    """Rule-based, deterministic, offline summaries. No model, no network."""

    name = "extractive"

    @property
    def identity(self) -> tuple[str | None, str | None]:
        return "extractive", lexicon_version()

    def summarize(self, article: Article) -> Summary:
        """Summarize one article with lexicons and patterns."""
        t0 = time.perf_counter()
        _places_cached.cache_clear()  # per-call memo only: timings never depend on earlier calls
        text = article.text
        sentences = segment(text)
        people = _find_people(text, sentences)
        content = [s for s in sentences if not s.heading]

        sanctions = _sanctions(text, sentences, people)
        in_sanctions = frozenset(s.start for it in sanctions for s in it.sentences)
        dipl = _diplomacy(text, sentences, people, in_sanctions)
        _attach_quotes(dipl, _quotes(text, sentences, people))
        attacks = _attacks(text, sentences)
        territory = _territory(text, sentences, people)

        # The published title is the best headline; otherwise the first sentence, which
        # then opens the summary no more (it would only repeat the headline).
        headline = article.title or (content[0].text if content else "")
        summary = Summary(
            headline=headline,
            summary=_summary_text(headline, content, dipl, attacks, territory, sanctions),
            diplomacy=[
                Diplomacy(
                    kind=it.fields["kind"],
                    actors=it.fields["actors"],
                    what=_describe(it),
                    when=it.fields["when"],
                    quotes=sorted(it.quotes, key=lambda q: q.start),
                    evidence=[s.span() for s in it.sentences],
                )
                for it in dipl
            ],
            attacks=[_checked_counts(Attack(**it.fields, evidence=[s.span() for s in it.sentences])) for it in attacks],
            territory=[Territory(**it.fields, evidence=[s.span() for s in it.sentences]) for it in territory],
            sanctions=[
                Sanction(**it.fields, what=_describe(it), evidence=[s.span() for s in it.sentences])
                for it in sanctions
            ],
            article=article,
            meta=Meta(
                backend="extractive",
                model=None,
                attempts=1,
                content_hash=article.content_hash,
                prompt_version=None,
                latency_s=0.0,
            ),
        )
        summary.meta.latency_s = time.perf_counter() - t0
        return summary

    async def asummarize(self, article: Article) -> Summary:
        """Async form of :meth:`summarize` (the work is CPU-bound and quick)."""
        return self.summarize(article)

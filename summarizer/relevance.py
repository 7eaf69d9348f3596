"""Is an English article about armed conflict, its diplomacy or sanctions? A deterministic gate.

Pure functions, no I/O. Used by the offline (extractive) backend, which would
otherwise read "shell companies" as shelling and a Covid death toll as an
attack. The LLM backend answers the same question itself (``SummaryDraft.relevance``).

A single keyword proves nothing ("drone footage", "kill the process", "price
war"), so the gate looks for conflict vocabulary **in context**, sentence by
sentence:

* a *strong* sentence ties an act of war to a weapon or an armed actor (“a
  drone struck”, “troops captured”, “shelling killed”), or names sanctions
  against someone (“sanctions against Russia”, “imposed sanctions”);
* a *weak* sentence only uses the vocabulary of war (“ceasefire”, “the war”,
  “peace talks”, “troops”).

An article is relevant with one strong sentence, or with weak sentences that use
at least two different conflict terms. The vocabulary is generic: no country,
war or place names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.sentences import sentence_spans

__all__ = ["RULES_VERSION", "Assessment", "assess"]

#: Bump when the vocabulary or the rule changes.
RULES_VERSION = "1"


def _alt(*terms: str) -> str:
    return "(?:" + "|".join(terms) + ")"


# Weapons and means of attack, never ambiguous on their own in these forms.
_WEAPON = _alt(
    r"drones?", r"missiles?", r"rockets?", r"artillery", r"shelling", r"shelled", r"mortars?",
    r"(?:artillery|mortar|tank) shells?", r"air ?strikes?", r"airstrikes?", r"bomb(?:s|ing|ings|ed)?",
    r"glide bombs?", r"cluster munitions?", r"munitions", r"grenades?", r"landmines?",
    r"(?:land|anti-personnel|anti-tank|naval|sea) mines",
    r"IEDs?", r"explosives?", r"gunfire", r"gunmen", r"snipers?", r"warplanes?", r"fighter jets?",
    r"helicopter gunships?", r"(?:battle|army|main battle) tanks", r"howitzers?", r"ballistic", r"cruise missiles?",
    r"kamikaze", r"Shaheds?", r"loitering munitions?",
)
# Armed actors.
_ARMED = _alt(
    r"troops", r"soldiers?", r"forces", r"army", r"armies", r"military", r"militar(?:y|ies)",
    r"militants?", r"militias?", r"insurgents?", r"rebels?", r"fighters", r"paratroopers",
    r"marines", r"battalions?", r"brigades?", r"regiments?", r"(?<!housing )(?<!storage )units",
    r"guerrillas?", r"jihadists?", r"armed groups?", r"the enemy", r"occupiers", r"invaders",
)
# Acts of war.
_ACT = _alt(
    r"struck", r"strikes?", r"striking", r"hit", r"hits", r"attack(?:s|ed|ing)?", r"shot down",
    r"downed", r"intercepted", r"launched", r"fired", r"fire", r"pounded", r"bombarded",
    r"shelled", r"captured", r"seized", r"took control", r"retook", r"liberated", r"advanced",
    r"advancing", r"advance", r"offensive", r"assault(?:s|ed)?", r"invaded", r"invasion",
    r"clash(?:es|ed)?", r"fighting", r"fought", r"ambush(?:ed)?", r"raid(?:s|ed)?",
    r"killed", r"killing", r"wounded", r"wounding", r"injured", r"injuring", r"dead", r"died",
    r"casualties", r"destroyed", r"repelled", r"withdrew", r"retreated", r"occupied",
    r"encircled", r"besieged", r"siege",
)
# Vocabulary of war and its diplomacy: weak on its own.
_WAR_TERMS = {
    "war": r"(?<!price )(?<!trade )(?<!culture )(?<!console )(?<!star )(?<!format )(?<!bidding )(?<!turf )\bwar\b(?! on (?:drugs|poverty|terror|cancer|christmas|talent))(?!s\b)",
    "wartime": r"\bwartime\b",
    "ceasefire": r"\bcease-?fire\b",
    "truce": r"\btruce\b",
    "armistice": r"\barmistice\b",
    "peace talks": r"\bpeace (?:talks|deal|plan|process|agreement|negotiations|summit)\b",
    "prisoner exchange": r"\bprisoners? (?:of war|exchanges?|swaps?)\b|\bPOWs?\b",
    "front line": r"\bfront ?lines?\b(?! (?:workers?|staff|nurses?|doctors?|health))",
    "invasion": r"\binvasion\b",
    "occupation": r"\boccupied (?:territor(?:y|ies)|areas|regions?)\b|\boccupation forces\b",
    "annexation": r"\bannex(?:ed|ation)\b",
    "troops": r"\btroops\b",
    "armed forces": r"\barmed forces\b",
    "war crimes": r"\bwar crimes?\b",
    "defence ministry": r"\bdefen[cs]e (?:minister|ministry|secretary|chief)\b|\bministry of defen[cs]e\b|\bPentagon\b",
    "NATO": r"\bNATO\b",
    "airstrike": r"\bair ?strikes?\b|\bairstrikes?\b",
    "shelling": r"\bshelling\b",
    "military aid": r"\bmilitary (?:aid|assistance|support|operation)\b|\bweapons deliveries\b",
    "sanctions": r"\bsanctions\b",
    "hostilities": r"\bhostilities\b|\bcombat\b|\bbattlefield\b",
}
_WAR = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in _WAR_TERMS.items()}

_WINDOW = 60  # characters between the parts of a contextual match
_W = rf"[^.;!?\n]{{0,{_WINDOW}}}?"
_STRONG = [
    # a weapon or an armed actor doing an act of war, either way round
    ("attack", re.compile(rf"\b{_WEAPON}\b{_W}\b{_ACT}\b", re.IGNORECASE)),
    ("attack", re.compile(rf"\b{_ACT}\b{_W}\b{_WEAPON}\b", re.IGNORECASE)),
    ("armed action", re.compile(rf"\b{_ARMED}\b{_W}\b{_ACT}\b", re.IGNORECASE)),
    ("armed action", re.compile(rf"\b{_ACT}\b{_W}\b(?:by|from|of|against|on) {_W}\b{_ARMED}\b", re.IGNORECASE)),
    # sanctions aimed at someone, or a sanctions move
    (
        "sanctions",
        re.compile(
            r"\bsanctions\b[^.;!?\n]{0,40}?\b(?:against|on|targeting|over)\b"
            r"|\b(?:impos\w*|adopt\w*|new|lift\w*|eas\w*|tighten\w*|extend\w*|Western|economic|"
            r"package of|round of|tranche of)\s+(?:\w+\s+){0,2}?sanctions\b",
            re.IGNORECASE,
        ),
    ),
]
# Sentences about spaceflight: rockets and missiles launched there are not attacks.
_SPACE = re.compile(r"\b(?:SpaceX|NASA|orbit\w*|satellites?|spacecraft|space station|launch pad|astronauts?|payload)\b", re.IGNORECASE)
# Words that make 'armed actor' sentences non-military.
_NOT_ARMED = re.compile(
    r"\b(?:police (?:forces|units)|market forces|task forces?|labou?r forces?|sales forces?|workforce|"
    r"forces? (?:of nature|majeure)|units? (?:of|tests?|sold)|salvation army|army of volunteers)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Assessment:
    """The gate's verdict: ``relevant``, a one-sentence ``reason``, and the evidence."""

    relevant: bool
    reason: str
    strong: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


# Every strong pattern needs one of these words: sentences without one are skipped quickly.
_ANCHOR = re.compile(rf"\b(?:{_WEAPON}|{_ARMED}|sanctions)\b", re.IGNORECASE)


def _strong(sentence: str) -> str | None:
    if not _ANCHOR.search(sentence):
        return None
    for label, pattern in _STRONG:
        m = pattern.search(sentence)
        if not m or (label == "armed action" and _NOT_ARMED.search(sentence)):
            continue
        if label == "attack" and _SPACE.search(sentence):
            continue
        return label
    return None


def assess(text: str) -> Assessment:
    """Whether ``text`` (English) reports on armed conflict, its diplomacy or sanctions.

    >>> assess("A Russian drone struck a minibus in Sumy on Saturday. Nine people died.").relevant
    True
    >>> assess("The firm used shell companies in Cyprus. Neighbours were asked to call police.").relevant
    False
    """
    strong: list[str] = []
    labels: list[str] = []
    for sentence in _sentences(text):
        label = _strong(sentence)
        if label:  # one is enough
            strong.append(sentence.strip())
            labels.append(label)
            break
    terms = {name: None for name, pattern in _WAR.items() if pattern.search(text)}
    if strong:
        reason = f"It reports {_WHAT[labels[0]]}: \u201c{_clip(strong[0])}\u201d"
        return Assessment(True, reason, tuple(strong), tuple(terms))
    if len(terms) >= 2:
        reason = "It uses the vocabulary of armed conflict: " + ", ".join(list(terms)[:4]) + "."
        return Assessment(True, reason, (), tuple(terms))
    reason = (
        "It reports no attack, fighting, armed forces, peace talks or sanctions."
        if not terms
        else f"It mentions {next(iter(terms))} only in passing, with no attack, fighting or sanctions."
    )
    return Assessment(False, reason, (), tuple(terms))


_WHAT = {"attack": "an attack", "armed action": "armed forces in action", "sanctions": "sanctions"}


def _clip(text: str, limit: int = 100) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "\u2026"

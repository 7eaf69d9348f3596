"""The sanctions section: who imposes, proposes or lifts measures against whom.

The target is what the sentence names after "against", "on", "targeting" or "over"; failing
that, the target of the move it refers back to ("the proposal"), or else the first target
the article stated; failing that, the move is not reported (no country is ever assumed).
"""

from __future__ import annotations

import re

from summarizer.backends.extractive.items import _Item
from summarizer.backends.extractive.lexicon import _DEMONYM, _lexicon
from summarizer.backends.extractive.people import _actors, _People
from summarizer.backends.extractive.sentences import Sentence


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
        refers_back = False
        if term is None and items and items[-1].para == sent.para and items[-1].sentences[-1] is prev_sent:
            term = re.search(r"\b(?:the|this|that|these)\s+(?:proposal|measures|package|decision|idea|plan)\b", t)
            refers_back = term is not None
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
        # not stated here: the move "the proposal" refers to, else the article's first target
        stated = None if refers_back else _target(t[term.start() :])
        target = stated or (items[-1 if refers_back else 0].fields["target"] if items else None)
        if target is None:
            continue  # nobody named as the target: say nothing rather than assume one
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


_STOP = r"(?:on|in|at|by|for|from|over|after|before|since|that|which|who|to|and|or|as|with|until|amid|during|the\s+same)"
_TARGET = re.compile(
    r"\b(?:against|on|targeting|over)\s+(?P<t>"
    r"the\s+Kremlin|North\s+Korea|"
    rf"{_DEMONYM}\s+(?!{_STOP}\b)[a-z][\w-]+(?:\s+(?!{_STOP}\b)[a-z][\w-]+)?|"  # 'Russian oil', 'Iranian oil exports'
    r"[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*|"  # 'Russia', 'Belarus', 'Saudi Arabia'
    rf"(?:\d[\d,]*\s+)?(?:more\s+|other\s+|new\s+)?[a-z][\w-]+(?:\s+(?!{_STOP}\b)[a-z][\w-]+){{0,3}}"  # '20 more shadow-fleet vessels'
    r")"
)
_NOT_TARGETS = frozenset({"the", "a", "an", "its", "their", "his", "her", "this", "that", "these", "those", "it", "them"})


def _target(clause: str) -> str | None:
    """The target a sanctions clause states, as written, or None."""
    m = _TARGET.search(clause)
    if m is None:
        return None
    target = m.group("t")
    first = target.split()[0].lower()
    if first in _NOT_TARGETS or first in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"):
        return None
    return target

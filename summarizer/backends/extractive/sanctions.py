"""The sanctions section: who imposes, proposes or lifts measures against whom."""

from __future__ import annotations

import re

from summarizer.backends.extractive.items import _Item
from summarizer.backends.extractive.lexicon import _lexicon
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

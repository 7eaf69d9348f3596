"""The summary text: one key sentence per section, in article order, topped up from the lead."""

from __future__ import annotations

import re

from summarizer.backends.extractive.items import _Item
from summarizer.backends.extractive.sentences import Sentence

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

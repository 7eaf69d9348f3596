"""The territory section: annexed, captured, contested and claimed places, and rejected demands."""

from __future__ import annotations

import re

from summarizer.backends.extractive.items import _Item
from summarizer.backends.extractive.lexicon import _DEMONYM, _alt, _lexicon
from summarizer.backends.extractive.people import _People
from summarizer.backends.extractive.places import _places, _when
from summarizer.backends.extractive.sentences import Sentence


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
    pm = list(re.finditer(rf"\b{_DEMONYM}\s+(?:forces|troops|army|military|defen[cs]e\s+ministry|soldiers)\b", seg))
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
        if not any(rx.search(t) for rx in lex.territory.values()):
            continue  # every pattern below needs one of the territory verbs (most sentences have none)
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
                rf"\s+(?:(?:full\s+)?control\s+of\s+|over\s+)?(?:the\s+)?(?:{_DEMONYM}\s+)?(?:(?:{lex.settlement_words})\s+of\s+)?",
                t[m.end() :],
                re.IGNORECASE,
            )
            pos = m.end() + (obj.end() if obj else 0)
            target = next((p for p in places if p.start == pos), None)
            if target is None:
                # passive: "Oleksandropil was captured by ..."
                target = next((p for p in places if p.end <= m.start() and re.fullmatch(r"\s+(?:village\s+|town\s+)?(?:was|has\s+been|had\s+been|were|have\s+been)\s+", t[p.end : m.start()])), None)
                by = re.match(rf"\s+by\s+(?P<c>{_DEMONYM}\s+\w+|[A-Z][\w-]+)", t[m.end():])
                claimant = by.group("c") if by else None
            else:
                claimant = _subject(text, people, sent.start, sent.start + m.start())
            if target is None:
                continue
            region = next((p.name for p in places if p.kind == "region" and p is not target), None)
            add(sent, target.name, "claimed" if _UNCONFIRMED.search(t) else "captured", claimant, region)
        for m in re.finditer(
            rf"(?P<p>[A-Z][\w’'-]+),\s+(?:which\s+was\s+)?(?:{_alt(lex.raw['territory_verbs']['captured'])})\s+by\s+(?P<c>{_DEMONYM}\s+(?:forces|troops)|[A-Z][\w’'-]+)(?P<w>\s+in\s+(?:{'|'.join(['January','February','March','April','May','June','July','August','September','October','November','December'])}\s+)?\d{{4}})?",
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
            poss = re.search(r"\b(?P<n>the Kremlin|[A-Z][\w-]+(?:\s+[A-Z][\w-]+)?)[’']s\s+(?:territorial\s+)?(?:demands?|claims?)", t)
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

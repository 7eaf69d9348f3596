"""Numbers in words and digits, and the killed / injured counts a sentence states."""

from __future__ import annotations

import re

from summarizer.backends.extractive.lexicon import _VAGUE, _lexicon


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
    if not lex.casualty_terms.search(text):  # no killed/injured word: no count (most sentences)
        return None, None
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

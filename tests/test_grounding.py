"""Grounding: pure span and number matching, and draft → final conversion."""

from __future__ import annotations

import bisect
import copy
import re
from typing import Any

import pytest

from summarizer import grounding
from summarizer.grounding import check_count, find_span, ground, locate, normalize, numbers_in, verify_summary
from summarizer.schema import Article, SummaryDraft


@pytest.mark.parametrize(
    ("article", "passage", "expected"),
    [
        ("He said \u201cno deal\u201d today.", 'He said "no deal" today.', "He said \u201cno deal\u201d today."),
        ("Ukraine\u2019s Sumy region", "Ukraine's Sumy region", "Ukraine\u2019s Sumy region"),
        ("line one\n   line   two", "line one line two", "line one\n   line   two"),
        ("THE KREMLIN SAID", "the kremlin said", "THE KREMLIN SAID"),
        ("this war\u2026 will end", "this war... will end", "this war\u2026 will end"),
        ("a 30\u2013day ceasefire", "a 30-day ceasefire", "a 30\u2013day ceasefire"),
        ("Trump said: \u201cNothing.\u201d Then left.", '"Nothing."', "\u201cNothing.\u201d"),
        ("Peace is near, he said.", "Peace is near.", "Peace is near"),
    ],
)
def test_find_span_tolerates_quotes_whitespace_case_and_dashes(article: str, passage: str, expected: str) -> None:
    span = find_span(article, passage)
    assert span is not None
    assert span.text == expected
    assert article[span.start:span.end] == span.text


def test_find_span_returns_none_for_a_paraphrase(seed_text: str) -> None:
    assert find_span(seed_text, "A Russian drone hit a bus in Sumy") is None


def test_find_span_after_skips_earlier_occurrences() -> None:
    text = "Peskov said yes. Later Peskov said no."
    first, second = find_span(text, "Peskov said"), find_span(text, "Peskov said", after=5)
    assert first is not None and second is not None
    assert (first.start, second.start) == (0, 23)


def test_locate_splits_an_ellipsis_into_spans_in_order(seed_text: str) -> None:
    spans = locate(seed_text, "Russian forces launched more attacks ... to kill six people")
    assert spans is not None and [s.text for s in spans] == ["Russian forces launched more attacks", "to kill six people"]
    assert spans[0].end < spans[1].start


def test_locate_rejects_ellipsis_parts_out_of_order(seed_text: str) -> None:
    assert locate(seed_text, "to kill six people ... Russian forces launched more attacks") is None


def _normalize_char_by_char(text: str) -> tuple[str, tuple[int, ...]]:
    """The definition normalize() implements faster: one character at a time."""
    out: list[str] = []
    origin: list[int] = []
    pending_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            pending_space = bool(out)
            continue
        mapped = grounding._CHAR_MAP.get(ch, ch)
        if not mapped:
            continue
        if pending_space:
            out.append(" ")
            origin.append(i - 1)
            pending_space = False
        for m in mapped.lower():
            out.append(m)
            origin.append(i)
    return "".join(out), tuple(origin)


_TRICKY = ["a", "B", " ", "\n", "\t", "\u00a0", "\u2019", "\u201c", "\u2014", "\u2026", "\u00ad", "\u200b",
           "\u0130", "\u03a3", "\u039f", "`", "\u00c9", "9", ".", "\u3000"]


@pytest.mark.parametrize("seed", range(40))
def test_normalize_folds_runs_exactly_as_character_by_character(seed: int) -> None:
    import random

    rng = random.Random(seed)
    text = "".join(rng.choice(_TRICKY) for _ in range(rng.randint(0, 60)))
    assert (normalize(text).text, normalize(text).origin) == _normalize_char_by_char(text)


def test_normalize_folds_real_pages_exactly_as_character_by_character() -> None:
    import json
    from pathlib import Path

    corpus = Path(__file__).parent / "data" / "corpus" / "corpus.jsonl"
    for line in corpus.read_text(encoding="utf-8").splitlines()[::7]:
        text = json.loads(line)["text"]
        assert (normalize(text).text, normalize(text).origin) == _normalize_char_by_char(text)


@pytest.mark.parametrize("seed", range(40))
def test_normalize_text_is_the_text_of_normalize(seed: int) -> None:
    import random

    rng = random.Random(seed)
    text = "".join(rng.choice(_TRICKY) for _ in range(rng.randint(0, 60)))
    assert grounding.normalize_text(text) == normalize(text).text


def test_normalize_text_of_real_pages_is_the_text_of_normalize() -> None:
    import json
    from pathlib import Path

    corpus = Path(__file__).parent / "data" / "corpus" / "corpus.jsonl"
    for line in corpus.read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"]
        assert grounding.normalize_text(text) == normalize(text).text


@pytest.mark.parametrize("text", ["", "  It`s  NINE\tkilled ", "plain ascii, no quotes", "`", "It`s \u2018nine\u2019"])
def test_normalize_text_of_ascii_text_folds_its_backquotes_as_normalize_does(text: str) -> None:
    assert grounding.normalize_text(text) == normalize(text).text


def test_no_fold_makes_a_character_another_fold_replaces() -> None:
    # normalize_text replaces one character after another: the same as replacing all at once only then
    assert not {c for _, after in grounding._FOLDS for c in after} & {before for before, _ in grounding._FOLDS}


def _assert_runs_map_as_normalize(text: str) -> None:
    import bisect

    runs, norm = grounding._fold_runs(text), normalize(text)
    assert runs.text == norm.text
    assert [runs.origin(k) for k in range(len(norm.text))] == list(norm.origin)
    for offset in range(len(text) + 2):
        assert runs.first_from(offset) == bisect.bisect_left(norm.origin, offset), offset


@pytest.mark.parametrize("seed", range(80))
def test_the_index_maps_offsets_as_normalize_does(seed: int) -> None:
    import random

    rng = random.Random(seed)
    _assert_runs_map_as_normalize("".join(rng.choice(_TRICKY) for _ in range(rng.randint(0, 60))))


def test_the_index_of_real_pages_maps_offsets_as_normalize_does() -> None:
    import json
    from pathlib import Path

    corpus = Path(__file__).parent / "data" / "corpus" / "corpus.jsonl"
    for line in corpus.read_text(encoding="utf-8").splitlines()[::11]:
        _assert_runs_map_as_normalize(json.loads(line)["text"])


def test_an_article_has_few_runs_in_its_index(seed_text: str) -> None:
    assert len(grounding._index(seed_text).starts) < len(seed_text) / 20


def test_normalize_keeps_an_offset_for_every_character() -> None:
    text = "A  \u201cquote\u201d\u2026 end"
    norm = normalize(text)
    assert norm.text == 'a "quote"... end'
    assert len(norm.origin) == len(norm.text)
    assert all(0 <= o < len(text) for o in norm.origin)


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("nine people died and five others were injured", [(9, False), (5, False)]),
        ("kill six people and wound over a dozen", [(6, False), (12, True)]),
        ("exchange 1,000 prisoners each", [(1000, False)]),
        ("a dozen were hurt", [(12, False)]),
        ("twenty-five soldiers", [(25, False)]),
        ("two hundred and five", [(205, False)]),
        ("nearly 40 wounded", [(40, True)]),
        ("at least 12 dead", [(12, False)]),
        ("dozens were injured", []),
        ("hundreds of drones", []),
        ("1.5 million people fled", [(1_500_000, False)]),
        ("a 25-year-old man was killed", []),
        ("a man, 64 years old, died", []),
        ("no one was killed", []),
        ("one of the missiles hit a school, killing nine", [(9, False)]),
        ("one person died", [(1, False)]),
        ("the two-day offensive killed five", [(5, False)]),
        ("thunder 3 people hurt", [(3, False)]),
    ],
)
def test_numbers_in_reads_digits_words_and_vagueness(text: str, values: list[tuple[int, bool]]) -> None:
    assert [(m.value, m.vague) for m in numbers_in(text)] == values


@pytest.mark.parametrize(
    ("value", "evidence", "ok"),
    [
        (9, "nine people died", True),
        (1000, "1,000 prisoners were exchanged", False),  # people, but not casualties
        (12, "a dozen were wounded", True),
        (None, "wound over a dozen", True),
        (12, "wound over a dozen", False),
        (10, "nine people died", False),
        (0, "no one was hurt", True),
        (1, "No one was killed in the strike", False),
        (1, "One of the missiles hit a school, killing nine.", False),
        (25, "A 25-year-old man was killed", False),
        (1, "The shelling killed one civilian", True),
        (0, "the strike hit a depot", False),
    ],
)
def test_check_count_accepts_only_numbers_stated_exactly(value: int | None, evidence: str, ok: bool) -> None:
    assert (check_count(value, evidence) is None) is ok


def _draft(seed_draft: dict[str, Any]) -> SummaryDraft:
    token = grounding.ACTIVE.set(None)
    try:
        return SummaryDraft.model_validate(seed_draft)
    finally:
        grounding.ACTIVE.reset(token)


def test_ground_converts_every_item_with_offsets(seed_text: str, seed_draft: dict[str, Any]) -> None:
    result = ground(_draft(seed_draft), seed_text)
    assert result.dropped == []
    assert [len(result.sections[s]) for s in ("diplomacy", "attacks", "territory", "sanctions")] == [5, 3, 4, 3]
    for items in result.sections.values():
        for item in items:
            for span in item.evidence:
                assert seed_text[span.start:span.end] == span.text


def test_an_invented_count_is_set_to_null_and_the_attack_kept(seed_text: str, seed_draft: dict[str, Any]) -> None:
    bad = copy.deepcopy(seed_draft)
    bad["attacks"][0]["killed"] = 10
    result = ground(_draft(bad), seed_text)
    [dropped] = result.dropped
    assert dropped.section == "attacks" and dropped.item["killed"] == 10 and dropped.kept
    assert dropped.reasons == ["attacks[0].killed = 10: 10 does not appear in its evidence; use null unless the evidence states it"]
    sumy = result.sections["attacks"][0]
    assert sumy.killed is None and sumy.injured == 5 and len(result.sections["attacks"]) == 3


def test_an_item_whose_evidence_is_not_in_the_article_is_dropped_whole(seed_text: str, seed_draft: dict[str, Any]) -> None:
    bad = copy.deepcopy(seed_draft)
    bad["territory"][3]["evidence"] = ["Russian troops stormed Oleksandropil on Sunday."]
    result = ground(_draft(bad), seed_text)
    [dropped] = result.dropped
    assert dropped.section == "territory" and not dropped.kept
    assert [t.place for t in result.sections["territory"]] == ["five Ukrainian regions", "Crimea", "Russia's territorial demands"]


def test_a_paraphrased_passage_is_left_out_when_other_evidence_holds(seed_text: str, seed_draft: dict[str, Any]) -> None:
    bad = copy.deepcopy(seed_draft)
    bad["attacks"][0]["evidence"].append("The drone hit the bus near a school.")
    result = ground(_draft(bad), seed_text)
    assert result.dropped[0].kept and "The drone hit the bus" in result.dropped[0].reasons[0]
    assert len(result.sections["attacks"][0].evidence) == 2


def test_an_invented_quote_is_removed_and_the_item_kept(seed_text: str, seed_draft: dict[str, Any]) -> None:
    bad = copy.deepcopy(seed_draft)
    bad["diplomacy"][4]["quotes"][0]["text"] = "Russia has surrendered"
    result = ground(_draft(bad), seed_text)
    assert result.problems == [
        'diplomacy[4].quotes[0] "Russia has surrendered" (Marco Rubio) is not in the article; quote verbatim or omit it'
    ]
    rubio_call = result.sections["diplomacy"][4]
    assert rubio_call.quotes == [] and result.dropped[0].kept


@pytest.mark.parametrize(
    ("field", "text", "problem"),
    [
        ("headline", "Russian strike kills 40 in Sumy", "the figure 40 is not stated"),
        ("summary", 'Putin said "We will never negotiate with Kyiv".', 'the quotation "We will never negotiate with Kyiv"'),
        ("headline", "Joe Biden hails the prisoner swap agreed in Istanbul", '"Joe Biden" is not named in the article'),
        ("summary", "Ukrainian and Russian envoys met in Geneva.", '"Geneva" is not named in the article'),
    ],
)
def test_headline_and_summary_may_only_use_names_figures_and_quotes_from_the_article(
    seed_text: str, seed_draft: dict[str, Any], field: str, text: str, problem: str
) -> None:
    bad = copy.deepcopy(seed_draft)
    bad[field] = text
    article = Article(text=seed_text)
    summary = grounding.build_summary(_draft(bad), article, {"backend": "llm"})
    [dropped] = summary.meta.dropped
    assert dropped.section == field and [problem in reason for reason in dropped.reasons] == [True]
    assert getattr(summary, field) != text  # replaced by the article's own lead
    assert getattr(summary, field).startswith("US President Donald Trump said he will call")


def test_a_faithful_summary_with_figures_in_words_passes(seed_text: str) -> None:
    text = "Talks in Istanbul produced a swap of 1,000 prisoners each; a drone strike killed nine in Sumy, the first talks since 2022."
    assert grounding.check_text("summary", text, seed_text) == []


def test_evidence_too_short_to_mean_anything_is_rejected(seed_text: str, seed_draft: dict[str, Any]) -> None:
    bad = copy.deepcopy(seed_draft)
    bad["sanctions"][0]["evidence"] = ["He"]
    assert "too short" in ground(_draft(bad), seed_text).problems[0]


def test_draft_validator_raises_only_while_an_article_is_active(seed_text: str, seed_draft: dict[str, Any]) -> None:
    bad = copy.deepcopy(seed_draft)
    bad["territory"][0]["evidence"] = ["Moscow controls all of Ukraine."]
    assert SummaryDraft.model_validate(bad)  # no article active: plain schema validation
    token = grounding.ACTIVE.set(grounding.GroundingContext(seed_text))
    try:
        with pytest.raises(ValueError, match=r'territory\[0\]\.evidence\[0\] "Moscow controls all of Ukraine\."'):
            SummaryDraft.model_validate(bad)
    finally:
        grounding.ACTIVE.reset(token)


def test_build_summary_records_dropped_items_and_the_hash(seed_text: str, seed_draft: dict[str, Any]) -> None:
    bad = copy.deepcopy(seed_draft)
    bad["attacks"][1]["injured"] = 12
    article = Article(text=seed_text)
    summary = grounding.build_summary(_draft(bad), article, {"backend": "llm"})
    assert summary.meta.content_hash == article.content_hash
    assert [d.section for d in summary.meta.dropped] == ["attacks"]
    assert verify_summary(summary) == []


def test_verify_summary_catches_offsets_that_do_not_slice_back(seed_text: str, seed_draft: dict[str, Any]) -> None:
    summary = grounding.build_summary(_draft(seed_draft), Article(text=seed_text), {"backend": "llm"})
    summary.attacks[0].evidence[0].start += 1
    assert verify_summary(summary)


_PLAIN_SENTENCE_BREAK = re.compile(r"[.!?]+[\"'\u201d\u2019)]*\s+(?=[\"'\u201c\u2018(]?[A-Z0-9])|\n+")


def _plain_sentence_starts(text: str) -> list[int]:
    """Every sentence start of ``text``, with the sentence break written plainly."""
    return [0, *(m.end() for m in _PLAIN_SENTENCE_BREAK.finditer(text))]


def _sentence_starts(text: str) -> list[int]:
    """Every sentence start of ``text`` by grounding's sentence break."""
    return [0, *(m.end() for m in grounding._SENTENCE_BREAK.finditer(text))]


@pytest.mark.parametrize("seed", range(60))
def test_sentences_start_where_the_plain_sentence_break_says(seed: int) -> None:
    import random

    rng = random.Random(seed)
    pieces = [".", "!", "?", "\n", " ", "  ", "A", "a", "9", '"', "\u201c", "\u201d", "\u2019", ")", "(", "x"]
    text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 50)))
    assert _sentence_starts(text) == _plain_sentence_starts(text)


def test_sentences_of_real_pages_start_where_the_plain_sentence_break_says() -> None:
    import json
    from pathlib import Path

    corpus = Path(__file__).parent / "data" / "corpus" / "corpus.jsonl"
    for line in corpus.read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"]
        assert _sentence_starts(text) == _plain_sentence_starts(text)


def test_evidence_is_too_short_exactly_when_its_spans_normalise_to_too_few_characters() -> None:
    article = (
        "\u201cNo.\u201d He said \u2026 then \u0130stanbul\u2026 \u0130\u0130 ok. \u2018Kyiv\u2019 \u2014 a  b\u00adc "
        "\u00abFine\u00bb, \u2026\u2026 x \u0130. Sumy region, 9 killed. \u201cWe   will\u201d"
    )
    passages = [article[i:i + n] for i in range(len(article)) for n in range(1, 16)]
    passages += [p.lower() for p in passages] + ['"no."', "'kyiv'", "he said ... then", "ok ... sumy"]
    checked = 0
    for passage in passages:
        found = grounding._locate(article, passage)
        if found is None:
            continue
        exact = sum(len(grounding._needle(span.text)) for span, _ in found)
        fast = grounding._evidence_chars(found)
        assert (fast < grounding.MIN_EVIDENCE_CHARS) == (exact < grounding.MIN_EVIDENCE_CHARS), passage
        if exact < grounding.MIN_EVIDENCE_CHARS:
            assert fast == exact, passage
        checked += 1
    assert checked > 1000


def test_an_article_states_a_figure_exactly_when_reading_all_of_it_finds_the_figure() -> None:
    import json
    import random
    from pathlib import Path

    from summarizer.numbers import Figures, read_numbers

    corpus = Path(__file__).parent / "data" / "corpus" / "corpus.jsonl"
    texts = [json.loads(line)["text"] for line in corpus.read_text(encoding="utf-8").splitlines()][::4]
    texts += [p.read_text(encoding="utf-8") for p in sorted((Path(__file__).parents[1] / "seeds").glob("*.txt"))]
    texts += ["Over 1,000 died; 1,000 years ago. Nine were hurt, about nine fled.", "\u0416\u0435\u0440\u0442\u0432 9.", ""]
    rng = random.Random(13)
    asked = 0
    for text in texts:
        lowered = grounding._index(text).text
        mentions = read_numbers(lowered)
        stated = {m.value for m in mentions if not m.vague}
        questions = [(m.value, lowered[m.start:m.end]) for m in mentions]
        questions += [(m.value + 1, lowered[m.start:m.end]) for m in mentions] + [(7, "seven"), (2022, "2022")]
        rng.shuffle(questions)
        figures = Figures(lowered)  # fresh: its windows are read in the order asked
        for value, written in questions:
            assert figures.states(value, written) is (value in stated), (value, written, text[:60])
            asked += 1
        assert grounding._figures(text).all() == stated
    assert asked > 1000


def test_a_grounded_item_has_its_draft_fields_and_shares_no_list_with_the_draft(
    seed_text: str, seed_draft: dict[str, Any]
) -> None:
    draft = _draft(seed_draft)
    result = ground(draft, seed_text)
    for section in ("diplomacy", "attacks", "territory", "sanctions"):
        for item, final in zip(getattr(draft, section), result.sections[section]):
            fields = item.model_dump(exclude={"evidence", "quotes", "attribution"})
            assert final.model_dump(include=set(fields)) == fields
            for name, value in fields.items():
                if isinstance(value, list):
                    assert getattr(final, name) is not getattr(item, name), (section, name)


def _window_from_all_sentence_starts(article: str, start: int, end: int) -> str:
    """attribution_window() as defined: from every sentence start of the article."""
    starts = _sentence_starts(article)
    first = bisect.bisect_right(starts, start) - 1
    last = bisect.bisect_right(starts, max(start, end - 1)) - 1
    lo = starts[max(0, first - 1)]
    hi = starts[last + 2] if last + 2 < len(starts) else len(article)
    if grounding._PRONOUN.search(article[starts[first]:hi].replace(article[start:end], " ")):
        lo = min(lo, article.rfind("\n", 0, start) + 1)
    return article[lo:hi]


@pytest.mark.parametrize("seed", range(60))
def test_a_quote_s_window_in_random_text_is_the_one_all_sentence_starts_give(seed: int) -> None:
    import random

    rng = random.Random(seed)
    pieces = [".", "!", "?", "\n", " ", "  ", "A", "a", "9", '"', "\u201c", "\u201d", "\u2019", ")", "(", "x", "He ", "word "]
    text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 400)))
    for start in range(0, len(text), 3):
        end = min(len(text), start + rng.randint(0, 30))
        assert grounding.attribution_window(text, start, end) == _window_from_all_sentence_starts(text, start, end)


def test_a_quote_s_window_in_real_pages_is_the_one_all_sentence_starts_give() -> None:
    import json
    from pathlib import Path

    corpus = Path(__file__).parent / "data" / "corpus" / "corpus.jsonl"
    for line in corpus.read_text(encoding="utf-8").splitlines()[::5]:
        text = json.loads(line)["text"]
        for start in range(0, len(text), 97):
            end = min(len(text), start + 60)
            assert grounding.attribution_window(text, start, end) == _window_from_all_sentence_starts(text, start, end)


def test_a_quote_s_window_is_the_same_wherever_the_reading_around_it_would_start() -> None:
    # From the middle of ".\n \n" a reading would find a sentence start after the first "\n";
    # sentences longer than the stretch read around a quote at first.
    text = "".join(f"He spoke.\n \nThen {'word ' * n}end. " for n in range(90, 160, 7))
    for start in range(400, len(text)):
        assert grounding.attribution_window(text, start, start + 12) == _window_from_all_sentence_starts(
            text, start, start + 12
        )

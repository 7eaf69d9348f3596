"""Saying nothing rather than inventing (issue 10): relevance, language, casualty figures,
quote speakers and grounded headlines, through the pipeline with both backends."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from conftest import Endpoint
from llm_server import Reply

from summarizer.grounding import enforce, verify_summary
from summarizer.pipeline import Summarizer
from summarizer.render import to_markdown
from summarizer.schema import Article, Attack, Diplomacy, Quote, Span, Summary

GERMAN = (
    "Russische Drohnen haben in der Nacht die Stadt Sumy angegriffen. 2018 liegt die Zahl der Toten bei 322. "
    "Bei 55 Grad starben am Montag neun Menschen, sagte der Gouverneur. Die Armee meldete weitere Angriffe."
)
CHINESE = "俄罗斯无人机周六袭击了乌克兰苏梅地区一辆载有平民的小巴，造成九人死亡、五人受伤。乌克兰官员说，这是本周最严重的袭击之一。"
OFF_TOPIC = {
    "shell companies": "Prosecutors said the businessman hid the money through a web of shell companies in Cyprus. "
    "He denied wrongdoing and said he would fight the charges, his lawyer told reporters on Friday.",
    "call police": "Residents were asked to call police if they saw the missing dog. "
    "The owner said the dog was last seen near the park on Saturday, and two neighbours joined the search.",
    "Python 2 is dead": "Python 2 is now officially dead. The Python Software Foundation ended support on "
    "January 1, 2020, and urged the remaining 2 million users to move to Python 3 as soon as they can.",
    "Covid death toll": "The coronavirus has killed 7,844 people in the country since the start of the pandemic, "
    "health officials said on Monday. Hospitals in the capital are near capacity, and frontline workers warned of exhaustion.",
    "recipe": "Preheat the oven to 180C. Fill 24 pasta shells with ricotta and spinach, then bake them for 25 minutes "
    "until the cheese is bubbling. Serve hot with a green salad and a glass of white wine.",
    "software docs": "If the worker process is killed by the OOM killer, the supervisor restarts it within 5 seconds. "
    "Use the --force flag to kill all 3 workers at once. A brute-force attack on the API is rate limited.",
    "drone footage": "Drone footage showed 97,000 people gathered for the festival on Saturday. "
    "Organisers said it was the largest crowd in the event's history, and police reported no arrests.",
    "curfew": "Chicago's mayor imposed a curfew on alcohol sales after 10 p.m. on Friday. Bars that break the rule "
    "face fines of up to $5,000, the city said, and 12 bars were inspected on the first night.",
}


def _extractive() -> Summarizer:
    return Summarizer(backend="extractive")


# ---------------------------------------------------------------------------
# The extractive backend: English only, and only about armed conflict


@pytest.mark.parametrize("topic", list(OFF_TOPIC))
def test_extractive_emits_no_items_on_an_off_topic_article_and_says_why_in_one_line(topic: str) -> None:
    summary = _extractive().summarize(OFF_TOPIC[topic])

    assert summary.items() == []
    assert summary.off_topic and summary.meta.relevance is not None
    [note] = summary.meta.notes
    assert note.startswith("Not about armed conflict: ") and "\n" not in note


def test_an_off_topic_summary_renders_its_note_instead_of_empty_sections() -> None:
    md = to_markdown(_extractive().summarize(OFF_TOPIC["shell companies"]))

    assert "*Not about armed conflict: " in md
    assert "No diplomacy, attacks" not in md


def test_extractive_records_that_the_seed_article_is_relevant_and_english(seed_text: str) -> None:
    summary = _extractive().summarize(Article(text=seed_text))

    assert summary.article.language == "en"
    assert summary.meta.relevance is not None and summary.meta.relevance.relevant
    assert summary.meta.notes == [] and summary.attacks


@pytest.mark.parametrize(("text", "code", "name"), [(GERMAN, "de", "German"), (CHINESE, "zh", "Chinese")])
def test_extractive_does_not_read_other_languages_and_suggests_an_llm(text: str, code: str, name: str) -> None:
    summary = _extractive().summarize(text)

    assert summary.article.language == code
    assert summary.items() == []  # no 'killed: 2018', no '55 Grad' rocket attack
    [note] = summary.meta.notes
    assert f"reads English only and this article is in {name}" in note and "LLM" in note


def test_a_language_given_by_the_caller_is_kept(seed_text: str) -> None:
    summary = _extractive().summarize(Article(text=seed_text, language="en"))

    assert summary.article.language == "en" and summary.attacks


# ---------------------------------------------------------------------------
# Grounding enforced on a final summary, whatever the backend


def _with(text: str, **attack: Any) -> Summary:
    start = 0
    return Summary(
        headline="h",
        summary="s",
        attacks=[Attack(**attack, evidence=[Span(text=text, start=start, end=len(text))])],
        article=Article(text=text),
        meta={"backend": "extractive", "content_hash": Article(text=text).content_hash},  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("text", "killed"),
    [
        ("In 2018 the shelling killed civilians in the town.", 2018),
        ("Temperatures reached 55 degrees as the rockets killed soldiers.", 55),
        ("Prices rose 40% after the strike killed the workers.", 40),
        ("The strike that killed him cost $5,000 in damage.", 5000),
        ("The army fired 24 rockets, and the attack killed soldiers.", 24),
        ("A 25-year-old man was killed in the strike.", 25),
    ],
)
def test_a_number_that_is_not_a_count_of_people_killed_is_never_a_toll(text: str, killed: int) -> None:
    fixed = enforce(_with(text, killed=killed))

    assert fixed.attacks[0].killed is None
    [dropped] = fixed.meta.dropped
    assert dropped.kept and f"killed = {killed}: " in dropped.reasons[0]


def test_a_count_tied_to_people_killed_in_its_clause_is_kept() -> None:
    text = "In 2022, a missile strike killed 14 people and wounded 30 others."
    fixed = enforce(_with(text, killed=14, injured=30))

    assert (fixed.attacks[0].killed, fixed.attacks[0].injured) == (14, 30)
    assert fixed.meta.dropped == []


def test_a_quote_goes_to_nobody_when_its_speaker_is_not_named_beside_it() -> None:
    text = (
        "Amnesty International published a report on Monday about the hospital strike.\n"
        "The report describes the night of the attack in detail.\n"
        "Patients were moved to the basement. \u201cI lost everything,\u201d said one patient."
    )
    q = text.index("I lost")
    quote = Quote(text="I lost everything", start=q, end=q + len("I lost everything"), speaker="Amnesty International")
    first = text.split("\n")[0]
    summary = Summary(
        headline="h", summary="s",
        diplomacy=[Diplomacy(kind="statement", what="w", quotes=[quote], evidence=[Span(text=first, start=0, end=len(first))])],
        article=Article(text=text),
        meta={"backend": "extractive", "content_hash": Article(text=text).content_hash},  # type: ignore[arg-type]
    )
    assert verify_summary(summary)  # the unchecked summary is flagged

    fixed = enforce(summary)

    assert fixed.diplomacy[0].quotes[0].speaker is None
    assert verify_summary(fixed) == []
    assert "unattributed" in to_markdown(fixed)


# ---------------------------------------------------------------------------
# The LLM backend: relevance asked first, names in the headline grounded


def _chat_requests(cassette: Any) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in cassette.requests if r.path.endswith("/chat/completions")]


@pytest.mark.vcr
def test_an_invented_name_in_the_headline_is_reasked_and_never_emitted(
    endpoint: Endpoint, seed_text: str, seed_draft: dict, vcr: Any
) -> None:
    invented = copy.deepcopy(seed_draft)
    invented["headline"] = "Joe Biden hails prisoner swap as Russia and Ukraine meet in Istanbul"
    endpoint.script(Reply.data(invented), Reply.data(invented))

    summary = Summarizer(**endpoint.options(max_attempts=2)).summarize(seed_text)

    assert summary.meta.attempts == 2
    reask = _chat_requests(vcr)[1]["messages"][-1]["content"]
    assert '"Joe Biden" is not named in the article' in reask
    assert "Biden" not in summary.headline  # replaced by the article's own lead
    assert summary.headline.startswith("US President Donald Trump said")
    assert summary.meta.dropped[0].section == "headline"


@pytest.mark.vcr
def test_an_invented_name_fixed_on_the_reask_is_accepted(
    endpoint: Endpoint, seed_text: str, seed_draft: dict
) -> None:
    invented = copy.deepcopy(seed_draft)
    invented["summary"] = "Ukrainian and Russian envoys met in Geneva and agreed a prisoner swap."
    endpoint.script(Reply.data(invented), Reply.data(seed_draft))

    summary = Summarizer(**endpoint.options()).summarize(seed_text)

    assert summary.meta.attempts == 2 and summary.meta.dropped == []
    assert summary.summary == seed_draft["summary"]


@pytest.mark.vcr
def test_the_schema_asks_for_relevance_before_the_headline(endpoint: Endpoint, seed_text: str, seed_draft: dict, vcr: Any) -> None:
    endpoint.script(Reply.data(seed_draft))

    summary = Summarizer(**endpoint.options()).summarize(seed_text)

    tool = _chat_requests(vcr)[0]["tools"][0]["function"]["parameters"]
    assert list(tool["properties"])[:2] == ["relevance", "headline"]
    assert "relevance" in tool["required"]
    assert summary.meta.relevance is not None and summary.meta.relevance.relevant
    assert summary.article.language == "en"


@pytest.mark.vcr
def test_an_article_the_model_finds_off_topic_emits_no_items_and_a_note(
    endpoint: Endpoint, seed_text: str, seed_draft: dict
) -> None:
    text = OFF_TOPIC["shell companies"]
    answer = copy.deepcopy(seed_draft)  # whatever the model put in the sections is not emitted
    answer["relevance"] = {"relevant": False, "reason": "It is about financial fraud, not armed conflict."}
    answer["headline"] = "Businessman accused of hiding money in shell companies"
    answer["summary"] = "Prosecutors said a businessman hid money through shell companies in Cyprus."
    endpoint.script(Reply.data(answer))

    summary = Summarizer(**endpoint.options()).summarize(text)

    assert summary.meta.attempts == 1  # the sections are not grounded, so not re-asked
    assert summary.items() == [] and summary.off_topic
    assert summary.meta.notes == ["Not about armed conflict: It is about financial fraud, not armed conflict."]
    assert summary.headline == answer["headline"]


@pytest.mark.parametrize(
    ("evidence", "killed", "kept"),
    [
        ("2018 liegt die Zahl der Toten bei 322.", 322, True),  # not English: no clause rule, but...
        ("2018 liegt die Zahl der Toten bei 322.", 2018, False),  # ...a year is never a toll
        ("Bei 55 Grad starben am Montag Menschen.", 55, False),  # nor a temperature
    ],
)
def test_evidence_in_another_language_keeps_its_counts_but_never_a_year_or_a_measure(
    evidence: str, killed: int, kept: bool
) -> None:
    fixed = enforce(_with(evidence, killed=killed))

    assert (fixed.attacks[0].killed == killed) is kept

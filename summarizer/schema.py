"""The data model: articles in, grounded summaries out.

There are two layers of models (see README, "Architecture"):

* **Drafts** (``SummaryDraft`` and the ``*Draft`` items) are what the LLM fills.
  Evidence and quotes are plain strings copied from the article; there are no
  character offsets, because LLMs are good at copying and bad at counting.
* **Final models** (``Summary`` and its items) are built by
  :mod:`summarizer.grounding` from a draft and the article. Every piece of
  evidence becomes a :class:`Span` whose ``start``/``end`` slice the article
  back to ``text`` exactly.

Every field carries a ``description``: the descriptions are sent to the LLM as
part of the JSON schema, so they are prompt text as much as documentation.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

SCHEMA_VERSION = "3"  # 3: items gained date, place and attribution fields (summarizer.events)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _strict_subset(schema: dict[str, Any]) -> None:
    """Shape a draft model's JSON schema to OpenAI's strict Structured Outputs subset.

    Every property is listed in ``required`` (optional ones are already nullable) and no
    property carries a ``default``, which strict mode rejects. The Python models keep their
    defaults, so an answer from a lenient server that leaves a field out still parses.
    """
    properties = schema.get("properties", {})
    for prop in properties.values():
        prop.pop("default", None)
    schema["required"] = list(properties)


#: The configuration of every model the LLM fills (tests/test_strict_schema.py checks the result).
_DRAFT_CONFIG = ConfigDict(extra="forbid", json_schema_extra=_strict_subset)


# ---------------------------------------------------------------------------
# Articles


def content_hash(text: str) -> str:
    """Stable identity of an article's text: sha256 over whitespace-normalised text."""
    if len(text) <= _MEMO_CHARS:  # asked about six times per article on the way through a batch
        return _memo_hash(text)
    return _hash(text)


_MEMO_CHARS = 200_000


def _hash(text: str) -> str:
    normalised = " ".join(text.split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


_memo_hash = functools.lru_cache(maxsize=64)(_hash)


class Article(_Model):
    """One article to summarize. Only ``text`` is required."""

    text: str = Field(description="The article body as plain text.")
    id: str | None = Field(default=None, description="Caller's identifier (feed guid, file name, line id).")
    title: str | None = Field(default=None, description="Headline as published, when known.")
    url: str | None = Field(default=None, description="Where the article was published, when known.")
    published: str | None = Field(default=None, description="Publication date as given by the source.")
    author: str | None = Field(default=None, description="Byline as the page gives it, when known.")
    source: str | None = Field(default=None, description="Where it was read from (path, URL, feed).")
    language: str | None = Field(
        default=None,
        description="ISO 639-1 code of the article's language ('en', 'de', 'zh'), detected when summarized; null if unknown.",
    )

    @computed_field(description="sha256 of the whitespace-normalised text.")  # type: ignore[prop-decorator]
    @property
    def content_hash(self) -> str:
        return content_hash(self.text)

    @model_validator(mode="before")
    @classmethod
    def _drop_computed(cls, data: object) -> object:
        # Accept our own JSON back (round trip) even though content_hash is derived.
        if isinstance(data, dict) and "content_hash" in data:
            data = {k: v for k, v in data.items() if k != "content_hash"}
        return data

    @property
    def key(self) -> str:
        """The best identifier to show a user: id, then url, then the hash prefix."""
        return self.id or self.url or self.content_hash[:12]


# ---------------------------------------------------------------------------
# Vocabularies

DiplomacyKind = Literal[
    "talks", "call", "meeting", "proposal", "agreement", "prisoner_exchange", "statement"
]
Weapon = Literal[
    "drone",
    "missile",
    "rocket",
    "shelling",
    "artillery",
    "air_strike",
    "glide_bomb",
    "ground_assault",
    "small_arms",
    "mine",
    "other",
]
EventType = Literal["Battles", "Explosions/Remote violence", "Violence against civilians"]
SubEventType = Literal[
    "Armed clash",
    "Government regains territory",
    "Non-state actor overtakes territory",
    "Air/drone strike",
    "Shelling/artillery/missile attack",
    "Remote explosive/landmine/IED",
    "Grenade",
    "Attack",
    "Abduction/forced disappearance",
    "Other",
]
TerritoryStatus = Literal["captured", "claimed", "annexed", "contested", "demand_rejected"]
SanctionStatus = Literal["proposed", "urged", "imposed", "discussed", "threatened", "lifted"]
Section = Literal["diplomacy", "attacks", "territory", "sanctions"]
SECTIONS: tuple[Section, ...] = ("diplomacy", "attacks", "territory", "sanctions")

_EVIDENCE_DRAFT = (
    "One or more passages copied VERBATIM from the article (a sentence or clause, "
    "character for character) that state this item. Do not paraphrase, shorten with "
    "'...', or join passages."
)
_EVIDENCE_FINAL = "Verbatim passages of the article that state this item, with character offsets."
_ATTRIBUTION_DRAFT = (
    "Who the article says {what}, copied VERBATIM from the article with its verb (e.g. 'regional governor "
    "Oleh Syniehubov said', 'According to officials', 'Russian forces said'); null if the article names no source."
)


# ---------------------------------------------------------------------------
# Spans and quotes


class Span(_Model):
    """A verbatim passage of the article: ``article.text[start:end] == text``."""

    text: str = Field(description="The passage exactly as it appears in the article.")
    start: int = Field(ge=0, description="Offset of the first character in the article text.")
    end: int = Field(ge=0, description="Offset one past the last character in the article text.")


class QuoteDraft(_Model):
    """Something a named person or body said, copied verbatim from the article."""

    model_config = _DRAFT_CONFIG

    speaker: str | None = Field(
        description="Who said it, as named in the sentence of the quote or in the attribution the article gives "
        "for it (e.g. 'Dmitry Peskov'); null if the article does not say who said it."
    )
    text: str = Field(
        description="The quoted words exactly as printed in the article, without the surrounding quotation marks."
    )


class Quote(Span):
    """A grounded quote: a verbatim span of the article plus its speaker."""

    speaker: str | None = Field(
        default=None,
        description="Who said it, as named in the quote's sentence or its attribution; null if the article does not say.",
    )



# ---------------------------------------------------------------------------
# Analyst fields, filled deterministically after grounding (:mod:`summarizer.events`) for every
# backend. They are on the final models only: the LLM never fills them.

DatePrecision = Literal["day", "week", "month", "year"]
GeoPrecision = Literal["town", "near", "region", "country"]
Claim = Literal["reported", "claimed", "confirmed"]


class _DateFields(_Model):
    date: str | None = Field(
        default=None,
        description="When it happened, ISO 8601 (YYYY-MM-DD), resolved from 'when' against the publication date; "
        "for week, month or year precision the first day of that period. Null when there is no publication date "
        "or nothing to resolve.",
    )
    date_precision: DatePrecision | None = Field(
        default=None, description="How precise 'date' is: day, week, month or year (like ACLED's time precision)."
    )


class _PlaceFields(_Model):
    country: str | None = Field(default=None, description="Country of the place (ISO 3166 name), when known.")
    country_code: str | None = Field(default=None, description="ISO 3166-1 alpha-2 code of the country.")
    admin1: str | None = Field(
        default=None, description="First-level subdivision (ISO 3166-2 name, e.g. 'Sumska oblast'), when known."
    )
    admin1_code: str | None = Field(default=None, description="ISO 3166-2 code of the subdivision (e.g. 'UA-59').")
    latitude: float | None = Field(default=None, description="WGS84 latitude from the offline gazetteer; null if unknown.")
    longitude: float | None = Field(default=None, description="WGS84 longitude from the offline gazetteer; null if unknown.")
    geo_precision: GeoPrecision | None = Field(
        default=None,
        description="town: the coordinates are the place itself; near: a point near it (the article says 'near'); "
        "region: only the region is known (its main town's coordinates); country: only the country.",
    )


class _AttributionFields(_Model):
    attribution: Span | None = Field(
        default=None,
        description="Who says so: the verbatim words of the article naming the source of the figures or the claim "
        "(e.g. 'regional governor Oleh Syniehubov said'); null when the sentence and paragraph name none.",
    )
    claim: Claim | None = Field(
        default=None,
        description="reported (by officials or media), claimed (by a party to the conflict) or confirmed (by an "
        "independent source); null when there is no attribution.",
    )

# ---------------------------------------------------------------------------
# Section items: shared fields, then the draft and final variants.


class _DiplomacyFields(_Model):
    kind: DiplomacyKind = Field(
        description="talks, call, meeting, proposal, agreement, prisoner_exchange or statement."
    )
    actors: list[str] = Field(
        default_factory=list,
        description="People, governments or bodies involved, as named in the article.",
    )
    what: str = Field(description="One sentence: what happened or was said, in your own words.")
    when: str | None = Field(default=None, description="When, as written in the article ('On Friday'); null if not given.")


class DiplomacyDraft(_DiplomacyFields):
    """A diplomatic event: talks, a call, a meeting, a proposal, an agreement, a prisoner exchange or a statement."""

    model_config = _DRAFT_CONFIG

    quotes: list[QuoteDraft] = Field(default_factory=list, description="Direct quotes made in this event.")
    evidence: list[str] = Field(min_length=1, description=_EVIDENCE_DRAFT)


class Diplomacy(_DateFields, _DiplomacyFields):
    """A grounded diplomatic event."""

    quotes: list[Quote] = Field(default_factory=list, description="Direct quotes, grounded in the article.")
    evidence: list[Span] = Field(min_length=1, description=_EVIDENCE_FINAL)


class _AttackFields(_Model):
    place: str | None = Field(default=None, description="Town, city or site attacked, as written; null if only a region is given.")
    region: str | None = Field(default=None, description="Region, oblast or area (e.g. 'Sumy region', 'eastern Ukraine').")
    when: str | None = Field(default=None, description="When, as written in the article ('On Saturday'); null if not given.")
    perpetrator: str | None = Field(default=None, description="Who carried out the attack, as stated (e.g. 'Russian forces').")
    weapons: list[Weapon] = Field(
        default_factory=list,
        description="Weapons used: drone, missile, rocket, shelling, artillery, air_strike, glide_bomb, ground_assault, small_arms, mine or other.",
    )
    target: str | None = Field(default=None, description="What was hit (e.g. 'a minibus carrying civilians').")
    killed: int | None = Field(
        default=None,
        ge=0,
        description="People killed, only if the evidence states an exact number (digits or words like 'nine'); null for vague counts like 'over a dozen' or when not stated.",
    )
    injured: int | None = Field(
        default=None,
        ge=0,
        description="People injured or wounded, only if the evidence states an exact number; null for vague counts or when not stated.",
    )
    civilians: bool | None = Field(default=None, description="True if civilians were hit, false if explicitly military only, null if unknown.")
    event_type: EventType = Field(
        default="Explosions/Remote violence",
        description="ACLED event type: Battles, Explosions/Remote violence, or Violence against civilians.",
    )
    sub_event_type: SubEventType = Field(
        default="Other",
        description="ACLED sub-event type, e.g. 'Air/drone strike', 'Shelling/artillery/missile attack', 'Armed clash', 'Attack'.",
    )


class AttackDraft(_AttackFields):
    """One attack or strike: where, when, by whom, with what, against what, and its casualties."""

    model_config = _DRAFT_CONFIG

    attribution: str | None = Field(
        description=_ATTRIBUTION_DRAFT.format(what="gives the casualty figures (null when there are none)")
    )
    evidence: list[str] = Field(min_length=1, description=_EVIDENCE_DRAFT + " Must contain the casualty numbers you report.")


class Attack(_AttributionFields, _PlaceFields, _DateFields, _AttackFields):
    """A grounded attack."""

    evidence: list[Span] = Field(min_length=1, description=_EVIDENCE_FINAL)


class _TerritoryFields(_Model):
    place: str = Field(description="The village, town, region or area concerned, as written.")
    region: str | None = Field(default=None, description="The wider region, when given (e.g. 'Donetsk region').")
    claimant: str = Field(description="Who captured, claims or annexed it (e.g. 'Russian forces', 'Moscow').")
    status: TerritoryStatus = Field(
        description="captured, claimed, annexed, contested, or demand_rejected (a territorial demand was rejected)."
    )
    when: str | None = Field(default=None, description="When, as written; null if not given.")


class TerritoryDraft(_TerritoryFields):
    """A territorial change or claim."""

    model_config = _DRAFT_CONFIG

    attribution: str | None = Field(description=_ATTRIBUTION_DRAFT.format(what="claims or reports this change"))
    evidence: list[str] = Field(min_length=1, description=_EVIDENCE_DRAFT)


class Territory(_AttributionFields, _PlaceFields, _DateFields, _TerritoryFields):
    """A grounded territorial change or claim."""

    evidence: list[Span] = Field(min_length=1, description=_EVIDENCE_FINAL)


class _SanctionFields(_Model):
    actors: list[str] = Field(description="Who proposes, urges, discusses or imposes the sanctions.")
    target: str = Field(description="Against whom (e.g. 'Russia', 'Moscow').")
    status: SanctionStatus = Field(description="proposed, urged, imposed, discussed, threatened or lifted.")
    what: str = Field(description="One sentence describing the sanctions move.")


class SanctionDraft(_SanctionFields):
    """A sanctions move: proposed, urged, imposed, discussed, threatened or lifted."""

    model_config = _DRAFT_CONFIG

    evidence: list[str] = Field(min_length=1, description=_EVIDENCE_DRAFT)


class Sanction(_SanctionFields):
    """A grounded sanctions move."""

    evidence: list[Span] = Field(min_length=1, description=_EVIDENCE_FINAL)


DRAFT_ITEM_MODELS: dict[Section, type[_Model]] = {
    "diplomacy": DiplomacyDraft,
    "attacks": AttackDraft,
    "territory": TerritoryDraft,
    "sanctions": SanctionDraft,
}
ITEM_MODELS: dict[Section, type[_Model]] = {
    "diplomacy": Diplomacy,
    "attacks": Attack,
    "territory": Territory,
    "sanctions": Sanction,
}


# ---------------------------------------------------------------------------
# The whole summary


_HEADLINE = "One sentence headline of the article's main news."
_SUMMARY = "A neutral summary of the article in 2 to 4 sentences."
_GROUNDED_TEXT = (
    " Name only people, places and organisations the article names, and use only its figures and quotations."
)


class _SummaryText(_Model):
    headline: str = Field(description=_HEADLINE)
    summary: str = Field(description=_SUMMARY)


class Relevance(_Model):
    """Whether the article reports on armed conflict, its diplomacy or sanctions."""

    relevant: bool = Field(
        description="True if the article reports on armed conflict (attacks, fighting, territory), its diplomacy "
        "(talks, ceasefires, prisoner exchanges) or sanctions; false for anything else (crime, health, sport, "
        "business, science, software, recipes), even when it uses words like 'shell', 'attack' or 'killed'."
    )
    reason: str = Field(description="One sentence saying why.")


class RelevanceDraft(Relevance):
    """Answer this first: does the article report on armed conflict, its diplomacy or sanctions?
    If not, leave every section empty."""

    model_config = _DRAFT_CONFIG


class SummaryDraft(_Model):
    """Structured summary of a news article about armed conflict.

    First say whether the article is about armed conflict at all (relevance);
    if it is not, leave every section empty. Fill each section only with what
    the article states. Every item needs evidence copied verbatim from the
    article. Leave a section empty when the article has nothing for it.
    """

    model_config = _DRAFT_CONFIG

    relevance: RelevanceDraft  # no description here: strict mode wants a $ref alone (see RelevanceDraft)
    headline: str = Field(description=_HEADLINE + _GROUNDED_TEXT)
    summary: str = Field(description=_SUMMARY + _GROUNDED_TEXT)

    diplomacy: list[DiplomacyDraft] = Field(default_factory=list, description="Talks, calls, meetings, proposals, agreements, prisoner exchanges, statements.")
    attacks: list[AttackDraft] = Field(default_factory=list, description="Strikes, shelling, drone and missile attacks, clashes.")
    territory: list[TerritoryDraft] = Field(default_factory=list, description="Captures, claims, annexations, contested areas, rejected territorial demands.")
    sanctions: list[SanctionDraft] = Field(default_factory=list, description="Sanctions proposed, urged, imposed, discussed, threatened or lifted.")

    @model_validator(mode="after")
    def _grounded_in_article(self) -> SummaryDraft:
        # Only active inside the LLM call, where the pipeline sets the article
        # in a ContextVar (never through instructor's Jinja ``context=``).
        from summarizer.grounding import check_draft

        check_draft(self)
        return self


class Usage(_Model):
    """Tokens used, summed over every request made for this summary (re-asks included)."""

    prompt_tokens: int = Field(default=0, description="Prompt tokens over all attempts.")
    completion_tokens: int = Field(default=0, description="Completion tokens over all attempts.")
    total_tokens: int = Field(default=0, description="Total tokens over all attempts.")

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
        )


class Dropped(_Model):
    """Content removed because it could not be grounded in the article.

    Either a whole item (``kept`` false: none of its evidence was found), or the
    ungrounded parts of an item that was kept (``kept`` true: an invented quote
    removed, an unstated count set to null, a paraphrased passage left out), or
    a headline/summary replaced by the article's own lead.
    """

    section: Literal["diplomacy", "attacks", "territory", "sanctions", "headline", "summary"] = Field(
        description="Where the content was: one of the four sections, or the headline or summary."
    )
    item: dict[str, object] = Field(description="The item (or headline/summary text) as the backend proposed it.")
    reasons: list[str] = Field(description="What could not be grounded: each span, quote or number.")
    kept: bool = Field(
        default=False,
        description="True when the item was kept with only the ungrounded parts removed; false when it was dropped whole.",
    )


class CharRange(_Model):
    """A stretch of the article: ``article.text[start:end]``."""

    start: int = Field(ge=0, description="Offset of the first character.")
    end: int = Field(ge=0, description="Offset one past the last character.")


class Meta(_Model):
    """How the summary was made."""

    backend: Literal["llm", "extractive"] = Field(description="Which backend produced the summary.")
    model: str | None = Field(default=None, description="Model name, for the llm backend.")
    endpoint: str | None = Field(default=None, description="Endpoint kind: openai, ollama, vllm, llamacpp, lmstudio or custom.")
    mode: str | None = Field(default=None, description="instructor mode used (tools, json, json_schema, md_json).")
    attempts: int = Field(default=1, description="Content attempts: the first answer plus re-asks.")
    transport_retries: int = Field(default=0, description="HTTP requests retried after 429, 5xx, timeouts or connection errors.")
    usage: Usage = Field(default_factory=Usage, description="Token usage over all attempts.")
    latency_s: float | None = Field(default=None, description="Wall-clock seconds spent producing the summary.")
    prompt_version: str | None = Field(default=None, description="Version of the prompt templates (hash of their text).")
    schema_version: str = Field(default=SCHEMA_VERSION, description="Version of this output schema.")
    content_hash: str = Field(description="sha256 of the article text (whitespace-normalised).")
    dropped: list[Dropped] = Field(default_factory=list, description="Items removed because they could not be grounded.")
    relevance: Relevance | None = Field(
        default=None,
        description="Whether the article is about armed conflict, and why; null when it was not assessed.",
    )
    notes: list[str] = Field(
        default_factory=list,
        description="One-line notes on how the article was read (off-topic, language not supported).",
    )
    chunks: int | None = Field(
        default=None,
        description="How many overlapping chunks a long article was read in; null when it was read whole.",
    )
    partial: bool = Field(
        default=False,
        description="True when some chunks of a long article failed: the ranges in 'missing' were not read.",
    )
    missing: list[CharRange] = Field(
        default_factory=list, description="Character ranges of the article that no chunk summarized (partial)."
    )


class Summary(_SummaryText):
    """A grounded summary of one article: every item's evidence is a verbatim span with offsets."""

    diplomacy: list[Diplomacy] = Field(default_factory=list, description="Grounded diplomatic events.")
    attacks: list[Attack] = Field(default_factory=list, description="Grounded attacks.")
    territory: list[Territory] = Field(default_factory=list, description="Grounded territorial changes and claims.")
    sanctions: list[Sanction] = Field(default_factory=list, description="Grounded sanctions moves.")
    article: Article = Field(description="The article the offsets refer to.")
    meta: Meta = Field(description="How the summary was made.")

    def items(self) -> list[tuple[Section, _Model]]:
        """Every item with its section name, in section order."""
        return [(name, item) for name in SECTIONS for item in getattr(self, name)]

    @property
    def off_topic(self) -> bool:
        """True when the article was judged not to be about armed conflict."""
        return self.meta.relevance is not None and not self.meta.relevance.relevant

    # -- Notebooks and tables: thin wrappers, imported lazily (render needs rich, DataFrames pandas).

    def _repr_html_(self) -> str:
        """Jupyter's rich display: :func:`summarizer.render.to_html_fragment`."""
        from summarizer.render import to_html_fragment

        return to_html_fragment(self)

    def _repr_markdown_(self) -> str:
        """Jupyter's fallback display: :func:`summarizer.render.to_markdown`."""
        from summarizer.render import to_markdown

        return to_markdown(self)

    def to_records(self) -> list[dict[str, object]]:
        """One flat dict per item (:func:`summarizer.tables.to_records`).

        >>> [row["section"] for row in summary.to_records()][:2]  # doctest: +SKIP
        ['diplomacy', 'diplomacy']
        """
        from summarizer.tables import to_records

        return to_records(self)

    def to_dataframe(self):  # type: ignore[no-untyped-def]  # a pandas.DataFrame; pandas is optional
        """One DataFrame row per item (:func:`summarizer.tables.to_dataframe`); needs pandas.

        >>> summary.to_dataframe().query("section == 'attacks'")[["region", "killed"]]  # doctest: +SKIP
        """
        from summarizer.tables import to_dataframe

        return to_dataframe(self)

"""Long articles: token estimate, budget, overlapping chunks, concurrent chunk calls, merging,
offsets relative to the whole article, partial results, strict mode, and the size cap.

The LLM tests replay cassettes recorded from the scripted server with the chunk responders of
``tests/llm_chunk_responders.py`` (re-record: ``pytest tests/test_longtext.py --record-mode=rewrite``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, Endpoint
from llm_chunk_responders import draft_for_chunk, extractive_for_chunk, merge_answer
from llm_server import Reply
from summarizer import Summarizer
from summarizer.backends.extractive import ExtractiveBackend
from summarizer.chunking import MAX_ARTICLE_CHARS, TokenBudget, context_exceeded, estimate_tokens, split
from summarizer.errors import BadRequestError, InputError, SummarizerError
from summarizer.evaluate import load_gold, score
from summarizer.grounding import verify_summary
from summarizer.schema import Article, Summary

SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
FILLER = (
    "Our correspondents are answering readers' questions in the comments below, and we will "
    "publish a selection of them later this evening together with the day's main points.\n\n"
)


def live_blog(size: int = 60_000) -> tuple[str, list[tuple[int, str]]]:
    """A live blog of every seed article, each under a time stamp, padded with notes to readers
    up to ``size`` characters; with the offset of each seed article in it."""
    per_part = size // len(SEEDS)
    text, parts = "", []
    for i, path in enumerate(SEEDS):
        seed = path.read_text(encoding="utf-8").strip()
        text += f"Update {8 + i:02d}:00\n\n"
        parts.append((len(text), seed))
        text += seed + "\n\n"
        while len(text) < per_part * (i + 1):
            text += FILLER
    return text, parts


def every_span_slices_back(summary: Summary) -> bool:
    text = summary.article.text
    from summarizer.merge import _all_spans

    spans = [s for _, item in summary.items() for s in _all_spans(item)]
    return bool(spans) and all(text[s.start:s.end] == s.text for s in spans)


def small_budget(tokens: int) -> TokenBudget:
    """A window of ``tokens`` tokens, all of it for the article (no prompt, no answer counted)."""
    return TokenBudget(context=tokens, source="test", output_tokens=0, overhead=0)


# ---------------------------------------------------------------------------
# Estimate, budget, split


def test_the_token_estimate_errs_high_for_english_and_counts_other_scripts() -> None:
    text = (ROOT / "seeds" / "ukraine-istanbul-talks.txt").read_text(encoding="utf-8")
    assert len(text) / 4.5 < estimate_tokens(text) < len(text) / 3
    assert estimate_tokens("Київ") > estimate_tokens("Kyiv")


def test_the_budget_defaults_per_endpoint_kind_and_the_option_wins() -> None:
    from summarizer.config import Config

    assert TokenBudget.for_config(Config.resolve(env={})).context == 128_000
    assert TokenBudget.for_config(Config.resolve(env={}, base_url="http://localhost:11434/v1")).context == 2_048, "the smallest window any Ollama version serves by default"
    assert TokenBudget.for_config(Config.resolve(env={"SUMMARIZER_CONTEXT_TOKENS": "16384"})).context == 16_384


@pytest.mark.parametrize("budget", [60, 150, 400, 1200])
def test_chunks_cover_the_text_overlap_and_stay_within_the_budget(budget: int) -> None:
    text, _ = live_blog(20_000)
    chunks = split(text, budget)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for before, after in zip(chunks, chunks[1:]):
        assert after.start < before.end, "consecutive chunks overlap"
        assert after.end > before.end, "every chunk reaches further"
    assert all(estimate_tokens(text[c.start:c.end]) <= budget for c in chunks)


def test_a_chunk_ends_at_a_paragraph_when_one_falls_in_its_second_half() -> None:
    text, _ = live_blog(20_000)
    chunks = split(text, 1200)
    assert all(text[c.end - 1] == "\n" for c in chunks[:-1])


def test_a_sentence_longer_than_a_chunk_is_cut_between_words() -> None:
    text = "word " * 2000
    chunks = split(text, 100)
    assert all(text[c.end - 1] == " " for c in chunks[:-1])


@pytest.mark.parametrize(
    ("message", "limit", "sent"),
    [
        ("This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens.", 128000, 131072),
        ("This model's maximum context length is 8192 tokens. However, you requested 9000 tokens (8744 in the messages, 256 in the completion).", 8192, 8744),
        ("Requested tokens (9120) exceed context window of 8192", 8192, 9120),
        ("the request exceeds the available context size, try increasing it (n_prompt_tokens: 9120, n_ctx: 8192)", 8192, 9120),
        ("The number of tokens to keep from the initial prompt is greater than the context length", None, None),
    ],
)
def test_a_context_length_error_is_recognised_with_the_limit_it_names(message: str, limit: int | None, sent: int | None) -> None:
    assert context_exceeded(BadRequestError(message)) == (True, limit, sent)


def test_other_bad_requests_are_not_context_errors() -> None:
    assert context_exceeded(BadRequestError("Invalid request: response_format is not supported"))[0] is False


# ---------------------------------------------------------------------------
# LLM: chunks, merge, offsets


def _chunked(endpoint: Endpoint, tokens: int, **options: Any) -> Summarizer:
    summarizer = Summarizer(**endpoint.options(**options))
    summarizer.token_budget = small_budget(tokens)
    summarizer.chunk_concurrency = 3
    return summarizer


@pytest.mark.vcr
def test_a_budget_of_a_few_hundred_tokens_reads_the_seed_in_many_chunks_and_keeps_its_gold_facts(
    endpoint: Endpoint, seed_draft: dict[str, Any]
) -> None:
    [gold] = [g for g in load_gold(ROOT / "gold") if g.name.startswith("ukraine-istanbul-talks")]
    assert endpoint.server is not None
    endpoint.server.responder = draft_for_chunk(seed_draft)
    whole = Summarizer(**endpoint.options()).summarize(gold.article)
    progress: list[tuple[int, int]] = []
    summarizer = _chunked(endpoint, 300)
    summarizer.on_chunk = lambda done, total: progress.append((done, total))

    chunked = summarizer.summarize(gold.article)

    assert chunked.meta.chunks is not None and chunked.meta.chunks >= 5
    assert progress[-1] == (chunked.meta.chunks, chunked.meta.chunks)
    assert every_span_slices_back(chunked)
    assert verify_summary(chunked) == []
    whole_score, chunked_score = score(gold, whole), score(gold, chunked)
    assert {s: r.recall for s, r in chunked_score.sections.items()} == {s: r.recall for s, r in whole_score.sections.items()}
    assert chunked_score.numeric == whole_score.numeric
    # a quote whose attribution lay in the chunk before keeps its speaker, checked in the whole article
    assert [(q.text, q.speaker) for d in chunked.diplomacy for q in d.quotes] == [
        (q.text, q.speaker) for d in whole.diplomacy for q in d.quotes
    ]
    assert len(chunked.meta.dropped) == len(whole.meta.dropped)
    assert [len(getattr(chunked, s)) for s in ("diplomacy", "attacks", "territory", "sanctions")] == [
        len(getattr(whole, s)) for s in ("diplomacy", "attacks", "territory", "sanctions")
    ]
    # usage and attempts are summed over every chunk and the merge call
    assert chunked.meta.attempts == chunked.meta.chunks + 1
    assert chunked.meta.usage.total_tokens > whole.meta.usage.total_tokens


@pytest.mark.vcr
def test_a_live_blog_of_60000_characters_finds_each_event_once(endpoint: Endpoint) -> None:
    text, parts = live_blog()
    assert endpoint.server is not None
    endpoint.server.responder = extractive_for_chunk
    summary = _chunked(endpoint, 2_500).summarize(Article(text=text, title="Live: the war in Ukraine, day 1,100"))

    assert summary.meta.chunks is not None and summary.meta.chunks >= 6
    assert every_span_slices_back(summary)
    assert verify_summary(summary) == []
    expected = 0
    for offset, seed in parts:
        alone = ExtractiveBackend().summarize(Article(text=seed))
        for section, item in alone.items():
            expected += 1
            spans = [(s.start + offset, s.end + offset) for s in item.evidence]
            found = [
                it for it in getattr(summary, section)
                if any(e.start < end and start < e.end for e in it.evidence for start, end in spans)
            ]
            assert len(found) == 1, f"{section} at {spans[0]} found {len(found)} times"
    assert expected > 20
    # no evidence sentence belongs to two items of one section
    for section in ("diplomacy", "attacks", "territory", "sanctions"):
        spans = [(e.start, e.end) for it in getattr(summary, section) for e in it.evidence]
        assert len(spans) == len(set(spans))


def _fails_on(marker: str, base: Any) -> Any:
    def responder(req: Any) -> Reply:
        if merge_answer(req) is None and marker in (req.article or ""):
            return Reply.error(400, "Scripted: this chunk is refused.")
        return base(req)

    return responder


@pytest.mark.vcr
def test_a_failed_chunk_leaves_the_summary_partial_naming_the_missing_characters(
    endpoint: Endpoint, seed_draft: dict[str, Any]
) -> None:
    article = (ROOT / "seeds" / "ukraine-istanbul-talks.txt").read_text(encoding="utf-8")
    assert endpoint.server is not None
    endpoint.server.responder = _fails_on("Kherson", draft_for_chunk(seed_draft))

    summary = _chunked(endpoint, 300).summarize(article)

    assert summary.meta.partial
    assert summary.meta.missing
    missing_text = "".join(article[r.start:r.end] for r in summary.meta.missing)
    assert "Kherson" in missing_text
    assert any(f"{summary.meta.missing[0].start}\u2013{summary.meta.missing[0].end}" in n for n in summary.meta.notes)
    assert not any("Kherson" in (a.place or "") for a in summary.attacks)
    assert every_span_slices_back(summary)


@pytest.mark.vcr
def test_strict_mode_fails_when_a_chunk_fails(endpoint: Endpoint, seed_draft: dict[str, Any]) -> None:
    article = (ROOT / "seeds" / "ukraine-istanbul-talks.txt").read_text(encoding="utf-8")
    assert endpoint.server is not None
    endpoint.server.responder = _fails_on("Kherson", draft_for_chunk(seed_draft))

    with pytest.raises(BadRequestError, match="refused"):
        _chunked(endpoint, 300, strict=True).summarize(article)


@pytest.mark.vcr
def test_a_context_length_error_splits_the_article_and_is_remembered(endpoint: Endpoint, seed_draft: dict[str, Any]) -> None:
    article = (ROOT / "seeds" / "ukraine-istanbul-talks.txt").read_text(encoding="utf-8")
    assert endpoint.server is not None
    base = draft_for_chunk(seed_draft)

    def responder(req: Any) -> Reply:
        tokens = estimate_tokens(req.article or "")
        if tokens > 600:
            return Reply.error(
                400, f"This model's maximum context length is 600 tokens. However, your messages resulted in {tokens} tokens.",
                code="context_length_exceeded",
            )
        return base(req)

    endpoint.server.responder = responder
    summarizer = Summarizer(**endpoint.options())
    summarizer.token_budget = TokenBudget(context=100_000, source="test", output_tokens=0, overhead=0)

    first = summarizer.summarize(article)
    second = summarizer.summarize(article)

    assert first.meta.chunks is not None and first.meta.chunks >= 2
    assert summarizer.token_budget.context == 600
    assert summarizer.token_budget.learned == ["600 tokens (server error)"], "one refusal, then the limit is known"
    assert second.meta.chunks == first.meta.chunks
    assert every_span_slices_back(first) and len(first.attacks) == 3


# ---------------------------------------------------------------------------
# Extractive: chunked above a size, linear, capped


def test_the_extractive_backend_reads_a_long_text_in_chunks_with_whole_article_offsets() -> None:
    text, _ = live_blog(120_000)
    summary = Summarizer(backend="extractive").summarize(text)
    assert summary.meta.chunks is not None and summary.meta.chunks >= 3
    assert every_span_slices_back(summary)
    assert verify_summary(summary) == []


def test_an_article_over_the_cap_is_refused_up_front_with_what_to_do() -> None:
    with pytest.raises(InputError, match="at most 10,000,000") as caught:
        Summarizer(backend="extractive").summarize("war " * (MAX_ARTICLE_CHARS // 4 + 1))
    assert "summarizer batch" in (caught.value.hint or "")
    assert isinstance(caught.value, SummarizerError)


# ---------------------------------------------------------------------------
# What the server says about its window


def test_the_window_is_read_from_llama_cpp_props_and_vllm_models() -> None:
    from summarizer.context_probe import context_from_models, context_from_props

    assert context_from_props({"default_generation_settings": {"n_ctx": 8192}, "total_slots": 1}) == 8192
    assert context_from_props({"n_ctx": 4096}) == 4096
    assert context_from_props({"default_generation_settings": {}}) is None
    vllm = {"object": "list", "data": [{"id": "a", "max_model_len": 32768}, {"id": "b", "max_model_len": 4096}]}
    assert context_from_models(vllm, "b") == 4096
    assert context_from_models({"data": [{"id": "gpt-4o-mini", "owned_by": "openai"}]}, "gpt-4o-mini") is None


def test_a_server_that_states_its_window_sets_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from summarizer import context_probe

    async def probe(base_url: str, api_key: str | None, model: str | None, *, timeout: float, listing: Any = None, kind: str | None = None) -> int:
        assert base_url == "http://localhost:8080/v1"
        return 8192

    monkeypatch.setattr(context_probe, "probe_context", probe)
    summarizer = Summarizer(base_url="http://localhost:8080/v1", backend="llm")
    asyncio.run(summarizer._learn_context())
    assert (summarizer.token_budget.context, summarizer.token_budget.source) == (8192, "server")
    assert 3_000 < summarizer.token_budget.overhead < 5_000, "measured from the templates and the schema"


# ---------------------------------------------------------------------------
# The command line


def test_context_tokens_is_an_option_and_an_environment_variable() -> None:
    from click.testing import CliRunner

    from summarizer.cli import cli

    given = CliRunner().invoke(cli, ["config", "--context-tokens", "8192"], catch_exceptions=False)
    assert "context_tokens" in given.output and "8192" in given.output and "argument" in given.output
    from_env = CliRunner().invoke(cli, ["config"], env={"SUMMARIZER_CONTEXT_TOKENS": "16384"}, catch_exceptions=False)
    assert "16384" in from_env.output and "SUMMARIZER_CONTEXT_TOKENS" in from_env.output
    too_small = CliRunner().invoke(cli, ["config", "--context-tokens", "100"])
    assert too_small.exit_code == 2


def test_summarize_says_on_stderr_which_characters_a_partial_summary_left_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from summarizer.cli import cli
    from summarizer.schema import CharRange, Meta

    article = tmp_path / "blog.txt"
    article.write_text((ROOT / "seeds" / "ukraine-istanbul-talks.txt").read_text(encoding="utf-8"), encoding="utf-8")
    real = Summarizer.summarize

    def partial(self: Summarizer, source: Any) -> Summary:
        summary = real(self, source)
        meta: Meta = summary.meta.model_copy(update={
            "partial": True, "missing": [CharRange(start=100, end=900)],
            "notes": ["Partial: 1 of 6 chunks failed, characters 100\u2013900 were not summarized (HTTP 400)."],
        })
        return summary.model_copy(update={"meta": meta})

    monkeypatch.setattr(Summarizer, "summarize", partial)
    result = CliRunner().invoke(cli, ["summarize", str(article), "--backend", "extractive", "--format", "json"])
    assert result.exit_code == 0
    assert "characters 100\u2013900 were not summarized" in result.stderr


PESKOV = (
    "Talks on a ceasefire continued in Geneva on Monday, officials from both delegations said.\n"
    "The delegations met for six hours in a hotel by the lake, and met again in the evening.\n"
    "Kremlin spokesman Dmitry Peskov spoke to reporters in Moscow after the first round. "
    "\u201cThe call between the two presidents was being prepared for several days,\u201d he told them. "
    "No date for the call was given, and the delegations are due to meet again on Wednesday.\n"
    "The talks are the first in Geneva since the spring, and both sides called them useful.\n"
)
PESKOV_DRAFT = {
    "relevance": {"relevant": True, "reason": "Scripted: ceasefire talks."},
    "headline": "Talks on a ceasefire continued in Geneva on Monday.",
    "summary": "Talks on a ceasefire continued in Geneva on Monday.",
    "diplomacy": [{
        "kind": "statement", "actors": ["Dmitry Peskov"], "what": "The Kremlin said a call was being prepared.",
        "when": None,
        "quotes": [{"speaker": "Dmitry Peskov", "text": "The call between the two presidents was being prepared for several days,"}],
        "evidence": ["\u201cThe call between the two presidents was being prepared for several days,\u201d he told them."],
    }],
    "attacks": [], "territory": [], "sanctions": [],
}


@pytest.mark.vcr
def test_a_quote_whose_speaker_is_named_in_the_chunk_before_keeps_its_speaker(endpoint: Endpoint) -> None:
    quote_at = PESKOV.index("\u201cThe call")
    budget = next(b for b in range(15, 120) if any(c.start == quote_at for c in split(PESKOV, b)))
    assert endpoint.server is not None
    endpoint.server.responder = draft_for_chunk(PESKOV_DRAFT)

    summary = _chunked(endpoint, budget).summarize(PESKOV)

    [statement] = summary.diplomacy
    assert [q.speaker for q in statement.quotes] == ["Dmitry Peskov"]
    assert summary.meta.dropped == []
    assert verify_summary(summary) == []


# ---------------------------------------------------------------------------
# In a batch


def test_a_batch_learns_the_window_once_and_keeps_requests_in_flight_within_its_concurrency(
    llm_server: Any, seed_draft: dict[str, Any], tmp_path: Path
) -> None:
    import threading
    import time

    from conftest import TEST_KEY, TEST_MODEL
    from summarizer.batch import summarize_many

    article = (ROOT / "seeds" / "ukraine-istanbul-talks.txt").read_text(encoding="utf-8")
    base = draft_for_chunk(seed_draft)
    in_flight, most = 0, 0
    lock = threading.Lock()

    def responder(req: Any) -> Reply:
        nonlocal in_flight, most
        tokens = estimate_tokens(req.article or "")
        if tokens > 600:
            return Reply.error(400, f"This model's maximum context length is 600 tokens. However, your messages resulted in {tokens} tokens.")
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        try:
            time.sleep(0.05)
            return base(req)
        finally:
            with lock:
                in_flight -= 1

    llm_server.responder = responder
    summarizer = Summarizer(base_url=llm_server.base_url, api_key=TEST_KEY, model=TEST_MODEL, backend="llm")
    summarizer.token_budget = TokenBudget(context=100_000, source="test", output_tokens=0, overhead=0)
    # three copies that differ by one word, so none is a duplicate of another
    articles = [Article(text=article.replace("Istanbul", f"Istanbul{'!' * i}", 1), id=f"a{i}") for i in range(3)]

    results = summarize_many(articles, summarizer=summarizer, concurrency=2, store=str(tmp_path / "s.db"))

    assert all(r.ok for r in results), [r.error for r in results]
    assert all((r.summary.meta.chunks or 1) >= 2 for r in results)  # type: ignore[union-attr]
    refused = [r for r in llm_server.requests if r.status == 400]
    assert len(refused) <= 2, "the window is learned from the first refusal (two articles may be in flight)"
    assert summarizer.token_budget.context == 600
    assert most <= 2


# ---------------------------------------------------------------------------
# Merging rules


def _attack(place: str, weapon: str, start: int, text: str, killed: int | None = None) -> Any:
    from summarizer.schema import Attack, Span

    return Attack(place=place, weapons=[weapon], killed=killed, evidence=[Span(text=text, start=start, end=start + len(text))])


def test_attacks_in_different_chunks_at_one_place_with_one_weapon_are_one_event_with_all_their_evidence() -> None:
    from summarizer.merge import merge_items

    first = _attack("Sumy", "drone", 0, "A drone hit a bus in Sumy.")
    later = _attack("Sumy", "drone", 900, "The toll in Sumy rose to nine.", killed=9)
    elsewhere = _attack("Sumy", "missile", 1800, "A missile hit Sumy later.")

    merged = merge_items("attacks", [first, later, elsewhere], [0, 1, 2])

    assert [(a.weapons, [e.start for e in a.evidence], a.killed) for a in merged] == [
        (["drone"], [0, 900], 9),
        (["missile"], [1800], None),
    ]


def test_items_of_one_chunk_are_kept_apart_and_the_same_quote_joins_two_chunks() -> None:
    from summarizer.merge import merge_items
    from summarizer.schema import Diplomacy, Quote, Span

    one = _attack("Sumy", "drone", 0, "A drone hit a bus in Sumy.")
    two = _attack("Sumy", "drone", 40, "Another drone hit Sumy at noon.")
    assert len(merge_items("attacks", [one, two], [0, 0])) == 2

    quote = Quote(text="We are ready to meet", start=500, end=520, speaker="Peskov")

    def said(start: int) -> Diplomacy:
        text = "Peskov spoke to reporters."
        return Diplomacy(kind="statement", actors=["Peskov"], what="He spoke.", quotes=[quote],
                         evidence=[Span(text=text, start=start, end=start + len(text))])

    assert len(merge_items("diplomacy", [said(100), said(2000)], [0, 3])) == 1


def test_the_budget_learns_a_smaller_window_and_corrects_its_estimate_with_the_servers_count() -> None:
    budget = TokenBudget(context=32_768, source="argument", output_tokens=512, overhead=3_000)
    before = budget.article_tokens
    budget.learn(8_192, source="server error")
    assert (budget.context, budget.source) == (8_192, "server error")
    assert budget.article_tokens == 8_192 - 3_000 - 512 < before

    budget.learn(8_192, source="server error", sent_tokens=9_000, estimated=6_000)  # we counted too few
    assert budget.scale == 1.5 and budget.article_tokens == int((8_192 - 3_000 - 512) / 1.5)

    budget.learn(None, source="server error")  # refused, nothing named: assume more tokens again
    assert budget.scale == 2.25


# ---------------------------------------------------------------------------
# Ollama: a prompt longer than its num_ctx is cut without an error


def _ollama(llm_server: Any, base: Any, window: int) -> None:
    """The scripted server as an Ollama whose window is ``window`` tokens: ``GET /models`` names it
    (``owned_by: library``), and a longer prompt is answered as if it were whole, the usage
    counting only what is kept (what Ollama's OpenAI-compatible API does)."""
    from conftest import TEST_MODEL
    from llm_completions import completion_body

    listing = {"object": "list", "data": [{"id": TEST_MODEL, "object": "model", "owned_by": "library"}]}
    llm_server.models_reply = Reply.http(200, listing)

    def responder(req: Any) -> Reply:
        body = completion_body(req, base(req), "cut")
        usage = body["usage"]
        usage["prompt_tokens"] = min(usage["prompt_tokens"], window)
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        return Reply.http(200, body)

    llm_server.responder = responder


def test_a_prompt_ollama_cut_silently_is_read_again_in_smaller_chunks_with_one_warning(
    llm_server: Any, seed_draft: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    from conftest import TEST_KEY, TEST_MODEL

    article = (ROOT / "seeds" / "ukraine-istanbul-talks.txt").read_text(encoding="utf-8")
    _ollama(llm_server, draft_for_chunk(seed_draft), window=900)
    summarizer = Summarizer(base_url=llm_server.base_url, api_key=TEST_KEY, model=TEST_MODEL, backend="llm")
    # a window we believe holds the whole seed (the prompt without its schema is ~600 tokens here)
    summarizer.token_budget = TokenBudget(context=100_000, source="test", output_tokens=0, overhead=600)

    with caplog.at_level("WARNING", logger="summarizer"):
        first = summarizer.summarize(article)
        second = summarizer.summarize(article)

    chats = llm_server.chat_requests
    cut = [r for r in chats if _prompt_tokens(r) > 900]
    assert len(cut) == 1, "only the first, whole request was cut; then the window was known"
    assert summarizer.token_budget.context == 900
    assert first.meta.chunks is not None and first.meta.chunks >= 2 and second.meta.chunks == first.meta.chunks
    assert any("cut a prompt to 900 tokens" in n for n in first.meta.notes)
    assert len(caplog.records) == 1, "one warning for the run, not one per cut request or per article"
    assert "OLLAMA_CONTEXT_LENGTH" in caplog.records[0].getMessage()
    assert every_span_slices_back(first) and len(first.attacks) == 3
    # usage counts what the server said of every request: the cut one, each chunk and the merge call
    first_requests = chats[: 1 + first.meta.chunks + 1]
    assert first.meta.usage.prompt_tokens == sum(min(900, _prompt_tokens(r)) for r in first_requests)


def _prompt_tokens(request: Any) -> int:
    """The scripted server's count of a request's prompt (a token per 4 characters, rounded up)."""
    return -(-sum(len(m.get("content") or "") for m in request.json["messages"]) // 4)


def test_an_ollama_window_too_small_for_the_prompt_is_one_clear_error_naming_the_setting(
    llm_server: Any, seed_draft: dict[str, Any]
) -> None:
    from conftest import TEST_KEY, TEST_MODEL

    article = (ROOT / "seeds" / "ukraine-istanbul-talks.txt").read_text(encoding="utf-8")
    _ollama(llm_server, draft_for_chunk(seed_draft), window=300)
    summarizer = Summarizer(base_url=llm_server.base_url, api_key=TEST_KEY, model=TEST_MODEL, backend="llm")

    with pytest.raises(SummarizerError) as caught:
        summarizer.summarize(article)

    message = str(caught.value)
    assert "cut the prompt to 300 tokens" in message and "OLLAMA_CONTEXT_LENGTH" in message and "\n" not in message
    assert caught.value.exit_code == 2
    assert summarizer.token_budget.source == "prompt cut by the server"
    # the chunk waiting for the one slot may be sent before the error stops the others; no more are
    assert len(llm_server.chat_requests) <= 2


def test_the_ollama_window_is_read_from_api_ps_or_the_modelfile_num_ctx() -> None:
    from summarizer.context_probe import context_from_ollama_ps, context_from_ollama_show

    ps = {"models": [{"name": "qwen2.5:latest", "model": "qwen2.5:latest", "context_length": 8192},
                     {"name": "llama3:8b", "model": "llama3:8b", "context_length": 4096}]}
    assert context_from_ollama_ps(ps, "qwen2.5") == 8192
    assert context_from_ollama_ps(ps, "llama3:8b") == 4096
    assert context_from_ollama_ps(ps, "mistral") is None, "a model not loaded says nothing"
    assert context_from_ollama_show({"parameters": 'stop "<|im_end|>"\nnum_ctx 16384'}) == 16384
    assert context_from_ollama_show({"parameters": 'stop "<|im_end|>"', "model_info": {"llama.context_length": 131072}}) is None

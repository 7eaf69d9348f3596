"""Work that is skipped when nobody needs it: the digest, a second HTML extraction, the LLM client's import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import summarizer.digest
from summarizer.cli import cli

SEED = Path(__file__).resolve().parent.parent / "seeds" / "ukraine-istanbul-talks.txt"


def _jsonl(tmp_path: Path, n: int) -> Path:
    text = SEED.read_text(encoding="utf-8")
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": f"a{i}", "text": f"{text}\n\nReport {i}."}) + "\n" for i in range(n)))
    return path


def test_a_batch_without_digest_never_builds_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the digest was built although --digest was not given")

    monkeypatch.setattr(summarizer.digest.DigestBuilder, "add", refuse)
    monkeypatch.setattr(summarizer.digest.DigestBuilder, "digest", refuse)
    args = ["batch", str(_jsonl(tmp_path, 3)), "-o", str(tmp_path / "out.jsonl"), "--store", str(tmp_path / "s.db"),
            "--backend", "extractive"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 3


def test_a_batch_with_digest_still_writes_it(tmp_path: Path) -> None:
    args = ["batch", str(_jsonl(tmp_path, 2)), "-o", str(tmp_path / "out.jsonl"), "--store", str(tmp_path / "s.db"),
            "--backend", "extractive", "--digest", str(tmp_path / "d.md")]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Istanbul" in (tmp_path / "d.md").read_text()


def test_instructor_checks_a_response_model_for_async_validators_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from instructor.v2.validation import async_validators
    from pydantic import BaseModel

    from summarizer import client_speedups

    calls: list[object] = []
    original = async_validators.reject_async_validators

    def counting(model: object) -> None:
        calls.append(model)
        original(model)

    monkeypatch.setattr(async_validators, "reject_async_validators", counting)
    assert client_speedups.memoize_async_validator_check()

    class Plain(BaseModel):
        name: str

    for _ in range(6):
        async_validators.reject_async_validators(Plain)
        async_validators.reject_async_validators(list[Plain])  # not a class: asked every time
    assert calls.count(Plain) == 1
    assert len(calls) == 7


def test_a_response_model_with_an_async_validator_is_still_refused_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from instructor.v2.validation import async_validators
    from pydantic import BaseModel

    from summarizer import client_speedups

    monkeypatch.setattr(async_validators, "reject_async_validators", async_validators.reject_async_validators)
    client_speedups.memoize_async_validator_check()

    class Checked(BaseModel):
        name: str

        @async_validators.async_field_validator("name")
        async def check(self, value: str) -> str:
            return value

    for _ in range(2):
        with pytest.raises(ValueError, match="async validators are not supported"):
            async_validators.reject_async_validators(Checked)


def test_instructor_modules_that_imported_the_check_by_name_use_the_memoized_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from instructor.v2.core import patch
    from instructor.v2.validation import async_validators

    from summarizer import client_speedups

    monkeypatch.setattr(async_validators, "reject_async_validators", async_validators.reject_async_validators)
    monkeypatch.setattr(patch, "reject_async_validators", async_validators.reject_async_validators)
    client_speedups.memoize_async_validator_check()
    assert patch.reject_async_validators is async_validators.reject_async_validators
    assert getattr(patch.reject_async_validators, "_summarizer_memoized", False)


def _imports_after_summarize(tmp_path: Path, article: str) -> tuple[int, str]:
    import subprocess
    import sys

    path = tmp_path / "article.txt"
    path.write_text(article, encoding="utf-8")
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from summarizer.cli import cli\n"
        f"r = CliRunner().invoke(cli, ['summarize', {str(path)!r}, '--base-url', 'http://127.0.0.1:9/v1'])\n"
        "print(r.exit_code, 'openai' in sys.modules, 'instructor' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    code_, openai_loaded, instructor_loaded = done.stdout.split()
    return int(code_), f"{openai_loaded} {instructor_loaded}"


@pytest.mark.parametrize("article", ["", "Too short.", "\x00\x01\x02 binary"])
def test_a_bad_input_is_refused_before_the_llm_client_is_imported(tmp_path: Path, article: str) -> None:
    assert _imports_after_summarize(tmp_path, article) == (2, "False False")


def _html_folder(tmp_path: Path) -> Path:
    import gzip

    folder = tmp_path / "pages"
    folder.mkdir()
    for page in sorted((Path(__file__).parent / "data" / "corpus" / "html").glob("*.html.gz")):
        (folder / page.name.removesuffix(".gz")).write_bytes(gzip.decompress(page.read_bytes()))
    (folder / "seed.html").write_text(
        "<html><head><title>Talks in Istanbul</title></head><body><article>"
        + "".join(f"<p>{p}</p>" for p in SEED.read_text(encoding="utf-8").split("\n") if p.strip())
        + "</article></body></html>",
        encoding="utf-8",
    )
    return folder


def _count_extractions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from summarizer.inputs import extract

    calls: list[str] = []
    real = extract._trafilatura

    def counting(content: str | bytes, where: str, *, url: str | None = None) -> object:
        calls.append(where)
        return real(content, where, url=url)

    monkeypatch.setattr(extract, "_trafilatura", counting)
    return calls


def test_a_rerun_of_a_folder_of_pages_extracts_no_page_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _html_folder(tmp_path)
    calls = _count_extractions(monkeypatch)
    args = ["batch", str(folder), "-o", str(tmp_path / "out.jsonl"), "--store", str(tmp_path / "s.db"),
            "--backend", "extractive"]
    first = CliRunner().invoke(cli, args, catch_exceptions=False)
    first_out = (tmp_path / "out.jsonl").read_text()
    assert len(calls) == 4
    again = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert len(calls) == 4, "the rerun extracted pages again"
    assert (first.exit_code, again.exit_code) == (0, 0)
    assert "(4 cached" in again.output
    assert (tmp_path / "out.jsonl").read_text() == first_out


def test_a_page_whose_bytes_changed_is_extracted_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _html_folder(tmp_path)
    calls = _count_extractions(monkeypatch)
    args = ["batch", str(folder), "-o", str(tmp_path / "out.jsonl"), "--store", str(tmp_path / "s.db"),
            "--backend", "extractive"]
    CliRunner().invoke(cli, args, catch_exceptions=False)
    seed = folder / "seed.html"
    seed.write_text(seed.read_text(encoding="utf-8").replace("Istanbul", "Türkiye"), encoding="utf-8")
    CliRunner().invoke(cli, args, catch_exceptions=False)
    assert calls.count(str(seed)) == 2
    assert len(calls) == 5
    assert "Türkiye" in (tmp_path / "out.jsonl").read_text(encoding="utf-8")


def test_outside_a_batch_every_read_of_a_page_extracts_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from summarizer.inputs import read_html_file

    page = _html_folder(tmp_path) / "seed.html"
    calls = _count_extractions(monkeypatch)
    assert read_html_file(page) == read_html_file(page)
    assert len(calls) == 2


def test_a_remembered_extraction_is_the_article_extracted(tmp_path: Path) -> None:
    from summarizer.inputs import extracted, read_html_file
    from summarizer.store import Store

    folder = _html_folder(tmp_path)
    with Store(tmp_path / "s.db") as store, extracted.remembering(store):
        for page in sorted(folder.iterdir()):
            assert read_html_file(page) == read_html_file(page)  # the second from the store


_LOCAL = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])


@_LOCAL
@pytest.mark.parametrize("mode", ["tools", "json", "json_schema", "md_json"])
def test_a_direct_chat_completion_sends_and_returns_what_the_sdk_does(mode: str, seed_text: str, seed_draft: dict) -> None:
    import asyncio

    import instructor
    import openai
    from llm_server import LLMServer, Reply

    from summarizer import client_speedups
    from summarizer.client import _MODES, _prepared
    from summarizer.prompts import Prompts
    from summarizer.schema import Article, SummaryDraft

    create = client_speedups.direct_chat_completions()
    assert create is not None
    with LLMServer() as server:
        server.responder = lambda req: Reply.data(seed_draft)
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
        messages = Prompts.load().messages(Article(text=seed_text))

        async def direct(**kwargs: object) -> object:  # a coroutine function, as instructor.patch wants
            return await create(client, **kwargs)

        async def both() -> list[object]:
            answers = []
            for send in (client.chat.completions.create, direct):
                patched = instructor.patch(create=send, mode=_MODES[mode])
                answers.append(await patched(response_model=_prepared(SummaryDraft), messages=messages, model="m",
                                             temperature=0, max_tokens=4096, max_retries=0, strict=False))
            await client.close()
            return answers

        via_sdk, direct = asyncio.run(both())
        sdk_request, direct_request = server.chat_requests
    assert direct_request.json == sdk_request.json
    assert direct_request.headers.get("authorization") == sdk_request.headers.get("authorization") == "Bearer sk-test"
    assert direct == via_sdk


def test_the_client_checks_the_response_model_once_and_skips_the_sdk_resource_layer(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from llm_server import LLMServer, summary_responder\n"
        "from summarizer import Summarizer\n"
        "from instructor.v2.validation import async_validators\n"
        f"text = open({str(SEED)!r}, encoding='utf-8').read()\n"
        "with LLMServer(responder=summary_responder) as server:\n"
        "    s = Summarizer(base_url=server.base_url, api_key='sk-test', model='m', backend='llm')\n"
        "    s.summarize(text)\n"
        "print(getattr(async_validators.reject_async_validators, '_summarizer_memoized', False),\n"
        "      'openai.resources.chat' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["True", "False"]


def test_after_the_first_summary_no_request_builds_the_draft_json_schema_again(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from llm_server import LLMServer, summary_responder

    from summarizer import Summarizer, client_speedups
    from summarizer.schema import SummaryDraft

    built: list[type] = []
    original = SummaryDraft.model_json_schema.__func__  # type: ignore[attr-defined]

    def counting(cls: type, *args: object, **kwargs: object) -> dict:
        built.append(cls)
        return original(cls, *args, **kwargs)

    client_speedups.json_schema.cache_clear()
    monkeypatch.setattr(SummaryDraft, "model_json_schema", classmethod(counting))
    text = SEED.read_text(encoding="utf-8")
    with LLMServer(responder=summary_responder) as server:
        s = Summarizer(base_url=server.base_url, api_key="sk-test", model="m", backend="llm")
        first = s.summarize(text)
        after_first = len(built)
        second = s.summarize(text + "\n\nAnother paragraph.")
    client_speedups.json_schema.cache_clear()
    assert first.headline and second.headline
    assert after_first >= 1 and set(built) == {SummaryDraft}
    assert len(built) == after_first


def _reports(n: int) -> list:
    """``n`` distinct summaries of the seed over 5 publication days and 4 towns: the same incidents, actors
    and places again and again, the worst case for a merge that compares every pair."""
    from datetime import date, timedelta

    from factories import seed_summary

    from summarizer.schema import Article

    base = seed_summary()
    towns = ("Sumy", "Kharkiv", "Kherson", "Bilopillia")
    out = []
    for i in range(n):
        published = (date(2025, 5, 12) + timedelta(days=i % 5)).isoformat()
        article = Article(**base.article.model_dump(exclude={"content_hash", "key"}, exclude_none=True)
                          | {"text": f"{base.article.text}\n\nReport {i}.", "published": published, "language": "en"})
        first = base.attacks[0].model_copy(update={"place": towns[i // 5 % 4], "killed": 5 + i % 3})
        meta = base.meta.model_copy(update={"content_hash": article.content_hash})
        out.append(base.model_copy(update={"article": article, "meta": meta, "attacks": [first, *base.attacks[1:]]}))
    return out


def test_the_digest_compares_a_number_of_pairs_that_grows_near_linearly(monkeypatch: pytest.MonkeyPatch) -> None:
    from summarizer.digest import merge as digest
    from summarizer.events import incidents

    compared = [0]

    def counting(original: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            compared[0] += 1
            return original(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(incidents.Incident, "accepts", counting(incidents.Incident.accepts))
    monkeypatch.setattr(incidents.ClaimEvent, "accepts", counting(incidents.ClaimEvent.accepts))
    for name in ("_same_diplomacy", "_same_sanction"):
        monkeypatch.setattr(digest, name, counting(getattr(digest, name)))

    def pairs(n: int) -> int:
        compared[0] = 0
        built = digest.build(_reports(n))
        assert len(built.sources) == n
        return compared[0]

    small, large = pairs(60), pairs(240)
    assert small > 0
    # Four times the summaries: about four times the comparisons (every pair would be sixteen times).
    assert large < 6 * small, (small, large)


def test_a_row_knows_its_sources_and_their_days_without_reading_them_again() -> None:
    from datetime import date

    from summarizer.digest import Source, TerritoryEntry

    first = Source(1, "a", day=date(2025, 5, 10))
    row = TerritoryEntry("Oleksandropil", None, "Russian forces", "captured", None, [first])
    row.cite(Source(2, "b", day=date(2025, 5, 20)))
    assert row.cites(first) and row.cites(Source(2, "b")) and not row.cites(Source(3, "c"))
    assert row.close_in_time(Source(4, "d", day=date(2025, 5, 13)))  # three days after the first
    assert row.close_in_time(Source(5, "e", day=date(2025, 5, 17)))  # three days before the second
    assert not row.close_in_time(Source(6, "f", day=date(2025, 5, 15)))  # five days from either
    assert row.close_in_time(Source(7, "g"))  # an unknown day is close to anything
    row.sources.append(Source(8, "h", day=date(2025, 5, 15)))  # a list changed behind its back is read again
    assert row.cites(Source(8, "h")) and row.close_in_time(Source(9, "i", day=date(2025, 5, 16)))


def test_the_digest_enriches_only_summaries_without_dates_and_places(monkeypatch: pytest.MonkeyPatch) -> None:
    from factories import seed_article, seed_summary

    from summarizer.digest import merge as digest
    from summarizer.events import enrich

    raw = seed_summary().model_copy(update={"article": seed_article(published="2025-05-18")})
    stored = enrich(raw)
    enriched: list[object] = []
    monkeypatch.setattr(digest, "enrich", lambda s, **kw: (enriched.append(s), enrich(s, **kw))[1])
    from_raw, from_stored = digest.build([raw]), digest.build([stored])
    assert enriched == [raw]
    assert [e.date for e in from_raw.attacks] == [e.date for e in from_stored.attacks]
    assert from_stored.attacks[0].date == "2025-05-17"


def test_building_a_digest_pauses_the_garbage_collector_and_restores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from factories import seed_summary

    from summarizer import digest

    seen: list[bool] = []
    original = digest.DigestBuilder.add

    def watching(self: digest.DigestBuilder, summary: Any) -> None:
        seen.append(gc.isenabled())
        original(self, summary)

    monkeypatch.setattr(digest.DigestBuilder, "add", watching)
    try:
        assert gc.isenabled()
        digest.build([seed_summary()])
        assert seen == [False] and gc.isenabled()
        gc.disable()  # a caller that turned it off itself finds it off afterwards
        digest.build([seed_summary()])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_cli_batch_keeps_what_start_up_made_out_of_the_collector_while_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from summarizer.pipeline import Summarizer

    calls: list[str] = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(gc, "unfreeze", lambda: calls.append("unfreeze"))
    summarize = Summarizer.asummarize

    async def counted(self: Summarizer, *args: Any, **kwargs: Any) -> Any:
        calls.append("summarize")
        return await summarize(self, *args, **kwargs)

    monkeypatch.setattr(Summarizer, "asummarize", counted)
    args = ["batch", str(_jsonl(tmp_path, 2)), "-o", str(tmp_path / "out.jsonl"), "--store", str(tmp_path / "s.db"),
            "--backend", "extractive"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)

    assert result.exit_code == 0, result.output
    # frozen once start-up is over (the backend made) and again as the run starts; given back after it
    assert [c for c in calls if c != "freeze"] == ["summarize", "summarize", "unfreeze"]
    assert calls[0] == "freeze" and calls.index("summarize") > calls.index("freeze")

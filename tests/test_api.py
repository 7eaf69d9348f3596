"""The public library API: exported names, a light import, running-loop safety,
notebook display, tables, and the JSON / JSONL round trip."""

from __future__ import annotations

import asyncio
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEED
from factories import make_summary, seed_article, seed_summary

import summarizer
from summarizer import render, tables
from summarizer.errors import InputError
from summarizer.schema import Summary

PUBLIC_NAMES = [
    "__version__",
    # summarizing
    "Summarizer", "summarize", "asummarize", "summarize_many", "Config",
    # the data model
    "Article", "Summary", "Diplomacy", "Attack", "Territory", "Sanction", "Quote", "Span", "Meta", "Usage", "Dropped",
    # inputs and stored results
    "load_feed", "load_articles", "InputFailure", "load_results", "Results", "ResultError", "results_to_dataframe",
    # errors
    "SummarizerError", "UsageError", "NoEndpointError", "InputError", "ManyArticlesError", "LLMError", "AuthenticationError",
    "NotFoundError", "BadRequestError", "RateLimitError", "EndpointUnavailableError", "OutputTruncatedError",
    "SummaryError", "GroundingError", "StoreError", "StoreFullError",
]

#: Public functions whose owners have yet to add a ``>>>`` example to the docstring.
_EXAMPLE_PENDING: set[str] = set()


# ---------------------------------------------------------------------------
# Exported names


def test_public_names_are_pinned_by_all() -> None:
    assert sorted(summarizer.__all__) == sorted(PUBLIC_NAMES)
    assert len(set(summarizer.__all__)) == len(summarizer.__all__)
    assert set(summarizer.__all__) == {"__version__", *summarizer._EXPORTS}  # every name has a home module


@pytest.mark.parametrize("name", [n for n in PUBLIC_NAMES if n != "summarize_many"])
def test_every_public_name_resolves_to_the_object_its_module_defines(name: str) -> None:
    obj = getattr(summarizer, name)
    assert obj is not None
    if name != "__version__":
        home = sys.modules[summarizer._EXPORTS[name]]
        assert getattr(home, name) is obj


def test_summarize_many_is_exported_from_the_batch_module() -> None:
    from summarizer.batch import summarize_many

    assert summarizer.summarize_many is summarize_many


def test_star_import_gives_exactly_the_public_names() -> None:
    namespace: dict[str, object] = {}
    exec("from summarizer import *", namespace)  # noqa: S102 - a star import needs a fresh namespace
    assert set(namespace) - {"__builtins__"} == set(PUBLIC_NAMES)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'summarise'"):
        summarizer.summarise  # noqa: B018 - the attribute access is the test


def test_dir_lists_the_public_names() -> None:
    assert set(PUBLIC_NAMES) <= set(dir(summarizer))


def test_the_version_matches_the_package_metadata() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'version = "{summarizer.__version__}"' in text


def _public_functions() -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for name in PUBLIC_NAMES:
        if name == "__version__":
            continue
        obj = getattr(summarizer, name)
        if inspect.isfunction(obj):
            out.append((name, obj))
    out += [
        ("Summary.to_records", Summary.to_records),
        ("Summary.to_dataframe", Summary.to_dataframe),
        ("Results.to_dataframe", summarizer.Results.to_dataframe),
    ]
    return out


@pytest.mark.parametrize(
    ("name", "func"),
    [
        pytest.param(n, f, marks=pytest.mark.xfail(reason="example not written yet by the module's owner"))
        if n in _EXAMPLE_PENDING
        else (n, f)
        for n, f in _public_functions()
    ],
    ids=[n for n, _ in _public_functions()],
)
def test_every_public_function_has_a_docstring_with_an_example(name: str, func: object) -> None:
    doc = inspect.getdoc(func) or ""
    assert doc, f"{name} has no docstring"
    assert ">>>" in doc, f"{name}'s docstring has no example"


# ---------------------------------------------------------------------------
# Import cost and packaging


def test_import_summarizer_is_light() -> None:
    code = (
        "import sys, summarizer\n"
        "heavy = ['openai', 'instructor', 'httpx', 'rich', 'pandas', 'trafilatura', 'feedparser', 'pydantic']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_import_summarizer_reads_no_configuration_from_the_environment() -> None:
    code = (
        "import os\n"
        "class Watch(dict):\n"
        "    def _check(self, k):\n"
        "        if str(k).startswith(('SUMMARIZER_', 'OPENAI_')): raise SystemExit('read ' + k)\n"
        "    def __getitem__(self, k): self._check(k); return super().__getitem__(k)\n"
        "    def get(self, k, d=None): self._check(k); return super().get(k, d)\n"
        "    def __contains__(self, k): self._check(k); return super().__contains__(k)\n"
        "real, os.environ = os.environ, Watch(os.environ)\n"
        "import summarizer\n"
        "summarizer.Summarizer, summarizer.Summary, summarizer.load_results, summarizer.Config\n"
        "os.environ = real\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert out.stdout.strip() == "ok", out.stderr


def test_the_package_ships_py_typed() -> None:
    assert (ROOT / "summarizer" / "py.typed").is_file()


# ---------------------------------------------------------------------------
# Inside a running event loop (Jupyter)


def test_sync_summarize_works_inside_a_running_event_loop() -> None:
    text = SEED.read_text(encoding="utf-8")

    async def notebook_cell() -> list[Summary]:
        asyncio.get_running_loop()  # as in Jupyter: a loop is running in this thread
        s = summarizer.Summarizer(backend="extractive")
        return [
            summarizer.summarize(text, backend="extractive"),  # no "asyncio.run() cannot be called ..."
            s.summarize(text),
            await summarizer.asummarize(text, backend="extractive"),
            await s.asummarize(text),
        ]

    results = asyncio.run(notebook_cell())
    assert all(r.attacks == results[0].attacks for r in results)
    assert results[0].attacks and results[0].meta.backend == "extractive"


def test_an_error_inside_a_running_loop_reaches_the_caller_unchanged() -> None:
    async def notebook_cell() -> None:
        summarizer.summarize("   ", backend="extractive")

    with pytest.raises(InputError, match="empty"):
        asyncio.run(notebook_cell())


# ---------------------------------------------------------------------------
# Notebook display and tables on Summary


def test_summary_displays_itself_as_html_with_highlighted_evidence() -> None:
    s = seed_summary()
    html = s._repr_html_()
    assert html == render.to_html_fragment(s)
    assert "<mark" in html and s.headline in html
    assert "<script" not in html.lower() and "http" not in html.split("article:")[0].lower()


def test_summary_markdown_fallback_is_the_markdown_renderer() -> None:
    s = seed_summary()
    assert s._repr_markdown_() == render.to_markdown(s)


def test_summary_to_records_and_to_dataframe_delegate_to_tables() -> None:
    s = seed_summary()
    assert s.to_records() == tables.to_records(s)
    df = s.to_dataframe()
    assert list(df.columns) == tables.COLUMNS
    attacks = df[df.section == "attacks"]
    assert list(attacks["killed"].astype("object").where(attacks["killed"].notna(), None)) == [9, 6, None]


def test_to_dataframe_without_pandas_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # makes "import pandas" raise ImportError
    with pytest.raises(ImportError, match=r"pip install pandas"):
        seed_summary().to_dataframe()


def test_display_methods_are_not_model_fields() -> None:
    s = seed_summary()
    assert "to_records" not in json.loads(s.model_dump_json())
    assert set(Summary.model_fields) == {
        "headline", "summary", "diplomacy", "attacks", "territory", "sanctions", "article", "meta",
    }


# ---------------------------------------------------------------------------
# Round trips


def test_summary_json_round_trip_keeps_every_field_and_the_dropped_items() -> None:
    s = seed_summary()
    dumped = s.model_dump_json()

    back = Summary.model_validate_json(dumped)

    assert back == s
    assert back.meta.dropped and back.meta.dropped == s.meta.dropped
    assert json.loads(dumped)["article"]["content_hash"] == s.article.content_hash
    assert back.article.content_hash == s.article.content_hash


def test_extractive_summary_round_trips_too() -> None:
    s = summarizer.summarize(seed_article(), backend="extractive")
    assert Summary.model_validate_json(s.model_dump_json()) == s


def _write_jsonl(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_results_gives_back_equal_summaries_and_keeps_errors_apart(tmp_path: Path) -> None:
    first = seed_summary()
    second = make_summary("Shelling hit a school in Kherson on Monday.", headline="Kherson school shelled")
    error = {"id": "kharkiv-12", "url": "https://news.example.org/k12", "error": "HTTP 500 after 5 retries"}
    path = _write_jsonl(
        tmp_path / "out.jsonl",
        first.model_dump_json(),
        "",
        json.dumps(error),
        second.model_dump_json(),
    )

    results = summarizer.load_results(path)

    assert list(results) == [first, second]
    assert all(isinstance(r, Summary) for r in results)
    [err] = results.errors
    assert (err.id, err.url, err.error, err.line) == ("kharkiv-12", "https://news.example.org/k12", "HTTP 500 after 5 retries", 3)
    assert str(err) == "kharkiv-12: HTTP 500 after 5 retries"
    assert repr(results) == f"<Results: 2 summaries, 1 error from {str(path)!r}>"


def test_load_results_accepts_wrapped_summaries_and_structured_errors(tmp_path: Path) -> None:
    s = seed_summary()
    wrapped = json.dumps({"id": "seed", "status": "done", "summary": json.loads(s.model_dump_json())})
    failed = json.dumps({"article": {"id": "a7", "url": "https://x.example/7"}, "error": {"type": "RateLimitError", "message": "429"}})

    results = summarizer.load_results(_write_jsonl(tmp_path / "out.jsonl", wrapped, failed))

    assert list(results) == [s]
    assert results.errors[0].id == "a7" and results.errors[0].error == "RateLimitError: 429"


def test_load_results_keeps_unicode_line_separators_inside_a_line(tmp_path: Path) -> None:
    s = seed_summary(headline="Talks\u2028resume\u2029in Istanbul")
    results = summarizer.load_results(_write_jsonl(tmp_path / "out.jsonl", s.model_dump_json()))
    assert results[0].headline == "Talks\u2028resume\u2029in Istanbul"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"headline": "cut off', r"out\.jsonl:2: not valid JSON"),
        ("[1, 2]", r"out\.jsonl:2: expected a JSON object"),
        ('{"headline": "h", "summary": "s"}', r"out\.jsonl:2: not a summary \(.*Field required"),
    ],
)
def test_load_results_names_the_line_that_is_not_a_result(tmp_path: Path, line: str, message: str) -> None:
    path = _write_jsonl(tmp_path / "out.jsonl", seed_summary().model_dump_json(), line)
    with pytest.raises(InputError, match=message):
        summarizer.load_results(path)


def test_load_results_of_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        summarizer.load_results(tmp_path / "nope.jsonl")


def test_results_flatten_into_one_dataframe(tmp_path: Path) -> None:
    s = seed_summary()
    results = summarizer.load_results(_write_jsonl(tmp_path / "out.jsonl", s.model_dump_json(), s.model_dump_json()))

    df = results.to_dataframe()

    assert len(df) == 2 * len(s.to_records())
    assert df.equals(summarizer.results_to_dataframe(results))


def test_load_results_reads_what_a_batch_writes(tmp_path: Path) -> None:
    from summarizer.batch import summarize_many, write_jsonl
    from summarizer.inputs import InputFailure, load_articles

    inputs = [*load_articles([ROOT / "seeds" / "articles.jsonl"]), InputFailure("feed.xml#9", "gone", "https://x.example/9", "HTTP 404")]
    batch = summarize_many(inputs, backend="extractive", concurrency=2)
    write_jsonl(batch, tmp_path / "out.jsonl")

    results = summarizer.load_results(tmp_path / "out.jsonl")

    assert list(results) == batch.summaries and len(results) == 3
    assert [r.article.id for r in results] == ["kharkiv-glide-bombs", "istanbul-round-two", "eu-17th-package"]
    [err] = results.errors
    assert (err.id, err.url, err.source, err.line) == ("gone", "https://x.example/9", "feed.xml#9", 4)
    assert "HTTP 404" in err.error


def test_loaded_results_display_as_the_digest_listing_the_failures(tmp_path: Path) -> None:
    s = seed_summary()
    error = {"id": "kharkiv-12", "url": "https://news.example.org/k12", "error": "HTTP 500 after 5 retries"}
    results = summarizer.load_results(_write_jsonl(tmp_path / "out.jsonl", s.model_dump_json(), json.dumps(error)))

    html, markdown = results._repr_html_(), results._repr_markdown_()

    from summarizer import digest

    assert html == digest.to_html_fragment([s], failures=results.errors)
    assert markdown == digest.to_markdown([s], failures=results.errors)
    assert "kharkiv-12" in html and "kharkiv-12" in markdown
    assert "<script" not in html.lower()


def test_each_line_of_out_is_its_record_and_reads_back(tmp_path: Path) -> None:
    from summarizer.batch import BatchResult, write_jsonl

    s = seed_summary(headline="Talks\u2028resume in \u00c7orlu \u2014 \u201cno\u201d")
    done = BatchResult(0, "seed", url="https://news.example.org/é", source="feed.xml", summary=s)
    failed = BatchResult(1, "k12", source="in.jsonl:2", error="HTTP 500 \u2014 after 5 retries")

    assert write_jsonl([done, failed], tmp_path / "out.jsonl") == 2

    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").split("\n")
    assert [json.loads(line) for line in lines[:2]] == [done.to_record(), failed.to_record()]
    assert list(json.loads(lines[0]))[:4] == ["id", "url", "source", "headline"]
    assert list(summarizer.load_results(tmp_path / "out.jsonl")) == [s]

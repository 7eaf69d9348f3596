"""Inputs that must not be read without a limit or decoded wrongly: pipes, devices, endless stdin,
endless JSONL lines, folders holding pipes, invalid UTF-8, undeclared feed encodings, damaged or empty feeds."""

from __future__ import annotations

import io
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from summarizer.errors import InputError
from summarizer.inputs import (
    InputFailure,
    count_articles,
    load_articles,
    load_feed,
    read_source,
    read_stdin,
    read_text_file,
)
from summarizer.schema import Article

DATA = Path(__file__).parent / "data"
SEEDS = Path(__file__).parent.parent / "seeds"
LONG_TEXT = (DATA / "article.txt").read_text(encoding="utf-8")
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")


@pytest.fixture
def fifo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A named pipe that nobody writes to (readers that are not told otherwise give up after 0.2 s of silence)."""
    monkeypatch.setattr("summarizer.inputs.text.PIPE_IDLE_S", 0.2, raising=False)
    path = tmp_path / "f.txt"
    os.mkfifo(path)
    yield path
    try:  # a reader still blocked in open() (the bug) gets its end of file
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass


def _within(seconds: float, fn, *args):  # type: ignore[no-untyped-def]
    """fn(*args) run in a thread: its result, or a failed test if it has not returned after ``seconds``."""
    box: list[object] = []
    thread = threading.Thread(target=lambda: box.append(_outcome(fn, *args)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{getattr(fn, '__name__', fn)} still running after {seconds} s"
    return box[0]


def _outcome(fn, *args):  # type: ignore[no-untyped-def]
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - the test looks at it
        return exc


def _write_later(path: Path, data: bytes, after: float = 0.05) -> threading.Thread:
    def write() -> None:
        with path.open("wb") as handle:  # blocks until the reader opens the pipe
            handle.write(data)

    thread = threading.Timer(after, write)
    thread.start()
    return thread


# ---------------------------------------------------------------------------
# Pipes and devices


@needs_fifo
def test_a_named_pipe_nobody_writes_to_is_given_up_with_a_message(fifo):
    error = _within(5, lambda: read_source(str(fifo), timeout=0.2))
    assert isinstance(error, InputError)
    assert str(error) == (
        f"{fifo} is a named pipe and nothing was written to it for 0.2 s; "
        "start the program that writes to it first, raise --timeout, or pass a regular file."
    )


@needs_fifo
def test_a_batch_of_a_named_pipe_nobody_writes_to_ends_with_one_error_record(fifo):
    (failure,) = _within(5, lambda: list(load_articles([str(fifo)], timeout=0.2)))
    assert isinstance(failure, InputFailure) and "is a named pipe and nothing was written to it" in failure.error


@needs_fifo
def test_a_named_pipe_is_read_like_stdin(fifo):
    writer = _write_later(fifo, LONG_TEXT.encode("utf-8"))
    article = _within(5, read_source, str(fifo))
    writer.join()
    assert isinstance(article, Article) and article.text == LONG_TEXT.strip()


@needs_fifo
def test_a_named_pipe_of_json_lines_is_read_once_as_a_batch(fifo):
    writer = _write_later(fifo, (DATA / "articles.jsonl").read_bytes())
    items = _within(5, lambda: list(load_articles([str(fifo)])))
    writer.join()
    expected = list(load_articles([str(DATA / "articles.jsonl")]))
    assert [(type(i), getattr(i, "text", None)) for i in items] == [(type(i), getattr(i, "text", None)) for i in expected]


@needs_fifo
def test_counting_never_reads_a_named_pipe(fifo):
    assert _within(5, count_articles, [str(fifo)]) is None


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_device_is_read_only_up_to_the_size_cap(monkeypatch):
    monkeypatch.setattr("summarizer.inputs.text.MAX_BYTES", 1 << 20)
    error = _within(10, read_source, "/dev/zero")
    assert isinstance(error, InputError)
    assert str(error) == "/dev/zero is larger than 1 MB, too large for one article; split it."


class _Endless(io.RawIOBase):
    """A stream that never ends, and fails the test once more than 64 MB were asked of it."""

    given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        if self.given > 64 << 20:
            raise AssertionError("read without a limit")
        buffer[:] = b"a " * (len(buffer) // 2) + b"a" * (len(buffer) % 2)
        self.given += len(buffer)
        return len(buffer)


def test_endless_stdin_is_read_only_up_to_the_size_cap():
    stdin = io.TextIOWrapper(io.BufferedReader(_Endless()))
    with pytest.raises(InputError) as info:
        read_stdin(stdin)
    assert str(info.value) == "<stdin> is larger than 20 MB, too large for one article; split it."


@needs_fifo
def test_a_folder_skips_a_named_pipe_and_says_so(fifo, tmp_path, caplog):
    (tmp_path / "a.txt").write_text(LONG_TEXT, encoding="utf-8")
    with caplog.at_level("WARNING", logger="summarizer.inputs"):
        items = _within(5, lambda: list(load_articles([str(tmp_path)])))
    assert [i.id for i in items] == ["a"]
    assert [r.getMessage() for r in caplog.records] == [f"{fifo}: skipped, it is a named pipe, not a regular file."]
    assert _within(5, count_articles, [str(tmp_path)]) == 1


def test_a_jsonl_line_longer_than_the_cap_is_one_error_and_the_next_lines_are_read(tmp_path, monkeypatch):
    monkeypatch.setattr("summarizer.inputs.text.MAX_BYTES", 4096)
    monkeypatch.setattr("summarizer.inputs.jsonl.MAX_BYTES", 4096)
    path = tmp_path / "a.jsonl"
    good = json.dumps({"id": "ok", "text": LONG_TEXT}) + "\n"
    path.write_text(good + '{"id": "huge", "text": "' + "x " * 5000 + '"}\n' + good.replace('"ok"', '"ok2"'))
    items = list(load_articles([str(path)]))
    assert [getattr(i, "id", None) for i in items] == ["ok", None, "ok2"]
    assert items[1].error == f"{path}:2: line longer than 0 MB, too large for one article; split it."
    assert count_articles([str(path)]) == 3


# ---------------------------------------------------------------------------
# Encodings


def test_one_invalid_byte_in_utf8_is_replaced_with_a_warning_not_latin1(tmp_path, caplog):
    path = tmp_path / "bad-byte.txt"
    path.write_bytes("\u201cWe will not give up our land,\u201d he said. ".encode() + b"\xff " + LONG_TEXT.encode())
    with caplog.at_level("WARNING", logger="summarizer.inputs"):
        article = read_text_file(path)
    assert article.text.startswith("\u201cWe will not give up our land,\u201d he said. \ufffd ")
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: 1 byte not valid UTF-8, replaced with U+FFFD; re-save the file as UTF-8 to keep them."
    ]


CYRILLIC = (
    "Президент Украины заявил во вторник, что делегации снова встретятся в Стамбуле на следующей неделе, "
    "чтобы обсудить обмен пленными и прекращение огня вдоль линии фронта. Переговоры продлятся два дня, "
    "сообщили в министерстве иностранных дел."
)


@pytest.mark.parametrize("encoding", ["cp1251", "koi8_r"])
def test_a_cyrillic_legacy_encoding_is_detected(tmp_path, encoding):
    path = tmp_path / "ru.txt"
    path.write_bytes(CYRILLIC.encode(encoding))
    assert read_text_file(path).text == CYRILLIC


def test_a_feed_that_declares_no_encoding_is_detected_not_garbled(tmp_path):
    path = tmp_path / "ru.xml"
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Новости</title><item><guid>ru-1</guid><title>Переговоры в Стамбуле</title><description>{CYRILLIC}</description></item></channel></rss>'
    path.write_bytes(feed.encode("cp1251"))
    (article,) = load_feed(path, fetch=False)
    assert article.title == "Переговоры в Стамбуле" and article.text == CYRILLIC


def test_a_utf8_feed_with_one_bad_byte_keeps_its_quotes_and_warns(tmp_path, caplog):
    path = tmp_path / "bad.xml"
    text = "\u201cWe will not give up our land,\u201d he said. " + LONG_TEXT
    feed = f'<rss version="2.0"><channel><item><guid>q-1</guid><title>Talks \u2013 day two</title><description>{text}</description></item></channel></rss>'
    path.write_bytes(feed.encode().replace(b" he said.", b" he said.\x9d", 1))
    with caplog.at_level("WARNING", logger="summarizer.inputs"):
        (article,) = load_feed(path, fetch=False)
    assert article.title == "Talks \u2013 day two"
    assert article.text.startswith("\u201cWe will not give up our land,\u201d he said.\ufffd")
    assert any("1 byte not valid UTF-8" in r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------------------
# Feeds


def test_a_feed_read_whole_despite_an_undefined_entity_is_a_warning_not_a_failure(tmp_path, caplog):
    path = tmp_path / "nbsp.xml"
    path.write_bytes((SEEDS / "feed-sample.xml").read_bytes().replace(b"</title>", b"&nbsp;</title>", 1))
    with caplog.at_level("WARNING", logger="summarizer.inputs"):
        items = list(load_feed(path, fetch=False))
    assert items and all(isinstance(i, Article) for i in items)
    assert len(items) == len(list(load_feed(SEEDS / "feed-sample.xml", fetch=False)))
    (warning,) = [r.getMessage() for r in caplog.records]
    assert warning.startswith(f"{path} has an XML error at line ") and "undefined entity" in warning


def test_a_feed_cut_short_is_still_a_failure(tmp_path):
    *_, damage = load_feed(DATA / "feed-broken.xml", fetch=False)
    assert isinstance(damage, InputFailure) and "malformed XML" in damage.error


def test_a_feed_with_no_entries_is_one_error_record(tmp_path):
    path = tmp_path / "empty.xml"
    path.write_text('<rss version="2.0"><channel><title>Quiet desk</title></channel></rss>', encoding="utf-8")
    (failure,) = load_articles([str(path)])
    assert isinstance(failure, InputFailure)
    assert failure.error == f"{path} is an RSS/Atom feed with no entries; check that it is the right feed."
    assert count_articles([str(path)]) == 1


def test_summarize_shows_an_input_warning_as_one_prefixed_line(tmp_path):
    from click.testing import CliRunner

    from summarizer.cli import cli

    path = tmp_path / "bad-byte.txt"
    path.write_bytes("\u201cWe will not give up,\u201d he said.\n".encode() + b"\xff\n" + LONG_TEXT.encode())
    result = CliRunner().invoke(cli, ["summarize", str(path), "--backend", "extractive", "--format", "json"])
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"summarizer: warning: {path}: 1 byte not valid UTF-8, replaced with U+FFFD; re-save the file as UTF-8 to keep them."
    ]

"""What a batch shows on stderr while it runs: the progress bar, and library warnings as notes."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

from summarizer.cli.messages import PROG, _scrub, note


class _BatchProgress:
    """A rich progress bar on stderr (done/total, failed, tokens, elapsed, ETA); silent when stderr is not a terminal."""

    def __init__(self, stats: Any, enabled: bool, total: int | None = None, console: Any = None) -> None:
        self.stats = stats
        self.total = total  # counted up front for local inputs; exact once every input is read
        self.progress: Any = None
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]} failed"),
            TextColumn("{task.fields[tokens]:,} tokens"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console or Console(stderr=True),
            transient=False,
        )
        self.task = self.progress.add_task("batch", total=total, failed=0, tokens=0)

    def __enter__(self) -> _BatchProgress:  # noqa: PYI034 - a private class, never subclassed
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if self.progress is None:
            return
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
            self.progress.live.transient = True  # erased: the 'interrupted' line takes its place
        else:
            self.update()
        self.progress.stop()

    def note(self, message: str) -> None:
        """One line on stderr, above the bar while it is shown."""
        if self.progress is None:
            note(message)
        else:
            self.progress.console.print(f"{PROG}: {' '.join(_scrub(message).split())}", markup=False, highlight=False)

    def update(self, _result: Any = None) -> None:
        if self.progress is None:
            return
        s = self.stats
        self.progress.update(self.task, completed=s.done, total=self.expected(), failed=s.failed, tokens=s.tokens)

    def expected(self) -> int | None:
        return _expected(self.stats, self.total)


def _expected(stats: Any, total: int | None) -> int | None:
    """How many results a batch will have: exact once every input is read, else the count made up front."""
    if stats.exhausted:
        return int(stats.read)
    return None if total is None else max(total, stats.read)


class _Warnings(logging.Handler):
    """Warnings of the ``summarizer`` loggers (an entry read from the feed because its page failed) as notes."""

    def __init__(self, say: Callable[[str], None]) -> None:
        super().__init__(logging.WARNING)
        self.say = say

    def emit(self, record: logging.LogRecord) -> None:
        self.say(f"warning: {record.getMessage()}")


@contextlib.contextmanager
def _warnings_as_notes(say: Callable[[str], None], name: str = "summarizer.inputs") -> Iterator[None]:
    logger = logging.getLogger(name)
    handler = _Warnings(say)
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate

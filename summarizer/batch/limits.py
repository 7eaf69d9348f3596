"""Rate limits: :class:`Throttle` (requests and tokens per minute, one backoff shared by every
worker after a 429) and :func:`estimate_tokens`."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from summarizer.batch.results import BatchStats
from summarizer.errors import UsageError
from summarizer.schema import Article

#: Characters of prompt around the article (instructions and the JSON schema), for token estimates.
PROMPT_OVERHEAD_CHARS = 9000
#: Completion tokens assumed for one summary until the real usage is known.
COMPLETION_ESTIMATE = 800


class Throttle:
    """Sliding one-minute windows for requests and tokens, plus a batch-wide pause after a 429."""

    def __init__(
        self,
        rpm: float | None = None,
        tpm: float | None = None,
        *,
        stats: BatchStats | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        if rpm is not None and rpm <= 0 or tpm is not None and tpm <= 0:
            raise UsageError("--rpm and --tpm must be positive.")
        self.rpm, self.tpm = rpm, tpm
        self.stats = stats or BatchStats()
        self.clock = clock
        self.sleep = sleep
        self.pause_until = 0.0
        self._requests: deque[float] = deque()
        self._tokens: deque[list[float]] = deque()  # [time, tokens]
        self._request_lock = asyncio.Lock()
        self._token_lock = asyncio.Lock()

    def on_backoff(self, wait: float, exc: BaseException | None) -> None:
        """LLMClient.on_backoff callback: a 429 holds every new request for ``wait`` seconds."""
        self.stats.retries += 1
        if getattr(exc, "status_code", None) != 429:
            return
        now = self.clock()
        until = now + max(0.0, wait)
        if until > self.pause_until:
            self.stats.backoffs += 1
            self.stats.paused_s += until - max(now, self.pause_until)
            self.pause_until = until

    async def wait_pause(self) -> None:
        while (left := self.pause_until - self.clock()) > 0:
            await self.sleep(left)

    async def before_request(self) -> None:
        """Wait out a shared backoff, then for room under ``rpm``."""
        await self.wait_pause()
        if self.rpm is None:
            return
        async with self._request_lock:
            while True:
                now = self.clock()
                while self._requests and self._requests[0] <= now - 60:
                    self._requests.popleft()
                if len(self._requests) < self.rpm:
                    self._requests.append(now)
                    return
                await self.sleep(self._requests[0] + 60 - now)
                await self.wait_pause()  # a 429 may have paused the batch meanwhile

    async def take_tokens(self, estimate: int) -> list[float] | None:
        """Wait for room under ``tpm`` for ``estimate`` tokens; the entry is settled later."""
        if self.tpm is None:
            return None
        async with self._token_lock:
            while True:
                now = self.clock()
                while self._tokens and self._tokens[0][0] <= now - 60:
                    self._tokens.popleft()
                used = sum(t for _, t in self._tokens)
                if not self._tokens or used + estimate <= self.tpm:
                    entry = [now, float(estimate)]
                    self._tokens.append(entry)
                    return entry
                await self.sleep(self._tokens[0][0] + 60 - now)

    @staticmethod
    def settle(entry: list[float] | None, actual: int) -> None:
        """Replace an estimate by the tokens really used."""
        if entry is not None and actual > 0:
            entry[1] = float(actual)


def estimate_tokens(article: Article, prompt_chars: int = PROMPT_OVERHEAD_CHARS) -> int:
    """About how many tokens summarizing ``article`` takes: (article + prompt characters) / 4 + the answer."""
    return math.ceil((len(article.text) + prompt_chars) / 4) + COMPLETION_ESTIMATE

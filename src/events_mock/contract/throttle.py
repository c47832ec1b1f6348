"""`verify --rate N`: at most N requests per second to the target, across the whole run.

Staging environments often limit how fast one client may call them; a suite that trips the
limit gets 429s and judges the target by them. Every request of a run goes through its one
`requests.Session` (`ContractRun.session`), and this adapter takes a token for each before
sending: a token bucket holding one second's worth, so a burst never exceeds the budget either.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import HTTPAdapter

__all__ = ["ThrottledAdapter", "TokenBucket"]


class TokenBucket:
    """`rate` tokens a second, at most `capacity` saved up (default: one second's worth)."""

    def __init__(
        self,
        rate: float,
        capacity: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"a rate must be positive, got {rate}")
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(1.0, rate)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.capacity
        self._updated = clock()
        self._lock = threading.Lock()
        self.waited = 0.0
        """Seconds spent waiting for tokens, for the summary."""

    def acquire(self) -> None:
        """Take one token, waiting until there is one."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1
            missing = -self._tokens
        if missing > 0:
            wait = missing / self.rate
            self.waited += wait
            self._sleep(wait)


class ThrottledAdapter(HTTPAdapter):
    """An HTTP adapter that takes a token from `bucket` before every request it sends."""

    def __init__(self, bucket: TokenBucket, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bucket = bucket

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        self.bucket.acquire()
        return super().send(request, *args, **kwargs)

"""The mock's clock: every job, link expiry and timestamp the mock produces reads it.

Client teams need to test polling loops and expiring links without waiting in real time, so
the mock never calls `time.time()` directly. `MockClock` follows real time by default and can
be moved, frozen, or made to run faster or slower; tests build it frozen at a fixed instant.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

LATEST_MS = 253_402_300_799_999
"""The end of year 9999: later instants have no calendar date, so a running clock stops there."""


class MockClock:
    """Mock time = anchor + (real elapsed since anchoring) x rate, in milliseconds since epoch."""

    def __init__(
        self,
        start_ms: int | None = None,
        rate: float = 1.0,
        real_time: Callable[[], float] = time.time,
    ) -> None:
        self._real_time = real_time
        self._lock = threading.Lock()
        self._anchor_real = real_time()
        self._anchor_mock = float(start_ms) if start_ms is not None else self._anchor_real * 1000
        self._rate = rate

    @classmethod
    def frozen(cls, start_ms: int) -> MockClock:
        return cls(start_ms=start_ms, rate=0.0)

    def initial_state(self) -> dict[str, float]:
        """Where a reset takes the clock back to (`now`, `rate`, `offset_ms` from real time, as
        the state document holds a clock): where it is when asked, which the control plane
        does once, when it is made with the clock. A clock shared by several processes
        answers where it started, whichever process asks."""
        now = self.now_ms()
        return {"now": now, "rate": self.rate, "offset_ms": now - int(time.time() * 1000)}

    def now_ms(self) -> int:
        with self._lock:
            return int(self._now_locked())

    async def now_ms_async(self) -> int:
        """`now_ms` for the request path: a clock kept on Redis renews its lease without
        blocking the event loop (`stores/redis_clock.py`); here, nothing to wait for."""
        return self.now_ms()

    @property
    def rate(self) -> float:
        return self._rate

    def advance(self, seconds: float) -> int:
        _finite("seconds", seconds)
        if seconds < 0:
            raise ValueError("the clock only moves forward: seconds must be >= 0")
        with self._lock:
            self._reanchor(self._now_locked() + seconds * 1000)
            return int(self._anchor_mock)

    def set(self, now_ms: int) -> int:
        _finite("now_ms", now_ms)
        with self._lock:
            self._reanchor(float(now_ms))
            return int(self._anchor_mock)

    def set_rate(self, rate: float) -> None:
        """0 freezes the clock, 1 follows real time, 60 runs a minute per real second."""
        _finite("rate", rate)
        if rate < 0:
            raise ValueError("rate must be >= 0")
        with self._lock:
            self._reanchor(self._now_locked())
            self._rate = rate

    def _now_locked(self) -> float:
        elapsed = (self._real_time() - self._anchor_real) * 1000 * self._rate
        return min(self._anchor_mock + elapsed, max(self._anchor_mock, LATEST_MS))

    def _reanchor(self, mock_ms: float) -> None:
        self._anchor_real = self._real_time()
        self._anchor_mock = mock_ms


def _finite(name: str, value: float) -> None:
    """A NaN or infinite rate, instant or step would make every later reading fail (or lie),
    and every request reads the clock: refused before anything changes."""
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {value!r}")

"""How the suite lets time pass while it waits for a report job.

A real deployment takes up to 15 minutes per job and its clock cannot be touched, so the suite
polls it with growing pauses, up to `--job-timeout`. The mock's clock can be moved: in-process
when the suite started the mock itself, or through the control plane
(`POST /__mock/clock/advance`) when the target offers it; then waiting costs nothing and a job
that never finishes is caught at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from itertools import chain, repeat
from typing import Any, Protocol

import requests

from events_mock.clock import MockClock

ADVANCE_PATH = "/__mock/clock/advance"


class JobClock(Protocol):
    description: str
    max_step: float
    """The longest pause between two polls, in seconds."""

    def elapsed(self) -> float:
        """Seconds that passed (for the target) since this clock was made."""

    def pass_time(self, seconds: float) -> None:
        """Let this much time pass for the target."""


class InProcessClock:
    """The embedded mock's own clock, moved directly."""

    description = "advancing the embedded mock's clock"
    max_step = 60.0

    def __init__(self, clock: MockClock) -> None:
        self.clock = clock
        self._advanced = 0.0

    def elapsed(self) -> float:
        return self._advanced

    def pass_time(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self._advanced += seconds


class ControlPlaneClock:
    """The target mock's clock, moved through its control plane."""

    description = f"advancing the target's clock (POST {ADVANCE_PATH})"
    max_step = 60.0

    def __init__(self, base_url: str, session: requests.Session, timeout: float = 30) -> None:
        self.url = base_url.rstrip("/") + ADVANCE_PATH
        self.session = session
        self.timeout = timeout
        self._advanced = 0.0

    def elapsed(self) -> float:
        return self._advanced

    def pass_time(self, seconds: float) -> None:
        response = self.session.post(self.url, json={"seconds": seconds}, timeout=self.timeout)
        response.raise_for_status()
        self._advanced += seconds

    @classmethod
    def offered_by(cls, base_url: str, session: requests.Session) -> ControlPlaneClock | None:
        """The control plane's clock if the target has one: advancing by 0 s must succeed
        with a JSON answer (a catch-all 200 page must not pass for a clock that moves)."""
        url = base_url.rstrip("/") + ADVANCE_PATH
        try:
            answer = session.post(url, json={"seconds": 0}, timeout=10)
        except requests.RequestException:
            return None
        if not answer.ok or "json" not in answer.headers.get("content-type", ""):
            return None
        return cls(base_url, session)


class WallClock:
    """Real time: the suite sleeps between polls."""

    description = "polling in real time"
    max_step = 15.0

    def __init__(
        self,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sleep = sleep
        self._monotonic = monotonic
        self._started = monotonic()

    def elapsed(self) -> float:
        return self._monotonic() - self._started

    def pass_time(self, seconds: float) -> None:
        self._sleep(seconds)


class JobTimedOut(AssertionError):
    def __init__(self, history: list[dict[str, Any]], waited: float) -> None:
        self.history = history
        self.waited = waited
        statuses = ", ".join(str(s.get("status")) for s in history[-3:])
        super().__init__(f"the job is still RUNNING after {waited:.0f} s (last reads: {statuses})")


def poll_steps(clock: JobClock) -> Iterator[float]:
    """1, 2, 4, 8 ... seconds between polls, capped at the clock's longest pause."""
    doubling = (float(2**n) for n in range(10) if 2**n < clock.max_step)
    return chain(doubling, repeat(clock.max_step))


def wait_for_job(
    read: Callable[[], dict[str, Any]],
    clock: JobClock,
    timeout: float,
    started: float | None = None,
) -> list[dict[str, Any]]:
    """Poll until the job leaves RUNNING; every status read, in order. Raises `JobTimedOut`.

    `started` (by `clock.elapsed()`) is when the job was started: jobs started together share
    one deadline, so a target whose jobs never finish costs one timeout, not one per job.
    """
    started = clock.elapsed() if started is None else started
    steps = poll_steps(clock)
    history: list[dict[str, Any]] = []
    while True:
        status = read()
        history.append(status)
        if status.get("status") != "RUNNING":
            return history
        waited = clock.elapsed() - started
        if waited >= timeout:
            raise JobTimedOut(history, waited)
        clock.pass_time(min(next(steps), timeout - waited))

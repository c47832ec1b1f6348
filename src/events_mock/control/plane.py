"""The control plane: the clock, fault rules, journal and state of one mock, in one object.

It knows the mocked APIs only through `MockApi` (error shape, state, tenant), so an API added
to the mock gets faults, the journal, `Prefer`, export/import and reset without any code here.
The HTTP API (`control.api`), the ASGI middleware and the in-process test kit all drive it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from events_mock.clock import LATEST_MS, MockClock
from events_mock.control.faults import DEFAULT_MAX_RULES, FaultRules
from events_mock.control.journal import (
    DEFAULT_BODY_LIMIT,
    DEFAULT_CAPACITY,
    DEFAULT_MAX_BYTES,
    Journal,
)
from events_mock.control.state import (
    export_api_state,
    export_state,
    prepare_api_state,
    prepare_state,
    restore_clock,
)
from events_mock.coverage import CoverageRecorder, Recorder, build_document
from events_mock.seam import MockApi, api_for_path
from events_mock.writes import WriteHook, ignore_write

CONTROL_PREFIX = "/__mock"
MAX_MS = LATEST_MS
"""The end of year 9999: the last instant dates can be written for."""


@dataclass(frozen=True)
class ControlSettings:
    token: str | None = None
    """When set, every control call needs `Authorization: Bearer <token>`, from any address;
    when not, only loopback (and in-process) callers may use the control plane."""
    allowed_hosts: tuple[str, ...] = ()
    """Host names (besides loopback ones) the control plane answers for without a token, e.g.
    the name a container is reached by; see `events_mock.control.access`."""
    trusted_origin: Callable[[str], bool] | None = None
    """Origins (besides the mock's own) whose pages may use the control plane: the CORS
    policy's, with `serve --cors-control`; None: no other origin."""
    journal_size: int = DEFAULT_CAPACITY
    journal_body_limit: int = DEFAULT_BODY_LIMIT
    """Request and response bodies are journaled up to this many bytes."""
    journal_bytes: int = DEFAULT_MAX_BYTES
    """The journal's entries hold at most this many bytes in all, oldest dropped first."""
    max_fault_rules: int = DEFAULT_MAX_RULES
    """Adding a rule past this many is refused (507)."""
    fault_seed: int = 0
    """Seeds the generators of rules added without their own seed."""


class ClockOutOfRange(ValueError):
    """The clock would pass the end of year 9999."""


class ControlPlane:
    def __init__(
        self,
        clock: MockClock,
        apis: Sequence[MockApi],
        settings: ControlSettings | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        *,
        faults: FaultRules | None = None,
        journal: Journal | None = None,
        coverage: Recorder | None = None,
    ) -> None:
        """`faults`, `journal` and `coverage` come from the world's store
        (`stores/backend.py`); built from `settings` (in memory) when not given."""
        self.clock = clock
        self.apis = apis
        """Every API the mock serves (a live list: the control API itself is added last)."""
        self.settings = settings or ControlSettings()
        if faults is None:  # (an empty FaultRules or Journal is falsy: they have a length)
            faults = FaultRules(
                seed=self.settings.fault_seed, max_rules=self.settings.max_fault_rules
            )
        if journal is None:
            journal = Journal(
                self.settings.journal_size,
                self.settings.journal_body_limit,
                max_bytes=self.settings.journal_bytes,
            )
        self.faults = faults
        self.journal = journal
        self.coverage: Recorder = coverage if coverage is not None else CoverageRecorder()
        """Which documented answers the mocked APIs gave (`GET /__mock/coverage`): not
        state, so neither export nor reset touch it; `DELETE /__mock/coverage` clears it."""
        self.sleep = sleep
        """How fault latency waits; tests may swap in a recorder instead of real time."""
        self.on_write: WriteHook = ignore_write
        """Told of every acknowledged change of the state: `clock` (with the instant before
        the change), `reset`, `state` (a whole document imported), `state.api` ((name, data)),
        `barchart.job` (a job forced or given a new end); set by `events_mock.persistence`."""
        self._lock = threading.RLock()
        self._initial_clock = clock.initial_state()

    def api_for(self, path: str) -> MockApi:
        return api_for_path(self.apis, path)

    # The clock

    def clock_json(self) -> dict[str, Any]:
        now = self.clock.now_ms()
        return {
            "now": now,
            "iso": iso(now),
            "rate": self.clock.rate,
            "frozen": self.clock.rate == 0,
        }

    def advance(self, seconds: float) -> None:
        before = self.clock.now_ms()
        if before + seconds * 1000 > MAX_MS:
            raise ClockOutOfRange("the clock cannot pass the end of year 9999")
        self.clock.advance(seconds)
        self._clock_changed(before)

    def set_clock(self, now_ms: int, rate: float | None = None) -> None:
        if not 0 <= now_ms <= MAX_MS:
            raise ClockOutOfRange("the clock must stay between 1970 and the end of year 9999")
        before = self.clock.now_ms()
        if rate is not None:
            self.clock.set_rate(rate)
        self.clock.set(now_ms)
        self._clock_changed(before)

    def set_rate(self, rate: float) -> None:
        """0 freezes the clock at its current instant."""
        before = self.clock.now_ms()
        self.clock.set_rate(rate)
        self._clock_changed(before)

    def clock_state(self) -> dict[str, Any]:
        """The clock as the state document holds it (`State.clock`)."""
        now = self.clock.now_ms()
        return {"now": now, "rate": self.clock.rate, "offset_ms": now - int(time.time() * 1000)}

    def _clock_changed(self, before_ms: int) -> None:
        self.on_write("clock", {"before": before_ms, **self.clock_state()})

    def coverage_document(self) -> dict[str, Any]:
        """The coverage document (`Coverage` in the control spec) of every mocked API."""
        mocked = [api for api in self.apis if CONTROL_PREFIX not in api.path_prefixes]
        recorder = self.coverage
        return build_document(recorder, [recorder.model(api) for api in mocked], "mock")

    # State

    def reset(self) -> None:
        """Back to a fresh mock: start-up data, no faults or journal, the clock where it started."""
        with self._lock:
            for api in self.apis:
                if api.state is not None:
                    api.state.reset()
            self.faults.clear()
            self.journal.clear()
            restore_clock(self.clock, self._initial_clock)
            self.on_write("reset", self.clock_state())

    def export_state(self) -> dict[str, Any]:
        with self._lock:
            return export_state(self.clock, self.apis)

    def import_state(self, document: Any) -> None:
        """Raises `events_mock.seam.StateError` (and changes nothing) if it is invalid."""
        self.prepare_import(document)()

    def prepare_import(self, document: Any) -> Callable[[], None]:
        """Check and convert `document` (the slow part: any thread may run it) without
        changing anything; the function answered swaps it in and cannot fail. Raises like
        `import_state`."""
        commit = prepare_state(self.clock, self.apis, document)

        def committed() -> None:
            with self._lock:
                commit()
                self.on_write("state", document)

        return committed

    def export_api_state(self, name: str) -> dict[str, Any]:
        with self._lock:
            return export_api_state(self.apis, name)

    def import_api_state(self, name: str, data: Any) -> None:
        """One API's part of the state (`State.apis.<name>`); raises like `import_state`."""
        self.prepare_api_import(name, data)()

    def prepare_api_import(self, name: str, data: Any) -> Callable[[], None]:
        """`prepare_import` for one API's part; raises like `import_api_state`."""
        commit = prepare_api_state(self.apis, name, data)

        def committed() -> None:
            with self._lock:
                commit()
                self.on_write("state.api", (name, data))

        return committed


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso(ms: int) -> str:
    """In integer milliseconds: `ms / 1000` as a float is a millisecond off near year 9999."""
    moment = EPOCH + timedelta(milliseconds=min(max(ms, 0), MAX_MS))
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

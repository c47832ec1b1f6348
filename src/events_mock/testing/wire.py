"""The control API's JSON back into the kit's own objects, so both sides of the kit agree.

`ControlClient` (a mock over HTTP) returns what the in-process kit returns: `JournalEntry`,
`FaultRule` and `ReportJob` (and `ClockState` for `GET /__mock/clock`), built here from the
control API's answers (spec/control.yaml). A test body written against `mock_api` then runs
unchanged against a live mock. Objects from HTTP are snapshots: read them again to see later
changes (in-process, a `FaultRule`'s counters move as requests arrive).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any

from events_mock.barchart.jobs import JobStatus, ReportFilter, ReportJob
from events_mock.barchart.store import StoredEvent
from events_mock.control.faults import FaultRule
from events_mock.control.journal import JournalEntry

_VIEWS = ("query", "headers", "body", "response_headers", "response_body")
"""`JournalEntry`'s redacted views: in-process made from the raw exchange when first read,
over HTTP already redacted by the mock, so stored as the views' values."""


def journal_entry(raw: dict[str, Any]) -> JournalEntry:
    """A `JournalEntry` from the spec's `JournalEntry` JSON."""
    entry = JournalEntry(
        id=raw["id"],
        time=raw["time"],
        api=raw["api"],
        method=raw["method"],
        path=raw["path"],
        body_truncated=raw["body_truncated"],
        status=raw["status"],
        duration_ms=raw["duration_ms"],
        fault=raw["fault"],
        tenant=raw["tenant"],
        headers_truncated=raw["headers_truncated"],
        response_body_truncated=raw["response_body_truncated"],
    )
    entry.__dict__.update({view: raw[view] for view in _VIEWS})  # the cached views' slots
    return entry


_RULE_FIELDS = tuple(f.name for f in fields(FaultRule) if f.init)


def fault_rule(raw: dict[str, Any]) -> FaultRule:
    """A `FaultRule` from the spec's `FaultRule` JSON (`remaining` is computed, not stored)."""
    return FaultRule(**{name: raw[name] for name in _RULE_FIELDS})


class EventCount(Sequence[StoredEvent]):
    """A job's events as the control API gives them: their number, not their content.

    `len(job.events)` works on both sides; reading an event from a live mock's job does not
    (export the state, or download the report, for its content).
    """

    def __init__(self, count: int) -> None:
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: Any) -> Any:
        raise LookupError("the control API reports how many events a job holds, not which")

    def __iter__(self) -> Iterator[StoredEvent]:
        raise LookupError("the control API reports how many events a job holds, not which")

    def __repr__(self) -> str:
        return f"EventCount({self._count})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EventCount) and other._count == self._count

    __hash__ = None  # type: ignore[assignment]


def report_job(raw: dict[str, Any]) -> ReportJob:
    """A `ReportJob` from the spec's `ControlJob` JSON."""
    return ReportJob(
        job=raw["job"],
        filter=ReportFilter.from_json(raw["filter"]),
        started_ms=raw["started"],
        finishes_ms=raw["finishes"],
        outcome=JobStatus(raw["outcome"]),
        events=EventCount(raw["events"]),
        failure=raw["failure"],
        status=JobStatus(raw["status"]),
        ended_ms=raw["ended"],
    )


@dataclass(frozen=True)
class ClockState:
    """The mock clock at one instant: the spec's `Clock` (`GET /__mock/clock`)."""

    now: int
    """Mock-clock milliseconds since the epoch."""
    iso: str
    rate: float
    """0 frozen, 1 real time, 60 a minute per real second."""
    frozen: bool

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ClockState:
        return cls(now=raw["now"], iso=raw["iso"], rate=raw["rate"], frozen=raw["frozen"])

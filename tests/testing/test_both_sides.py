"""One test body against the in-process kit and a live mock: the same objects on both sides.

`events_api` (in-process) and `events_mock_server` (over HTTP, through `ControlClient`) give a
test the same types: `JournalEntry`, `FaultRule`, `ReportJob`, and clocks that read alike. The
`either_mock` fixture hands the body one facade over whichever it runs against.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest
import requests

from events_mock.barchart.jobs import JobStatus, ReportJob
from events_mock.control.api import job_json
from events_mock.control.faults import FaultRule
from events_mock.control.journal import JournalEntry
from events_mock.testing.wire import EventCount, fault_rule, journal_entry, report_job
from tests._support import T0, alert_event

AUTH = ("demo", "demo")


@dataclass(frozen=True)
class EitherMock:
    """What a test needs of a mock, whichever side it is on."""

    url: str
    clock: Any
    faults: Any
    journal: Any
    jobs: Any


@pytest.fixture(params=["in-process", "live"])
def either_mock(request: pytest.FixtureRequest) -> EitherMock:
    if request.param == "in-process":
        api = request.getfixturevalue("events_api")
        return EitherMock(api.url, api.clock, api.faults, api.journal, api.jobs)
    server = request.getfixturevalue("events_mock_server")
    control = server.control
    return EitherMock(server.url, control.clock, control.faults, control.journal, control.jobs)


def test_the_same_body_runs_against_both(either_mock: EitherMock) -> None:
    mock = either_mock
    mock.clock.set(T0)
    assert (mock.clock.now_ms(), mock.clock.rate) == (T0, 0)

    rule = mock.faults.add(path="/service/version", status=503, times=1, retry_after=2)
    assert isinstance(rule, FaultRule)
    assert (rule.id, rule.status, rule.times, rule.remaining) == ("fault-1", 503, 1, 1)
    statuses = [requests.get(f"{mock.url}/service/version").status_code for _ in range(2)]
    assert statuses == [503, 200]
    fired = mock.faults.get(rule.id)
    assert (fired.matched, fired.fired, fired.remaining) == (2, 1, 0)
    assert [r.id for r in mock.faults.list()] == [rule.id]

    requests.post(f"{mock.url}/events", json={"events": [alert_event()]})
    report = {"filter": {"customer": "BARCHART", "product": "ALERT"}}
    source = requests.post(f"{mock.url}/reports", json=report, auth=AUTH).json()["source"]
    job = mock.jobs.set_remaining(source, 12)
    assert isinstance(job, ReportJob)
    assert (job.status, job.finishes_ms, job.filter.product) == (
        JobStatus.RUNNING,
        T0 + 12_000,
        "ALERT",
    )
    assert mock.clock.advance(12) == T0 + 12_000
    done = mock.jobs.get(source)
    assert (done.status, done.ended_ms, len(done.events)) == ("COMPLETE", T0 + 12_000, 1)
    assert [j.source for j in mock.jobs.all()] == [source]

    entries = mock.journal.entries()
    assert all(isinstance(entry, JournalEntry) for entry in entries)
    assert [(e.method, e.path, e.status) for e in entries] == [
        ("GET", "/service/version", 503),
        ("GET", "/service/version", 200),
        ("POST", "/events", 200),
        ("POST", "/reports", 200),
    ]
    first, reported = entries[0], entries[3]
    assert (first.fault, first.response_headers["retry-after"]) == (rule.id, "2")
    assert reported.headers["authorization"] == "Basic [REDACTED]"
    assert reported.body == report and reported.api == "barchart" and reported.time == T0
    assert [e.id for e in mock.journal.entries(method="POST", since=3)] == [4]
    assert len(mock.journal) == 4 and [e.id for e in mock.journal] == [1, 2, 3, 4]
    mock.journal.clear()
    assert mock.journal.entries() == []


def test_the_converters_keep_every_field(events_api: Any) -> None:
    """What the control API sends rebuilds an equal object (a new field would fail here)."""
    requests.post(f"{events_api.url}/events", json={"events": [alert_event()]}, auth=AUTH)
    original = events_api.journal[0]
    copy = journal_entry(original.to_json())
    assert copy == original and copy.to_json() == original.to_json()

    rule = events_api.faults.add(path="/x", status=502, times=3, after=1, probability=0.5)
    assert fault_rule(rule.to_json()) == rule

    report = {"filter": {"customer": "BARCHART", "product": "ALERT", "start": 1}}
    source = requests.post(f"{events_api.url}/reports", json=report, auth=AUTH).json()["source"]
    job = events_api.jobs.get(source)
    rebuilt = report_job(job_json(job, events_api.clock.now_ms()))
    assert replace(rebuilt, events=job.events) == job and len(rebuilt.events) == len(job.events)


def test_a_live_jobs_events_give_their_number_only() -> None:
    events = EventCount(2)
    assert len(events) == 2 and events == EventCount(2)
    with pytest.raises(LookupError, match="how many events"):
        events[0]

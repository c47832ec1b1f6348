"""Report jobs in state documents: a mark into the document's events, never copies of them;
older documents, whose jobs carried their own copies, still load."""

from __future__ import annotations

import json
from typing import Any

import pytest

from events_mock.app import EventsMock, MockConfig
from events_mock.barchart.jobs import JobSettings, ReportFilter
from events_mock.clock import MockClock
from events_mock.control.state import validate_state
from events_mock.limits import JobsFull
from events_mock.seam import StateError
from tests._support import T0, event

PORTFOLIO = ReportFilter("BARCHART", "PORTFOLIO")
TYPED = ReportFilter("BARCHART", "PORTFOLIO", types=("PORTFOLIO-CREATED",))


def new_mock() -> EventsMock:
    settings = JobSettings(timeout_events=10**6)
    return EventsMock(MockConfig(clock=MockClock.frozen(T0), billing_events=0, jobs=settings))


def with_jobs() -> EventsMock:
    """Events before and after two finished jobs, and a third started last."""
    mock = new_mock()
    mock.barchart.store.add_batch(
        [event(T0 - 5), event(T0 - 9, "PORTFOLIO-CREATED", context=["a", "p"])]
    )
    mock.barchart.jobs.start(PORTFOLIO)
    mock.barchart.jobs.start(TYPED)
    mock.barchart.store.add_batch(
        [event(T0 - 7), event(T0 - 9, "PORTFOLIO-CREATED", context=["b", "p"])]
    )
    mock.barchart.jobs.start(PORTFOLIO)
    mock.clock.advance(60)
    return mock


def exports(mock: EventsMock) -> dict[str, list[dict[str, Any]]]:
    return {
        job.source: [e.to_json() for e in job.export_events()] for job in mock.barchart.jobs.all()
    }


def test_jobs_are_saved_as_marks_and_a_get_puts_back_whole() -> None:
    source = with_jobs()
    document = json.loads(json.dumps(source.control.export_state()))
    validate_state(document)
    saved = document["apis"]["barchart"]["jobs"]
    assert [(job["mark"], job["matched"]) for job in saved] == [(2, 2), (2, 1), (4, 4)]
    assert all("events" not in job for job in saved)

    target = new_mock()
    target.control.import_state(document)
    assert exports(target) == exports(source)
    assert [len(row) for row in exports(target).values()] == [2, 1, 4]
    assert target.control.export_state()["apis"] == document["apis"]
    # Events stored after the import stay out of the imported jobs' exports.
    target.barchart.store.add_batch([event(T0 - 8)])
    assert exports(target) == exports(source)


def test_the_state_document_does_not_grow_with_the_jobs_matches() -> None:
    """30k events and 129 jobs made an 81 MB file: one copy of every matched event per job."""
    mock = new_mock()
    mock.barchart.store.add_batch([event(T0 - i) for i in range(10_000)])
    no_jobs = len(json.dumps(mock.control.export_state()))
    for _ in range(100):
        mock.barchart.jobs.start(PORTFOLIO)
    with_100_jobs = len(json.dumps(mock.control.export_state()))
    assert with_100_jobs - no_jobs < 100 * 500, (with_100_jobs - no_jobs) / 100


def as_older_document(document: dict[str, Any], mock: EventsMock) -> dict[str, Any]:
    """The document as the mock wrote it before marks: each job with its events' copies."""
    older = json.loads(json.dumps(document))
    for raw, job in zip(older["apis"]["barchart"]["jobs"], mock.barchart.jobs.all(), strict=True):
        del raw["mark"], raw["matched"]
        raw["events"] = [e.to_json() for e in job.events]
    return older


def test_an_older_document_with_events_in_its_jobs_loads_as_marks() -> None:
    source = with_jobs()
    document = source.control.export_state()
    older = as_older_document(document, source)
    validate_state(older)
    target = new_mock()
    target.control.import_state(older)
    assert exports(target) == exports(source)
    assert target.control.export_state()["apis"] == document["apis"]


def test_an_older_jobs_event_must_be_a_stored_one() -> None:
    source = with_jobs()
    older = as_older_document(source.control.export_state(), source)
    older["apis"]["barchart"]["jobs"][0]["events"][0]["sequence"] = 99
    with pytest.raises(StateError, match=r"events\[0\] .* is not a stored event"):
        new_mock().control.import_state(older)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mark": 5}, "mark 5 is past the 4 stored events"),
        ({"matched": 5, "mark": 4}, "matched 5 is more than mark 4"),
    ],
)
def test_a_mark_must_stay_within_the_documents_events(change: dict, message: str) -> None:
    mock = with_jobs()
    document = mock.control.export_state()
    before = mock.control.export_state()["apis"]
    document["apis"]["barchart"]["jobs"][2].update(change)
    with pytest.raises(StateError, match=message):
        mock.control.import_state(document)
    assert mock.control.export_state()["apis"] == before


def test_a_job_needs_a_mark_or_its_events() -> None:
    document = with_jobs().control.export_state()
    del document["apis"]["barchart"]["jobs"][0]["mark"]
    with pytest.raises(StateError):
        validate_state(document)


def test_an_import_keeps_its_jobs_past_the_bound_and_new_ones_wait() -> None:
    document = with_jobs().control.export_state()
    settings = JobSettings(max_jobs=2, timeout_events=10**6)
    target = EventsMock(MockConfig(clock=MockClock.frozen(T0), billing_events=0, jobs=settings))
    target.control.import_state(document)
    assert len(target.barchart.jobs.all()) == 3
    with pytest.raises(JobsFull):
        target.barchart.jobs.start(PORTFOLIO)

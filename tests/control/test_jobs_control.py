"""Forcing report jobs and changing their remaining time, on the mock's clock."""

from __future__ import annotations

import pytest

from events_mock.barchart.catalog import load_catalog
from events_mock.barchart.jobs import JobError, JobStatus, ReportFilter, ReportJobs
from events_mock.barchart.store import EventStore
from events_mock.clock import MockClock
from tests._support import T0, alert_event


@pytest.fixture
def clock() -> MockClock:
    return MockClock.frozen(T0)


@pytest.fixture
def jobs(clock: MockClock) -> ReportJobs:
    store = EventStore()
    store.add_batch([alert_event()])
    return ReportJobs(store, clock, load_catalog())


def start(jobs: ReportJobs) -> str:
    return jobs.start(ReportFilter("BARCHART", "ALERT")).source


def test_forcing_a_running_job_ends_it_now(jobs: ReportJobs, clock: MockClock) -> None:
    source = start(jobs)
    clock.advance(1)
    job = jobs.force(source, "COMPLETE")
    assert (job.status, job.ended_ms) == (JobStatus.COMPLETE, T0 + 1000)
    assert jobs.issue_link(source).source == source


@pytest.mark.parametrize("status", ["TIMEOUT", "FAILED"])
def test_forced_failures_carry_a_message(jobs: ReportJobs, status: str) -> None:
    source = start(jobs)
    job = jobs.force(source, status, "narrow the range")
    assert job.status is JobStatus(status) and job.failure == "narrow the range"
    with pytest.raises(JobError) as refused:
        jobs.issue_link(source)
    assert (refused.value.status, refused.value.code) == (409, "EVENT_JOB_GET_FAILED")
    assert "narrow the range" in refused.value.message


def test_status_never_goes_backwards_or_sideways(jobs: ReportJobs, clock: MockClock) -> None:
    source = start(jobs)
    clock.advance(10)
    assert jobs.get(source).status is JobStatus.COMPLETE
    assert jobs.force(source, "COMPLETE").status is JobStatus.COMPLETE  # no change: fine
    with pytest.raises(JobError) as refused:
        jobs.force(source, "FAILED")
    assert refused.value.status == 409
    assert jobs.get(source).status is JobStatus.COMPLETE
    with pytest.raises(ValueError):
        jobs.force(source, "RUNNING")


def test_remaining_time_moves_the_end(jobs: ReportJobs, clock: MockClock) -> None:
    source = start(jobs)
    job = jobs.set_remaining(source, 600)
    assert job.finishes_ms == T0 + 600_000
    clock.advance(599)
    assert jobs.get(source).status is JobStatus.RUNNING
    clock.advance(1)
    assert jobs.get(source).status is JobStatus.COMPLETE


def test_zero_remaining_ends_the_job_at_once(jobs: ReportJobs) -> None:
    source = start(jobs)
    assert jobs.set_remaining(source, 0).status is JobStatus.COMPLETE
    with pytest.raises(JobError) as refused:
        jobs.set_remaining(source, 5)
    assert refused.value.status == 409


def test_unknown_jobs(jobs: ReportJobs) -> None:
    for change in (
        lambda: jobs.force("JOB-x", "COMPLETE"),
        lambda: jobs.set_remaining("JOB-x", 1),
    ):
        with pytest.raises(JobError) as refused:
            change()
        assert refused.value.status == 404

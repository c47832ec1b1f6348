from __future__ import annotations

import pytest

from events_mock.barchart.jobs import (
    LINK_LIFETIME_MS,
    ConflictingOptions,
    JobError,
    JobSettings,
    JobStatus,
    LinkRefused,
    ReportFilter,
    ReportJobs,
    ReportOutput,
)
from events_mock.barchart.store import EventStore
from events_mock.clock import MockClock
from tests._support import T0, event

PORTFOLIO = {"customer": "BARCHART", "product": "PORTFOLIO"}


def start(jobs: ReportJobs, **filter_members) -> str:
    return jobs.start(ReportFilter.from_json({**PORTFOLIO, **filter_members})).source


def test_filter_accepts_digit_strings_and_echoes_integers() -> None:
    raw = {**PORTFOLIO, "start": "10", "end": 20, "types": ["PORTFOLIO-CREATED"]}
    echoed = ReportFilter.from_json(raw).to_json()
    assert echoed == {**PORTFOLIO, "start": 10, "end": 20, "types": ["PORTFOLIO-CREATED"]}
    with_output = ReportFilter.from_json({**PORTFOLIO, "output": {"delimiter": ";"}})
    assert with_output.to_json()["output"] == {"delimiter": ";"}


def test_options_come_from_either_place_and_are_never_echoed_in_the_filter() -> None:
    top = ReportFilter.from_request({"filter": PORTFOLIO, "output": {"bucketKey": "k"}})
    legacy = ReportFilter.from_request({"filter": {**PORTFOLIO, "output": {"delimiter": ";"}}})
    both = ReportFilter.from_request(
        {"filter": {**PORTFOLIO, "output": {"delimiter": ";"}}, "output": {"bucketName": "b"}}
    )
    assert top.output == ReportOutput(bucket_key="k")
    assert legacy.output == ReportOutput(delimiter=";")
    assert both.output == ReportOutput(delimiter=";", bucket_name="b")
    assert top.echoed() == legacy.echoed() == both.echoed() == PORTFOLIO
    with pytest.raises(ConflictingOptions, match=r"output\.delimiter .* filter\.output\.delimiter"):
        ReportFilter.from_request(
            {"filter": {**PORTFOLIO, "output": {"delimiter": ";"}}, "output": {"delimiter": ","}}
        )


def test_job_runs_then_completes_on_the_mock_clock(
    jobs: ReportJobs, store: EventStore, clock: MockClock
) -> None:
    store.add_batch([event(T0 - 1000), event(T0 - 500)])
    source = start(jobs)
    job = jobs.get(source)
    assert job.status is JobStatus.RUNNING
    assert job.to_json()["timing"] == {"day": "2019-10-14", "start": T0}
    clock.advance(3.001)  # 3 s, plus 1 ms per matching event
    assert jobs.get(source).status is JobStatus.RUNNING
    clock.advance(0.001)
    finished = jobs.get(source).to_json()
    assert finished["status"] == "COMPLETE"
    assert finished["timing"]["end"] == T0 + 3002
    assert len(jobs.get(source).events) == 2


def test_duration_grows_with_matching_events() -> None:
    settings = JobSettings(base_seconds=2, seconds_per_1000_events=1, max_seconds=60)
    assert settings.duration_ms(0) == 2000
    assert settings.duration_ms(3000) == 5000
    assert settings.duration_ms(10**9) == 60_000


def test_too_many_events_end_timeout(jobs: ReportJobs, store: EventStore, clock) -> None:
    store.add_batch([event(i) for i in range(6)])
    source = start(jobs)
    clock.advance(60)
    job = jobs.get(source)
    assert job.status is JobStatus.TIMEOUT
    assert "narrow" in job.failure
    with pytest.raises(JobError) as refused:
        jobs.issue_link(source)
    assert (refused.value.status, refused.value.code) == (409, "EVENT_JOB_GET_FAILED")


@pytest.mark.parametrize(
    "members",
    [{"start": 20, "end": 10}, {"types": ["ALERT-CREATED"]}],
    ids=["start-after-end", "type-of-another-product"],
)
def test_unsatisfiable_filter_ends_failed(jobs: ReportJobs, clock: MockClock, members) -> None:
    source = start(jobs, **members)
    clock.advance(60)
    assert jobs.get(source).status is JobStatus.FAILED


def test_status_never_goes_backwards(jobs: ReportJobs, clock: MockClock) -> None:
    source = start(jobs)
    clock.advance(10)
    assert jobs.get(source).status is JobStatus.COMPLETE
    clock.set(T0 - 10_000)
    assert jobs.get(source).status is JobStatus.COMPLETE


def test_link_errors_use_the_documented_codes(jobs: ReportJobs) -> None:
    with pytest.raises(JobError) as unknown:
        jobs.issue_link("JOB-nope")
    assert (unknown.value.status, unknown.value.code) == (404, "EVENT_JOB_GET_FAILED_NO_JOB")
    source = start(jobs)
    with pytest.raises(JobError) as running:
        jobs.issue_link(source)
    assert (running.value.status, running.value.code) == (409, "EVENT_JOB_GET_FAILED_RUNNING")


def test_links_expire_after_fifteen_minutes(jobs: ReportJobs, clock: MockClock) -> None:
    source = start(jobs)
    clock.advance(10)
    first = jobs.issue_link(source)
    second = jobs.issue_link(source)
    assert first.token != second.token
    assert jobs.redeem(first.token).source == source
    clock.advance(LINK_LIFETIME_MS / 1000 - 0.001)
    assert jobs.redeem(first.token).source == source
    clock.advance(0.001)
    with pytest.raises(LinkRefused, match="expired"):
        jobs.redeem(first.token)
    with pytest.raises(LinkRefused):
        jobs.redeem("forged")
    assert jobs.redeem(jobs.issue_link(source).token).source == source

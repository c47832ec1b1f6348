"""Report jobs hold no events and are bounded: a window over the store, a TTL, a bound on live
jobs and on download links. Memory is measured by allocations (`tracemalloc`), never by time."""

from __future__ import annotations

import gc
import json
import tracemalloc
from collections.abc import Callable

import pytest

from events_mock.barchart.catalog import Catalog
from events_mock.barchart.export import render_export
from events_mock.barchart.jobs import (
    LINK_LIFETIME_MS,
    JobError,
    JobSettings,
    JobStatus,
    JobWindow,
    LinkRefused,
    ReportFilter,
    ReportJobs,
)
from events_mock.barchart.store import EventStore, Selection
from events_mock.clock import MockClock
from events_mock.limits import JobsFull
from tests._support import T0, event

PORTFOLIO = ReportFilter("BARCHART", "PORTFOLIO")
TYPED = ReportFilter("BARCHART", "PORTFOLIO", types=("PORTFOLIO-CREATED",), start=T0 - 50)


def new_jobs(store: EventStore, clock: MockClock, catalog: Catalog, **settings) -> ReportJobs:
    return ReportJobs(store, clock, catalog, JobSettings(base_seconds=3, **settings))


def bytes_held(make: Callable[[], object]) -> tuple[object, int]:
    """What `make` returns, and how many bytes it left allocated."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        made = make()
        gc.collect()
        return made, tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_a_thousand_jobs_over_ten_thousand_events_hold_none_of_them(
    store: EventStore, clock: MockClock, catalog: Catalog
) -> None:
    """Each job held its matches (10k records: ~80 KB); a window holds a mark and a count."""
    store.add_batch([event(T0 - i, context=[f"u{i}"]) for i in range(10_000)])
    jobs = new_jobs(store, clock, catalog, max_jobs=2000)
    started, held = bytes_held(lambda: [jobs.start(PORTFOLIO) for _ in range(1000)])
    assert isinstance(started, list) and len(started) == 1000
    assert all(len(job.events) == 10_000 for job in started)
    assert all(isinstance(job.events, JobWindow) for job in started)
    assert held < 1000 * 3_000, f"{held / 1000:.0f} bytes per job"


def test_a_jobs_size_does_not_grow_with_its_matches(
    store: EventStore, clock: MockClock, catalog: Catalog
) -> None:
    jobs = new_jobs(store, clock, catalog, max_jobs=1000)
    store.add_batch([event(T0 - i) for i in range(10)])
    few, few_bytes = bytes_held(lambda: [jobs.start(PORTFOLIO) for _ in range(200)])
    store.add_batch([event(T0 - i) for i in range(5000)])
    many, many_bytes = bytes_held(lambda: [jobs.start(PORTFOLIO) for _ in range(200)])
    assert len(jobs.get(few[0].source).events) == 10  # type: ignore[index]
    assert len(jobs.get(many[0].source).events) == 5010  # type: ignore[index]
    assert many_bytes < few_bytes * 1.5 + 10_000, (few_bytes, many_bytes)


def test_the_export_is_what_was_stored_when_the_job_started(
    store: EventStore, clock: MockClock, catalog: Catalog
) -> None:
    """Same rows, same order (timestamp, ties in arrival order), later events left out, even
    ties and events of the same filter arriving after the start."""
    store.add_batch(
        [event(T0 - 10, context=["a"]), event(T0 - 30, "PORTFOLIO-CREATED", context=["b"])]
    )
    store.add_batch(
        [event(T0 - 10, "PORTFOLIO-CREATED", context=["c", "p"]), event(T0, context=["x"])]
    )
    store.add_batch([event(T0 - 70, "PORTFOLIO-CREATED", context=["too-early", "p"])])
    jobs = new_jobs(store, clock, catalog)
    everything, typed = jobs.start(PORTFOLIO), jobs.start(TYPED)
    expected = {
        job.source: list(store.selection("BARCHART", "PORTFOLIO", *args))
        for job, args in [(everything, ()), (typed, (frozenset(TYPED.types), T0 - 50))]
    }
    store.add_batch([event(T0 - 10, "PORTFOLIO-CREATED", context=["late", "p"]), event(T0 - 40)])
    clock.advance(60)
    for job in (everything, typed):
        finished = jobs.get(job.source)
        assert finished.status is JobStatus.COMPLETE
        exported = finished.export_events()
        assert isinstance(exported, Selection)  # the export's fast path: the store's records
        assert list(exported) == list(finished.events) == expected[job.source]
        assert len(finished.events) == len(expected[job.source])
    assert [e.context[0] for e in everything.events] == ["too-early", "b", "a", "c", "x"]
    assert [e.context[0] for e in typed.events] == ["b", "c"]
    text = "".join(render_export(everything.export_events(), "PORTFOLIO", catalog))
    assert text.count("\n") == 1 + 5 and "late" not in text


def test_a_window_reads_nothing_once_the_store_was_replaced(
    store: EventStore, clock: MockClock, catalog: Catalog
) -> None:
    """Reset and imports replace jobs with the store; a store cleared behind the jobs' back
    (in-process) leaves their windows empty rather than reading other events."""
    store.add_batch([event(T0 - 1)])
    jobs = new_jobs(store, clock, catalog)
    job = jobs.start(PORTFOLIO)
    store.clear()
    store.add_batch([event(T0 - 2)])
    assert len(job.events) == 0 and list(job.events) == []
    store.replace([])
    assert list(job.export_events()) == []


def test_finished_jobs_expire_after_their_ttl_in_mock_time(
    store: EventStore, clock: MockClock, catalog: Catalog
) -> None:
    jobs = new_jobs(store, clock, catalog, ttl_seconds=60, seconds_per_1000_events=0)
    done = jobs.start(PORTFOLIO).source
    running = jobs.start(PORTFOLIO).source
    jobs.set_remaining(running, 3600)
    clock.advance(3)  # done ends now, at T0 + 3 s
    assert jobs.get(done).status is JobStatus.COMPLETE
    clock.advance(60 - 0.001)
    assert jobs.get(done).status is JobStatus.COMPLETE
    clock.advance(0.001)
    with pytest.raises(JobError) as unknown:
        jobs.get(done)
    assert (unknown.value.status, unknown.value.code) == (404, "EVENT_JOB_GET_FAILED_NO_JOB")
    with pytest.raises(JobError):
        jobs.issue_link(done)
    assert [job.source for job in jobs.all()] == [running]
    assert [raw["job"] for raw in jobs.export_state()] == [running[len("JOB-") :]]
    clock.advance(3600 - 63 + 10)  # a running job never expires: it ends, then its TTL runs
    assert jobs.get(running).status is JobStatus.COMPLETE
    clock.advance(60)
    assert jobs.all() == []


def test_a_link_to_an_expired_job_is_refused(
    store: EventStore, clock: MockClock, catalog: Catalog
) -> None:
    jobs = new_jobs(store, clock, catalog, ttl_seconds=5)
    source = jobs.start(PORTFOLIO).source
    clock.advance(3)
    token = jobs.issue_link(source).token
    clock.advance(5)
    with pytest.raises(LinkRefused, match="no longer exists"):
        jobs.redeem(token)


def test_starting_past_the_live_jobs_bound_is_refused_until_one_expires(
    store: EventStore, clock: MockClock, catalog: Catalog
) -> None:
    jobs = new_jobs(store, clock, catalog, max_jobs=3, ttl_seconds=60)
    first = jobs.start(PORTFOLIO)
    jobs.start(PORTFOLIO)
    jobs.start(PORTFOLIO)
    with pytest.raises(JobsFull, match="3 report jobs are live, at most 3"):
        jobs.start(PORTFOLIO)
    assert len(jobs.all()) == 3
    clock.advance(3 + 60)  # all ended at T0 + 3 s and expired 60 s later
    fourth = jobs.start(PORTFOLIO)
    assert [job.source for job in jobs.all()] == [fourth.source]
    with pytest.raises(JobError):
        jobs.get(first.source)


def test_issuing_a_link_never_copies_the_table_and_drops_expired_links(
    store: EventStore, clock: MockClock, catalog: Catalog
) -> None:
    jobs = new_jobs(store, clock, catalog)
    source = jobs.start(PORTFOLIO).source
    clock.advance(10)
    table = jobs._links  # the table itself: issuing a link added to it, and copied it whole
    old = [jobs.issue_link(source) for _ in range(5)]
    assert jobs._links is table and jobs.links() == 5
    clock.advance(LINK_LIFETIME_MS / 1000)
    fresh = jobs.issue_link(source)
    assert jobs._links is table and jobs.links() == 1
    assert jobs.redeem(fresh.token).source == source
    with pytest.raises(LinkRefused):
        jobs.redeem(old[0].token)


def test_past_the_links_bound_the_oldest_link_is_retired(
    store: EventStore, clock: MockClock, catalog: Catalog
) -> None:
    jobs = new_jobs(store, clock, catalog, max_links=3)
    source = jobs.start(PORTFOLIO).source
    clock.advance(10)
    links = [jobs.issue_link(source) for _ in range(4)]
    assert jobs.links() == 3
    with pytest.raises(LinkRefused, match="not valid"):
        jobs.redeem(links[0].token)
    assert all(jobs.redeem(link.token).source == source for link in links[1:])


def test_the_state_of_a_job_does_not_grow_with_its_matches(
    store: EventStore, clock: MockClock, catalog: Catalog
) -> None:
    """One copy of every matched event per job made 30k events and 129 jobs an 81 MB file."""
    jobs = new_jobs(store, clock, catalog, timeout_events=10**6)
    store.add_batch([event(T0 - 1)])
    small = jobs.start(PORTFOLIO)
    store.add_batch([event(T0 - i) for i in range(10_000)])
    large = jobs.start(PORTFOLIO)
    states = {raw["job"]: raw for raw in jobs.export_state()}
    sizes = [len(json.dumps(states[job.job])) for job in (small, large)]
    assert "events" not in states[large.job]
    assert (states[large.job]["mark"], states[large.job]["matched"]) == (10_001, 10_001)
    assert abs(sizes[1] - sizes[0]) <= 10

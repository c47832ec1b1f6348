"""`RedisReportJobs`: `ReportJobs`' rules, with its jobs and links shared by every worker."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest

from events_mock.barchart.jobs import JobError, JobStatus, LinkRefused, ReportFilter
from events_mock.limits import JobsFull
from events_mock.stores.redis_jobs import GRACE_MS, RedisReportJobs
from tests._support import alert_event
from tests.stores.conftest import Worker

ALERTS = ReportFilter("BARCHART", "ALERT")


def test_a_job_started_on_one_worker_is_polled_on_any_other(
    make_worker: Callable[..., Worker],
) -> None:
    one, two = make_worker(), make_worker()
    one.events.add_batch([alert_event(), alert_event()])
    source = one.jobs.start(ALERTS).source
    assert two.jobs.get(source).status is JobStatus.RUNNING
    one.clock.advance(4)
    assert two.jobs.get(source).status is JobStatus.COMPLETE
    token = two.jobs.issue_link(source).token
    assert len(one.jobs.redeem(token).export_events()) == 2
    one.clock.set(one.clock.now_ms() - 60_000)  # back in time: a settled status stays
    assert two.jobs.get(source).status is JobStatus.COMPLETE


def test_a_status_never_goes_backwards_when_two_workers_race(
    make_worker: Callable[..., Worker], monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = make_worker(), make_worker()
    source = one.jobs.start(ALERTS).source
    assert isinstance(one.jobs, RedisReportJobs)
    load = one.jobs._load
    raced = []

    def load_then_lose_the_race(**kwargs):
        answer = load(**kwargs)
        if not raced:  # between worker one's read and its write, worker two ends the job
            raced.append(two.jobs.force(source, "FAILED").status)
        return answer

    monkeypatch.setattr(one.jobs, "_load", load_then_lose_the_race)
    with pytest.raises(JobError) as refused:  # read RUNNING, then re-read: ended, so refused
        one.jobs.set_remaining(source, 100)
    assert (refused.value.code, raced) == ("JOB_ALREADY_ENDED", [JobStatus.FAILED])
    job = two.jobs.get(source)
    assert (job.status, job.finishes_ms) == (JobStatus.FAILED, one.clock.now_ms())


def test_forcing_from_many_workers_at_once_has_one_winner(
    make_worker: Callable[..., Worker],
) -> None:
    workers = [make_worker() for _ in range(4)]
    source = workers[0].jobs.start(ALERTS).source
    answers: list[str] = []

    def force(worker: Worker, status: str) -> None:
        for _ in range(10):
            try:
                answers.append(worker.jobs.force(source, status).status.value)
            except JobError as refused:
                answers.append(refused.code)

    threads = [
        threading.Thread(target=force, args=(w, s))
        for w in workers
        for s in ("COMPLETE", "FAILED", "TIMEOUT")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = workers[1].jobs.get(source).status.value
    assert set(answers) == {final, "JOB_ALREADY_ENDED"}
    assert Counter(answers)[final] >= 10  # every call asking for the winner's status got it


def test_max_jobs_holds_across_workers(make_worker: Callable[..., Worker]) -> None:
    workers = [make_worker(max_jobs=20) for _ in range(3)]
    started, refused = [], []

    def start(worker: Worker) -> None:
        for _ in range(15):
            try:
                started.append(worker.jobs.start(ALERTS))
            except JobsFull as full:
                refused.append(full)

    threads = [threading.Thread(target=start, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(started), len(refused)) == (20, 25)
    assert len(workers[0].jobs.all()) == 20


def test_finished_jobs_expire_in_mock_time(
    make_worker: Callable[..., Worker], redis_server
) -> None:
    one, two = make_worker(ttl_seconds=60), make_worker(ttl_seconds=60)
    source = one.jobs.start(ALERTS).source
    one.clock.advance(3)
    assert two.jobs.get(source).status is JobStatus.COMPLETE
    key = f"{one.connection.prefix}:default:job:{source}"
    assert redis_server.client().pttl(key) == -1  # the clock is frozen: Redis keeps it
    one.clock.advance(60)
    with pytest.raises(JobError) as unknown:
        two.jobs.get(source)
    assert unknown.value.status == 404
    assert not redis_server.client().exists(key)  # the mock's check forgot it, not Redis
    assert one.jobs.all() == []


def test_redis_expiry_collects_what_the_mock_clock_expires(
    make_worker: Callable[..., Worker], redis_server
) -> None:
    worker = make_worker(ttl_seconds=60, rate=2.0)
    source = worker.jobs.start(ALERTS).source
    worker.jobs.force(source, "COMPLETE")
    link = worker.jobs.issue_link(source)
    client = redis_server.client()
    job_ttl = client.pttl(f"{worker.connection.prefix}:default:job:{source}")
    link_ttl = client.pttl(f"{worker.connection.prefix}:default:link:{link.token}")
    assert 0 < job_ttl - GRACE_MS <= 30_000  # 60 s of mock time at rate 2, plus the grace
    assert 0 < link_ttl - GRACE_MS <= 15 * 60_000 // 2


def test_links_are_bounded_and_expire(make_worker: Callable[..., Worker]) -> None:
    one, two = make_worker(max_links=3), make_worker(max_links=3)
    source = one.jobs.start(ALERTS).source
    one.jobs.force(source, "COMPLETE")
    tokens = [(one if n % 2 else two).jobs.issue_link(source).token for n in range(5)]
    assert one.jobs.links() == 3
    with pytest.raises(LinkRefused):
        two.jobs.redeem(tokens[0])  # the oldest, retired
    assert two.jobs.redeem(tokens[-1]).source == source
    one.clock.advance(15 * 60)
    with pytest.raises(LinkRefused, match="expired"):
        two.jobs.redeem(tokens[-1])


def test_set_remaining_and_state_round_trip(make_worker: Callable[..., Worker]) -> None:
    one, two = make_worker(), make_worker()
    one.events.add_batch([alert_event()] * 3)
    running = one.jobs.start(ALERTS).source
    ended = one.jobs.start(ALERTS).source
    one.jobs.force(ended, "COMPLETE")
    token = one.jobs.issue_link(ended).token
    job = two.jobs.set_remaining(running, 120)
    assert job.finishes_ms == one.clock.now_ms() + 120_000
    exported = one.jobs.export_state()
    jobs, links = two.jobs.parse_state(exported, sizes=two.events.sizes())
    two.jobs.clear()
    assert one.jobs.all() == [] and one.jobs.links() == 0
    two.jobs.replace(jobs, links)
    assert sorted(one.jobs.export_state(), key=str) == sorted(exported, key=str)
    assert len(one.jobs.redeem(token).export_events()) == 3

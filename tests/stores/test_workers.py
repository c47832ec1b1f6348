"""`serve --workers 2` on Redis is one mock: the issue's multi-worker test.

A real `events-mock serve --workers 2 --store redis://...` process. Connections are pinned to
a worker (`tests/stores/_serve.py` finds which process accepted each), so "started on one
worker, polled on the other" is what happens, not what is hoped for. 16 writers post 1,000
events each (batches of 100) while reporters start reports on one worker and poll them on the
other, and probes on both workers spend a fault rule's `times`. Then: every event exported
exactly once, in timestamp order; no poll of a job that exists answered 404; the rules fired
exactly `times` times over both workers; coverage read through either worker counts both
workers' answers.

The clock is the mock's: frozen at the start, so every report is RUNNING until the test
advances it (through one worker), then COMPLETE on both.
"""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from events_mock.stores import StoreLocation
from tests._support import T0, event
from tests.stores._serve import pinned_to_each, serve_on, worker_pids

pytestmark = pytest.mark.slow

WRITERS, EVENTS_PER_WRITER, BATCH = 16, 1000, 100
REPORTERS, REPORTS_EACH, POLLS_EACH = 4, 3, 4
PROBES, PROBE_REQUESTS, FAULT_TIMES = 4, 10, 25
USER = ("demo", "demo")
REPORT = {"filter": {"customer": "BARCHART", "product": "PORTFOLIO"}}
VERSION_FAULT = {"method": "GET", "path": "/service/version", "status": 503}


def writer(url: str, number: int) -> int:
    """Post this writer's events (its own connection, to whichever worker accepts it)."""
    posted = 0
    with requests.Session() as session:
        for start in range(0, EVENTS_PER_WRITER, BATCH):
            events = [
                # Timestamps repeat across writers: ties, exported in arrival order.
                event(T0 - 10_000_000 + n, context=[f"w{number}-{n}"])
                for n in range(start, start + BATCH)
            ]
            answer = session.post(f"{url}/events", json={"events": events}, timeout=30)
            assert answer.status_code == 200, answer.text
            posted += len(answer.json())
    return posted


def reporter(url: str, workers: list[int]) -> list[str]:
    """Start reports on one worker and poll each on the other: every poll 200 RUNNING."""
    first, second = pinned_to_each(url, workers).values()
    sources = []
    try:
        for report in range(REPORTS_EACH):
            starter, poller = (first, second) if report % 2 == 0 else (second, first)
            status, job = starter.request("POST", "/reports", REPORT, auth=USER)
            assert status == 200, job
            for _ in range(POLLS_EACH):
                status, answer = poller.request(
                    "GET", f"/reports/{job['source']}/availability", auth=USER
                )
                assert (status, answer["status"]) == (200, "RUNNING"), answer
            sources.append(job["source"])
    finally:
        first.close()
        second.close()
    return sources


def prober(url: str, workers: list[int]) -> list[int]:
    """`GET /service/version` on both workers in turn: the statuses."""
    pinned = list(pinned_to_each(url, workers).values())
    try:
        return [
            pinned[n % 2].request("GET", "/service/version")[0] for n in range(PROBE_REQUESTS * 2)
        ]
    finally:
        for connection in pinned:
            connection.close()


def check(answer: tuple[int, Any], status: int = 200) -> Any:
    assert answer[0] == status, answer
    return answer[1]


def test_two_workers_on_redis_answer_as_one_mock(redis_store: StoreLocation) -> None:
    with serve_on(redis_store, "--workers", "2", "--idle-timeout", "120") as served:
        url = served.url
        workers = worker_pids(served.pid)
        assert len(workers) == 2, workers
        first, second = pinned_to_each(url, workers).values()
        assert first.worker != second.worker

        # One clock: set on one worker, read on the other.
        check(first.request("POST", "/__mock/clock/set", {"now": T0, "rate": 0}))
        assert check(second.request("GET", "/__mock/clock"))["now"] == T0

        # One fault budget: a rule added on one worker, spent in turn on both, in order.
        rule = check(first.request("POST", "/__mock/faults", {**VERSION_FAULT, "times": 3}), 201)
        statuses = [
            w.request("GET", "/service/version")[0] for _ in range(4) for w in (first, second)
        ]
        assert statuses == [503, 503, 503, 200, 200, 200, 200, 200]
        (listed,) = [
            r for r in check(second.request("GET", "/__mock/faults")) if r["id"] == rule["id"]
        ]
        assert (listed["fired"], listed["remaining"]) == (3, 0)

        # One set of coverage counts: those 8 answers of both workers, read through either,
        # cleared through one for both.
        for pinned in (first, second):
            barchart = check(pinned.request("GET", "/__mock/coverage"))["apis"]["barchart"]
            counted = {item["id"]: item["via"] for item in barchart["responses"] if item["count"]}
            assert counted["getServiceVersion 200"] == {"api": 5, "prefer": 0, "fault": 0}
            assert barchart["requests"] == 8
            assert [(f["rule"], f["count"]) for f in barchart["faults"]] == [(rule["id"], 3)]
        check(first.request("DELETE", "/__mock/coverage"), 204)
        assert check(second.request("GET", "/__mock/coverage"))["apis"]["barchart"]["requests"] == 0
        check(second.request("DELETE", "/__mock/faults"), 204)
        rule = check(
            second.request("POST", "/__mock/faults", {**VERSION_FAULT, "times": FAULT_TIMES}), 201
        )

        with ThreadPoolExecutor(WRITERS + REPORTERS + PROBES) as pool:
            writes = [pool.submit(writer, url, n) for n in range(WRITERS)]
            reports = [pool.submit(reporter, url, workers) for _ in range(REPORTERS)]
            probes = [pool.submit(prober, url, workers) for _ in range(PROBES)]
            assert sum(future.result() for future in writes) == WRITERS * EVENTS_PER_WRITER
            sources = [source for future in reports for source in future.result()]
            probed = [status for future in probes for status in future.result()]

        # Concurrent requests on both workers: the rule fired exactly `times` times in all.
        assert probed.count(503) == FAULT_TIMES
        assert probed.count(200) == len(probed) - FAULT_TIMES
        (listed,) = [
            r for r in check(first.request("GET", "/__mock/faults")) if r["id"] == rule["id"]
        ]
        assert (listed["fired"], listed["remaining"]) == (FAULT_TIMES, 0)

        # Advancing the clock through one worker completes every job on both.
        check(second.request("POST", "/__mock/clock/advance", {"seconds": 30 * 60}))
        assert len(sources) == REPORTERS * REPORTS_EACH
        for source in sources:
            for pinned in (first, second):
                answer = check(pinned.request("GET", f"/reports/{source}/availability", auth=USER))
                assert answer["status"] == "COMPLETE"

        # A report over everything: started on one worker, completed by a clock advanced on
        # the other, its link issued by one and downloaded from the other.
        source = check(second.request("POST", "/reports", REPORT, auth=USER))["source"]
        check(first.request("POST", "/__mock/clock/advance", {"seconds": 30 * 60}))
        status = check(second.request("GET", f"/reports/{source}/availability", auth=USER))
        assert status["status"] == "COMPLETE"
        link = check(first.request("GET", f"/reports/{source}", auth=USER))["link"]
        text = check(second.request("GET", link.removeprefix(url), raw=True))
        header, *rows = csv.reader(io.StringIO(text), delimiter="|")
        assert header[:3] == ["timestamp", "type", "userId"]
        ids = [row[2] for row in rows]
        expected = {f"w{w}-{n}" for w in range(WRITERS) for n in range(EVENTS_PER_WRITER)}
        assert len(ids) == len(expected) and set(ids) == expected  # each exactly once
        timestamps = [int(row[0]) for row in rows]
        assert timestamps == sorted(timestamps)
        first.close()
        second.close()

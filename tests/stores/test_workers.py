"""`serve --workers 2` on Redis is one mock: the issue's multi-worker test.

A real `events-mock serve --workers 2 --store redis://...` process. 16 writers post 1,000
events each (batches of 100) while reporters start reports and poll them, each report polled
through several connections (so through both workers), and probes hit a fault rule with
`times`. Then: every event exported exactly once, in timestamp order; no poll of a job that
exists answered 404, and none went backwards; the rule fired exactly `times` times; both
workers did part of the work (their CPU time, from /proc).

The clock is the mock's: frozen at the start, so every report is RUNNING until the test
advances it, then COMPLETE on whichever worker is asked.
"""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from events_mock.stores import StoreLocation
from tests._support import CONTROL, T0, event
from tests.stores._serve import serve_on, worker_cpu_seconds, worker_pids

pytestmark = pytest.mark.slow

WRITERS, EVENTS_PER_WRITER, BATCH = 16, 1000, 100
REPORTERS, REPORTS_EACH, POLLS_EACH = 4, 3, 4
PROBES, PROBE_REQUESTS, FAULT_TIMES = 4, 10, 7
USER = ("demo", "demo")
REPORT = {"filter": {"customer": "BARCHART", "product": "PORTFOLIO"}}
ORDER = {"RUNNING": 0, "COMPLETE": 1, "FAILED": 1, "TIMEOUT": 1}


def writer(url: str, number: int) -> list[int]:
    """Post this writer's events; the HTTP statuses."""
    statuses = []
    with requests.Session() as session:
        for start in range(0, EVENTS_PER_WRITER, BATCH):
            events = [
                # Timestamps repeat across writers: ties, exported in arrival order.
                event(T0 - 10_000_000 + n, context=[f"w{number}-{n}"])
                for n in range(start, start + BATCH)
            ]
            answer = session.post(f"{url}/events", json={"events": events}, timeout=30)
            assert answer.status_code == 200, answer.text
            assert len(answer.json()) == BATCH
            statuses.append(answer.status_code)
    return statuses


def reporter(url: str) -> list[tuple[str, list[int]]]:
    """Start reports on one connection and poll each on others: (source, statuses seen)."""
    sessions = [requests.Session() for _ in range(3)]
    seen = []
    try:
        for report in range(REPORTS_EACH):
            started = sessions[report % 3].post(f"{url}/reports", json=REPORT, auth=USER)
            assert started.status_code == 200, started.text
            source = started.json()["source"]
            codes = []
            for poll in range(POLLS_EACH):
                answer = sessions[(report + poll + 1) % 3].get(
                    f"{url}/reports/{source}/availability", auth=USER, timeout=30
                )
                codes.append(answer.status_code)
                assert answer.status_code == 200, answer.text
                assert answer.json()["status"] == "RUNNING"  # the clock is frozen
            seen.append((source, codes))
    finally:
        for session in sessions:
            session.close()
    return seen


def prober(url: str) -> list[int]:
    with requests.Session() as session:
        return [
            session.get(f"{url}/service/version", timeout=30).status_code
            for _ in range(PROBE_REQUESTS)
        ]


def control(url: str, method: str, path: str, body: Any = None) -> Any:
    answer = requests.request(method, f"{url}/__mock{path}", json=body, headers=CONTROL, timeout=30)
    assert answer.ok, answer.text
    return answer.json() if answer.content else None


def exported_rows(url: str) -> list[list[str]]:
    """A report over everything, started, completed and downloaded through the workers."""
    source = requests.post(f"{url}/reports", json=REPORT, auth=USER).json()["source"]
    control(url, "POST", "/clock/advance", {"seconds": 30 * 60})
    assert requests.get(f"{url}/reports/{source}/availability", auth=USER).json()["status"] == (
        "COMPLETE"
    )
    link = requests.get(f"{url}/reports/{source}", auth=USER).json()["link"]
    download = requests.get(link, timeout=60)
    assert download.status_code == 200, download.text
    header, *rows = csv.reader(io.StringIO(download.text), delimiter="|")
    assert header[:3] == ["timestamp", "type", "userId"]
    return rows


def test_two_workers_on_redis_answer_as_one_mock(redis_store: StoreLocation) -> None:
    with serve_on(redis_store, "--workers", "2") as served:
        url = served.url
        workers = worker_pids(served.pid)
        assert len(workers) == 2, workers
        cpu_before = {pid: worker_cpu_seconds(pid) for pid in workers}
        control(url, "POST", "/clock/set", {"now": T0, "rate": 0})
        rule = control(
            url,
            "POST",
            "/faults",
            {"method": "GET", "path": "/service/version", "status": 503, "times": FAULT_TIMES},
        )

        with ThreadPoolExecutor(WRITERS + REPORTERS + PROBES) as pool:
            writes = [pool.submit(writer, url, n) for n in range(WRITERS)]
            reports = [pool.submit(reporter, url) for _ in range(REPORTERS)]
            probes = [pool.submit(prober, url) for _ in range(PROBES)]
            for future in writes:
                assert set(future.result()) == {200}
            polled = [seen for future in reports for seen in future.result()]
            probed = [code for future in probes for code in future.result()]

        # A fault rule's `times` is one budget over every worker.
        assert probed.count(503) == FAULT_TIMES and probed.count(200) == len(probed) - 7
        (listed,) = [r for r in control(url, "GET", "/faults") if r["id"] == rule["id"]]
        assert (listed["fired"], listed["remaining"]) == (FAULT_TIMES, 0)

        # One clock: advancing it through either worker completes every job on both.
        control(url, "POST", "/clock/advance", {"seconds": 30 * 60})
        for source, _codes in polled:
            for _ in range(2):  # two fresh connections: likely each worker once
                answer = requests.get(f"{url}/reports/{source}/availability", auth=USER)
                assert answer.status_code == 200, answer.text
                assert answer.json()["status"] == "COMPLETE"
        assert len(polled) == REPORTERS * REPORTS_EACH

        rows = exported_rows(url)
        ids = [row[2] for row in rows]
        expected = {f"w{w}-{n}" for w in range(WRITERS) for n in range(EVENTS_PER_WRITER)}
        assert len(ids) == len(expected) and set(ids) == expected  # each exactly once
        timestamps = [int(row[0]) for row in rows]
        assert timestamps == sorted(timestamps)

        # Both workers served: each used a real share of the CPU time.
        used = {pid: worker_cpu_seconds(pid) - cpu_before[pid] for pid in workers}
        assert min(used.values()) > 0.1 * sum(used.values()), used

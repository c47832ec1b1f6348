"""Parallel writers, reports and polling against one live server: nothing lost, nothing twice."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import requests

from events_mock.app import EventsMock, MockConfig
from events_mock.clock import MockClock
from events_mock.framework.live_server import LiveServer
from tests._support import T0, event

pytestmark = pytest.mark.slow

WRITERS = 16
BATCHES_PER_WRITER = 10
EVENTS_PER_BATCH = 100
USER = ("demo", "demo")
FILTER = {"customer": "BARCHART", "product": "PORTFOLIO"}


def write(url: str, writer: int, failures: list[str]) -> None:
    with requests.Session() as session:
        for batch in range(BATCHES_PER_WRITER):
            events = [
                event(T0 - 10_000 + n, context=[f"w{writer}-b{batch}-e{n}"])
                for n in range(EVENTS_PER_BATCH)
            ]
            response = session.post(f"{url}/events", json={"events": events})
            if response.status_code != 200 or len(response.json()) != EVENTS_PER_BATCH:
                failures.append(f"writer {writer}: {response.status_code} {response.text[:200]}")


def report_and_poll(url: str, stop: threading.Event, mock: EventsMock, failures: list[str]):
    with requests.Session() as session:
        session.auth = USER
        while not stop.is_set():
            started = session.post(f"{url}/reports", json={"filter": FILTER})
            if started.status_code != 200:
                failures.append(f"report: {started.status_code} {started.text[:200]}")
                return
            mock.clock.advance(1)
            status = session.get(f"{url}/reports/{started.json()['source']}/availability")
            if status.status_code != 200 or status.json()["status"] not in ("RUNNING", "COMPLETE"):
                failures.append(f"poll: {status.status_code} {status.text[:200]}")


def test_sixteen_writers_lose_nothing_while_reports_run() -> None:
    mock = EventsMock(MockConfig(validate_responses=True, clock=MockClock.frozen(T0)))
    failures: list[str] = []
    with LiveServer(mock.app) as server:
        stop = threading.Event()
        pollers = [
            threading.Thread(target=report_and_poll, args=(server.url, stop, mock, failures))
            for _ in range(2)
        ]
        writers = [
            threading.Thread(target=write, args=(server.url, n, failures)) for n in range(WRITERS)
        ]
        for thread in pollers + writers:
            thread.start()
        for thread in writers:
            thread.join()
        stop.set()
        for thread in pollers:
            thread.join()
        assert failures == []

        total = WRITERS * BATCHES_PER_WRITER * EVENTS_PER_BATCH
        assert total >= 16_000
        assert len(mock.barchart.store) == total

        source = requests.post(f"{server.url}/reports", json={"filter": FILTER}, auth=USER).json()[
            "source"
        ]
        mock.clock.advance(15 * 60)
        link = requests.get(f"{server.url}/reports/{source}", auth=USER).json()["link"]
        rows = requests.get(link).text.splitlines()[1:]

    user_ids = Counter(row.split("|")[2] for row in rows)
    assert len(rows) == total
    assert len(user_ids) == total and set(user_ids.values()) == {1}, "every event exactly once"
    timestamps = [int(row.split("|")[0]) for row in rows]
    assert timestamps == sorted(timestamps)

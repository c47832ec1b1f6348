"""The issue's "done when": 8 concurrent clients on one live server, each in its own sandbox."""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor

import requests

from events_mock.app import EventsMock, MockConfig
from events_mock.clock import MockClock
from events_mock.framework.live_server import LiveServer
from events_mock.testing.client import ControlClient
from tests._support import T0, alert_event

AUTH = ("demo", "demo")
CLIENTS = 8


def client_run(base_url: str, n: int) -> dict:
    with ControlClient(base_url) as admin, admin.sandbox(name=f"client-{n}") as box:
        http = requests.Session()
        box.control.clock.set(T0 + n * 1000)
        box.control.clock.freeze()
        box.control.clock.advance(n + 1)
        fault = box.control.faults.add(path="/service/version", status=500 + n)
        assert http.get(f"{box.url}/service/version").status_code == 500 + n
        users = [f"user-{n}-{i}" for i in range(n + 1)]
        events = [alert_event(user=user) for user in users]
        assert http.post(f"{box.url}/events", json={"events": events}, auth=AUTH).ok
        report = {"filter": {"customer": "BARCHART", "product": "ALERT"}}
        source = http.post(f"{box.url}/reports", json=report, auth=AUTH).json()["source"]
        box.control.call("POST", f"/jobs/{source}/status", json={"status": "COMPLETE"})
        link = http.get(f"{box.url}/reports/{source}", auth=AUTH).json()["link"]
        rows = list(csv.reader(io.StringIO(http.get(link).text)))
        return {
            "n": n,
            "now": box.control.clock.now_ms(),
            "fault": fault,
            "faults": box.control.call("GET", "/faults"),
            "journal": box.control.call("GET", "/journal")["entries"],
            "jobs": box.control.call("GET", "/jobs"),
            "rows": rows,
            "users": users,
            "source": source,
        }


def test_eight_clients_each_see_only_their_own_sandbox() -> None:
    mock = EventsMock(MockConfig(clock=MockClock.frozen(T0)))
    with LiveServer(mock.app) as server, ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(lambda n: client_run(server.url, n), range(CLIENTS)))
        default_now = requests.get(f"{server.url}/__mock/clock").json()["now"]
        left = requests.get(f"{server.url}/__mock/sandboxes").json()
    for result in results:
        n = result["n"]
        assert result["now"] == T0 + n * 1000 + (n + 1) * 1000
        assert [rule["id"] for rule in result["faults"]] == [result["fault"].id]
        assert result["journal"][0]["status"] == 500 + n
        source = result["source"]
        assert [entry["path"] for entry in result["journal"]] == [
            "/service/version",
            "/events",
            "/reports",
            f"/reports/{source}",
            f"/exports/{source}.csv",
        ]
        assert [job["source"] for job in result["jobs"]] == [result["source"]]
        body = "\n".join(",".join(row) for row in result["rows"])
        assert all(user in body for user in result["users"])
        others = [u for other in results if other is not result for u in other["users"]]
        assert not any(f"{user}," in body or body.endswith(user) for user in others)
        assert len(result["rows"]) == 1 + len(result["users"])
    assert default_now == T0
    assert len(mock.barchart.store) == 0 and mock.barchart.jobs.all() == []
    assert len(mock.control.journal) == 0 and mock.control.faults.to_json() == []
    assert left == []

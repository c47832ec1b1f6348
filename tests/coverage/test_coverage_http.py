"""`GET`/`DELETE /__mock/coverage` on a live server: what its clients were answered.

Real requests through the real middleware: the API's own answers, `Prefer` answers, fault-shaped
answers and download links, per sandbox, outside state and reset.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from events_mock.app import MockConfig
from events_mock.clock import MockClock
from events_mock.control.state import validate_state
from events_mock.testing.live_mock import MockServer, serve_mock
from tests._support import CONTROL, T0, alert_event

AUTH = ("demo", "demo")


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with serve_mock(MockConfig(clock=MockClock.frozen(T0))) as served:
        yield served


@pytest.fixture
def fresh(server: MockServer) -> MockServer:
    server.control.reset()
    server.control.clear_coverage()
    return server


def counts(document: dict[str, Any], api: str = "barchart") -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in document["apis"][api]["responses"] if item["count"]}


def test_a_job_polled_to_its_download_and_an_expired_link(fresh: MockServer) -> None:
    url = fresh.url
    assert requests.post(f"{url}/events", json={"events": [alert_event()]}, auth=AUTH).ok
    job = requests.post(
        f"{url}/reports", json={"filter": {"customer": "BARCHART", "product": "ALERT"}}, auth=AUTH
    ).json()
    source = job["source"]
    running = requests.get(f"{url}/reports/{source}", auth=AUTH)
    assert running.status_code == 409
    fresh.control.jobs.force(source, "COMPLETE")
    assert requests.get(f"{url}/reports/{source}/availability", auth=AUTH).json()["status"] == (
        "COMPLETE"
    )
    link = requests.get(f"{url}/reports/{source}", auth=AUTH).json()["link"]
    assert requests.get(link).status_code == 200
    fresh.control.clock.advance(3600)  # links live 15 minutes
    assert requests.get(link).status_code == 403

    document = fresh.control.coverage()
    validate_state(document, "Coverage")
    seen = counts(document)
    assert {name: item["count"] for name, item in seen.items()} == {
        "createEvents 200": 1,
        "startReport 200": 1,
        "getReportLink 409 EVENT_JOB_GET_FAILED_RUNNING": 1,
        "getReportAvailability 200": 1,
        "getReportLink 200": 1,
        "getReportLink download 200": 1,
        "getReportLink download 403": 1,
        "job=RUNNING": 1,
        "job=COMPLETE": 1,
    }
    assert seen["getReportLink download 403"]["label"] == "download 403 expired link"
    barchart = document["apis"]["barchart"]
    assert barchart["exercised"] == len(seen) and barchart["requests"] == 7
    assert document["apis"]["event-collector"]["requests"] == 0


def test_prefer_faults_and_undocumented_answers_are_told_apart(fresh: MockServer) -> None:
    url = fresh.url
    assert (
        requests.get(f"{url}/reports/JOB-x", headers={"Prefer": "example=failed"}).json()[0][
            "value"
        ]["code"]
        == "EVENT_JOB_GET_FAILED"
    )
    rule = fresh.control.faults.add(path="/service/version", status=500, times=1)
    assert requests.get(f"{url}/service/version").status_code == 500
    assert requests.get(f"{url}/service/version", headers={"Prefer": "code=200"}).ok
    dropped = fresh.control.faults.add(path="/service/authenticate", drop=True, times=1)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/service/authenticate", auth=AUTH)

    barchart = fresh.control.coverage()["apis"]["barchart"]
    seen = {item["id"]: item["via"] for item in barchart["responses"] if item["count"]}
    assert seen == {
        "getReportLink 409 EVENT_JOB_GET_FAILED": {"api": 0, "prefer": 1, "fault": 0},
        "getServiceVersion 200": {"api": 0, "prefer": 1, "fault": 0},
    }
    assert [(u["operation"], u["status"], u["code"]) for u in barchart["undocumented"]] == [
        ("authenticate", None, None),
        ("getServiceVersion", 500, "REQUEST_GENERAL_FAILURE"),
    ]
    assert {fault["rule"]: fault["effect"] for fault in barchart["faults"]} == {
        rule.id: "/service/version: status 500",
        dropped.id: "/service/authenticate: drop",
    }


def test_reset_and_state_leave_it_delete_clears_it(fresh: MockServer) -> None:
    assert requests.get(f"{fresh.url}/service/version").ok
    fresh.control.reset()
    assert "coverage" not in fresh.control.export_state()
    assert counts(fresh.control.coverage()) != {}
    refused = requests.delete(f"{fresh.url}/__mock/coverage")  # no X-Mock-Control
    assert refused.status_code == 403
    assert requests.delete(f"{fresh.url}/__mock/coverage", headers=CONTROL).status_code == 204
    assert counts(fresh.control.coverage()) == {}


def test_each_sandbox_has_its_own(fresh: MockServer) -> None:
    with fresh.sandbox() as box:
        assert requests.get(f"{box.url}/service/version").ok
        assert requests.get(f"{box.url}/reports/JOB-x", auth=AUTH).status_code == 404
        inside = counts(box.control.coverage())
    assert set(inside) == {"getServiceVersion 200", "getReportLink 404 EVENT_JOB_GET_FAILED_NO_JOB"}
    assert counts(fresh.control.coverage()) == {}

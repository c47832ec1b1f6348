"""Sandboxes over HTTP: routing by header and prefix, isolation, expiry and limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from events_mock.app import EventsMock, MockConfig
from events_mock.clock import MockClock
from events_mock.framework.live_server import LiveServer
from events_mock.sandboxes import SandboxSettings
from tests._support import CONTROL, T0, alert_event
from tests.collector.test_collector_http import EVENT

AUTH = ("demo", "demo")
COLLECTOR = {"Authorization": "Bearer demo-token", "X-TWC-Tenant": "demo"}
BILLING = {"Authorization": "Bearer demo-billing-token"}
ALERTS = {"filter": {"customer": "BARCHART", "product": "ALERT"}}


class Server:
    def __init__(self, mock: EventsMock, url: str) -> None:
        self.mock = mock
        self.url = url
        self.now = 0.0
        mock.sandboxes.monotonic = lambda: self.now

    def create(self, **body: Any) -> dict[str, Any]:
        response = requests.post(f"{self.url}/__mock/sandboxes", json=body)
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
def server() -> Iterator[Server]:
    settings = SandboxSettings(max_sandboxes=3, ttl_seconds=60, max_total_events=5)
    mock = EventsMock(MockConfig(clock=MockClock.frozen(T0), sandboxes=settings))
    with LiveServer(mock.app) as live:
        yield Server(mock, live.url)


def test_the_prefix_and_the_header_reach_the_sandbox_and_not_the_default(server: Server) -> None:
    box = server.create(name="a")
    assert box["url"] == f"{server.url}/sandboxes/{box['id']}" and box["name"] == "a"
    by_prefix = requests.post(f"{box['url']}/events", json={"events": [alert_event()]}, auth=AUTH)
    by_header = requests.post(
        f"{server.url}/events",
        json={"events": [alert_event()]},
        auth=AUTH,
        headers={"X-Mock-Sandbox": box["id"]},
    )
    assert by_prefix.status_code == by_header.status_code == 200
    assert len(server.mock.barchart.store) == 0
    assert server.mock.sandboxes.get(box["id"]).world.stored_events() == 2
    journal = requests.get(f"{box['url']}/__mock/journal").json()["entries"]
    assert [entry["path"] for entry in journal] == ["/events", "/events"]
    assert requests.get(f"{server.url}/__mock/journal").json()["entries"] == []


@pytest.mark.parametrize(
    ("path", "headers", "shape"),
    [
        ("/events", {}, lambda body: body[0]["value"]["code"] == "REQUEST_NOT_FOUND"),
        ("/api/v1/events/x", COLLECTOR, lambda body: body["code"] == 404),
        ("/bcws/webresources/v1.0/events", BILLING, lambda body: body["status"] == 404),
        ("/__mock/clock", {}, lambda body: body["type"] == "about:blank"),
    ],
)
def test_an_unknown_sandbox_is_404_in_the_apis_shape(
    server: Server, path: str, headers: dict[str, str], shape: Any
) -> None:
    for response in (
        requests.get(f"{server.url}/sandboxes/nope{path}", headers=headers),
        requests.get(f"{server.url}{path}", headers={**headers, "X-Mock-Sandbox": "nope"}),
    ):
        assert response.status_code == 404
        assert shape(response.json())
        assert "nope" in response.text


def test_each_sandbox_has_its_own_clock_and_faults(server: Server) -> None:
    box = server.create(clock={"now": 1_000_000, "frozen": True})
    requests.post(f"{box['url']}/__mock/clock/advance", json={"seconds": 10})
    requests.post(f"{box['url']}/__mock/faults", json={"status": 503, "path": "/service/version"})
    assert requests.get(f"{box['url']}/__mock/clock").json()["now"] == 1_010_000
    assert requests.get(f"{server.url}/__mock/clock").json()["now"] == T0
    assert requests.get(f"{box['url']}/service/version").status_code == 503
    assert requests.get(f"{server.url}/service/version").status_code == 200
    assert requests.get(f"{server.url}/__mock/faults").json() == []


def test_links_and_locations_keep_the_prefix_and_work_only_in_their_sandbox(
    server: Server,
) -> None:
    a, b = server.create(), server.create()
    requests.post(f"{a['url']}/events", json={"events": [alert_event()]}, auth=AUTH)
    source = requests.post(f"{a['url']}/reports", json=ALERTS, auth=AUTH).json()["source"]
    requests.post(f"{a['url']}/__mock/jobs/{source}/status", json={"status": "COMPLETE"})
    link = requests.get(f"{a['url']}/reports/{source}", auth=AUTH).json()["link"]
    assert link.startswith(f"{a['url']}/exports/")
    assert requests.get(link).status_code == 200
    token_part = link.removeprefix(a["url"])
    assert requests.get(f"{b['url']}{token_part}").status_code == 403
    assert requests.get(f"{server.url}{token_part}").status_code == 403
    assert requests.get(f"{b['url']}/reports/{source}", auth=AUTH).status_code == 404
    assert requests.get(f"{b['url']}/__mock/jobs").json() == []

    created = requests.post(f"{a['url']}/api/v1/events", json=EVENT, headers=COLLECTOR)
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    assert location.startswith(f"/sandboxes/{a['id']}/api/v1/events/")
    assert requests.get(f"{server.url}{location}", headers=COLLECTOR).status_code == 200
    other = location.replace(a["id"], b["id"])
    assert requests.get(f"{server.url}{other}", headers=COLLECTOR).status_code == 404
    default = location.removeprefix(f"/sandboxes/{a['id']}")
    assert requests.get(f"{server.url}{default}", headers=COLLECTOR).status_code == 404


def test_a_sandbox_starts_from_its_own_state_and_credentials(server: Server) -> None:
    state = {
        "format": "events-mock/state",
        "version": 1,
        "apis": {"event-collector": {"tenants": {"acme": [{**EVENT, "id": "e1"}]}}},
    }
    box = server.create(state=state, tenants={"acme": "acme-token"})
    acme = {"Authorization": "Bearer acme-token", "X-TWC-Tenant": "acme"}
    assert requests.get(f"{box['url']}/api/v1/events/e1", headers=acme).json()["id"] == "e1"
    assert requests.get(f"{server.url}/api/v1/events/e1", headers=acme).status_code == 401
    assert requests.get(f"{box['url']}/api/v1/events/x", headers=COLLECTOR).status_code == 401
    exported = requests.get(f"{server.url}/__mock/state").json()["apis"]["event-collector"]
    assert exported == {"tenants": {}}


def test_sandboxes_expire_after_idle_real_time_and_delete_frees_at_once(server: Server) -> None:
    idle, used, gone = server.create(), server.create(), server.create()
    server.now = 59
    assert requests.get(f"{used['url']}/__mock/clock").status_code == 200
    assert (
        requests.delete(f"{server.url}/__mock/sandboxes/{gone['id']}", headers=CONTROL).status_code
        == 204
    )
    assert requests.get(f"{gone['url']}/__mock/clock").status_code == 404
    server.now = 61
    assert requests.get(f"{idle['url']}/__mock/clock").status_code == 404
    listed = requests.get(f"{server.url}/__mock/sandboxes").json()
    assert [box["id"] for box in listed] == [used["id"]]
    assert requests.get(f"{server.url}/__mock/sandboxes/{idle['id']}").status_code == 404
    assert (
        requests.delete(f"{server.url}/__mock/sandboxes/{idle['id']}", headers=CONTROL).status_code
        == 404
    )


def test_limits_answer_507_in_the_apis_shape(server: Server) -> None:
    boxes = [server.create() for _ in range(3)]
    refused = requests.post(f"{server.url}/__mock/sandboxes", json={})
    assert refused.status_code == 507 and refused.json()["status"] == 507
    events = {"events": [alert_event()] * 3}
    assert requests.post(f"{boxes[0]['url']}/events", json=events, auth=AUTH).status_code == 200
    full = requests.post(f"{boxes[1]['url']}/events", json=events, auth=AUTH)
    assert full.status_code == 507 and full.json()[0]["value"]["code"] == "EVENT_STORE_FULL"
    two = {"events": [alert_event()] * 2}
    assert requests.post(f"{boxes[1]['url']}/events", json=two, auth=AUTH).status_code == 200
    refused = requests.post(f"{boxes[2]['url']}/api/v1/events", json=EVENT, headers=COLLECTOR)
    assert refused.status_code == 507
    # The default world keeps its own limit, outside the sandboxes' budget.
    assert requests.post(f"{server.url}/events", json=events, auth=AUTH).status_code == 200


def test_a_sandbox_cannot_manage_sandboxes(server: Server) -> None:
    box = server.create()
    for method in ("POST", "GET"):
        body = {} if method == "POST" else None
        response = requests.request(method, f"{box['url']}/__mock/sandboxes", json=body)
        assert response.status_code == 409
        assert response.headers["Content-Type"] == "application/problem+json"


JSON = {"Content-Type": "application/json"}


def test_creation_refuses_bad_options_and_states(server: Server) -> None:
    url = f"{server.url}/__mock/sandboxes"
    assert requests.post(url, json={"clock": {"rate": -1}}).status_code == 400
    assert requests.post(url, json={"tenants": {"acme": " "}}).status_code == 409
    bad = {"format": "events-mock/state", "version": 1, "apis": {"barchart": {"events": [{}]}}}
    assert requests.post(url, json={"state": bad}).status_code == 400
    assert requests.post(url, json={"unknown": 1}).status_code == 400
    assert requests.get(f"{server.url}/__mock/sandboxes").json() == []
    assert requests.post(url, headers=CONTROL).status_code == 400  # the body is an object...
    assert requests.post(url, data="null", headers=JSON).status_code == 400
    assert requests.post(url, json={}).status_code == 201  # ...`{}`: every default

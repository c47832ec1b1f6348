"""Redis goes away and comes back: 503 in each API's shape with Retry-After, then recovery.

A private redis-server (never the session's shared one: it is stopped mid-test). The mock's
fail-fast window (no call tried for `retry_after` seconds after a failure) runs on a clock
the test moves, so nothing waits for it.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema
import pytest
import requests

from events_mock.app import EventsMock, MockConfig
from events_mock.clock import MockClock
from events_mock.framework.live_server import LiveServer
from events_mock.seam import load_spec, spec_path
from events_mock.stores import RedisConnection, StoreLocation, StoreUnavailable
from tests._support import CONTROL, T0
from tests.collector.test_collector_http import EVENT
from tests.redis_server import RedisServer, redis_server_process, unique_prefix

AUTH = ("demo", "demo")
COLLECTOR = {"Authorization": "Bearer demo-token", "X-TWC-Tenant": "demo"}
BILLING = {"Authorization": "Bearer demo-billing-token"}

# (method, path, headers, body, the spec documenting the answer)
CALLS = [
    ("GET", "/service/version", {}, None, "barchart-events.yaml"),
    ("POST", "/reports", {}, {"filter": {"customer": "BARCHART"}}, "barchart-events.yaml"),
    ("POST", "/api/v1/events", COLLECTOR, EVENT, "event-collector.yaml"),
    ("GET", "/api/v1/events/x", COLLECTOR, None, "event-collector.yaml"),
    ("GET", "/bcws/webresources/v1.0/events", BILLING, None, "billing-care-events.yaml"),
    ("GET", "/__mock/faults", {}, None, "control.yaml"),
    ("GET", "/__mock/journal", {}, None, "control.yaml"),
    ("POST", "/__mock/faults", {}, {"path": "/x"}, "control.yaml"),
    ("DELETE", "/__mock/journal", {}, None, "control.yaml"),
    ("GET", "/__mock/sandboxes", {}, None, "control.yaml"),
    ("POST", "/__mock/sandboxes", {}, {}, "control.yaml"),
]


@dataclass
class Outage:
    redis: RedisServer
    mock: EventsMock
    url: str
    now: list[float]

    def after_the_window(self) -> None:
        """Past the fail-fast window: the next store call tries Redis again."""
        self.now[0] += 60


@pytest.fixture(scope="module")
def outage() -> Iterator[Outage]:
    with redis_server_process() as server:
        location = StoreLocation(server.url, unique_prefix())
        mock = EventsMock(
            MockConfig(
                clock=MockClock.frozen(T0),
                store=location,
                validate_responses=True,
                billing_events=20,
            )
        )
        now = [0.0]
        assert mock.store_connection is not None
        mock.store_connection._monotonic = lambda: now[0]  # the window's clock, moved by the test
        with LiveServer(mock.app) as live:
            yield Outage(server, mock, live.url, now)
        mock.close()


def call(outage: Outage, method: str, path: str, headers: dict[str, str], body: Any) -> Any:
    if path.startswith("/__mock") and method != "GET" and body is None:
        headers = {**headers, **CONTROL}
    return requests.request(
        method, f"{outage.url}{path}", headers=headers, json=body, auth=AUTH, timeout=10
    )


def documented_503(spec_file: str) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = load_spec(spec_path(spec_file))
    return spec, spec["components"]["responses"]["StoreUnavailable"]


def check_answer(response: requests.Response, spec_file: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1"
    spec, documented = documented_503(spec_file)
    media = response.headers["Content-Type"].split(";")[0]
    assert media in documented["content"]
    schema = {**documented["content"][media]["schema"], "components": spec["components"]}
    jsonschema.validate(response.json(), schema)
    assert "unavailable" in response.text and "127.0.0.1" not in response.text


def test_every_api_answers_503_in_its_shape_while_redis_is_down_then_recovers(
    outage: Outage,
) -> None:
    rule = call(outage, "POST", "/__mock/faults", {}, {"path": "/nothing", "status": 500})
    assert rule.status_code == 201
    box = call(outage, "POST", "/__mock/sandboxes", {}, {}).json()
    outage.redis.stop()
    try:
        for method, path, headers, body, spec_file in CALLS:
            started = time.monotonic()
            check_answer(call(outage, method, path, headers, body), spec_file)
            assert time.monotonic() - started < 5  # failed fast: no hang, no retry storm
        in_box = requests.get(f"{outage.url}/sandboxes/{box['id']}/service/version")
        check_answer(in_box, "barchart-events.yaml")
        by_header = requests.get(
            f"{outage.url}/__mock/clock", headers={"X-Mock-Sandbox": box["id"]}
        )
        check_answer(by_header, "control.yaml")
        origin = "http://localhost:3000"
        from_a_page = requests.get(f"{outage.url}/service/version", headers={"Origin": origin})
        check_answer(from_a_page, "barchart-events.yaml")
        assert from_a_page.headers["Access-Control-Allow-Origin"] == origin
        outage.after_the_window()  # tried again, still down: 503 again
        check_answer(call(outage, "GET", "/service/version", {}, None), "barchart-events.yaml")
    finally:
        outage.redis.start()  # empty: the rules, the journal and the sandbox are gone
    assert call(outage, "GET", "/service/version", {}, None).status_code == 503  # the window
    outage.after_the_window()
    assert call(outage, "GET", "/service/version", {}, None).status_code == 200
    assert call(outage, "GET", "/__mock/faults", {}, None).json() == []
    # Redis lost its scripts too: redis-py loads them again (NOSCRIPT) on first use
    again = call(outage, "POST", "/__mock/faults", {}, {"path": "/service/version", "status": 502})
    assert again.status_code == 201 and again.json()["id"] == "fault-1"
    assert call(outage, "GET", "/service/version", {}, None).status_code == 502
    journal = call(outage, "GET", "/__mock/journal", {}, None).json()
    assert [entry["status"] for entry in journal["entries"]] == [200, 502]
    gone = requests.get(f"{outage.url}/sandboxes/{box['id']}/service/version")
    assert gone.status_code == 404
    assert call(outage, "DELETE", "/__mock/faults", {}, None).status_code == 204


def test_a_redis_that_hangs_is_unavailable_after_the_timeout_not_later() -> None:
    with redis_server_process() as server:
        connection = RedisConnection(StoreLocation(server.url, unique_prefix()), timeout=0.3)
        connection.run(lambda client: client.set("k", 1))
        server.process.send_signal(signal.SIGSTOP)
        try:
            started = time.monotonic()
            with pytest.raises(StoreUnavailable) as unavailable:
                connection.run(lambda client: client.get("k"))
            assert time.monotonic() - started < 2  # the 0.3 s deadline, not a hang
            assert unavailable.value.retry_after == 1
        finally:
            server.process.send_signal(signal.SIGCONT)
        connection.close()

"""CORS: a browser app on a dev server's origin may call the mocked APIs, not the control plane.

Without it a web app under development could not use the mock at all: the browser's preflight
`OPTIONS` got 405 with no `Access-Control-*`, and it reads no answer without
`Access-Control-Allow-Origin`.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest
import requests
from starlette.testclient import TestClient

from events_mock.app import EventsMock, MockConfig
from events_mock.cli import cors_origin
from events_mock.cors import CorsSettings
from events_mock.framework.live_server import LiveServer
from tests._support import CONTROL, serve

DEV_SERVER = "http://localhost:5173"
TENANT = {"X-TWC-Tenant": "demo", "Authorization": "Bearer demo-token"}


def preflight(origin: str, method: str = "POST", headers: str = "content-type") -> dict:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


@pytest.fixture(scope="module")
def mock() -> EventsMock:
    return EventsMock()


@pytest.fixture(scope="module")
def client(mock: EventsMock) -> Iterator[TestClient]:
    with TestClient(mock.app) as client:
        yield client


@pytest.mark.parametrize(
    "origin",
    [DEV_SERVER, "http://127.0.0.1:3000", "https://localhost", "http://[::1]:8080"],
)
@pytest.mark.parametrize(
    ("path", "asked"),
    [
        ("/events", "content-type"),
        ("/reports", "authorization, content-type"),
        ("/api/v1/events", "authorization, content-type, x-twc-tenant"),
        ("/bcws/webresources/v1.0/events", "authorization"),
    ],
)
def test_a_local_dev_server_s_preflight_is_granted(client, origin, path, asked) -> None:
    answer = client.options(path, headers=preflight(origin, headers=asked))
    assert answer.status_code == 200, answer.text
    assert answer.headers["Access-Control-Allow-Origin"] == origin
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"  # Basic and Bearer
    assert answer.headers["Access-Control-Allow-Headers"] == asked
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "http://localhost.evil.example", "http://127.0.0.1.nip.io", "null"],
)
def test_another_origin_s_preflight_is_answered_as_without_cors(client, origin) -> None:
    answer = client.options("/events", headers=preflight(origin))
    assert answer.status_code == 405
    assert answer.json()[0]["value"]["code"] == "REQUEST_METHOD_NOT_ALLOWED"  # Barchart's shape
    assert not [name for name in answer.headers if name.lower().startswith("access-control")]


def test_an_actual_request_from_the_dev_server_may_be_read(client) -> None:
    answer = client.post(
        "/api/v1/events",
        json={"event_source": "APPLICATION", "event_type": "FAULT", "event_payload": {}},
        headers={**TENANT, "Origin": DEV_SERVER},
    )
    assert answer.status_code == 201, answer.text
    assert answer.headers["Access-Control-Allow-Origin"] == DEV_SERVER
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"
    exposed = answer.headers["Access-Control-Expose-Headers"]
    assert {"Location", "Retry-After", "WWW-Authenticate"} <= set(exposed.split(", "))
    assert "Origin" in answer.headers["Vary"]


def test_requests_without_origin_are_answered_as_before(client) -> None:
    answer = client.get("/service/version")
    assert answer.status_code == 200
    assert not [name for name in answer.headers if name.lower().startswith("access-control")]
    assert "vary" not in answer.headers
    other = client.get("/service/version", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_preflights_are_not_journaled_and_faults_do_not_break_them(mock, client) -> None:
    mock.control.journal.clear()
    mock.control.faults.add(path="/service/version", status=503, retry_after=5)
    try:
        granted = client.options("/service/version", headers=preflight(DEV_SERVER, "GET"))
        assert granted.status_code == 200
        injected = client.get("/service/version", headers={"Origin": DEV_SERVER})
        assert injected.status_code == 503
        # The page can read the injected answer, and how long to wait.
        assert injected.headers["Access-Control-Allow-Origin"] == DEV_SERVER
        assert "Retry-After" in injected.headers["Access-Control-Expose-Headers"]
        entries = mock.control.journal.entries()
        assert [(e.method, e.path, e.status) for e in entries] == [("GET", "/service/version", 503)]
    finally:
        mock.control.faults.clear()


@pytest.mark.parametrize("origin", [DEV_SERVER, "http://evil.example"])
def test_the_control_plane_grants_no_origin_by_default(client, origin) -> None:
    answer = client.options("/__mock/reset", headers=preflight(origin, headers="x-mock-control"))
    assert answer.status_code == 403
    assert "other origins" in answer.json()["detail"]
    assert "access-control-allow-origin" not in answer.headers
    read = client.get("/__mock/state", headers={"Origin": origin})
    assert read.status_code == 403 and "access-control-allow-origin" not in read.headers


def test_cors_control_opens_the_control_plane_to_the_allowed_origins_only() -> None:
    mock = EventsMock(MockConfig(cors=CorsSettings(control=True)))
    with TestClient(mock.app) as client:
        asked = client.options(
            "/__mock/reset", headers=preflight(DEV_SERVER, "POST", "x-mock-control")
        )
        assert asked.status_code == 200
        assert asked.headers["Access-Control-Allow-Origin"] == DEV_SERVER
        page = {"Origin": DEV_SERVER, "Sec-Fetch-Site": "cross-site"}
        assert client.post("/__mock/reset", headers={**page, **CONTROL}).status_code == 204
        # Still no simple requests: the page's fetch must have asked first.
        assert client.post("/__mock/reset", headers=page).status_code == 403
        evil = client.post("/__mock/reset", headers={"Origin": "http://evil.example", **CONTROL})
        assert evil.status_code == 403 and "access-control-allow-origin" not in evil.headers


def test_a_dropped_connection_is_dropped_for_a_browser_too() -> None:
    """The CORS middleware wraps `send`; the drop must still reach uvicorn's connection."""
    mock = EventsMock()
    mock.control.faults.add(path="/service/version", drop=True, times=1)
    with LiveServer(mock.app) as server:
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{server.url}/service/version", headers={"Origin": DEV_SERVER})
        after = requests.get(f"{server.url}/service/version", headers={"Origin": DEV_SERVER})
        assert after.status_code == 200
        assert after.headers["Access-Control-Allow-Origin"] == DEV_SERVER


def test_cors_origin_replaces_the_local_default() -> None:
    with serve("--cors-origin", "https://app.example") as url:
        granted = requests.options(f"{url}/events", headers=preflight("https://app.example"))
        assert granted.status_code == 200
        assert granted.headers["Access-Control-Allow-Origin"] == "https://app.example"
        local = requests.options(f"{url}/events", headers=preflight(DEV_SERVER))
        assert local.status_code == 405 and "access-control-allow-origin" not in local.headers


def test_any_origin_with_a_star() -> None:
    mock = EventsMock(MockConfig(cors=CorsSettings(origins=("*",))))
    with TestClient(mock.app) as client:
        answer = client.get("/service/version", headers={"Origin": "https://anywhere.example"})
        # Credentials are allowed, so the origin is named, never `*`.
        assert answer.headers["Access-Control-Allow-Origin"] == "https://anywhere.example"


@pytest.mark.parametrize("value", ["https://app.example/", "app.example", "https://a.example/x"])
def test_cors_origin_must_be_an_origin(value: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="not an origin"):
        cors_origin(value)
    assert cors_origin("http://127.0.0.1:3000") == "http://127.0.0.1:3000"

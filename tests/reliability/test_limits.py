"""Every limit refuses with a clear error in the API's shape, and nothing is partially stored."""

from __future__ import annotations

import http.client
import json

import pytest
import requests

from events_mock.app import EventsMock, MockConfig
from events_mock.barchart.handlers import SERVICE
from events_mock.control import ControlSettings
from events_mock.framework.live_server import LiveServer
from events_mock.testing.live_mock import MockServer
from tests._support import CONTROL, T0, error_code, event

COLLECTOR_HEADERS = {"Authorization": "Bearer demo-token", "X-TWC-Tenant": "demo"}
FAULT = {"event_source": "APPLICATION", "event_type": "FAULT", "event_payload": {}}


@pytest.fixture
def events_mock_config() -> MockConfig:
    """Small limits, for the kit's `events_mock_server`: a fresh mock for each test."""
    return MockConfig(
        validate_responses=True,
        max_body_bytes=4096,
        max_events_per_request=5,
        max_stored_events=8,
    )


def test_declared_large_body_is_refused_413(events_mock_server: MockServer) -> None:
    mock, url = events_mock_server.mock, events_mock_server.url
    body = {"events": [event(T0, context=["x" * 5000])]}
    response = requests.post(f"{url}/events", json=body)
    assert (response.status_code, error_code(response)) == (413, "REQUEST_TOO_LARGE")
    assert "4096 bytes" in response.json()[0]["value"]["message"]
    assert len(mock.barchart.store) == 0


def test_streamed_large_body_is_refused_413(events_mock_server: MockServer) -> None:
    """Chunked, no Content-Length: refused once the bytes received pass the limit."""
    mock, url = events_mock_server.mock, events_mock_server.url
    chunk = json.dumps({"events": [event(T0, context=["x" * 3000])]}).encode()
    connection = http.client.HTTPConnection(url.removeprefix("http://"))
    connection.request(
        "POST",
        "/events",
        body=iter([chunk[:2000], chunk[2000:], b" " * 3000]),
        headers={"Content-Type": "application/json"},
        encode_chunked=True,
    )
    response = connection.getresponse()
    assert response.status == 413
    assert json.loads(response.read())[0]["value"]["code"] == "REQUEST_TOO_LARGE"
    connection.close()
    assert len(mock.barchart.store) == 0


def test_collector_body_limit_answers_in_its_own_shape(events_mock_server: MockServer) -> None:
    url = events_mock_server.url
    big = {**FAULT, "entity_name": "x" * 5000}
    response = requests.post(f"{url}/api/v1/events", json=big, headers=COLLECTOR_HEADERS)
    assert response.status_code == 413
    assert response.json()["code"] == 413


def test_too_many_events_in_one_request(events_mock_server: MockServer) -> None:
    url = events_mock_server.url
    response = requests.post(f"{url}/events", json={"events": [event(T0)] * 6})
    assert (response.status_code, error_code(response)) == (413, "REQUEST_TOO_LARGE")
    assert "at most 5" in response.json()[0]["value"]["message"]
    assert requests.post(f"{url}/events", json={"events": [event(T0)] * 5}).status_code == 200


def test_full_store_refuses_whole_batches(events_mock_server: MockServer) -> None:
    mock, url = events_mock_server.mock, events_mock_server.url
    assert requests.post(f"{url}/events", json={"events": [event(T0)] * 5}).status_code == 200
    refused = requests.post(f"{url}/events", json={"events": [event(T0)] * 4})
    assert (refused.status_code, error_code(refused)) == (507, "EVENT_STORE_FULL")
    assert len(mock.barchart.store) == 5, "nothing of the refused batch is stored"
    assert requests.post(f"{url}/events", json={"events": [event(T0)] * 3}).status_code == 200
    assert len(mock.barchart.store) == 8


def test_full_collector_store_refuses(events_mock_server: MockServer) -> None:
    mock, url = events_mock_server.mock, events_mock_server.url
    for _ in range(8):
        created = requests.post(f"{url}/api/v1/events", json=FAULT, headers=COLLECTOR_HEADERS)
        assert created.status_code == 201
    refused = requests.post(f"{url}/api/v1/events", json=FAULT, headers=COLLECTOR_HEADERS)
    assert refused.status_code == 507
    assert refused.json()["code"] == 507
    assert mock.collector.store.count() == 8


def test_chunked_body_within_the_limit_is_served(events_mock_server: MockServer) -> None:
    mock, url = events_mock_server.mock, events_mock_server.url
    chunk = json.dumps({"events": [event(T0)]}).encode()
    connection = http.client.HTTPConnection(url.removeprefix("http://"))
    connection.request(
        "POST",
        "/events",
        body=iter([chunk[:10], chunk[10:]]),
        headers={"Content-Type": "application/json"},
        encode_chunked=True,
    )
    response = connection.getresponse()
    assert response.status == 200
    assert json.loads(response.read())[0]["sequence"] == 1
    connection.close()
    assert len(mock.barchart.store) == 1


def test_journal_keeps_bounded_entries_and_cuts_bodies() -> None:
    settings = ControlSettings(journal_size=3, journal_body_limit=100)
    mock = EventsMock(MockConfig(control=settings))
    with LiveServer(mock.app) as server:
        for n in range(5):
            requests.post(f"{server.url}/events", json={"events": [event(T0 + n)] * 3})
        entries = requests.get(f"{server.url}/__mock/journal").json()["entries"]
    assert len(entries) == 3
    assert all(entry["body_truncated"] for entry in entries)


def test_fault_rules_past_the_bound_are_refused_507() -> None:
    mock = EventsMock(MockConfig(control=ControlSettings(max_fault_rules=2)))
    with LiveServer(mock.app) as server:
        faults = f"{server.url}/__mock/faults"
        for n in range(2):
            assert requests.post(faults, json={"path": f"/p{n}"}).status_code == 201
        refused = requests.post(faults, json={"path": "/p2", "status": 503})
        assert refused.status_code == 507
        assert refused.headers["content-type"] == "application/problem+json"
        assert "2 fault rules" in refused.json()["detail"]
        assert [rule["path"] for rule in requests.get(faults).json()] == ["/p0", "/p1"]


def test_journal_headers_and_total_bytes_are_bounded() -> None:
    settings = ControlSettings(journal_size=1000, journal_bytes=200_000)
    mock = EventsMock(MockConfig(control=settings))
    with LiveServer(mock.app) as server:
        for _ in range(40):
            requests.get(f"{server.url}/service/version", headers={"X-Pad": "p" * 12_000})
        journal = requests.get(f"{server.url}/__mock/journal").json()
    assert journal["max_bytes"] == 200_000 and journal["bytes"] <= 200_000
    assert 10 < len(journal["entries"]) < 40  # the oldest were dropped
    assert all(entry["headers_truncated"] for entry in journal["entries"])
    assert journal["entries"][-1]["response_body"] == SERVICE


def test_the_byte_budget_refuses_whole_batches_and_stores_nothing() -> None:
    """300 collector events of 8 MB each took 2.4 GB: events are counted in bytes too."""
    mock = EventsMock(MockConfig(validate_responses=True, max_stored_bytes=10_000))
    with LiveServer(mock.app) as server:
        small = {"events": [event(T0, context=["x" * 1000])] * 4}
        assert requests.post(f"{server.url}/events", json=small).status_code == 200
        big = {"events": [event(T0, context=["x" * 1000])] * 6}
        refused = requests.post(f"{server.url}/events", json=big)
        assert (refused.status_code, error_code(refused)) == (507, "EVENT_STORE_FULL")
        assert "bytes" in refused.json()[0]["value"]["message"]
        assert len(mock.barchart.store) == 4, "nothing of the refused batch is stored"


def test_the_collector_byte_budget_counts_payloads() -> None:
    mock = EventsMock(MockConfig(validate_responses=True, max_stored_bytes=3000))
    with LiveServer(mock.app) as server:
        sized = {**FAULT, "entity_name": "x" * 1000}
        url = f"{server.url}/api/v1/events"
        for _ in range(2):
            assert requests.post(url, json=sized, headers=COLLECTOR_HEADERS).status_code == 201
        refused = requests.post(url, json=sized, headers=COLLECTOR_HEADERS)
        assert refused.status_code == 507
        assert refused.json()["code"] == 507
        assert mock.collector.store.count() == 2
        mock.collector.store.clear()
        assert requests.post(url, json=sized, headers=COLLECTOR_HEADERS).status_code == 201


def test_an_imported_state_counts_towards_the_byte_budget() -> None:
    mock = EventsMock(MockConfig(max_stored_bytes=5000))
    with LiveServer(mock.app) as server:
        body = {"events": [event(T0, context=["x" * 1000])] * 3}
        assert requests.post(f"{server.url}/events", json=body).status_code == 200
        state = requests.get(f"{server.url}/__mock/state").json()
        requests.post(f"{server.url}/__mock/reset", headers=CONTROL).raise_for_status()
        assert mock.barchart.store.stored_bytes == 0
        requests.put(f"{server.url}/__mock/state", json=state).raise_for_status()
        assert mock.barchart.store.stored_bytes > 3000
        refused = requests.post(f"{server.url}/events", json=body)
        assert refused.status_code == 507

"""What one client may cost the server: head size, query parameters, connections, time.

Each test serves a fresh mock with `LiveServer` (a free port, uvicorn in a thread) with small
limits, so that going past them is cheap; `events-mock serve` uses the same protocol and
middleware (its options: `tests/test_cli.py`, its shutdown: `tests/reliability/
test_durability.py`).
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator

import pytest
import requests

from events_mock.app import EventsMock, MockConfig
from events_mock.framework.live_server import LiveServer
from events_mock.framework.protocol import ConnectionLimits
from events_mock.server_limits import RequestLimits
from tests._support import T0, error_code, event

COLLECTOR_HEADERS = {"Authorization": "Bearer demo-token", "X-TWC-Tenant": "demo"}


@pytest.fixture
def server() -> Iterator[LiveServer]:
    mock = EventsMock(MockConfig(validate_responses=True))
    limits = ConnectionLimits(max_connections=8, idle_timeout=30, request_timeout=1)
    with LiveServer(mock.app, limits=limits) as live:
        live.mock = mock  # type: ignore[attr-defined]
        yield live


def raw_exchange(port: int, request: bytes, timeout: float = 10) -> bytes:
    """Send `request` whole, then read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def split_response(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return int(status_line.split()[1]), {k.lower(): v for k, v in headers.items()}, body


def test_a_one_mib_header_is_refused_431_in_the_api_error_shape(server: LiveServer) -> None:
    response = requests.get(f"{server.url}/service/version", headers={"X-Big": "x" * 2**20})
    assert (response.status_code, error_code(response)) == (431, "REQUEST_HEADERS_TOO_LARGE")
    assert "65536 bytes" in response.json()[0]["value"]["message"]
    assert response.headers["Connection"] == "close"


def test_an_oversized_head_is_refused_in_the_shape_of_its_api(server: LiveServer) -> None:
    """Many small headers rather than one big one; the collector's shape: {code, message}."""
    many = "".join(f"X-H{n}: {'y' * 100}\r\n" for n in range(2000)).encode()
    raw = raw_exchange(
        server.port, b"GET /api/v1/events HTTP/1.1\r\nHost: mock\r\n" + many + b"\r\n"
    )
    status, headers, body = split_response(raw)
    assert status == 431
    assert json.loads(body)["code"] == 431
    assert headers["content-type"] == "application/json"


def test_a_header_within_the_limit_is_served(server: LiveServer) -> None:
    response = requests.get(f"{server.url}/service/version", headers={"X-Big": "x" * 30_000})
    assert response.status_code == 200


def test_8000_query_parameters_are_refused_before_parsing(server: LiveServer) -> None:
    query = "&".join(f"p{n}=1" for n in range(8000))
    response = requests.get(f"{server.url}/api/v1/events?{query}", headers=COLLECTOR_HEADERS)
    assert response.status_code == 400
    assert response.json() == {
        "code": 400,
        "message": "The query string has 8000 parameters; at most 256 are allowed.",
    }


def test_a_body_that_never_ends_is_answered_408_and_stores_nothing() -> None:
    mock = EventsMock(MockConfig(request_limits=RequestLimits(request_timeout=0.5)))
    with LiveServer(mock.app) as live:
        with socket.create_connection(("127.0.0.1", live.port), timeout=10) as connection:
            connection.sendall(
                b"POST /events HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000\r\n\r\n" + b'{"events": ['
            )
            raw = b""
            while chunk := connection.recv(65536):
                raw += chunk
        status, headers, body = split_response(raw)
    assert status == 408
    assert json.loads(body)[0]["value"]["code"] == "REQUEST_TIMEOUT"
    assert headers["connection"] == "close"
    assert len(mock.barchart.store) == 0


def test_a_head_that_never_ends_is_answered_408(server: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(b"GET /service/version HTTP/1.1\r\nHost: mock\r\nX-Slow: ")
        started = time.monotonic()
        raw = b""
        while chunk := connection.recv(65536):
            raw += chunk
    assert time.monotonic() - started < 8
    status, _, body = split_response(raw)
    assert status == 408
    assert json.loads(body)[0]["value"]["code"] == "REQUEST_TIMEOUT"


def test_a_silent_connection_is_closed_after_the_idle_timeout() -> None:
    mock = EventsMock()
    with (
        LiveServer(mock.app, limits=ConnectionLimits(idle_timeout=0.3)) as live,
        socket.create_connection(("127.0.0.1", live.port), timeout=10) as connection,
    ):
        assert connection.recv(1) == b"", "closed without an answer"


def test_past_the_connection_cap_a_new_client_is_still_answered(server: LiveServer) -> None:
    """8 idle sockets (the cap) plus one: the idle one longest goes, the new client is served."""
    idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(9)]
    try:
        for attempt in range(3):
            response = requests.get(f"{server.url}/service/version", timeout=5)
            assert response.status_code == 200, attempt
        readable, _, _ = select.select(idle, [], [], 5)
        assert readable, "some idle connection made room"
        assert all(connection.recv(1) == b"" for connection in readable), "closed, no answer"
    finally:
        for connection in idle:
            connection.close()


def test_past_the_cap_with_every_connection_busy_the_refusal_is_clear() -> None:
    """Every connection has a request in flight (a body still coming): a newcomer is answered
    503 in the API's error shape, with Retry-After."""
    mock = EventsMock()
    limits = ConnectionLimits(max_connections=3, request_timeout=30)
    with LiveServer(mock.app, limits=limits) as live:
        busy = []
        try:
            for _ in range(3):
                connection = socket.create_connection(("127.0.0.1", live.port), timeout=10)
                connection.sendall(
                    b"POST /events HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 1000\r\n\r\n{"
                )
                busy.append(connection)
            time.sleep(0.3)  # their heads are read: requests in flight
            response = requests.get(f"{live.url}/service/version", timeout=5)
        finally:
            for connection in busy:
                connection.close()
    assert (response.status_code, error_code(response)) == (503, "REQUEST_GENERAL_FAILURE")
    assert response.headers["Retry-After"] == "1"


def test_limits_apply_in_process_too() -> None:
    """The test kit's in-process transports never meet the server: the middleware measures."""
    from starlette.testclient import TestClient

    mock = EventsMock(MockConfig(request_limits=RequestLimits(max_header_bytes=1000)))
    with TestClient(mock.app) as client:
        big = client.get("/service/version", headers={"X-Big": "x" * 2000})
        assert big.status_code == 431
        assert error_code(big) == "REQUEST_HEADERS_TOO_LARGE"
        query = "&".join(["a"] * 300)
        assert client.get(f"/service/version?{query}").status_code == 400
        assert client.post("/events", json={"events": [event(T0)]}).status_code == 200


def test_bodies_and_kept_alive_requests_never_count_as_head() -> None:
    """A request whose head and body arrive in one chunk, and many requests on one kept-alive
    connection, must not add up to a 431: only the head counts, request by request."""
    mock = EventsMock(MockConfig(request_limits=RequestLimits(max_header_bytes=2_000)))
    limits = ConnectionLimits(max_head_bytes=2_000)
    with LiveServer(mock.app, limits=limits) as server, requests.Session() as session:
        body = {"events": [event(T0 + n, context=["x" * 500]) for n in range(10)]}
        for _ in range(3):
            answer = session.post(f"{server.url}/events", json=body)
            assert answer.status_code == 200, answer.text
        for _ in range(50):
            assert session.get(f"{server.url}/service/version").status_code == 200

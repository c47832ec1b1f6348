"""httpx (sync and async) and aiohttp through the in-process kit: one mock for all three
libraries, each library's own errors, and nothing unmocked ever reaching the network."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import aiohttp
import httpx
import pytest
import requests

from events_mock.clock import MockClock
from events_mock.testing import (
    PRODUCTION,
    STAGING,
    InProcessMock,
    UnmockedRequestError,
    mock_api,
    serve_mock,
)
from tests._support import T0, alert_event

AUTH = ("demo", "demo")
ALERTS = {"filter": {"customer": "BARCHART", "product": "ALERT"}}
VERSION = f"{PRODUCTION}/service/version"


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Serving from the kit must never open a socket."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the in-process kit opened a socket")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A loopback port that does listen: a request the kit let through would connect to it."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(0.2)
        yield server


def no_connection_reached(server: socket.socket) -> bool:
    try:
        connection, _ = server.accept()
    except TimeoutError:
        return True
    connection.close()
    return False


@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated", "ignore:The 'auth' parameter")
def test_all_three_libraries_share_one_mock(no_sockets: None) -> None:
    """A session's default `auth` is sent too (aiohttp 3.14 deprecates it, many clients use it)."""
    with mock_api() as api:
        requests.post(f"{PRODUCTION}/events", json={"events": [alert_event()]})
        with httpx.Client(auth=AUTH) as client:
            source = client.post(f"{STAGING}/reports", json=ALERTS).json()["source"]

        async def poll() -> tuple[str, str]:
            async with httpx.AsyncClient(auth=AUTH) as client:
                before = (await client.get(f"{PRODUCTION}/reports/{source}/availability")).json()
            api.clock.advance(seconds=3)
            auth = aiohttp.BasicAuth(*AUTH)
            async with (
                aiohttp.ClientSession(auth=auth) as session,
                session.get(f"{PRODUCTION}/reports/{source}/availability") as answer,
            ):
                after = await answer.json()
            return before["status"], after["status"]

        assert asyncio.run(poll()) == ("RUNNING", "COMPLETE")
        assert len(api.store) == 1
        assert [(entry.method, entry.status) for entry in api.journal] == [
            ("POST", 200),
            ("POST", 200),
            ("GET", 200),
            ("GET", 200),
        ]
        assert api.journal[3].headers["authorization"] == "Basic [REDACTED]"  # session auth


def test_request_bodies_of_every_kind_reach_the_app() -> None:
    """aiohttp's `json=`, `data=` (bytes) and session headers arrive as aiohttp sends them."""
    with mock_api() as api:

        async def post() -> list[int]:
            headers = {"X-Team": "billing"}
            async with aiohttp.ClientSession(headers=headers) as session:
                events = {"events": [alert_event()]}
                async with session.post(f"{PRODUCTION}/events", json=events) as first:
                    pass
                raw = b'{"events": []}'
                typed = {"Content-Type": "application/json"}
                async with session.post(f"{PRODUCTION}/events", data=raw, headers=typed) as second:
                    pass
            return [first.status, second.status]

        assert asyncio.run(post()) == [200, 200]
        first, second = api.journal.entries(path="/events")
        assert first.body["events"][0]["type"] == "ALERT-CREATED"
        assert second.body == {"events": []}
        assert first.headers["x-team"] == second.headers["x-team"] == "billing"


def report_link(api: InProcessMock) -> str:
    requests.post(f"{api.url}/events", json={"events": [alert_event()]})
    source = requests.post(f"{api.url}/reports", json=ALERTS, auth=AUTH).json()["source"]
    api.jobs.force(source, "COMPLETE")
    return requests.get(f"{api.url}/reports/{source}", auth=AUTH).json()["link"]


EXPORT = ["timestamp|type|userId|alertId", f"{T0 - 60_000}|ALERT-CREATED|u1|alert-1"]


def test_streaming_downloads_with_httpx_and_aiohttp() -> None:
    with mock_api(clock=MockClock.frozen(T0)) as api:
        link = report_link(api)

        with httpx.stream("GET", link) as download:
            sync_chunks = list(download.iter_bytes(chunk_size=8))

        async def fetch() -> tuple[list[bytes], list[bytes]]:
            async with httpx.AsyncClient() as client, client.stream("GET", link) as download:
                httpx_chunks = [chunk async for chunk in download.aiter_bytes(chunk_size=8)]
            async with aiohttp.ClientSession() as session, session.get(link) as answer:
                aiohttp_chunks = [chunk async for chunk in answer.content.iter_chunked(8)]
            return httpx_chunks, aiohttp_chunks

        for chunks in (sync_chunks, *asyncio.run(fetch())):
            assert len(chunks) > 1
            assert b"".join(chunks).decode().splitlines() == EXPORT


def test_faults_apply_to_every_library() -> None:
    with mock_api() as api:
        api.faults.add(path="/service/version", status=503, times=2, retry_after=5)
        assert httpx.get(VERSION).status_code == 503

        async def get() -> tuple[int, str | None]:
            async with aiohttp.ClientSession() as session, session.get(VERSION) as answer:
                return answer.status, answer.headers.get("Retry-After")

        assert asyncio.run(get()) == (503, "5")
        assert httpx.get(VERSION).status_code == 200


def test_a_dropped_connection_raises_each_librarys_own_error() -> None:
    """The same errors a live mock's dropped connection gives (checked below)."""
    with mock_api() as api:
        api.faults.add(path="/service/version", drop=True)
        with pytest.raises(requests.ConnectionError):
            requests.get(VERSION)
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(VERSION)

        async def get() -> None:
            with pytest.raises(httpx.RemoteProtocolError):
                async with httpx.AsyncClient() as client:
                    await client.get(VERSION)
            with pytest.raises(aiohttp.ServerDisconnectedError):
                async with aiohttp.ClientSession() as session:
                    await session.get(VERSION)

        asyncio.run(get())
        assert [entry.status for entry in api.journal] == [None] * 4


@pytest.mark.slow
def test_a_live_mock_drops_connections_with_the_same_errors() -> None:
    with serve_mock() as server:
        server.control.faults.add(path="/service/version", drop=True)
        url = f"{server.url}/service/version"
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(url)

        async def get() -> None:
            with pytest.raises(aiohttp.ServerDisconnectedError):
                async with aiohttp.ClientSession() as session:
                    await session.get(url)

        asyncio.run(get())


def unmocked_calls(url: str) -> list[tuple[str, object]]:
    """Each library's attempt at `url`: the exception it raised."""
    errors: list[tuple[str, object]] = []
    try:
        requests.get(url, timeout=2)
    except Exception as error:  # noqa: BLE001 - what was raised is the point
        errors.append(("requests", error))
    try:
        httpx.get(url, timeout=2)
    except Exception as error:  # noqa: BLE001 - what was raised is the point
        errors.append(("httpx", error))

    async def both() -> None:
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                await client.get(url)
        except Exception as error:  # noqa: BLE001 - what was raised is the point
            errors.append(("httpx async", error))
        try:
            async with aiohttp.ClientSession() as session:
                await session.get(url)
        except Exception as error:  # noqa: BLE001 - what was raised is the point
            errors.append(("aiohttp", error))

    asyncio.run(both())
    return errors


LIBRARY_ERRORS = {
    "requests": requests.ConnectionError,
    "httpx": httpx.ConnectError,
    "httpx async": httpx.ConnectError,
    "aiohttp": aiohttp.ClientConnectionError,
}


def test_an_unknown_host_raises_naming_the_url(no_sockets: None) -> None:
    url = "https://unmocked.invalid/service/version"
    with mock_api():
        errors = unmocked_calls(url)
    assert [name for name, _ in errors] == list(LIBRARY_ERRORS)
    for name, error in errors:
        assert isinstance(error, UnmockedRequestError), (name, error)
        assert isinstance(error, LIBRARY_ERRORS[name]), (name, error)
        assert url in str(error) and "passthrough" in str(error)
        assert (error.method, error.url) == ("GET", url)


def test_a_listening_loopback_port_is_never_connected_to(listener: socket.socket) -> None:
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/service/version"
    with mock_api():
        errors = unmocked_calls(url)
    assert all(isinstance(error, UnmockedRequestError) for _, error in errors), errors
    assert no_connection_reached(listener)


def test_a_base_url_does_not_cover_hosts_that_merely_start_like_it(no_sockets: None) -> None:
    with mock_api(), pytest.raises(UnmockedRequestError):
        httpx.get("https://events.aws.barchart.com.example.org/service/version")


@pytest.mark.slow
def test_passthrough_reaches_the_network_for_every_library() -> None:
    with serve_mock() as server, mock_api(passthrough=(server.url,)):
        url = f"{server.url}/service/version"
        assert requests.get(url).ok and httpx.get(url).is_success

        async def get() -> list[int]:
            async with httpx.AsyncClient() as client:
                first = (await client.get(url)).status_code
            async with aiohttp.ClientSession() as session, session.get(url) as answer:
                return [first, answer.status]

        assert asyncio.run(get()) == [200, 200]
        assert len(server.control.journal) == 4  # the live mock saw all four


def test_own_httpx_stubs_beside_the_kit() -> None:
    with mock_api() as api:
        api.respx.get("https://other.example/ping").respond(200, text="pong")
        assert httpx.get("https://other.example/ping").text == "pong"
        assert httpx.get(VERSION).json()["service"]["version"] == "2.0.0"


def test_nothing_stays_patched_after_the_kit() -> None:
    with mock_api():
        pass

    async def get() -> None:
        with pytest.raises(aiohttp.ClientConnectionError) as refused:
            async with aiohttp.ClientSession() as session:
                await session.get("http://127.0.0.1:1/")
        assert not isinstance(refused.value, UnmockedRequestError)  # really tried: port 1

    asyncio.run(get())
    with pytest.raises(httpx.ConnectError) as refused:
        httpx.get("http://127.0.0.1:1/")
    assert not isinstance(refused.value, UnmockedRequestError)

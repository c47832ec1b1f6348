"""A client team's project, as they would write it: the installed package, no checkout.

One pytest run in a fresh directory, in a subprocess (nothing of this repository's tests or
conftest is importable there), of a test module that exercises the kit's worked examples
(a retry loop against injected 503s, a polling loop moved by the clock, an expired download
link replaced) through each client library the kit serves, and an unmocked host refused.
"""

from __future__ import annotations

import pytest

from tests._support import PLUGIN_ARGS

CLIENT_PROJECT = """
import asyncio
import base64

import aiohttp
import httpx
import pytest
import requests

from events_mock.testing import UnmockedRequestError, mock_api

BASIC = {"Authorization": "Basic " + base64.b64encode(b"demo:demo").decode()}


# The client code under test, once per library: (status, headers, body) of one request.

def with_requests(method, url, body=None, headers=None):
    answer = requests.request(method, url, json=body, headers=headers, timeout=10)
    return answer.status_code, answer.headers, answer.content


def with_httpx(method, url, body=None, headers=None):
    with httpx.Client(timeout=10) as client:
        answer = client.request(method, url, json=body, headers=headers)
        return answer.status_code, answer.headers, answer.content


def with_httpx_async(method, url, body=None, headers=None):
    async def call():
        async with httpx.AsyncClient(timeout=10) as client:
            answer = await client.request(method, url, json=body, headers=headers)
            return answer.status_code, answer.headers, answer.content

    return asyncio.run(call())


def with_aiohttp(method, url, body=None, headers=None):
    async def call():
        async with aiohttp.ClientSession() as session:
            async with session.request(method, url, json=body, headers=headers) as answer:
                return answer.status, answer.headers, await answer.read()

    return asyncio.run(call())


CLIENTS = [with_requests, with_httpx, with_httpx_async, with_aiohttp]
send = pytest.mark.parametrize("send", CLIENTS, ids=lambda f: f.__name__[5:])


def service_version(send, base, attempts=3, wait=lambda seconds: None):
    for _ in range(attempts):
        status, headers, body = send("GET", f"{base}/service/version")
        if status not in (502, 503):
            return status
        wait(float(headers.get("Retry-After", "1")))
    raise RuntimeError("still unavailable")


@send
def test_retry(send):
    with mock_api() as api:
        api.faults.add(method="GET", path="/service/version", status=503, times=2, retry_after=5)
        waits = []
        assert service_version(send, api.url, wait=waits.append) == 200
        assert waits == [5.0, 5.0]
        assert [e.status for e in api.journal.entries(path="/service/version")] == [503, 503, 200]


@send
def test_polling(send, events_api):
    base = events_api.url
    report = {"filter": {"customer": "BARCHART", "product": "PORTFOLIO"}}
    _, _, job = send("POST", f"{base}/reports", report, BASIC)
    source = httpx.Response(200, content=job).json()["source"]
    events_api.jobs.set_remaining(source, 12)
    seen = []
    while True:
        _, _, body = send("GET", f"{base}/reports/{source}/availability", None, BASIC)
        seen.append(httpx.Response(200, content=body).json()["status"])
        if seen[-1] != "RUNNING":
            break
        events_api.clock.advance(seconds=5)
    assert seen == ["RUNNING", "RUNNING", "RUNNING", "COMPLETE"]


@send
def test_expired_link(send, events_api):
    base = events_api.url
    report = {"filter": {"customer": "BARCHART", "product": "WATCHLIST"}}
    _, _, job = send("POST", f"{base}/reports", report, BASIC)
    source = httpx.Response(200, content=job).json()["source"]
    events_api.jobs.force(source, "COMPLETE")

    def link():
        _, _, answer = send("GET", f"{base}/reports/{source}", None, BASIC)
        return httpx.Response(200, content=answer).json()["link"]

    first = link()
    assert send("GET", first)[0] == 200
    events_api.clock.advance(seconds=16 * 60)
    assert send("GET", first)[0] == 403
    assert send("GET", link())[0] == 200
    assert [e.status for e in events_api.journal.entries(path="/exports/*")] == [200, 403, 200]


@send
def test_an_unmocked_host_is_refused(send, events_api):
    url = "https://api.unmocked.example/v1/ping"
    with pytest.raises(UnmockedRequestError, match="api.unmocked.example"):
        send("GET", url)
"""


@pytest.mark.slow
def test_a_client_project_uses_the_kit_with_every_library(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_client_project=CLIENT_PROJECT)
    result = pytester.runpytest_subprocess(*PLUGIN_ARGS, "-p", "no:cacheprovider", "-q")
    assert result.parseoutcomes() == {"passed": 16}, result.stdout.str()

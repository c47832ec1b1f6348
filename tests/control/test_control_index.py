"""`/__mock/`: the index of the control endpoints, read from spec/control.yaml."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from html import escape
from pathlib import Path

import httpx
import pytest
import requests
import yaml

from events_mock.app import EventsMock, MockConfig
from events_mock.control import ControlSettings
from events_mock.control.index import prefers_html
from events_mock.framework.live_server import LiveServer
from tests._support import CONTROL

SPEC = yaml.safe_load((Path(__file__).resolve().parents[2] / "spec" / "control.yaml").read_text())
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    mock = EventsMock(MockConfig(validate_responses=True))  # the answers match the spec
    with LiveServer(mock.app) as server:
        yield server.url


def spec_endpoints() -> list[tuple[str, str, str]]:
    return [
        (method.upper(), f"/__mock{path}", operation["summary"])
        for path, item in SPEC["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    ]


def test_the_index_lists_every_operation_of_the_control_spec(url: str) -> None:
    answer = requests.get(f"{url}/__mock/")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.headers["Vary"] == "Accept"
    index = answer.json()
    assert (index["title"], index["version"]) == (SPEC["info"]["title"], SPEC["info"]["version"])
    listed = [(e["method"], e["path"], e["summary"]) for e in index["endpoints"]]
    assert listed == spec_endpoints()
    assert ("GET", "/__mock/", "This index of the control endpoints") in listed
    assert ("PUT", "/__mock/state", "Replace the whole state") in listed
    assert requests.get(url + index["spec"]).json()["info"]["title"] == SPEC["info"]["title"]


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "text/*;q=0.5, */*"])
def test_json_unless_html_is_preferred(url: str, accept: str | None) -> None:
    headers = {"Accept": accept} if accept else {}
    answer = requests.get(f"{url}/__mock/", headers=headers)
    assert answer.headers["Content-Type"] == "application/json"


def test_a_browser_gets_a_page_with_every_endpoint(url: str) -> None:
    answer = requests.get(f"{url}/__mock/", headers={"Accept": BROWSER})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    page = answer.text
    for method, path, summary in spec_endpoints():
        row = f"<tr><td><code>{method}</code></td><td><code>"
        assert row in page
        assert escape(path) in page and escape(summary) in page
    links = re.findall(r'href="([^"]+)"', page)
    assert "/__mock/clock" in links and "/__mock/journal" in links and "/" in links
    assert not any("{" in link for link in links)  # templated paths are not links
    assert not re.search(r"<script|<link|https?://", page)  # self-contained
    for link in links:
        assert requests.get(url + link).status_code == 200, link


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (None, False),
        ("", False),
        ("*/*", False),
        ("application/json", False),
        ("text/html", True),
        (BROWSER, True),
        ("text/html;q=0.5, application/json", False),
        ("application/json;q=0.1, text/*", True),
        ("text/html, application/json", False),  # a tie: JSON
        ("text/html;q=0, */*", False),
        ("TEXT/HTML", True),
        ("text/html;q=bogus", False),
    ],
)
def test_html_is_chosen_only_when_ranked_above_json(accept: str | None, html: bool) -> None:
    assert prefers_html(accept) is html


def test_mock_without_the_slash_redirects_to_the_index(url: str) -> None:
    answer = requests.get(f"{url}/__mock", allow_redirects=False)
    assert answer.status_code == 308
    assert answer.headers["Location"] == "/__mock/"
    assert requests.get(f"{url}/__mock").json()["endpoints"]


def test_other_methods_are_not_allowed(url: str) -> None:
    refused = requests.post(f"{url}/__mock/", headers=CONTROL)
    assert refused.status_code == 405
    assert refused.headers["Allow"] == "GET, HEAD"
    assert refused.json()["status"] == 405  # the control plane's problem shape


def call(mock: EventsMock, path: str, client: str, headers: dict | None = None) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=mock.app, client=(client, 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            return await http.get(path, headers=headers)

    return asyncio.run(go())


@pytest.mark.parametrize("path", ["/__mock/", "/__mock"])
def test_the_index_is_gated_like_the_rest_of_the_control_plane(path: str) -> None:
    mock = EventsMock()
    assert call(mock, path, "127.0.0.1").status_code in (200, 308)
    assert call(mock, path, "203.0.113.9").status_code == 403
    guarded = EventsMock(MockConfig(control=ControlSettings(token="s3cret")))
    for client in ("127.0.0.1", "203.0.113.9"):
        assert call(guarded, path, client).status_code == 401
        token = {"Authorization": "Bearer s3cret"}
        assert call(guarded, path, client, token).status_code in (200, 308)


def test_reading_the_index_is_not_journaled(url: str) -> None:
    requests.delete(f"{url}/__mock/journal", headers=CONTROL).raise_for_status()
    requests.get(f"{url}/__mock/")
    assert requests.get(f"{url}/__mock/journal").json()["entries"] == []

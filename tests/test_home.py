"""The home page (`/`): what this server serves, and where to go from here."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import requests

from events_mock.app import EventsMock, MockConfig, spec_url
from events_mock.control.index import SPEC_URL
from events_mock.framework.live_server import LiveServer
from events_mock.home import DOCS, describe_auth, render_home, served_apis
from events_mock.seam import base_path, load_spec
from events_mock.version import package_version

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def mock() -> EventsMock:
    return EventsMock(MockConfig(validate_responses=True))


@pytest.fixture(scope="module")
def url(mock: EventsMock) -> Iterator[str]:
    with LiveServer(mock.app) as server:
        yield server.url


def test_the_home_page_lists_every_api_served_with_its_spec(mock: EventsMock, url: str) -> None:
    answer = requests.get(f"{url}/")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    page = answer.text
    assert f"events-mock <small>{package_version()}</small>" in page
    for api in mock.apis:
        spec = load_spec(api.spec)
        row = re.search(rf"<tr><td><code>{re.escape(api.name)}</code></td>.*?</tr>", page)
        assert row, api.name
        assert spec["info"]["title"] in row[0]
        assert f"<code>{base_path(spec) or '/'}</code>" in row[0]
        assert describe_auth(spec) in row[0]
        assert f'href="{spec_url(api)}"' in row[0]
        assert requests.get(url + spec_url(api)).json()["info"] == spec["info"]
    assert page.count("<tr><td>") == len(mock.apis)


def test_the_home_page_links_the_ui_the_control_plane_and_names_the_docs(url: str) -> None:
    page = requests.get(f"{url}/").text
    links = re.findall(r'href="([^"]+)"', page)
    assert "/ui/" in links and "/__mock/" in links
    for link in links:
        assert link.startswith("/"), "only links to this server"
        assert requests.get(url + link, headers={"Accept": "text/html"}).status_code == 200
    for name, _ in DOCS:
        assert f"<code>{name}</code>" in page


def test_the_home_page_is_self_contained(url: str) -> None:
    page = requests.get(f"{url}/").text
    assert not re.search(r"<script|<link|<img|@import|url\(|https?://", page)


def test_the_docs_the_home_page_names_exist_in_the_repository() -> None:
    missing = [name for name, _ in DOCS if not (ROOT / name).exists()]
    assert "README.md" not in missing
    if not (ROOT / "docs").is_dir():
        pytest.skip("docs/ is not written yet in this tree")
    assert missing == []


def test_the_page_is_built_from_the_api_list(mock: EventsMock) -> None:
    collector = [api for api in mock.apis if api.name == "event-collector"]
    page = render_home(served_apis(collector, spec_url), "9.9.9")
    assert page.count("<tr><td>") == 1
    assert "Event Collector API" in page and "barchart.json" not in page


def test_credentials_are_described_from_the_specs(mock: EventsMock) -> None:
    described = {api.name: describe_auth(load_spec(api.spec)) for api in mock.apis}
    assert described == {
        "barchart": "HTTP Basic (some operations need none)",
        "event-collector": "Bearer token",
        "billing-care": "Bearer token",
        "control": "Bearer token (optional)",
    }
    key = {
        "components": {"securitySchemes": {"k": {"type": "apiKey", "in": "header", "name": "X"}}}
    }
    assert describe_auth({**key, "paths": {"/a": {"get": {"security": [{"k": []}]}}}}) == (
        "API key (header X)"
    )
    assert describe_auth({"paths": {"/a": {"get": {}}}}) == "none"


def test_head_answers_like_get_and_other_methods_are_not_allowed(url: str) -> None:
    head = requests.head(f"{url}/")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Type"] == "text/html; charset=utf-8"
    for method in ("POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        refused = requests.request(method, f"{url}/")
        assert refused.status_code == 405, method
        assert refused.headers["Allow"] == "GET, HEAD"
        assert refused.json()[0]["value"]["code"] == "REQUEST_METHOD_NOT_ALLOWED"  # Barchart's


def test_the_home_page_answers_anyone(mock: EventsMock) -> None:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=mock.app, client=("203.0.113.9", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as http:
            return await http.get("/")

    assert asyncio.run(go()).status_code == 200


def test_the_control_index_names_the_url_the_control_spec_is_served_at(mock: EventsMock) -> None:
    (control,) = [api for api in mock.apis if api.name == "control"]
    assert spec_url(control) == SPEC_URL

"""The dashboard's files over plain HTTP: what is served, and the control plane's protections
around it (no other origin, the token for every call once one is set)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests
from starlette.testclient import TestClient

from events_mock.app import EventsMock, MockConfig
from events_mock.control import ControlSettings
from events_mock.control.dashboard import DASHBOARD_PATH, UI_FILES, ui_file
from events_mock.testing.live_mock import serve_mock
from tests.control.test_control_http import call_in_process

TOKEN = "s3cret"


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_mock() as server:
        yield server.url


def test_the_page_and_its_files_are_served_with_their_types(url: str) -> None:
    for name, media_type in UI_FILES.items():
        path = DASHBOARD_PATH + ("" if name == "index.html" else name)
        answer = requests.get(url + path, timeout=10)
        assert answer.status_code == 200, path
        assert answer.headers["Content-Type"] == media_type
        assert answer.content == ui_file(name)
        policy = answer.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "connect-src 'self'" in policy
        assert answer.headers["X-Frame-Options"] == "DENY"


def test_without_the_slash_the_page_redirects_and_unknown_files_are_404(url: str) -> None:
    answer = requests.get(url + "/__mock/ui", allow_redirects=False, timeout=10)
    assert (answer.status_code, answer.headers["Location"]) == (308, DASHBOARD_PATH)
    missing = requests.get(f"{url}{DASHBOARD_PATH}secrets.json", timeout=10)
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "application/problem+json"
    assert missing.json()["status"] == 404


def test_the_page_is_self_contained() -> None:
    """Nothing from elsewhere: the mock works offline and sends nothing anywhere."""
    for name in UI_FILES:
        text = ui_file(name).decode()
        assert not re.search(r"https?://|@import|//cdn", text), name
    page = ui_file("index.html").decode()
    assert re.findall(r'<script src="([^"]+)"', page) == ["dashboard.js"]


def test_the_page_calls_the_control_api_as_its_protections_want() -> None:
    script = ui_file("dashboard.js").decode()
    assert '"X-Mock-Control": "1"' in script
    assert 'mode: "same-origin"' in script
    assert "sessionStorage.getItem(TOKEN_KEY)" in script and "Authorization" in script
    assert not re.search(r"[?&]token=", script)  # never in a URL


@pytest.mark.parametrize("path", [DASHBOARD_PATH, "/__mock/clock", "/__mock/journal"])
def test_a_control_request_from_a_foreign_origin_is_refused(url: str, path: str) -> None:
    refused = requests.get(url + path, headers={"Origin": "http://evil.example"}, timeout=10)
    assert refused.status_code == 403
    assert "other origins" in refused.json()["detail"]
    same_origin = requests.get(url + path, headers={"Origin": url}, timeout=10)
    assert same_origin.status_code == 200


def test_a_state_change_from_a_foreign_origin_is_refused_and_changes_nothing(url: str) -> None:
    before = requests.get(f"{url}/__mock/clock", timeout=10).json()["now"]
    headers = {"Origin": "http://evil.example", "X-Mock-Control": "1"}
    refused = requests.post(
        f"{url}/__mock/clock/advance", json={"seconds": 60}, headers=headers, timeout=10
    )
    assert refused.status_code == 403
    site = {"Sec-Fetch-Site": "cross-site", "X-Mock-Control": "1"}
    refused = requests.post(
        f"{url}/__mock/clock/advance", json={"seconds": 60}, headers=site, timeout=10
    )
    assert refused.status_code == 403
    assert requests.get(f"{url}/__mock/clock", timeout=10).json()["now"] == before
    # The page's own call: same origin, the header and a JSON body.
    done = requests.post(
        f"{url}/__mock/clock/advance",
        json={"seconds": 60},
        headers={"Origin": url, "X-Mock-Control": "1"},
        timeout=10,
    )
    assert (done.status_code, done.json()["now"]) == (200, before + 60_000)


def test_with_a_token_the_page_opens_but_every_control_call_needs_the_token() -> None:
    mock = EventsMock(MockConfig(control=ControlSettings(token=TOKEN)))
    page = call_in_process(mock, DASHBOARD_PATH, "203.0.113.9")
    assert page.status_code == 200 and b"dashboard.js" in page.content
    assert call_in_process(mock, "/__mock/clock", "203.0.113.9").status_code == 401
    assert call_in_process(mock, "/__mock/clock", "127.0.0.1").status_code == 401
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert call_in_process(mock, "/__mock/clock", "203.0.113.9", bearer).status_code == 200
    foreign = {"Origin": "http://evil.example"}
    assert call_in_process(mock, DASHBOARD_PATH, "203.0.113.9", foreign).status_code == 403


def test_without_a_token_the_page_answers_loopback_callers_only() -> None:
    mock = EventsMock(MockConfig())
    assert call_in_process(mock, DASHBOARD_PATH, "127.0.0.1").status_code == 200
    assert call_in_process(mock, DASHBOARD_PATH, "203.0.113.9").status_code == 403


def test_the_dashboard_is_outside_the_spec_and_answers_only_get() -> None:
    with TestClient(EventsMock(MockConfig()).app) as client:
        spec = client.get("/openapi/control.json").json()
        assert not any(path.startswith("/ui") for path in spec["paths"])
        refused = client.post(DASHBOARD_PATH, headers={"X-Mock-Control": "1"})
        assert refused.status_code in (404, 405)
        assert refused.headers["Content-Type"] == "application/problem+json"


def test_the_index_and_the_home_page_link_the_dashboard(url: str) -> None:
    index = requests.get(f"{url}/__mock/", headers={"Accept": "text/html"}, timeout=10).text
    home = requests.get(f"{url}/", timeout=10).text
    assert f'href="{DASHBOARD_PATH}"' in index
    assert f'href="{DASHBOARD_PATH}"' in home

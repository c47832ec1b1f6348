"""Who may call the control plane: loopback peers addressed by a loopback name, same origin.

A web page open on the operator's machine must not reach `/__mock/` (DNS rebinding gives it a
foreign `Host`, a cross-origin request a foreign `Origin`), and a remote peer must not pass
for a local one by claiming it in `X-Forwarded-For`.
"""

from __future__ import annotations

import pytest
import requests

from events_mock.app import EventsMock, MockConfig
from events_mock.control import ControlSettings
from events_mock.control.access import is_loopback_host, refusal
from events_mock.framework.live_server import LiveServer
from tests._support import CONTROL, serve


def scope(host: str, client: str = "127.0.0.1", method: str = "GET", **headers: str) -> dict:
    raw = [(b"host", host.encode())] + [
        (name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()
    ]
    return {"type": "http", "method": method, "client": (client, 50000), "headers": raw}


@pytest.mark.parametrize(
    "host", ["127.0.0.1:8080", "localhost", "LOCALHOST:80", "[::1]:9", "app.localhost", "127.1.2.3"]
)
def test_loopback_host_names_are_answered(host: str) -> None:
    assert is_loopback_host(host)
    assert refusal(scope(host), token_given=False) is None


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8080", "10.0.0.1", "", "localhost.evil"]
)
def test_other_host_names_are_refused_without_a_token(host: str) -> None:
    refused = refusal(scope(host), token_given=False)
    assert refused is not None and refused.status == 403
    assert "--allowed-host" in refused.message


def test_an_allowed_host_is_answered_and_a_token_opens_any_host() -> None:
    assert refusal(scope("mock.internal:8080"), False, allowed_hosts=["mock.internal"]) is None
    assert refusal(scope("evil.example", client="203.0.113.9"), token_given=True) is None


def test_remote_peers_are_refused_without_a_token() -> None:
    refused = refusal(scope("127.0.0.1", client="203.0.113.9"), token_given=False)
    assert refused is not None and refused.status == 403


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "http://evil.example"},
        {"origin": "null"},
        {"origin": "http://127.0.0.1:9999"},  # another local server is another origin
        {"sec_fetch_site": "cross-site"},
    ],
)
def test_foreign_origins_are_refused_even_with_the_token(headers: dict) -> None:
    refused = refusal(scope("127.0.0.1:8080", **headers), token_given=True)
    assert refused is not None and refused.status == 403


def test_the_mock_s_own_pages_are_same_origin() -> None:
    assert refusal(scope("127.0.0.1:8080", origin="http://127.0.0.1:8080"), False) is None


def test_in_process_callers_are_answered() -> None:
    assert refusal({"type": "http", "client": ("testclient", 1), "headers": []}, False) is None
    assert refusal({"type": "http", "client": None, "headers": []}, False) is None


SIMPLE_REQUESTS = [  # what a page elsewhere can send without a preflight, Origin or not
    {},
    {"content_type": "text/plain"},  # fetch(url, {method: "POST", mode: "no-cors", body})
    {"content_type": "application/x-www-form-urlencoded"},  # a <form method="post">
    {"content_type": "multipart/form-data; boundary=x"},
    {"content_type": "text/plain; a=application/json"},
]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "post"])
@pytest.mark.parametrize("headers", SIMPLE_REQUESTS)
def test_a_state_change_a_browser_could_send_unasked_is_refused(method: str, headers: dict) -> None:
    for given in (False, True):  # the token does not make a simple request safe
        refused = refusal(scope("127.0.0.1:8080", method=method, **headers), token_given=given)
        assert refused is not None and refused.status == 403
        assert "'X-Mock-Control: 1'" in refused.message
        assert "'Content-Type: application/json'" in refused.message
    in_process = {"type": "http", "method": method, "client": ("testclient", 1), "headers": []}
    assert refusal(in_process, False) is not None  # same rule in-process as over HTTP


@pytest.mark.parametrize(
    "headers",
    [
        {"x_mock_control": "1"},
        {"X_Mock_Control": ""},  # any value: no page elsewhere can send the header unasked
        {"content_type": "application/json"},
        {"content_type": "Application/JSON; charset=utf-8"},
        {"content_type": "application/merge-patch+json"},
    ],
)
def test_a_json_body_or_the_control_header_makes_a_state_change_acceptable(headers) -> None:
    assert refusal(scope("127.0.0.1:8080", method="POST", **headers), False) is None


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_reading_needs_neither(method: str) -> None:
    assert refusal(scope("127.0.0.1:8080", method=method), False) is None


def test_other_refusals_are_named_first() -> None:
    """A remote caller learns it needs a token, not a header it would add in vain."""
    remote = refusal(scope("127.0.0.1", client="203.0.113.9", method="POST"), False)
    assert remote is not None and "--control-token" in remote.message
    foreign = refusal(scope("127.0.0.1", method="POST", origin="http://evil.example"), True)
    assert foreign is not None and "other origins" in foreign.message


@pytest.fixture(scope="module")
def live() -> str:
    mock = EventsMock(MockConfig(control=ControlSettings(allowed_hosts=("mock.internal",))))
    with LiveServer(mock.app) as server:
        yield server.url


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 200),
        ({"Host": "localhost"}, 200),
        ({"Host": "mock.internal"}, 200),
        ({"Host": "rebound.example"}, 403),
        ({"Origin": "http://evil.example"}, 403),
    ],
)
def test_live_control_requests(live: str, headers: dict, status: int) -> None:
    answer = requests.get(f"{live}/__mock/clock", headers=headers, timeout=10)
    assert answer.status_code == status, answer.text
    if status == 403:
        assert answer.headers["Content-Type"].startswith("application/problem+json")


def test_a_foreign_origin_cannot_reset(live: str) -> None:
    answer = requests.post(
        f"{live}/__mock/reset", headers={"Origin": "http://evil.example"}, timeout=10
    )
    assert answer.status_code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/reset"), ("POST", "/clock/freeze"), ("DELETE", "/faults"), ("DELETE", "/journal")],
)
def test_a_simple_request_changes_nothing(live: str, method: str, path: str) -> None:
    """A form post or a no-cors fetch, from a browser that sent no `Origin`."""
    rule = requests.post(f"{live}/__mock/faults", json={"path": "/x", "status": 500}, timeout=10)
    assert rule.status_code == 201, rule.text
    before = requests.get(f"{live}/__mock/clock", timeout=10).json()["rate"]
    try:
        for content_type in (None, "text/plain", "application/x-www-form-urlencoded"):
            headers = {"Content-Type": content_type} if content_type else {}
            answer = requests.request(
                method, f"{live}/__mock{path}", headers=headers, data=b"x=1", timeout=10
            )
            assert answer.status_code == 403, answer.text
            assert answer.headers["Content-Type"].startswith("application/problem+json")
            assert "X-Mock-Control: 1" in answer.json()["detail"]
        assert [r["id"] for r in requests.get(f"{live}/__mock/faults", timeout=10).json()]
        assert requests.get(f"{live}/__mock/clock", timeout=10).json()["rate"] == before
    finally:
        cleared = requests.delete(f"{live}/__mock/faults", headers=CONTROL, timeout=10)
        assert cleared.status_code == 204


def test_the_control_header_lets_a_script_reset(live: str) -> None:
    assert requests.post(f"{live}/__mock/reset", headers=CONTROL, timeout=10).status_code == 204


def test_the_mocked_apis_ignore_host_and_origin(live: str) -> None:
    answer = requests.get(
        f"{live}/service/version",
        headers={"Host": "evil.example", "Origin": "http://x"},
        timeout=10,
    )
    assert answer.status_code == 200


def test_x_forwarded_for_does_not_change_the_peer(monkeypatch: pytest.MonkeyPatch) -> None:
    """With proxy headers trusted, `X-Forwarded-For: 203.0.113.9` from loopback would make
    the peer look remote (and a remote one claiming 127.0.0.1 look local); it changes nothing."""
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    with serve() as url:
        answer = requests.get(
            f"{url}/__mock/clock", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=10
        )
    assert answer.status_code == 200, answer.text

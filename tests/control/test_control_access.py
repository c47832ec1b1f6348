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
from tests._support import serve


def scope(host: str, client: str = "127.0.0.1", **headers: str) -> dict:
    raw = [(b"host", host.encode())] + [
        (name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()
    ]
    return {"type": "http", "client": (client, 50000), "headers": raw}


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

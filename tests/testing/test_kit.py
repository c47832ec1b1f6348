"""The in-process kit: `requests` calls to the real hosts, served by the mock, no sockets."""

from __future__ import annotations

import socket

import pytest
import requests
import responses

from events_mock.app import MockConfig
from events_mock.barchart.jobs import JobSettings
from events_mock.clock import MockClock
from events_mock.testing import PRODUCTION, STAGING, InProcessMock, mock_api
from tests._support import T0, alert_event

AUTH = ("demo", "demo")


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kit must never open a socket: any attempt fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the in-process kit opened a socket")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def start_report(api: InProcessMock, base: str = PRODUCTION) -> str:
    requests.post(f"{base}/events", json={"events": [alert_event()]})
    answer = requests.post(
        f"{base}/reports", json={"filter": {"customer": "BARCHART", "product": "ALERT"}}, auth=AUTH
    )
    return answer.json()["source"]


def test_production_and_staging_are_served_from_one_state(no_sockets: None) -> None:
    with mock_api() as api:
        assert requests.get(f"{PRODUCTION}/service/version").json()["service"]["version"] == "2.0.0"
        requests.post(f"{STAGING}/events", json={"events": [alert_event()]})
        assert len(api.store) == 1
        assert len(api.calls) == 2 and api.calls[1].request.url == f"{STAGING}/events"
        assert [entry.path for entry in api.journal] == ["/service/version", "/events"]


def test_a_custom_base_url_and_users() -> None:
    with mock_api("http://mock.test/", users={"me": "secret"}) as api:
        assert api.url == "http://mock.test"
        ok = requests.get("http://mock.test/service/authenticate", auth=("me", "secret"))
        assert ok.status_code == 200 and ok.json()["user"]["id"] == "me"
        assert requests.get("http://mock.test/service/authenticate", auth=AUTH).status_code == 401
        with pytest.raises(requests.ConnectionError):
            requests.get(
                f"{PRODUCTION}/service/version"
            )  # not mocked here: refused, like responses


def test_the_clock_is_frozen_and_moves_jobs_and_links() -> None:
    with mock_api(clock=MockClock.frozen(T0)) as api:
        source = start_report(api)
        availability = f"{PRODUCTION}/reports/{source}/availability"
        assert requests.get(availability, auth=AUTH).json()["status"] == "RUNNING"
        api.clock.advance(seconds=3)
        assert requests.get(availability, auth=AUTH).json()["status"] == "COMPLETE"

        link = requests.get(f"{PRODUCTION}/reports/{source}", auth=AUTH).json()["link"]
        assert link.startswith(f"{PRODUCTION}/exports/{source}.csv?token=")
        with requests.get(link, stream=True) as download:
            chunks = list(download.iter_content(chunk_size=8))
        assert len(chunks) > 1
        assert b"".join(chunks).decode().splitlines() == [
            "timestamp|type|userId|alertId",
            f"{T0 - 60_000}|ALERT-CREATED|u1|alert-1",
        ]
        api.clock.advance(seconds=15 * 60)
        expired = requests.get(link)
        assert expired.status_code == 403 and "expired" in expired.text


def test_faults_and_dropped_connections() -> None:
    with mock_api() as api:
        api.faults.add(method="GET", path="/service/version", status=503, times=2, retry_after=2)
        statuses = [requests.get(f"{PRODUCTION}/service/version").status_code for _ in range(3)]
        assert statuses == [503, 503, 200]

        api.faults.add(method="POST", path="/events", drop=True, times=1)
        with pytest.raises(requests.ConnectionError, match="without a response"):
            requests.post(f"{PRODUCTION}/events", json={"events": [alert_event()]})
        assert len(api.store) == 0
        assert api.journal.entries(path="/events")[0].status is None


def test_latency_is_recorded_through_the_control_planes_sleep() -> None:
    with mock_api() as api:
        waited: list[float] = []

        async def record(seconds: float) -> None:
            waited.append(seconds)

        api.control.sleep = record
        api.faults.add(path="/service/version", latency_ms=250)
        assert requests.get(f"{PRODUCTION}/service/version").status_code == 200
        assert waited == [0.25]


def test_jobs_can_be_forced_in_process() -> None:
    with mock_api() as api:
        source = start_report(api)
        api.jobs.force(source, "FAILED", "the range was too wide")
        answer = requests.get(f"{PRODUCTION}/reports/{source}", auth=AUTH)
        assert answer.status_code == 409
        assert "the range was too wide" in answer.json()[0]["value"]["message"]


def test_the_control_plane_is_reachable_through_the_kit_as_a_local_caller() -> None:
    with mock_api() as api:
        api.clock.set(T0)
        assert requests.get(f"{PRODUCTION}/__mock/clock").json()["now"] == T0
        assert requests.post(f"{PRODUCTION}/__mock/clock/advance", json={"seconds": 1}).ok
        assert api.clock.now_ms() == T0 + 1000


def test_prefer_works_through_the_kit() -> None:
    with mock_api():
        answer = requests.get(
            f"{PRODUCTION}/reports/JOB-x/availability", headers={"Prefer": "code=404"}
        )
        assert answer.status_code == 404
        assert answer.json()[0]["value"]["code"] == "EVENT_JOB_GET_FAILED_NO_JOB"


def test_reset_and_state() -> None:
    with mock_api(clock=MockClock.frozen(T0)) as api:
        start_report(api)
        document = api.export_state()
        api.reset()
        assert len(api.store) == 0 and len(api.calls) == 0 and len(api.journal) == 0
        api.import_state(document)
        assert len(api.store) == 1 and len(api.jobs.all()) == 1


def test_config_sets_everything_else() -> None:
    config = MockConfig(jobs=JobSettings(base_seconds=60))
    with mock_api(config=config) as api:
        source = start_report(api)
        assert api.jobs.get(source).finishes_ms - api.jobs.get(source).started_ms == 60_000
        assert config.clock is None  # the caller's config is not changed


def test_passthrough_and_own_stubs_coexist() -> None:
    with mock_api(passthrough=("http://127.0.0.1:1",)) as api:
        api.responses.add(responses.GET, "https://other.example/ping", body="pong")
        assert requests.get("https://other.example/ping").text == "pong"
        with pytest.raises(requests.ConnectionError):
            requests.get("http://127.0.0.1:1/")  # really sent: nothing listens on port 1


def test_the_kit_stops_intercepting_on_exit() -> None:
    with mock_api() as api:
        pass
    assert api.responses is not None
    with responses.RequestsMock() as other:  # nothing of the kit left patched in
        other.add(responses.GET, f"{PRODUCTION}/service/version", body="real")
        assert requests.get(f"{PRODUCTION}/service/version").text == "real"


def test_events_api_fixture(events_api: InProcessMock) -> None:
    assert events_api.clock.rate == 0
    assert requests.get(f"{events_api.url}/service/version").ok
    assert len(events_api.journal) == 1


def test_a_multi_tenant_api_tags_its_journal_entries() -> None:
    """What the Event Collector will do: name each request's tenant through `tenant_of`."""
    from dataclasses import replace

    with mock_api() as api:
        barchart = api.mock.apis[0]
        api.mock.apis[0] = replace(barchart, tenant_of=lambda headers: headers.get("x-twc-tenant"))
        for tenant in ("acme", "globex", "acme"):
            requests.get(f"{PRODUCTION}/service/version", headers={"X-TWC-Tenant": tenant})
        assert [e.tenant for e in api.journal] == ["acme", "globex", "acme"]
        own = requests.get(f"{PRODUCTION}/__mock/journal", params={"tenant": "acme"}).json()
        assert [entry["id"] for entry in own["entries"]] == [1, 3]

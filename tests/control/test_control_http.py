"""The control plane over HTTP, against a live server (the plugin's `events_mock_server`)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import requests

from events_mock.app import EventsMock, MockConfig
from events_mock.billing.dataset import generate
from events_mock.clock import MockClock
from events_mock.control import ControlSettings
from events_mock.testing import ControlError, MockServer
from tests._support import T0, alert_event

AUTH = ("demo", "demo")
ALERT_FILTER = {"filter": {"customer": "BARCHART", "product": "ALERT"}}


@pytest.fixture
def events_mock_config() -> MockConfig:
    return MockConfig(clock=MockClock.frozen(T0))


@pytest.fixture
def server(events_mock_server: MockServer) -> MockServer:
    return events_mock_server


@pytest.fixture
def http() -> requests.Session:
    with requests.Session() as session:
        yield session


def control(server: MockServer, method: str, path: str, **kwargs) -> requests.Response:
    """A control call as a script makes it: with the header that says it is no web page's."""
    headers = {"X-Mock-Control": "1", **kwargs.pop("headers", {})}
    return requests.request(method, f"{server.url}/__mock{path}", headers=headers, **kwargs)


def start_report(server: MockServer) -> str:
    requests.post(f"{server.url}/events", json={"events": [alert_event()]})
    return requests.post(f"{server.url}/reports", json=ALERT_FILTER, auth=AUTH).json()["source"]


# Clock


def test_clock_reads_advances_sets_freezes_and_changes_rate(server: MockServer) -> None:
    assert control(server, "GET", "/clock").json() == {
        "now": T0,
        "iso": "2019-10-14T17:26:17.278Z",
        "rate": 0.0,
        "frozen": True,
    }
    assert control(server, "POST", "/clock/advance", json={"seconds": 60}).json()["now"] == (
        T0 + 60_000
    )
    answer = control(server, "POST", "/clock/set", json={"now": 1_000, "rate": 2}).json()
    assert (answer["rate"], answer["frozen"]) == (2, False)
    assert control(server, "POST", "/clock/freeze").json()["frozen"] is True
    assert control(server, "POST", "/clock/rate", json={"rate": 0.5}).json()["rate"] == 0.5


def test_clock_refusals_use_the_problem_shape(server: MockServer) -> None:
    refused = control(server, "POST", "/clock/advance", json={"seconds": -1})
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["title"] == "Bad Request" and "seconds" in refused.json()["detail"]
    control(server, "POST", "/clock/set", json={"now": 253_402_300_000_000})
    too_far = control(server, "POST", "/clock/advance", json={"seconds": 86_400})
    assert too_far.status_code == 409


# Jobs


def test_jobs_follow_the_clock_and_can_be_forced(server: MockServer) -> None:
    source = start_report(server)
    job = control(server, "GET", f"/jobs/{source}").json()
    assert (job["status"], job["outcome"], job["remaining_seconds"], job["events"]) == (
        "RUNNING",
        "COMPLETE",
        3,
        1,
    )
    forced = control(server, "POST", f"/jobs/{source}/status", json={"status": "TIMEOUT"})
    assert forced.json()["status"] == "TIMEOUT"
    availability = requests.get(f"{server.url}/reports/{source}/availability", auth=AUTH)
    assert availability.json()["status"] == "TIMEOUT"
    link = requests.get(f"{server.url}/reports/{source}", auth=AUTH)
    assert link.status_code == 409 and link.json()[0]["value"]["code"] == "EVENT_JOB_GET_FAILED"

    again = control(server, "POST", f"/jobs/{source}/status", json={"status": "COMPLETE"})
    assert again.status_code == 409 and "already ended TIMEOUT" in again.json()["detail"]
    assert [job["source"] for job in control(server, "GET", "/jobs").json()] == [source]


def test_remaining_time(server: MockServer) -> None:
    source = start_report(server)
    job = control(server, "POST", f"/jobs/{source}/remaining", json={"seconds": 120}).json()
    assert (job["finishes"], job["remaining_seconds"]) == (T0 + 120_000, 120)
    server.control.clock.advance(120)
    assert server.control.jobs.get(source).status == "COMPLETE"
    late = control(server, "POST", f"/jobs/{source}/remaining", json={"seconds": 1})
    assert late.status_code == 409


def test_unknown_jobs_are_404(server: MockServer) -> None:
    assert control(server, "GET", "/jobs/JOB-nope").status_code == 404
    assert (
        control(server, "POST", "/jobs/JOB-nope/status", json={"status": "FAILED"}).status_code
        == 404
    )


# Faults


def test_injected_503s_use_the_apis_error_shape_and_retry_after(
    server: MockServer, http: requests.Session
) -> None:
    rule = control(
        server,
        "POST",
        "/faults",
        json={
            "method": "GET",
            "path": "/service/version",
            "status": 503,
            "times": 2,
            "retry_after": 7,
        },
    )
    assert rule.status_code == 201 and rule.json()["id"] == "fault-1"
    answers = [http.get(f"{server.url}/service/version") for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].headers["Retry-After"] == "7"
    assert answers[0].headers["X-Events-Mock-Fault"] == "fault-1"
    assert answers[0].json() == [
        {
            "value": {"code": "REQUEST_GENERAL_FAILURE", "message": "Service Unavailable"},
            "children": [],
        }
    ]
    assert "Retry-After" not in answers[2].headers
    listed = control(server, "GET", "/faults").json()
    assert [(r["matched"], r["fired"], r["remaining"]) for r in listed] == [(3, 2, 0)]


def test_a_401_fault_answers_like_the_real_401(server: MockServer) -> None:
    server.control.faults.add(path="/reports/**", status=401)
    answer = requests.get(f"{server.url}/reports/JOB-1/availability", auth=AUTH)
    assert answer.status_code == 401 and answer.json() == {"message": "Unauthorized"}


def test_a_dropped_connection_gets_no_answer(server: MockServer, http: requests.Session) -> None:
    server.control.faults.add(method="POST", path="/events", drop=True, times=1)
    with pytest.raises(requests.ConnectionError):
        http.post(f"{server.url}/events", json={"events": [alert_event()]})
    assert http.post(f"{server.url}/events", json={"events": []}).status_code == 200
    dropped, answered = server.control.journal.entries(path="/events")
    assert (dropped.status, dropped.fault, dropped.body["events"][0]["type"]) == (
        None,
        "fault-1",
        "ALERT-CREATED",
    )
    assert answered.status == 200
    assert len(server.mock.barchart.store) == 0  # the dropped request never reached the API


def test_a_malformed_body_is_cut_short(server: MockServer) -> None:
    server.control.faults.add(path="/service/version", malformed=True, times=1)
    server.control.faults.add(path="/events", malformed=True, status=502, times=1)
    answer = requests.get(f"{server.url}/service/version")
    assert answer.status_code == 200
    with pytest.raises(ValueError):
        answer.json()
    assert answer.text.startswith('{"service"')
    failed = requests.post(f"{server.url}/events", json={"events": [alert_event()]})
    assert failed.status_code == 502
    with pytest.raises(ValueError):
        json.loads(failed.text)


def test_latency_waits_through_the_control_planes_sleep(server: MockServer) -> None:
    waited: list[float] = []

    async def record(seconds: float) -> None:
        waited.append(seconds)

    server.mock.control.sleep = record
    server.control.faults.add(path="/service/version", latency_ms=1500, times=1)
    assert requests.get(f"{server.url}/service/version").status_code == 200
    assert waited == [1.5]
    assert requests.get(f"{server.url}/service/version").status_code == 200
    assert waited == [1.5]


def test_probability_is_reproducible_over_http(server: MockServer) -> None:
    def run() -> list[int]:
        server.control.faults.clear()
        server.control.faults.add(path="/service/version", status=502, probability=0.5, seed=42)
        return [requests.get(f"{server.url}/service/version").status_code for _ in range(12)]

    first = run()
    assert first == run()
    assert {200, 502} == set(first)


def test_faults_never_touch_the_control_plane(server: MockServer) -> None:
    server.control.faults.add(path="/**", status=500)
    server.control.faults.add(path="/__mock/**", drop=True)
    assert control(server, "GET", "/clock").status_code == 200
    assert requests.get(f"{server.url}/service/version").status_code == 500
    assert server.control.journal.entries(path="/__mock/**") == []


def test_fault_rules_by_id(server: MockServer) -> None:
    rule = server.control.faults.add(path="/x", status=500)
    assert server.control.faults.get(rule.id) == rule
    server.control.faults.remove(rule.id)
    with pytest.raises(ControlError) as missing:
        server.control.faults.get(rule.id)
    assert missing.value.status == 404
    assert control(server, "DELETE", f"/faults/{rule.id}").status_code == 404
    bad = control(server, "POST", "/faults", json={"path": "/x", "status": 200})
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"


# Prefer


def test_prefer_answers_the_documented_example_without_touching_state(server: MockServer) -> None:
    answer = requests.get(
        f"{server.url}/reports/JOB-anything", auth=AUTH, headers={"Prefer": "code=409"}
    )
    assert answer.status_code == 409
    assert answer.json()[0]["value"]["code"] == "EVENT_JOB_GET_FAILED_RUNNING"

    started = requests.post(
        f"{server.url}/reports", json=ALERT_FILTER, headers={"Prefer": "code=200"}
    )
    assert started.status_code == 200
    assert started.json()["source"] == "JOB-0527e342-c92c-45ec-a3cf-fd93f87cb068"
    assert server.mock.barchart.jobs.all() == []

    unauthorized = requests.get(
        f"{server.url}/service/authenticate", headers={"Prefer": "code=401"}
    )
    assert unauthorized.status_code == 401 and unauthorized.json() == {"message": "Unauthorized"}


def test_prefer_for_an_undocumented_status_is_refused_in_the_apis_shape(server: MockServer) -> None:
    answer = requests.get(f"{server.url}/service/version", headers={"Prefer": "code=418"})
    assert answer.status_code == 400
    assert "documents no such response" in answer.json()[0]["value"]["message"]
    plain = requests.get(f"{server.url}/service/version", headers={"Prefer": "return=minimal"})
    assert plain.status_code == 200


# Journal


def test_the_journal_records_requests_with_credentials_redacted(server: MockServer) -> None:
    source = start_report(server)
    server.control.clock.advance(10)
    link = requests.get(f"{server.url}/reports/{source}", auth=AUTH).json()["link"]
    requests.get(link, headers={"Cookie": "sid=secret"})

    entries = server.control.journal.entries()
    assert [(e.method, e.status) for e in entries] == [
        ("POST", 200),
        ("POST", 200),
        ("GET", 200),
        ("GET", 200),
    ]
    report = entries[1]
    assert report.headers["authorization"] == "Basic [REDACTED]"
    assert report.body == ALERT_FILTER
    assert (report.api, report.time) == ("barchart", T0)
    download = entries[3]
    assert download.query == {"token": ["[REDACTED]"]}
    assert download.headers["cookie"] == "[REDACTED]"
    shown = json.dumps([entry.to_json() for entry in entries])
    assert "secret" not in shown and "ZGVtbzpkZW1v" not in shown
    assert entries[2].time == T0 + 10_000

    assert [e.id for e in server.control.journal.entries(since=2, limit=1)] == [4]
    assert len(server.control.journal.entries(method="POST", path="/reports")) == 1
    assert server.control.journal.entries(status=404) == []
    server.control.journal.clear()
    assert server.control.journal.entries() == []


# Reset and state


def test_reset_over_http(server: MockServer) -> None:
    start_report(server)
    server.control.faults.add(path="/x", status=500)
    server.control.clock.advance(30)
    assert control(server, "POST", "/reset").status_code == 204
    assert server.control.jobs.list() == [] and server.control.faults.list() == []
    assert server.control.journal.entries() == []
    assert server.control.clock.now_ms() == T0
    assert len(server.mock.barchart.store) == 0


def test_state_export_and_import_over_http(server: MockServer) -> None:
    source = start_report(server)
    document = server.control.export_state()
    assert [job["job"] for job in document["apis"]["barchart"]["jobs"]] == [source[4:]]
    server.control.reset()
    bad = control(server, "PUT", "/state", json={**document, "version": 99})
    assert bad.status_code == 400 and server.control.jobs.list() == []
    assert control(server, "PUT", "/state", json=document).status_code == 204
    assert server.control.jobs.get(source).status == "RUNNING"
    assert len(server.mock.barchart.store) == 1


def test_billing_care_data_is_loaded_through_the_control_plane(server: MockServer) -> None:
    records = list(generate(seed=9, count=40).records)
    account = records[0]["accountRef"]["id"]
    search = f"{server.url}/bcws/webresources/v1.0/events"
    billing = {"Authorization": "Bearer demo-billing-token"}

    loaded = control(server, "PUT", "/state/billing-care", json={"events": records})
    assert loaded.status_code == 204
    found = requests.get(search, params={"accountId": account}, headers=billing).json()
    assert found == [r for r in records if r["accountRef"]["id"] == account]
    assert server.control.export_api_state("billing-care") == {"events": records}

    doubled = control(server, "PUT", "/state/billing-care", json={"events": records[:1] * 2})
    assert doubled.status_code == 409 and "duplicate event id" in doubled.json()["detail"]
    invalid = control(server, "PUT", "/state/billing-care", json={"events": [{"id": 1}]})
    assert invalid.status_code == 400 and "required" in invalid.json()["detail"]
    huge = control(server, "PUT", "/state/billing-care", json={"events": "x" * 100_000})
    assert huge.status_code == 400 and len(huge.json()["detail"]) < 1000  # not the body again
    assert server.control.export_api_state("billing-care") == {"events": records}  # unchanged

    server.control.import_api_state("billing-care", {"generated": {"seed": 9, "events": 40}})
    assert requests.get(search, params={"accountId": account}, headers=billing).json() == found


def test_collector_events_are_loaded_and_stay_with_their_tenant(server: MockServer) -> None:
    event = {"id": "ev-1", "event_source": "ORDER", "event_type": "FAULT", "event_payload": {}}
    server.control.import_api_state("event-collector", {"tenants": {"demo": [event]}})
    url = f"{server.url}/api/v1/events/ev-1"
    tenant = {"X-TWC-Tenant": "demo", "Authorization": "Bearer demo-token"}
    assert requests.get(url, headers=tenant).json() == event
    server.control.import_api_state("event-collector", {"tenants": {"elsewhere": [event]}})
    assert requests.get(url, headers=tenant).status_code == 404
    with pytest.raises(ControlError) as refused:
        server.control.import_api_state("event-collector", {"tenants": {"demo": [event, event]}})
    assert refused.value.status == 409


# Who may use the control plane


def call_in_process(mock: EventsMock, path: str, client: str, headers: dict | None = None):
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=mock.app, client=(client, 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            return await http.get(path, headers=headers)

    return asyncio.run(go())


def test_only_loopback_callers_without_a_token() -> None:
    mock = EventsMock(MockConfig(clock=MockClock.frozen(T0)))
    assert call_in_process(mock, "/__mock/clock", "127.0.0.1").status_code == 200
    assert call_in_process(mock, "/__mock/clock", "::1").status_code == 200
    refused = call_in_process(mock, "/__mock/clock", "203.0.113.9")
    assert refused.status_code == 403 and refused.json()["status"] == 403
    # The mocked APIs themselves answer anyone.
    assert call_in_process(mock, "/service/version", "203.0.113.9").status_code == 200


def test_a_control_token_is_required_from_everyone_once_set() -> None:
    mock = EventsMock(MockConfig(control=ControlSettings(token="s3cret")))
    for client in ("127.0.0.1", "203.0.113.9"):
        missing = call_in_process(mock, "/__mock/clock", client)
        assert missing.status_code == 401
        assert missing.headers["WWW-Authenticate"].startswith("Bearer")
        wrong = call_in_process(mock, "/__mock/clock", client, {"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = call_in_process(mock, "/__mock/clock", client, {"Authorization": "Bearer s3cret"})
        assert right.status_code == 200
    assert call_in_process(mock, "/service/version", "203.0.113.9").status_code == 200


def test_the_control_docs_are_public_and_listed_in_the_one_ui() -> None:
    mock = EventsMock(MockConfig(control=ControlSettings(token="s3cret")))
    spec = call_in_process(mock, "/openapi/control.json", "203.0.113.9")
    assert spec.status_code == 200 and spec.json()["info"]["title"] == "events-mock control plane"
    assert spec.json()["servers"][0]["url"].endswith("/__mock")
    assert call_in_process(mock, "/ui/", "203.0.113.9").status_code == 200
    assert call_in_process(mock, "/__mock/clock", "203.0.113.9").status_code == 401


def test_405_names_every_documented_method(server: MockServer) -> None:
    answer = control(server, "PATCH", "/faults")
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "DELETE, GET, HEAD, POST"

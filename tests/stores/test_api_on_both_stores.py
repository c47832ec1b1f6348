"""Every API operation and control endpoint, over HTTP, on both stores.

On Redis two servers share one store, as two workers behind a load balancer would: each test
writes through one and reads through the other (`a` and `b`), so an answer that only one
process knows fails here. In memory `a` and `b` are the same server. The module shares one
setup per store: each test reports over its own time range and compares before and after.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests

from events_mock.app import MockConfig
from events_mock.barchart.jobs import JobSettings
from events_mock.clock import MockClock
from events_mock.stores import StoreLocation
from events_mock.testing.live_mock import serve_mock
from tests._support import CONTROL, T0, TENANTS, error_code, event
from tests.redis_server import unique_prefix

BASIC = ("demo", "demo")
ACME = {"Authorization": f"Bearer {TENANTS['acme']}", "X-TWC-Tenant": "acme"}
GLOBEX = {"Authorization": f"Bearer {TENANTS['globex']}", "X-TWC-Tenant": "globex"}
BILLING = {"Authorization": "Bearer demo-billing-token"}
BILLING_PATH = "/bcws/webresources/v1.0/events"


def config(store: StoreLocation) -> MockConfig:
    return MockConfig(
        store=store,
        tenants=TENANTS,
        validate_responses=True,
        clock=MockClock.frozen(T0),
        jobs=JobSettings(max_links=50),
        billing_events=100,
    )


@pytest.fixture(scope="module", params=["memory", "redis"])
def mocks(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """(a, b): where to write and where to read."""
    if request.param == "memory":
        with serve_mock(config(StoreLocation())) as one:
            yield one.url, one.url
        return
    server = request.getfixturevalue("redis_server")
    location = StoreLocation(server.url, unique_prefix())
    with serve_mock(config(location)) as one, serve_mock(config(location)) as two:
        yield one.url, two.url


def time_range() -> int:
    """The start of a day of events nobody else's report reads."""
    return T0 + uuid.uuid4().int % 10**6 * 86_400_000


def start_report(url: str, start: int) -> str:
    report = {
        "customer": "BARCHART",
        "product": "PORTFOLIO",
        "start": start,
        "end": start + 86_399_999,
    }
    answer = requests.post(f"{url}/reports", json={"filter": report}, auth=BASIC)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "RUNNING"
    return answer.json()["source"]


def status_of(url: str, source: str) -> str:
    answer = requests.get(f"{url}/reports/{source}/availability", auth=BASIC)
    assert answer.status_code == 200, answer.text
    return answer.json()["status"]


def advance(url: str, seconds: float) -> None:
    assert requests.post(f"{url}/__mock/clock/advance", json={"seconds": seconds}).ok


def test_events_reports_links_and_downloads(mocks: tuple[str, str]) -> None:
    a, b = mocks
    day = time_range()
    posted = requests.post(
        f"{a}/events", json={"events": [event(day + 2), event(day, context=["x|y"])]}, auth=BASIC
    )
    assert posted.status_code == 200 and [e["sequence"] for e in posted.json()] == [1, 2]
    source = start_report(b, day)
    assert status_of(a, source) == "RUNNING"
    running = requests.get(f"{b}/reports/{source}", auth=BASIC)
    assert (running.status_code, error_code(running)) == (409, "EVENT_JOB_GET_FAILED_RUNNING")
    advance(b, 10)
    assert status_of(a, source) == "COMPLETE"
    link = requests.get(f"{b}/reports/{source}", auth=BASIC).json()["link"]
    download = requests.get(link.replace(b, a))
    assert download.status_code == 200
    rows = download.text.splitlines()[1:]
    assert [row.split("|")[0] for row in rows] == [str(day), str(day + 2)]
    assert '"x|y"' in rows[0]
    unknown = requests.get(f"{a}/reports/JOB-{uuid.uuid4()}/availability", auth=BASIC)
    assert (unknown.status_code, error_code(unknown)) == (404, "EVENT_JOB_GET_FAILED_NO_JOB")


def test_service_version_and_authenticate(mocks: tuple[str, str]) -> None:
    for url in mocks:
        assert requests.get(f"{url}/service/version").json()["service"]["environment"] == "mock"
        assert requests.get(f"{url}/service/authenticate", auth=BASIC).json()["user"]["id"] == (
            "demo"
        )
        assert requests.get(f"{url}/service/authenticate", auth=("demo", "no")).status_code == 401


def test_collector_events_are_read_on_any_server(mocks: tuple[str, str]) -> None:
    a, b = mocks
    body = {"event_source": "ORDER", "event_type": "FAULT", "event_payload": {}, "entity_id": "1"}
    created = requests.post(f"{a}/api/v1/events", json=body, headers=ACME)
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    assert requests.get(f"{b}{location}", headers=ACME).json() == created.json()
    assert requests.get(f"{b}{location}", headers=GLOBEX).status_code == 404


def test_billing_search_and_its_imported_data(mocks: tuple[str, str]) -> None:
    a, b = mocks
    started = requests.get(f"{a}/__mock/state/billing-care").json()
    found = requests.get(
        f"{b}{BILLING_PATH}", params={"createdStartTime": 0, "limit": 5}, headers=BILLING
    )
    assert found.status_code == 200 and len(found.json()) == 5
    imported = {"generated": {"seed": 9, "events": 30}}
    assert requests.put(f"{a}/__mock/state/billing-care", json=imported).status_code == 204
    assert requests.get(f"{b}/__mock/state/billing-care").json() == imported
    everything = requests.get(
        f"{b}{BILLING_PATH}", params={"createdStartTime": 0, "limit": 1000}, headers=BILLING
    )
    assert len(everything.json()) == 30
    assert requests.put(f"{b}/__mock/state/billing-care", json=started).status_code == 204


def test_the_clock_is_one_clock(mocks: tuple[str, str]) -> None:
    a, b = mocks
    before = requests.get(f"{a}/__mock/clock").json()["now"]
    advance(a, 30)
    assert requests.get(f"{b}/__mock/clock").json()["now"] == before + 30_000
    answer = requests.post(f"{b}/__mock/clock/set", json={"now": before, "rate": 60})
    assert answer.ok and requests.get(f"{a}/__mock/clock").json()["rate"] == 60
    assert requests.post(f"{a}/__mock/clock/rate", json={"rate": 2}).json()["rate"] == 2
    frozen = requests.post(f"{b}/__mock/clock/freeze", headers=CONTROL).json()
    assert frozen["frozen"] and requests.get(f"{a}/__mock/clock").json() == frozen
    requests.post(f"{a}/__mock/clock/set", json={"now": before + 30_000, "rate": 0})


def test_jobs_through_the_control_plane(mocks: tuple[str, str]) -> None:
    a, b = mocks
    source = start_report(a, time_range())
    listed = requests.get(f"{b}/__mock/jobs").json()
    assert source in [job["source"] for job in listed]
    later = requests.post(f"{b}/__mock/jobs/{source}/remaining", json={"seconds": 120})
    assert later.json()["remaining_seconds"] == 120
    assert requests.get(f"{a}/__mock/jobs/{source}").json()["remaining_seconds"] == 120
    failed = requests.post(f"{a}/__mock/jobs/{source}/status", json={"status": "FAILED"})
    assert failed.json()["status"] == "FAILED"
    assert status_of(b, source) == "FAILED"
    again = requests.post(f"{b}/__mock/jobs/{source}/status", json={"status": "COMPLETE"})
    assert again.status_code == 409


def test_state_export_reset_and_import(mocks: tuple[str, str]) -> None:
    a, b = mocks
    day = time_range()
    requests.post(f"{a}/events", json={"events": [event(day)] * 3}, auth=BASIC)
    source = start_report(a, day)
    requests.post(
        f"{a}/api/v1/events",
        json={"event_source": "ORDER", "event_type": "FAULT", "event_payload": {}},
        headers=ACME,
    )
    document = requests.get(f"{b}/__mock/state").json()
    assert _apis(document) == _apis(requests.get(f"{a}/__mock/state").json())  # one document
    assert requests.post(f"{a}/__mock/reset", headers=CONTROL).status_code == 204
    empty = requests.get(f"{b}/__mock/state").json()["apis"]
    assert empty["barchart"] == {"events": [], "jobs": []}
    assert empty["event-collector"] == {"tenants": {}}
    assert requests.put(f"{b}/__mock/state", json=document).status_code == 204
    restored = requests.get(f"{a}/__mock/state").json()
    assert _canonical(_apis(restored)) == _canonical(_apis(document))
    assert status_of(b, source) == "RUNNING"
    collector = requests.get(f"{b}/__mock/state/event-collector").json()
    assert collector == document["apis"]["event-collector"]


def _apis(document: dict) -> dict:
    """The document but for the clock's offset from this host's time (it moves on)."""
    return {**document, "clock": {**document["clock"], "offset_ms": None}}


def _canonical(document: dict) -> dict:
    """The document with its lists in one order (Redis keeps no order between buckets)."""
    barchart = document["apis"]["barchart"]
    return {
        **document,
        "apis": {
            **document["apis"],
            "barchart": {
                "events": sorted(barchart["events"], key=lambda e: (e["batch"], e["sequence"])),
                "jobs": sorted(barchart["jobs"], key=lambda j: j["job"]),
            },
        },
    }

"""The report jobs' bounds through a live server: 507 past `--max-jobs`, 404 once expired,
in the Barchart error shape and as the spec documents (responses are validated)."""

from __future__ import annotations

import pytest
import requests

from events_mock.app import EventsMock, MockConfig
from events_mock.barchart.jobs import JobSettings
from events_mock.clock import MockClock
from events_mock.testing.live_mock import MockServer
from tests._support import T0, error_code, event

AUTH = ("demo", "demo")
REPORT = {"filter": {"customer": "BARCHART", "product": "PORTFOLIO"}}


@pytest.fixture(scope="module")
def live_config() -> MockConfig:
    settings = JobSettings(base_seconds=3, max_jobs=2, ttl_seconds=60)
    return MockConfig(jobs=settings, validate_responses=True, clock=MockClock.frozen(T0))


@pytest.fixture(scope="module")
def mock(live_mock: MockServer) -> EventsMock:
    return live_mock.mock


def test_jobs_past_the_bound_are_refused_507_until_finished_ones_expire(
    mock: EventsMock, url: str
) -> None:
    requests.post(f"{url}/events", json={"events": [event(T0 - 1)]}).raise_for_status()
    first = requests.post(f"{url}/reports", json=REPORT, auth=AUTH)
    second = requests.post(f"{url}/reports", json=REPORT, auth=AUTH)
    assert (first.status_code, second.status_code) == (200, 200)

    refused = requests.post(f"{url}/reports", json=REPORT, auth=AUTH)
    assert refused.status_code == 507
    assert error_code(refused) == "EVENT_JOBS_FULL"
    assert "at most 2" in refused.json()[0]["value"]["message"]
    assert len(mock.barchart.jobs.all()) == 2

    mock.clock.advance(3 + 60)  # both ended at T0 + 3 s, expired a minute later
    source = first.json()["source"]
    for path in (f"/reports/{source}/availability", f"/reports/{source}"):
        gone = requests.get(f"{url}{path}", auth=AUTH)
        assert (gone.status_code, error_code(gone)) == (404, "EVENT_JOB_GET_FAILED_NO_JOB")
    assert requests.post(f"{url}/reports", json=REPORT, auth=AUTH).status_code == 200

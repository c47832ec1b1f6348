"""`/__mock/state/<api>`: one pair of handlers serves every API's part, over `MockApi.state`.

In process (Connexion's test client), so it costs no server: what is checked is the wiring
(every stateful API has its documented path, each path reaches its API's state) rather than
the answers, which tests/control/test_control_http.py and test_state.py check.
"""

from __future__ import annotations

import pytest

from events_mock.app import EventsMock, MockConfig
from events_mock.clock import MockClock
from events_mock.control.api import STATE_PART, ControlHandlers, state_part_operations
from events_mock.seam import MockApi, load_spec
from tests._support import T0, alert_event


@pytest.fixture(scope="module")
def mock() -> EventsMock:
    return EventsMock(MockConfig(clock=MockClock.frozen(T0), billing_events=20))


def control_api(mock: EventsMock) -> MockApi:
    (api,) = [api for api in mock.apis if api.name == "control"]
    return api


def test_the_spec_has_a_state_part_for_every_api_with_state(mock: EventsMock) -> None:
    paths = load_spec(control_api(mock).spec)["paths"]
    parts = {match["api"] for path in paths if (match := STATE_PART.fullmatch(path))}
    assert parts == {api.name for api in mock.apis if api.state is not None}


def test_every_state_part_operation_is_served_by_the_generic_handlers(mock: EventsMock) -> None:
    api = control_api(mock)
    spec = load_spec(api.spec)
    for path, methods in spec["paths"].items():
        if STATE_PART.fullmatch(path):
            for method in ("get", "put"):
                operation_id = methods[method]["operationId"]
                assert api.resolve(operation_id) is api.operations[operation_id]


def test_each_part_reaches_its_own_api(mock: EventsMock) -> None:
    client = mock.app.test_client()
    mock.control.reset()
    mock.barchart.store.add_batch([alert_event()])
    barchart = client.get("/__mock/state/barchart").json()
    assert [event["type"] for event in barchart["events"]] == ["ALERT-CREATED"]
    assert client.get("/__mock/state/event-collector").json() == {"tenants": {}}
    assert client.get("/__mock/state/billing-care").json() == {
        "generated": {"seed": 4, "events": 20}
    }
    put = client.put("/__mock/state/event-collector", json={"tenants": {"demo": []}})
    assert put.status_code == 204
    assert mock.collector.store.export_state() == {"tenants": {"demo": []}}
    assert len(mock.barchart.store) == 1, "the other APIs' data stays"
    mock.control.reset()


def test_operations_come_from_the_spec_paths_only(mock: EventsMock) -> None:
    spec = {
        "paths": {
            "/state": {"get": {"operationId": "exportState"}},
            "/state/new-api": {
                "get": {"operationId": "exportNewApiState"},
                "put": {"operationId": "importNewApiState"},
            },
            "/jobs/{source}": {"get": {"operationId": "getJob"}},
        }
    }
    handlers = control_api(mock).handlers
    assert isinstance(handlers, ControlHandlers)
    operations = state_part_operations(handlers, spec)
    assert sorted(operations) == ["exportNewApiState", "importNewApiState"]

"""The control API conforms to spec/control.yaml, checked by Schemathesis against a live mock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from events_mock.app import EventsMock, MockConfig
from events_mock.clock import MockClock
from events_mock.contract.strategies import register_schemathesis_formats
from events_mock.framework.live_server import LiveServer

SPEC = Path(__file__).resolve().parents[2] / "spec" / "control.yaml"

register_schemathesis_formats()  # state documents hold Event Collector events
schema = schemathesis.openapi.from_path(SPEC)


@pytest.fixture(scope="module")
def live_url() -> Iterator[str]:
    mock = EventsMock(MockConfig(clock=MockClock.frozen(1_571_029_200_000)))
    with LiveServer(mock.app) as server:
        yield server.url


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_control_api_conforms_to_its_spec(case: schemathesis.Case, live_url: str) -> None:
    case.call_and_validate(base_url=f"{live_url}/__mock")

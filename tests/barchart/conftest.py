from __future__ import annotations

from typing import Any

import pytest

from events_mock.barchart.catalog import Catalog, load_catalog
from events_mock.barchart.jobs import JobSettings, ReportJobs
from events_mock.barchart.store import EventStore
from events_mock.clock import MockClock

T0 = 1_571_073_977_278  # 2019-10-14T17:26:17Z


def event(
    timestamp: int,
    type: str = "PORTFOLIO-APPLICATION-LOADED",
    product: str = "PORTFOLIO",
    context: list[str] | None = None,
    customer: str = "BARCHART",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "customer": customer,
        "product": product,
        "type": type,
        "timestamp": timestamp,
        "context": context if context is not None else ["user-1"],
        **extra,
    }


@pytest.fixture
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def clock() -> MockClock:
    return MockClock.frozen(T0)


@pytest.fixture
def store() -> EventStore:
    return EventStore()


@pytest.fixture
def jobs(store: EventStore, clock: MockClock, catalog: Catalog) -> ReportJobs:
    settings = JobSettings(base_seconds=3, seconds_per_1000_events=1, timeout_events=5)
    return ReportJobs(store, clock, catalog, settings)

from __future__ import annotations

import pytest

from events_mock.barchart.catalog import Catalog, load_catalog
from events_mock.barchart.jobs import JobSettings, ReportJobs
from events_mock.barchart.store import EventStore
from events_mock.clock import MockClock
from tests._support import T0


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

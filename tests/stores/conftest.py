"""Two "workers" over one Redis world: each its own connection and objects, as two server
processes would have, so a test can race them or read on one what the other wrote."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from events_mock.barchart.catalog import Catalog, load_catalog
from events_mock.barchart.jobs import JobSettings, ReportJobs
from events_mock.barchart.store import EventStore
from events_mock.billing.dataset import generate
from events_mock.billing.service import BillingService
from events_mock.collector.store import TenantEventStore
from events_mock.stores import RedisConnection, StoreLocation
from events_mock.stores.redis_clock import RedisClock
from events_mock.stores.redis_world import RedisWorldStore
from tests._support import T0


@dataclass
class Worker:
    connection: RedisConnection
    clock: RedisClock
    events: EventStore
    jobs: ReportJobs
    tenants: TenantEventStore
    billing: BillingService


CATALOG: Catalog = load_catalog()


@pytest.fixture
def make_worker(redis_store: StoreLocation) -> Iterator[Callable[..., Worker]]:
    """`make_worker(**job_settings)`: one more worker over this test's Redis world, its clock
    frozen at `T0` unless Redis has one already; capacity and bytes by keyword too."""
    connections: list[RedisConnection] = []

    def make(
        capacity: int = 1_000_000, max_bytes: int = 1 << 30, rate: float = 0.0, **settings
    ) -> Worker:
        connection = RedisConnection(redis_store)
        connections.append(connection)
        store = RedisWorldStore(connection, "default")
        clock = store.clock(T0, rate)
        assert isinstance(clock, RedisClock)
        events = store.event_store(capacity, max_bytes)
        return Worker(
            connection,
            clock,
            events,
            store.report_jobs(events, clock, CATALOG, JobSettings(**settings)),
            store.tenant_store(capacity, max_bytes),
            store.billing(generate(4, 50)),
        )

    yield make
    for connection in connections:
        connection.close()

"""`RedisWorldStore`: one world's mutable pieces on Redis, under `<prefix>:<world id>:...`.

Every worker process (and host) that builds a world with the same Redis, prefix and world id
gets the same clock, events, jobs, links, tenants' events, Billing Care data set, fault
rules, journal and coverage counts: the classes it makes keep nothing of their own but caches
keyed by a version read from Redis (Billing Care's parsed data set) or derived from the specs
(coverage's), so any worker answers any request. Each class's docstring says its key layout
and what it makes atomic.
"""

from __future__ import annotations

from events_mock.barchart.catalog import Catalog
from events_mock.barchart.jobs import JobSettings, ReportJobs
from events_mock.barchart.store import EventStore
from events_mock.billing.dataset import BillingDataset
from events_mock.billing.service import BillingService
from events_mock.clock import MockClock
from events_mock.collector.store import TenantEventStore
from events_mock.control.faults import FaultRules
from events_mock.control.journal import Journal
from events_mock.coverage.recorder import Recorder
from events_mock.stores.redis_billing import RedisBillingService
from events_mock.stores.redis_client import RedisConnection
from events_mock.stores.redis_clock import RedisClock
from events_mock.stores.redis_collector import RedisTenantEventStore
from events_mock.stores.redis_coverage import RedisCoverageRecorder
from events_mock.stores.redis_events import RedisEventStore
from events_mock.stores.redis_faults import RedisFaultRules
from events_mock.stores.redis_jobs import RedisReportJobs
from events_mock.stores.redis_journal import RedisJournal

__all__ = ["RedisWorldStore"]


class RedisWorldStore:
    """A `WorldStore` (stores/backend.py) on one Redis connection."""

    def __init__(self, connection: RedisConnection, world_id: str) -> None:
        self.connection = connection
        self.world_id = world_id

    def clock(self, start_ms: int | None, rate: float) -> MockClock:
        """The world's clock as Redis has it; `start_ms` and `rate` only make a missing one."""
        return RedisClock(self.connection, self.world_id, start_ms, rate)

    def event_store(self, capacity: int, max_bytes: int) -> EventStore:
        return RedisEventStore(self.connection, self.world_id, capacity, max_bytes)

    def report_jobs(
        self, store: EventStore, clock: MockClock, catalog: Catalog, settings: JobSettings
    ) -> ReportJobs:
        if not isinstance(clock, RedisClock):
            raise TypeError("a world on Redis needs its clock on Redis: use this store's clock")
        return RedisReportJobs(self.connection, self.world_id, store, clock, catalog, settings)

    def tenant_store(self, capacity: int, max_bytes: int) -> TenantEventStore:
        return RedisTenantEventStore(
            self.connection, self.world_id, capacity=capacity, max_bytes=max_bytes
        )

    def billing(self, initial: BillingDataset) -> BillingService:
        return RedisBillingService(self.connection, self.world_id, initial)

    def fault_rules(self, seed: int, max_rules: int) -> FaultRules:
        return RedisFaultRules(self.connection, self.world_id, seed=seed, max_rules=max_rules)

    def journal(self, capacity: int, body_limit: int, max_bytes: int) -> Journal:
        return RedisJournal(
            self.connection, self.world_id, capacity, body_limit, max_bytes=max_bytes
        )

    def coverage(self) -> Recorder:
        return RedisCoverageRecorder(self.connection, self.world_id)

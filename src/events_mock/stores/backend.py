"""The store seam: what makes the mutable pieces of one world.

A `World` (world.py) asks its `WorldStore` for its clock, Barchart event store and report
jobs, Event Collector store, Billing Care service, fault rules, journal and coverage
recorder, and nothing else:
the in-memory store makes today's classes, the Redis store (`stores/redis_*.py`) makes
classes with the same public methods whose state lives on Redis under
`<prefix>:<world id>:...`, so every worker process and host sharing one Redis sees one world.
The default world's id is `default`; a sandbox's is its id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from events_mock.barchart.catalog import Catalog
from events_mock.barchart.jobs import JobSettings, ReportJobs
from events_mock.barchart.store import EventStore
from events_mock.billing.dataset import BillingDataset
from events_mock.billing.service import BillingService
from events_mock.clock import MockClock
from events_mock.collector.store import TenantEventStore
from events_mock.control.faults import FaultRules
from events_mock.control.journal import Journal
from events_mock.coverage.recorder import CoverageRecorder, Recorder

__all__ = ["DEFAULT_WORLD", "MemoryWorldStore", "WorldStore"]

DEFAULT_WORLD = "default"
"""The default world's id in store keys (sandbox ids never equal it: they are 16 characters)."""


class WorldStore(Protocol):
    """Makes one world's mutable pieces; `world_id` namespaces them in a shared store."""

    world_id: str

    def clock(self, start_ms: int | None, rate: float) -> MockClock: ...

    def event_store(self, capacity: int, max_bytes: int) -> EventStore: ...

    def report_jobs(
        self, store: EventStore, clock: MockClock, catalog: Catalog, settings: JobSettings
    ) -> ReportJobs: ...

    def tenant_store(self, capacity: int, max_bytes: int) -> TenantEventStore: ...

    def billing(self, initial: BillingDataset) -> BillingService:
        """Billing Care over `initial` (the start-up data set), until a state import."""
        ...

    def fault_rules(self, seed: int, max_rules: int) -> FaultRules: ...

    def journal(self, capacity: int, body_limit: int, max_bytes: int) -> Journal: ...

    def coverage(self) -> Recorder:
        """Which documented answers the world gave (`GET /__mock/coverage`): not state."""
        ...


class MemoryWorldStore:
    """Today's classes, in this process: the default, needing nothing else."""

    def __init__(
        self,
        world_id: str = DEFAULT_WORLD,
        *,
        event_store: Callable[[int, int], EventStore] | None = None,
        tenant_store: Callable[[int, int], TenantEventStore] | None = None,
    ) -> None:
        """`event_store`/`tenant_store` replace the plain stores (a sandbox's count against
        the sandboxes' common budget)."""
        self.world_id = world_id
        self._event_store = event_store
        self._tenant_store = tenant_store

    def clock(self, start_ms: int | None, rate: float) -> MockClock:
        return MockClock(start_ms=start_ms, rate=rate)

    def event_store(self, capacity: int, max_bytes: int) -> EventStore:
        if self._event_store is not None:
            return self._event_store(capacity, max_bytes)
        return EventStore(capacity=capacity, max_bytes=max_bytes)

    def report_jobs(
        self, store: EventStore, clock: MockClock, catalog: Catalog, settings: JobSettings
    ) -> ReportJobs:
        return ReportJobs(store, clock, catalog, settings)

    def tenant_store(self, capacity: int, max_bytes: int) -> TenantEventStore:
        if self._tenant_store is not None:
            return self._tenant_store(capacity, max_bytes)
        return TenantEventStore(capacity=capacity, max_bytes=max_bytes)

    def billing(self, initial: BillingDataset) -> BillingService:
        return BillingService(initial)

    def fault_rules(self, seed: int, max_rules: int) -> FaultRules:
        return FaultRules(seed=seed, max_rules=max_rules)

    def journal(self, capacity: int, body_limit: int, max_bytes: int) -> Journal:
        return Journal(capacity, body_limit, max_bytes=max_bytes)

    def coverage(self) -> Recorder:
        return CoverageRecorder()

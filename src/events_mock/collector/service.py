"""Everything the Event Collector mock holds, as one object the handlers and the state share.

Plain Python, no HTTP. The tenants' bearer tokens are not part of it: they are credentials,
checked before a handler runs (`wiring.create_api`); the service only sees tenant names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from events_mock.collector.store import Event, TenantEventStore
from events_mock.writes import WriteHook, ignore_write

__all__ = ["CollectorService"]


@dataclass
class CollectorService:
    """The events of every tenant, each tenant's apart from the others'."""

    store: TenantEventStore = field(default_factory=TenantEventStore)
    on_write: WriteHook = field(default=ignore_write, repr=False)
    """Told of every acknowledged write: `collector.event` with `(tenant, stored event)`."""

    def create(self, tenant: str, event: Mapping[str, Any]) -> Event:
        """`TenantEventStore.create` (raising like it), the write reported to `on_write`."""
        stored = self.store.create(tenant, event)
        self.on_write("collector.event", (tenant, stored))
        return stored

"""Everything the Event Collector mock holds, as one object the handlers and the state share.

Plain Python, no HTTP. The tenants' bearer tokens are not part of it: they are credentials,
checked before a handler runs (`wiring.create_api`); the service only sees tenant names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from events_mock.collector.store import TenantEventStore

__all__ = ["CollectorService"]


@dataclass
class CollectorService:
    """The events of every tenant, each tenant's apart from the others'."""

    store: TenantEventStore = field(default_factory=TenantEventStore)

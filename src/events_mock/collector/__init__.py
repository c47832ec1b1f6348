"""Event Collector API: tenant-isolated FAULT and entity event collection.

Domain modules, plain Python testable without HTTP: `payloads` (what an event may carry),
`store` (`TenantEventStore`, every tenant's events apart), `tenants` (who holds which token),
and `service`, the `CollectorService` holding the store. `state` is the control plane's
export/import over the service; `errors` the API's error shape; `handlers` the thin HTTP layer
over the service; `wiring.create_api` the `MockApi` the server mounts.
"""

from events_mock.collector.handlers import EventCollectorHandlers
from events_mock.collector.payloads import InvalidEvent
from events_mock.collector.security import Access, TenantTokens
from events_mock.collector.service import CollectorService
from events_mock.collector.store import InvalidState, TenantEventStore
from events_mock.collector.wiring import create_api

__all__ = [
    "Access",
    "CollectorService",
    "EventCollectorHandlers",
    "InvalidEvent",
    "InvalidState",
    "TenantEventStore",
    "TenantTokens",
    "create_api",
]

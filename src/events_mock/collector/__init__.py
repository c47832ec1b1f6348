"""Event Collector API (seed 003): tenant-isolated FAULT and entity event collection."""

from events_mock.collector.api import create_api
from events_mock.collector.handlers import EventCollectorHandlers
from events_mock.collector.payloads import InvalidEvent
from events_mock.collector.security import Access, TenantTokens
from events_mock.collector.store import EventStore, InvalidState

__all__ = [
    "Access",
    "EventCollectorHandlers",
    "EventStore",
    "InvalidEvent",
    "InvalidState",
    "TenantTokens",
    "create_api",
]

"""The Event Collector as a `MockApi`: what `events_mock.app` needs to serve it."""

from __future__ import annotations

from collections.abc import Mapping

from events_mock.apis import MockApi, spec_path
from events_mock.collector.errors import render_error
from events_mock.collector.handlers import EventCollectorHandlers
from events_mock.collector.security import TenantTokens, bearer_handler_class
from events_mock.collector.state import CollectorState
from events_mock.collector.store import EventStore

SPEC_FILE = "event-collector.yaml"


def create_api(store: EventStore, tenants: Mapping[str, str]) -> MockApi:
    """Serve `store` to the configured tenants (`{tenant name: bearer token}`).

    The tenants are copied: changing the mapping afterwards does not change who may call.
    """
    handlers = EventCollectorHandlers(store, TenantTokens(tenants))
    return MockApi(
        name="event-collector",
        spec=spec_path(SPEC_FILE),
        handlers=handlers,
        render_error=render_error,
        path_prefixes=("/api/v1/",),
        security_map={"bearer": bearer_handler_class(handlers.tenants)},
        state=CollectorState(store),
        tenant_of=lambda headers: headers.get("x-twc-tenant"),
    )

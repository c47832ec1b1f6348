"""The Event Collector as a `MockApi`: what `events_mock.app` needs to serve it."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from events_mock.collector.errors import render_error
from events_mock.collector.handlers import EventCollectorHandlers
from events_mock.collector.security import TenantTokens, bearer_handler_class
from events_mock.collector.service import CollectorService
from events_mock.collector.state import CollectorState
from events_mock.seam import MockApi, spec_path

__all__ = ["NAME", "SPEC_FILE", "create_api"]

NAME = "event-collector"
SPEC_FILE = "event-collector.yaml"


def create_api(
    service: CollectorService | Callable[[], CollectorService],
    tenants: Mapping[str, str] | Callable[[], TenantTokens],
) -> MockApi:
    """Serve `service` to the configured tenants (`{tenant name: bearer token}`), each given or
    found per request (the current world's, `events_mock.world`).

    The tenants are copied: changing the mapping afterwards does not change who may call.
    """
    tokens = TenantTokens(tenants) if isinstance(tenants, Mapping) else tenants
    return MockApi(
        name=NAME,
        spec=spec_path(SPEC_FILE),
        handlers=EventCollectorHandlers(service),
        render_error=render_error,
        path_prefixes=("/api/v1/",),
        security_map={"bearer": bearer_handler_class(tokens)},
        state=CollectorState(service),
        tenant_of=lambda headers: headers.get("x-twc-tenant"),
    )

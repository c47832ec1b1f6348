"""HTTP operations of the Event Collector: thin translations between Connexion and the service.

Connexion passes path parameters by name (`eventId`) and the JSON body as `body`; it does not
pass header parameters. The tenant is taken from `token_info`, which Connexion passes from
the security check's result, rather than from the raw `X-TWC-Tenant` header: isolation keys
off the authenticated identity (the check has already refused a token for another tenant).
Without security wired in, Connexion passes no `token_info` and the call fails closed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from connexion import request as current_request

from events_mock.collector.errors import error_body
from events_mock.collector.payloads import InvalidEvent
from events_mock.collector.service import CollectorService
from events_mock.limits import StoreFull
from events_mock.seam import getter

__all__ = ["EVENTS_PATH", "EventCollectorHandlers"]

EVENTS_PATH = "/api/v1/events"

Response = tuple[dict[str, Any], int, dict[str, str]]


class EventCollectorHandlers:
    """The collector's operations by operationId, over a `CollectorService`."""

    def __init__(self, service: CollectorService | Callable[[], CollectorService]) -> None:
        self._service_of = getter(service)

    @property
    def service(self) -> CollectorService:
        """The current world's (`events_mock.world`): one handler object serves them all."""
        return self._service_of()

    async def create_event(self, body: dict[str, Any], token_info: Mapping[str, Any]) -> Response:
        try:
            stored = self.service.create(_tenant(token_info), body)
        except InvalidEvent as err:
            return error_body(400, str(err)), 400, {}
        except StoreFull as full:
            return error_body(507, f"Nothing was stored: {full}."), 507, {}
        return stored, 201, {"Location": f"{_root_path()}{EVENTS_PATH}/{stored['id']}"}

    async def get_event(self, eventId: str, token_info: Mapping[str, Any]) -> Response:
        stored = self.service.store.get(_tenant(token_info), eventId)
        if stored is None:
            return error_body(404, "Event not found"), 404, {}
        return stored, 200, {}


def _root_path() -> str:
    """A sandbox's path prefix (`events_mock.sandboxes.router`), so `Location` stays in it."""
    scope = current_request.scope
    root: str = scope.get("app_root_path", scope.get("root_path", ""))
    return root


def _tenant(token_info: Mapping[str, Any]) -> str:
    tenant = token_info.get("tenant")
    if not isinstance(tenant, str) or not tenant:
        # Unreachable through the spec: request validation requires the header first.
        raise RuntimeError("no authenticated tenant for this request")
    return tenant

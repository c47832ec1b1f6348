"""Event Collectors that each break exactly one rule of the collector's contract."""

from __future__ import annotations

import base64
import copy
import json
import uuid
from typing import Any

from events_mock.app import EventsMock
from events_mock.collector import InvalidEvent
from tests.contract.breaking import ASGIApp, BrokenServer, Exchange, Rewrite, edit_json

EVENTS = "/api/v1/events"
CREATE = "POST /api/v1/events"
READ = "GET /api/v1/events/{eventId}"


def collector_request(exchange: Exchange) -> bool:
    return exchange.path.startswith(EVENTS)


def created(exchange: Exchange) -> bool:
    return exchange.method == "POST" and exchange.path == EVENTS


def read(exchange: Exchange) -> bool:
    return exchange.method == "GET" and exchange.path.startswith(EVENTS + "/")


def _other_tenant_readable(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Looks an id up in every tenant's events, not only the caller's."""
    store = mock.collector.store
    get = store.get

    def any_tenant(tenant: str, event_id: str) -> dict[str, Any] | None:
        for owner in [tenant, *store._tenants]:
            found = get(owner, event_id)
            if found is not None:
                return found
        return None

    store.get = any_tenant  # type: ignore[method-assign]
    return app


def _payload_reencoded(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Decodes the base64 JSON and encodes it again: the same JSON, other bytes."""

    def reencode(value: str) -> str:
        document = json.loads(base64.b64decode(value))
        return base64.b64encode(json.dumps(document).encode()).decode()

    def edit(event: dict[str, Any]) -> dict[str, Any]:
        payload = event.get("event_payload") or {}
        for name in ("base64_encoded_payload_json", "base64_encoded_fault_json"):
            if name in payload:
                payload[name] = reencode(payload[name])
        return event

    def rewrite(exchange: Exchange) -> None:
        if exchange.status in (200, 201):
            exchange.set_json(edit(exchange.json()))

    return Rewrite(app, collector_request, rewrite)


def _location_missing(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        exchange.response_headers.pop("location", None)

    return Rewrite(app, created, rewrite)


def _created_200(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 201:
            exchange.status = 200

    return Rewrite(app, created, rewrite)


def _bad_base64_accepted(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Stores a payload whatever it holds: no base64 or JSON check."""
    store = mock.collector.store
    create = store.create

    def lenient(tenant: str, event: Any) -> dict[str, Any]:
        try:
            return create(tenant, event)
        except InvalidEvent:
            stored = {**copy.deepcopy(event), "id": str(uuid.uuid4())}
            store._tenants.setdefault(tenant, {})[stored["id"]] = stored
            return copy.deepcopy(stored)

    store.create = lenient  # type: ignore[method-assign]
    return app


def _forbidden_as_not_found(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A valid token for another tenant gets 404, as if the event did not exist."""

    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 403:
            exchange.status = 404
            exchange.set_json({"code": 404, "message": "Event not found"})

    return Rewrite(app, collector_request, rewrite)


def _unknown_token_forbidden(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Missing or unknown tokens get 403, not 401."""

    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 401:
            exchange.status = 403
            exchange.response_headers.pop("www-authenticate", None)
            exchange.set_json({"code": 403, "message": "Forbidden"})

    return Rewrite(app, collector_request, rewrite)


def _read_back_without_entity_name(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(event: dict[str, Any]) -> dict[str, Any]:
        event.pop("entity_name", None)
        return event

    return Rewrite(app, read, edit_json(edit))


def _event_type_rewritten(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Every event comes back a FAULT, whatever it was sent as (schema-valid)."""

    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 201:
            exchange.set_json({**exchange.json(), "event_type": "FAULT"})

    return Rewrite(app, created, rewrite)


def _server(
    name: str, operation: str, rule: str, evidence: str, breaks: Any, *, select: str
) -> BrokenServer:
    return BrokenServer(
        name, operation, rule, evidence, breaks, api="event-collector", select=select
    )


COLLECTOR_SERVERS = [
    _server(
        "collector-other-tenant-readable",
        READ,
        "a tenant can read another tenant's event",
        "[tenant_isolated]",
        _other_tenant_readable,
        select="test_tenants_cannot_read_each_others_events",
    ),
    _server(
        "collector-payload-reencoded",
        f"{CREATE}, {READ}",
        "base64 payloads come back re-encoded (same JSON, other bytes)",
        "[payload_round_trip]",
        _payload_reencoded,
        select="test_payloads_round_trip_byte_for_byte",
    ),
    _server(
        "collector-location-missing",
        CREATE,
        "the 201 has no Location header",
        "[location_names_event] the created event's answer has no Location header",
        _location_missing,
        select="test_location_and_id_read_back_the_created_event",
    ),
    _server(
        "collector-created-200",
        CREATE,
        "answers 200, not 201 Created",
        "expected 201, got 200",
        _created_200,
        select="test_created_events_come_back_exactly",
    ),
    _server(
        "collector-bad-base64-accepted",
        CREATE,
        "payloads that are not base64 of JSON are stored",
        "[refused_naming_field]",
        _bad_base64_accepted,
        select="test_invalid_payloads_refused_naming_the_field",
    ),
    _server(
        "collector-forbidden-as-404",
        "every operation",
        "another tenant's valid token gets 404, not 403",
        "[tenant_forbidden]",
        _forbidden_as_not_found,
        select="test_bad_credentials_rejected",
    ),
    _server(
        "collector-unknown-token-403",
        "every operation",
        "a missing or unknown token gets 403, not 401",
        "[credentials_rejected]",
        _unknown_token_forbidden,
        select="test_bad_credentials_rejected",
    ),
    _server(
        "collector-read-back-differs",
        READ,
        "the event read back lacks its entity_name",
        "[read_back_equals_created]",
        _read_back_without_entity_name,
        select="test_location_and_id_read_back_the_created_event",
    ),
    _server(
        "collector-event-type-rewritten",
        CREATE,
        "every event comes back as a FAULT (schema-valid)",
        "[event_echoed] the event came back changed: event_type",
        _event_type_rewritten,
        select="test_created_events_come_back_exactly",
    ),
]

"""Event Collectors that each break exactly one rule of the collector's contract."""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import itertools
import json
import uuid
from collections.abc import Callable
from typing import Any

from events_mock.app import EventsMock
from events_mock.collector import InvalidEvent
from tests.contract.breaking import (
    ASGIApp,
    BrokenServer,
    Exchange,
    Rewrite,
    _read_body,
    _replay,
    edit_json,
)

TENANT = "x-twc-tenant"

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


def _foreign_id_told_apart(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Another tenant's event is 404, but with a message an unknown id does not get."""
    store = mock.collector.store

    def rewrite(exchange: Exchange) -> None:
        event_id = exchange.path.rsplit("/", 1)[-1]
        tenant = exchange.headers.get(TENANT, "")
        owners = [t for t, events in store._tenants.items() if event_id in events]
        if exchange.status == 404 and owners and tenant not in owners:
            exchange.set_json({"code": 404, "message": "Event belongs to another tenant"})

    return Rewrite(app, read, rewrite)


def _delete_answered(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """DELETE on an event answers 204 "Deleted", as the vendor's status list has it."""

    def before(exchange: Exchange) -> bool:
        exchange.status, exchange.body = 204, b""
        return True

    return Rewrite(app, lambda e: e.method == "DELETE" and collector_request(e), before=before)


def _untyped_body_as_json(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A body without `Content-Type` is guessed to be JSON."""

    def before(exchange: Exchange) -> bool:
        exchange.headers.setdefault("content-type", "application/json")
        return False

    return Rewrite(app, created, before=before)


def body_rewritten(app: ASGIApp, edit: Callable[[Any], Any]) -> ASGIApp:
    """Create requests whose JSON body `edit` changes before the mock reads it (a body that is
    not JSON goes through as sent)."""

    async def rewritten(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"]) != ("POST", EVENTS):
            await app(scope, receive, send)
            return
        body = await _read_body(receive)
        with contextlib.suppress(ValueError):
            body = json.dumps(edit(json.loads(body))).encode()
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await app({**scope, "headers": headers}, _replay(body), send)

    return rewritten


def _repeated_keys_accepted(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Reads the body with a lenient parser: a repeated key's last value wins."""
    return body_rewritten(app, lambda event: event)


def _invalid_events_fixed_up(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """An event missing a required field or outside an enumeration is "fixed up" and stored."""
    sources = ("APPLICATION", "CUSTOMER", "INVENTORY_LEVEL", "INVENTORY_LOCATION", "ORDER",
               "PRICE", "PRODUCT", "VARIANT_PRODUCT", "WISHLIST")  # fmt: skip

    def edit(event: Any) -> Any:
        if not isinstance(event, dict):
            return event
        if event.get("event_source") not in sources:
            event["event_source"] = "APPLICATION"
        if event.get("event_type") not in ("FAULT", "ENTITY_EVENT"):
            event["event_type"] = "FAULT"
        if not isinstance(event.get("event_payload"), dict):
            event["event_payload"] = {}
        return event

    return body_rewritten(app, edit)


def _base64_json_lenient(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Checks that the base64 text decodes to JSON with `json.loads`, which takes NaN, 1e400,
    repeated keys and lone surrogates."""
    store = mock.collector.store
    create = store.create

    def lenient(tenant: str, event: Any) -> dict[str, Any]:
        try:
            return create(tenant, event)
        except InvalidEvent as error:
            payload = event.get("event_payload") or {}
            name = error.field.rsplit(".", 1)[-1]
            try:
                json.loads(base64.b64decode(payload[name], validate=True))
            except (KeyError, ValueError, RecursionError):
                raise error from None
            stored = {**copy.deepcopy(event), "id": str(uuid.uuid4())}
            store._tenants.setdefault(tenant, {})[stored["id"]] = stored
            return copy.deepcopy(stored)

    store.create = lenient  # type: ignore[method-assign]
    return app


def _error_code_400(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Every error body says `code: 400`, whatever the status."""

    def rewrite(exchange: Exchange) -> None:
        if exchange.status >= 400 and exchange.body:
            exchange.set_json({**exchange.json(), "code": 400})

    return Rewrite(app, collector_request, rewrite)


def _not_found_as_text(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A 404 is plain text, not the documented JSON error."""

    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 404:
            exchange.response_headers["content-type"] = "text/plain; charset=utf-8"
            exchange.body = b"Event not found"

    return Rewrite(app, read, rewrite)


def _counter_ids(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Ids from a counter, not UUID4s."""
    counter = itertools.count(1)
    mock.collector.store._new_id = lambda: f"evt-{next(counter):08d}"
    return app


def _alike_events_share_an_id(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Ids are a hash of the event (UUID4-shaped): the same event sent twice is stored once."""
    store = mock.collector.store
    create = store.create

    def content_addressed(tenant: str, event: Any) -> dict[str, Any]:
        digest = hashlib.sha256(json.dumps(event, sort_keys=True).encode()).digest()
        store._new_id = lambda: str(uuid.UUID(bytes=digest[:16], version=4))
        existing = store.get(tenant, store._new_id())
        return existing if existing is not None else create(tenant, event)

    store.create = content_addressed  # type: ignore[method-assign]
    return app


def _empty_entity_name_dropped(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """An empty `entity_name` is taken for none and left out of the answer."""

    def rewrite(exchange: Exchange) -> None:
        if exchange.status in (200, 201) and exchange.json().get("entity_name") == "":
            exchange.set_json({k: v for k, v in exchange.json().items() if k != "entity_name"})

    return Rewrite(app, collector_request, rewrite)


def _unknown_fields_dropped(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Fields the schema does not know (and a client's `id`) are silently dropped."""
    known = {"entity_id", "entity_name", "event_payload", "event_source", "event_type"}
    payload_known = {
        "base64_encoded_payload_json", "base64_encoded_fault_json", "key_attributes",
        "operation", "entity_id",
    }  # fmt: skip

    def edit(event: Any) -> Any:
        if isinstance(event, dict):
            event = {k: v for k, v in event.items() if k in known}
            if isinstance(event.get("event_payload"), dict):
                payload = event["event_payload"]
                event["event_payload"] = {k: v for k, v in payload.items() if k in payload_known}
        return event

    return body_rewritten(app, edit)


def _reads_first_event(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Any id the tenant has reads back as the tenant's first event."""
    store = mock.collector.store
    get = store.get

    def first(tenant: str, event_id: str) -> dict[str, Any] | None:
        if get(tenant, event_id) is None:
            return None
        return copy.deepcopy(next(iter(store._tenants[tenant].values())))

    store.get = first  # type: ignore[method-assign]
    return app


def _malformed_id_400(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """An id that is no UUID is refused 400 as malformed."""

    def before(exchange: Exchange) -> bool:
        try:
            uuid.UUID(exchange.path.rsplit("/", 1)[-1])
        except ValueError:
            exchange.status = 400
            exchange.set_json({"code": 400, "message": "eventId: not a UUID"})
            return True
        return False

    return Rewrite(app, read, before=before)


def _challenge_basic(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 401:
            exchange.response_headers["www-authenticate"] = 'Basic realm="events"'

    return Rewrite(app, collector_request, rewrite)


def _tenant_header_optional(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Without `X-TWC-Tenant` the request acts for the token's own tenant."""
    tokens = {f"Bearer {token}": tenant for tenant, token in mock.config.tenants.items()}

    def before(exchange: Exchange) -> bool:
        tenant = tokens.get(exchange.headers.get("authorization", ""))
        if TENANT not in exchange.headers and tenant is not None:
            exchange.headers[TENANT] = tenant
        return False

    return Rewrite(app, collector_request, before=before)


def _tenant_header_checked_first(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A request without `X-TWC-Tenant` is 400 before its token is looked at."""

    def before(exchange: Exchange) -> bool:
        if TENANT not in exchange.headers:
            exchange.status = 400
            exchange.set_json({"code": 400, "message": "missing X-TWC-Tenant header"})
            return True
        return False

    return Rewrite(app, collector_request, before=before)


def _last_tenant_header_wins(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Of several `X-TWC-Tenant` headers the last one is read (the toolkit keeps one per name)."""
    return Rewrite(app, collector_request, before=lambda exchange: False)


def _some_sources_refused(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Follows an older list: VARIANT_PRODUCT and INVENTORY_LOCATION are refused."""

    def before(exchange: Exchange) -> bool:
        try:
            source = json.loads(exchange.request_body).get("event_source")
        except (ValueError, AttributeError):
            return False
        if source in ("VARIANT_PRODUCT", "INVENTORY_LOCATION"):
            exchange.status = 400
            exchange.set_json({"code": 400, "message": f"event_source: {source} is not known"})
            return True
        return False

    return Rewrite(app, created, before=before)


def _base64_error_unnamed(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A bad base64 field is 400, but the message does not say which field."""

    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 400 and "base64_encoded" in exchange.body.decode("utf-8", "replace"):
            exchange.set_json({"code": 400, "message": "the payload is invalid"})

    return Rewrite(app, created, rewrite)


def _key_attributes_closed(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Only the three key attributes the page names are taken."""
    named = {"correlationId", "referenceId", "timestamp"}

    def before(exchange: Exchange) -> bool:
        try:
            keys = json.loads(exchange.request_body)["event_payload"]["key_attributes"]
        except (ValueError, KeyError, TypeError):
            return False
        extra = sorted(set(keys) - named) if isinstance(keys, dict) else []
        if extra:
            exchange.status = 400
            exchange.set_json({"code": 400, "message": f"key_attributes: unknown {extra[0]!r}"})
            return True
        return False

    return Rewrite(app, created, before=before)


def _operation_required(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """`event_payload.operation` is required."""

    def before(exchange: Exchange) -> bool:
        try:
            payload = json.loads(exchange.request_body)["event_payload"]
        except (ValueError, KeyError, TypeError):
            return False
        if isinstance(payload, dict) and "operation" not in payload:
            exchange.status = 400
            exchange.set_json({"code": 400, "message": "event_payload.operation is required"})
            return True
        return False

    return Rewrite(app, created, before=before)


def _defaults_added(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """An event sent without `entity_name` comes back with an empty one."""

    def rewrite(exchange: Exchange) -> None:
        if exchange.status in (200, 201):
            exchange.set_json({"entity_name": "", **exchange.json()})

    return Rewrite(app, collector_request, rewrite)


def _server(
    name: str,
    operation: str,
    rule: str,
    evidence: str,
    breaks: Any,
    *,
    select: str,
    rule_id: str,
) -> BrokenServer:
    return BrokenServer(
        name,
        operation,
        rule,
        evidence,
        breaks,
        api="event-collector",
        select=select,
        rule_id=f"event-collector.{rule_id}",
    )


COLLECTOR_SERVERS = [
    _server(
        "collector-other-tenant-readable",
        READ,
        "a tenant can read another tenant's event",
        "[tenant_isolated]",
        _other_tenant_readable,
        select="test_tenants_cannot_read_each_others_events",
        rule_id="tenancy.isolated",
    ),
    _server(
        "collector-payload-reencoded",
        f"{CREATE}, {READ}",
        "base64 payloads come back re-encoded (same JSON, other bytes)",
        "[payload_round_trip]",
        _payload_reencoded,
        select="test_payloads_round_trip_byte_for_byte",
        rule_id="create.base64-byte-for-byte",
    ),
    _server(
        "collector-location-missing",
        CREATE,
        "the 201 has no Location header",
        "[location_names_event] the created event's answer has no Location header",
        _location_missing,
        select="test_location_and_id_read_back_the_created_event",
        rule_id="create.location",
    ),
    _server(
        "collector-created-200",
        CREATE,
        "answers 200, not 201 Created",
        "[answered_with] creating a fault report: expected 201, got 200",
        _created_200,
        select="test_created_events_come_back_exactly",
        rule_id="status.create-201",
    ),
    _server(
        "collector-bad-base64-accepted",
        CREATE,
        "payloads that are not base64 of JSON are stored",
        "[refused_naming_field]",
        _bad_base64_accepted,
        select="test_invalid_payloads_refused_naming_the_field",
        rule_id="schema.base64-strict",
    ),
    _server(
        "collector-forbidden-as-404",
        "every operation",
        "another tenant's valid token gets 404, not 403",
        "[tenant_forbidden]",
        _forbidden_as_not_found,
        select="test_bad_credentials_rejected",
        rule_id="auth.foreign-tenant-403",
    ),
    _server(
        "collector-unknown-token-403",
        "every operation",
        "a missing or unknown token gets 403, not 401",
        "[credentials_rejected]",
        _unknown_token_forbidden,
        select="test_bad_credentials_rejected",
        rule_id="auth.bad-token-401",
    ),
    _server(
        "collector-read-back-differs",
        READ,
        "the event read back lacks its entity_name",
        "[read_back_equals_created]",
        _read_back_without_entity_name,
        select="test_location_and_id_read_back_the_created_event",
        rule_id="read.equals-created",
    ),
    _server(
        "collector-event-type-rewritten",
        CREATE,
        "every event comes back as a FAULT (schema-valid)",
        "[event_echoed] the event came back changed: event_type",
        _event_type_rewritten,
        select="test_created_events_come_back_exactly",
        rule_id="schema.event-type-echoed",
    ),
    _server(
        "collector-foreign-id-told-apart",
        READ,
        "another tenant's event is 404 with a message an unknown id does not get",
        "[tenant_isolated]",
        _foreign_id_told_apart,
        select="test_tenants_cannot_read_each_others_events",
        rule_id="tenancy.foreign-id-indistinguishable",
    ),
    _server(
        "collector-delete-answered",
        "DELETE /api/v1/events/{eventId}",
        "DELETE, which no path lists, answers 204 instead of 405",
        "FAIL unsupported_method",
        _delete_answered,
        select="test_conformance and GET",
        rule_id="status.method-not-allowed-405",
    ),
    _server(
        "collector-untyped-body-as-json",
        CREATE,
        "a body without Content-Type is read as JSON (stored, 201)",
        "[media_type_refused] an event sent without Content-Type answered 201",
        _untyped_body_as_json,
        select="test_bodies_that_are_not_json_refused",
        rule_id="status.not-json-415",
    ),
    _server(
        "collector-repeated-keys-accepted",
        CREATE,
        "a body with a repeated key is stored (the last value wins)",
        "[strict_json_refused] an event body with a key repeated in one object answered 201",
        _repeated_keys_accepted,
        select="test_json_a_reader_could_not_handle_refused",
        rule_id="json.strict-body",
    ),
    _server(
        "collector-base64-json-lenient",
        CREATE,
        "base64 of NaN, 1e400, repeated keys or a lone surrogate is stored (json.loads)",
        "[refused_naming_field] event_payload.base64_encoded_payload_json holding base64 of "
        "NaN, which is not JSON: expected 400, got 201",
        _base64_json_lenient,
        select="test_invalid_payloads_refused_naming_the_field",
        rule_id="json.strict-base64",
    ),
    _server(
        "collector-error-code-400",
        "every operation",
        "every error body says code 400, whatever its status",
        "[error_code_is_status] the 404 answer says code 400",
        _error_code_400,
        select="test_unknown_id_is_404",
        rule_id="errors.code-is-status",
    ),
    _server(
        "collector-404-as-text",
        READ,
        "a 404 is text/plain, not the JSON error",
        "FAIL content_type_conformance",
        _not_found_as_text,
        select="test_unknown_id_is_404",
        rule_id="errors.json",
    ),
    _server(
        "collector-counter-ids",
        CREATE,
        "ids come from a counter, not UUID4s",
        "[id_is_uuid4] the assigned id 'evt-00000001' is not a UUID",
        _counter_ids,
        select="test_created_events_come_back_exactly",
        rule_id="create.id-uuid4",
    ),
    _server(
        "collector-alike-events-share-an-id",
        CREATE,
        "the same event sent twice is stored once (ids hash the event)",
        "[ids_unique] two created events share an id",
        _alike_events_share_an_id,
        select="test_every_event_gets_its_own_id",
        rule_id="create.id-unique",
    ),
    _server(
        "collector-empty-entity-name-dropped",
        f"{CREATE}, {READ}",
        "an empty entity_name is left out of the answer",
        "[event_echoed] the event came back changed: entity_name dropped",
        _empty_entity_name_dropped,
        select="test_created_events_come_back_exactly",
        rule_id="create.echo-exact",
    ),
    _server(
        "collector-invalid-events-stored",
        CREATE,
        "fields the schema does not know, and a client's id, are dropped and the event stored",
        "[unknown_field_refused] an event with the unknown field 'entity_nmae' answered 201",
        _unknown_fields_dropped,
        select="test_unknown_fields_refused_naming_them",
        rule_id="schema.unknown-fields-400",
    ),
    _server(
        "collector-reads-first-event",
        READ,
        "any id of the tenant reads back as its first event",
        "[event_is_the_one_asked]",
        _reads_first_event,
        select="test_payloads_round_trip_byte_for_byte",
        rule_id="read.the-event-asked",
    ),
    _server(
        "collector-malformed-id-400",
        READ,
        "an id that is no UUID is 400, not 404",
        "[answered_with] an event id of another form ('not-a-uuid-",
        _malformed_id_400,
        select="test_unknown_id_of_any_form_is_404",
        rule_id="read.unknown-id-404",
    ),
    _server(
        "collector-challenge-basic",
        "every operation",
        "a 401 challenges with Basic, not Bearer",
        "[bearer_challenge] the 401 challenges with Basic",
        _challenge_basic,
        select="test_bad_credentials_rejected",
        rule_id="auth.bearer-challenge",
    ),
    _server(
        "collector-tenant-header-optional",
        "every operation",
        "without X-TWC-Tenant a request acts for its token's tenant",
        "[answered_with] a valid token without the X-TWC-Tenant header: expected 400",
        _tenant_header_optional,
        select="test_tenant_header_is_required",
        rule_id="tenancy.header-required",
    ),
    _server(
        "collector-tenant-header-checked-first",
        "every operation",
        "a missing X-TWC-Tenant is 400 before the token is checked",
        "[credentials_rejected] GET /api/v1/events/",
        _tenant_header_checked_first,
        select="test_tenant_header_is_required",
        rule_id="tenancy.authentication-first",
    ),
    _server(
        "collector-last-tenant-header-wins",
        "every operation",
        "of two X-TWC-Tenant headers the last is read",
        "[duplicate_tenant_refused] two X-TWC-Tenant headers with a valid token answered 404",
        _last_tenant_header_wins,
        select="test_two_tenant_headers_refused",
        rule_id="tenancy.one-header",
    ),
    _server(
        "collector-some-sources-refused",
        CREATE,
        "event_source VARIANT_PRODUCT and INVENTORY_LOCATION are refused",
        "[documented_value_accepted] an event with event_source 'INVENTORY_LOCATION'",
        _some_sources_refused,
        select="test_every_documented_value_is_accepted",
        rule_id="schema.documented-values-accepted",
    ),
    _server(
        "collector-base64-error-unnamed",
        CREATE,
        "a bad base64 field is 400 without naming the field",
        "[refused_naming_field] event_payload.base64_encoded_payload_json holding text that "
        "is not base64: the 400 does not name the field",
        _base64_error_unnamed,
        select="test_invalid_payloads_refused_naming_the_field",
        rule_id="schema.base64-error-names-field",
    ),
    _server(
        "collector-key-attributes-closed",
        CREATE,
        "key_attributes takes only correlationId, referenceId and timestamp",
        "[answered_with] creating an event with awkward text: expected 201, got 400",
        _key_attributes_closed,
        select="test_created_events_come_back_exactly",
        rule_id="schema.key-attributes-free",
    ),
    _server(
        "collector-operation-required",
        CREATE,
        "event_payload.operation is required",
        "[answered_with] creating an event with only the required fields: expected 201, got 400",
        _operation_required,
        select="test_created_events_come_back_exactly",
        rule_id="schema.optional-fields",
    ),
    _server(
        "collector-defaults-added",
        f"{CREATE}, {READ}",
        "an event sent without entity_name comes back with an empty one",
        "[event_echoed] the event came back changed: entity_name added ('')",
        _defaults_added,
        select="test_created_events_come_back_exactly",
        rule_id="schema.no-defaults",
    ),
    _server(
        "collector-invalid-events-fixed-up",
        CREATE,
        "an event missing a required field or outside an enumeration is fixed up and stored",
        "[negative_case_refused]",
        _invalid_events_fixed_up,
        select="test_conformance and POST",
        rule_id="create.invalid-body-400",
    ),
]

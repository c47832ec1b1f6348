"""Event Collector rules no schema can express, as named checks (see `registry` for the kinds).

A collector is only useful if a fault reported today reads back, unchanged, to the tenant that
reported it and to nobody else. The schema says what an event looks like; these say that the
event that comes back is the one that was sent.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from schemathesis import Case, CheckContext, Response

from events_mock.contract.checks.common import (
    COMMON,
    applies,
    has_negative_body,
    json_body,
    negative_case_refused,
    operation_id_of,
    sent_path_parameter,
    sent_url,
)
from events_mock.contract.context import RunContext
from events_mock.contract.flows.collector import BASE64_FIELDS
from events_mock.contract.registry import CheckSet
from events_mock.contract.violations import fail, snippet

__all__ = ["COLLECTOR", "CreatedEvents"]

COLLECTOR = CheckSet("event-collector", includes=[COMMON])
EVENTS_PATH = "/api/v1/events"
TENANT_HEADER = "X-TWC-Tenant"


@dataclass
class CreatedEvents:
    """Events as this run created them, by (origin, tenant, id): what a read must give back."""

    events: dict[tuple[str, str, str], Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Flow checks


@COLLECTOR.flow_check
def payload_round_trip(ctx: RunContext, sent: Mapping[str, Any], response: Response) -> None:
    """The base64 fields come back byte for byte: stored as sent, not decoded and encoded again."""
    body = json_body(response)
    answered = body.get("event_payload") if isinstance(body, Mapping) else None
    payload = sent.get("event_payload")
    if not isinstance(payload, Mapping):
        return
    for name in BASE64_FIELDS:
        if name not in payload:
            continue
        got = answered.get(name) if isinstance(answered, Mapping) else None
        if got != payload[name]:
            same = " (the same JSON, other bytes)" if _same_json(got, payload[name]) else ""
            fail(
                f"event_payload.{name} came back changed{same}: sent {payload[name]!r}, "
                f"got {got!r}",
                response,
            )


@COLLECTOR.flow_check
def event_echoed(ctx: RunContext, sent: Mapping[str, Any], response: Response) -> dict[str, Any]:
    """The stored event is the event as sent plus a server-assigned `id`: nothing added, nothing
    dropped, nothing changed (`event_type` included: a FAULT stays a FAULT)."""
    body = json_body(response)
    if not isinstance(body, dict):
        fail(f"the answer is not an event object: {snippet(response)}", response)
    event_id = body.get("id")
    if not isinstance(event_id, str) or not event_id:
        fail(f"the event has no server-assigned id: {event_id!r}", response)
    if "id" in sent:
        fail("the sent event carried an id of its own", response)
    echoed = {key: value for key, value in body.items() if key != "id"}
    if echoed != dict(sent):
        fail(f"the event came back changed: {_differences(sent, echoed)}", response)
    return body


@COLLECTOR.flow_check
def location_names_event(ctx: RunContext, response: Response, event_id: str) -> str:
    """`Location` is the created event's URL, `/api/v1/events/{id}` (relative or absolute)."""
    values = response.headers.get("location") or []
    location = values[0] if values else None
    if not location:
        fail("the created event's answer has no Location header", response)
    url = urljoin(sent_url(response), location)
    expected = f"{EVENTS_PATH}/{quote(event_id, safe='')}"
    if not urlsplit(url).path.endswith(expected):
        fail(
            f"Location {location!r} does not name the created event ({expected})",
            response,
        )
    return url


@COLLECTOR.flow_check
def read_back_equals_created(
    ctx: RunContext, created: Mapping[str, Any], response: Response
) -> None:
    """Reading an event gives back exactly what its creation answered."""
    body = json_body(response)
    if body != dict(created):
        detail = _differences(created, body) if isinstance(body, Mapping) else snippet(response)
        fail(f"the event read back differs: {detail}", response)


@COLLECTOR.flow_check
def event_is_the_one_asked(ctx: RunContext, event_id: str, response: Response) -> None:
    """The event read by id carries that id."""
    body = json_body(response)
    got = body.get("id") if isinstance(body, Mapping) else None
    if got != event_id:
        fail(f"asked for event {event_id!r}, got {got!r}", response)


@COLLECTOR.flow_check
def ids_unique(ctx: RunContext, responses: Sequence[Response]) -> None:
    """Every created event gets an id of its own, even when the same event is sent twice."""
    ids = [(json_body(r) or {}).get("id") for r in responses]
    if len(set(ids)) != len(ids):
        fail(f"two created events share an id: {ids}", *responses)


@COLLECTOR.flow_check
def tenant_isolated(
    ctx: RunContext, response: Response, unknown: Response, event_id: str, whose: str
) -> None:
    """Another tenant's event is answered exactly like an id that never existed: 404, and the
    same body (ids aside), so a tenant cannot even learn that the id exists elsewhere."""
    if response.status_code != 404:
        fail(
            f"{whose} event {event_id} answered {response.status_code}, expected 404 as for an "
            "unknown id",
            response,
        )
    unknown_id = urlsplit(sent_url(unknown)).path.rsplit("/", 1)[-1]
    answer = _without(response.text, event_id)
    expected = _without(unknown.text, unknown_id)
    if unknown.status_code != 404 or answer != expected:
        fail(
            f"{whose} event {event_id} is answered differently from an unknown id "
            f"({unknown.status_code} {snippet(unknown)}): a tenant can tell that it exists",
            response,
            unknown,
        )


@COLLECTOR.flow_check
def refused_naming_field(ctx: RunContext, response: Response, field: str, why: str) -> None:
    """A base64 field that is not strict base64 of a JSON document: 400 naming the field."""
    if response.status_code != 400:
        fail(
            f"{field} holding {why}: expected 400, got {response.status_code}",
            response,
        )
    name = field.rsplit(".", 1)[-1]
    if name not in response.text:
        fail(
            f"{field} holding {why}: the 400 does not name the field: {snippet(response)}",
            response,
        )


@COLLECTOR.flow_check
def id_is_uuid4(ctx: RunContext, event_id: str, response: Response) -> None:
    """The server assigns each event a UUID4 (the spec's `Event.id`): not a counter, not a
    hash of the event, which would tell one tenant how many events exist or what they hold."""
    try:
        parsed = uuid.UUID(event_id)
    except (ValueError, TypeError, AttributeError):
        fail(f"the assigned id {event_id!r} is not a UUID", response)
    if parsed.version != 4 or str(parsed) != event_id.lower():
        fail(f"the assigned id {event_id!r} is not a UUID4 (version {parsed.version})", response)


@COLLECTOR.flow_check
def error_code_is_status(ctx: RunContext, response: Response) -> None:
    """Every error answer's `code` repeats its HTTP status (the spec's `Error`)."""
    body = json_body(response)
    code = body.get("code") if isinstance(body, Mapping) else None
    if isinstance(code, int) and code != response.status_code:
        fail(
            f"the {response.status_code} answer says code {code}: `code` is the HTTP status",
            response,
        )


@COLLECTOR.flow_check
def bearer_challenge(ctx: RunContext, response: Response) -> None:
    """A 401 challenges with the scheme the API takes: `WWW-Authenticate: Bearer` (RFC 6750
    section 3), so a client knows to send a bearer token."""
    challenges = response.headers.get("www-authenticate") or []
    schemes = [value.strip().split(" ", 1)[0].strip(",").lower() for value in challenges]
    if "bearer" not in schemes:
        shown = ", ".join(challenges) if challenges else "no WWW-Authenticate header"
        fail(f"the 401 challenges with {shown}, not Bearer (RFC 6750)", response)


@COLLECTOR.flow_check
def media_type_refused(ctx: RunContext, response: Response, sent_as: str) -> None:
    """A body that is not `application/json`, or has no `Content-Type`, is 415: never guessed."""
    if response.status_code != 415:
        fail(f"an event sent {sent_as} answered {response.status_code}, expected 415", response)


@COLLECTOR.flow_check
def strict_json_refused(ctx: RunContext, response: Response, why: str) -> None:
    """JSON that RFC 8259 leaves to implementations (a repeated key, a lone surrogate) is 400:
    a later reader of the stored event could not handle it."""
    if response.status_code != 400:
        fail(f"an event body with {why} answered {response.status_code}, expected 400", response)


@COLLECTOR.flow_check
def duplicate_tenant_refused(ctx: RunContext, response: Response, token: str) -> None:
    """Two `X-TWC-Tenant` headers are 400 whatever the token: which one a server or a proxy
    reads is not defined."""
    if response.status_code != 400:
        fail(
            f"two X-TWC-Tenant headers with {token} answered {response.status_code}, expected 400",
            response,
        )


@COLLECTOR.flow_check
def documented_value_accepted(ctx: RunContext, response: Response, field: str, value: str) -> None:
    """Every value the spec's enumerations list is accepted: a client following either part
    of the vendor's page is served."""
    if response.status_code != 201:
        fail(
            f"an event with {field} {value!r}, a documented value, answered "
            f"{response.status_code}, expected 201",
            response,
        )


@COLLECTOR.flow_check
def unknown_field_refused(ctx: RunContext, response: Response, field: str) -> None:
    """An unknown (misspelt, or server-owned `id`) field is 400 naming it, never dropped."""
    if response.status_code != 400:
        fail(
            f"an event with the unknown field {field!r} answered {response.status_code}, "
            "expected 400",
            response,
        )
    if field.rsplit(".", 1)[-1] not in response.text:
        fail(
            f"the 400 for the unknown field {field!r} does not name it: {snippet(response)}",
            response,
        )


# ---------------------------------------------------------------------------------------------
# Response checks: run by Schemathesis on every response of the Event Collector


@COLLECTOR.response_check
def collector_event_created(
    ctx: RunContext, checking: CheckContext, response: Response, case: Case
) -> bool | None:
    """POST: the event comes back as sent plus an id, payloads byte for byte, Location to it;
    an event that does not fit the spec is not stored."""
    if operation_id_of(case) == "createEvent" and has_negative_body(case):
        negative_case_refused(ctx, response, 201)
        return None
    if not applies(case, "createEvent", response, 201):
        return True
    if not isinstance(case.body, dict):
        return True
    payload_round_trip(ctx, case.body, response)
    body = event_echoed(ctx, case.body, response)
    id_is_uuid4(ctx, body["id"], response)
    location_names_event(ctx, response, body["id"])
    ctx.memory(CreatedEvents).events[_event_key(response, body["id"])] = body
    return None


@COLLECTOR.response_check(history=True)
def collector_event_read(
    ctx: RunContext, checking: CheckContext, response: Response, case: Case
) -> bool | None:
    """GET: the event asked for, and (when this run created it) exactly as created."""
    if not applies(case, "getEvent", response, 200):
        return True
    event_id = sent_path_parameter(case, response, "eventId")
    if event_id is None:
        return True
    event_is_the_one_asked(ctx, event_id, response)
    created = ctx.memory(CreatedEvents).events.get(_event_key(response, event_id))
    if created is not None:
        read_back_equals_created(ctx, created, response)
    return None


@COLLECTOR.response_check
def collector_error_answered(
    ctx: RunContext, checking: CheckContext, response: Response, case: Case
) -> bool | None:
    """Any error: `code` is its status; a 401 challenges with Bearer."""
    if response.status_code < 400:
        return True
    error_code_is_status(ctx, response)
    if response.status_code == 401:
        bearer_challenge(ctx, response)
    return None


# ---------------------------------------------------------------------------------------------
# Helpers


def _event_key(response: Response, event_id: str) -> tuple[str, str, str]:
    """Events are per target and per tenant: the same id elsewhere is another event."""
    parts = urlsplit(sent_url(response))
    tenant = response.request.headers.get(TENANT_HEADER, "")
    return (f"{parts.scheme}://{parts.netloc}", tenant, event_id)


def _differences(sent: Mapping[str, Any], got: Mapping[str, Any]) -> str:
    keys = sorted(set(sent) | set(got))
    parts = []
    for key in keys:
        if key not in got:
            parts.append(f"{key} dropped")
        elif key not in sent:
            parts.append(f"{key} added ({got[key]!r})")
        elif sent[key] != got[key]:
            parts.append(f"{key}: sent {sent[key]!r}, got {got[key]!r}")
    return "; ".join(parts)


def _same_json(first: Any, second: Any) -> bool:
    try:
        decoded = [json.loads(base64.b64decode(v, validate=True)) for v in (first, second)]
    except (TypeError, ValueError, binascii.Error):
        return False
    return decoded[0] == decoded[1]


def _without(text: str, event_id: str) -> str:
    return text.replace(event_id, "{id}").replace(quote(event_id, safe=""), "{id}")

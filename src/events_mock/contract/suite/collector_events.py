"""Event Collector: what `POST /api/v1/events` and `GET /api/v1/events/{id}` promise beyond
their schema.

Events come back exactly as sent plus an id, their base64 payloads byte for byte, at the URL
`Location` names, to the tenant that created them and to nobody else. What a run creates stays
on the target (the API deletes nothing); each event's `entity_id` starts with the run's tag.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import urllib3
from schemathesis import Response
from urllib3 import HTTPHeaderDict

from events_mock.contract.checks import collector as rules
from events_mock.contract.checks import common
from events_mock.contract.flows import collector
from events_mock.contract.identity import Identity
from events_mock.contract.run import REQUEST_TIMEOUT, ContractRun

pytestmark = pytest.mark.api("event-collector")
writes = pytest.mark.writes


def create(contract: ContractRun, event: dict[str, Any], why: str, **kwargs: Any) -> Response:
    """Create an event; its answer is held to every check (echo, payloads, Location) on the way."""
    return contract.call("createEvent", body=event, expect=201, why=why, **kwargs)


def create_id(contract: ContractRun, event: dict[str, Any], why: str, **kwargs: Any) -> str:
    return rules.event_echoed(contract.context, event, create(contract, event, why, **kwargs))["id"]


def read(contract: ContractRun, event_id: str, identity: Identity | None = None) -> Response:
    return contract.call("getEvent", path_parameters={"eventId": event_id}, identity=identity)


@writes
def test_created_events_come_back_exactly(contract: ContractRun) -> None:
    for name, event in collector.events_to_create(contract.tag).items():
        response = create(contract, event, f"creating {name}")
        rules.payload_round_trip(contract.context, event, response)
        rules.event_echoed(contract.context, event, response)


@writes
def test_location_and_id_read_back_the_created_event(contract: ContractRun) -> None:
    event = collector.fault(contract.tag)
    created = create(contract, event, "creating a fault report")
    body = rules.event_echoed(contract.context, event, created)
    url = rules.location_names_event(contract.context, created, body["id"])
    by_location = follow(contract, url)
    common.answered_with(contract.context, by_location, 200, f"the event at its Location {url}")
    rules.read_back_equals_created(contract.context, body, by_location)
    by_id = read(contract, body["id"])
    common.answered_with(contract.context, by_id, 200, "the event read by its id")
    rules.read_back_equals_created(contract.context, body, by_id)


@writes
def test_payloads_round_trip_byte_for_byte(contract: ContractRun) -> None:
    for name, value in collector.awkward_payloads(contract.tag).items():
        event = collector.fault(contract.tag, base64_encoded_payload_json=value)
        event["event_payload"]["base64_encoded_fault_json"] = value
        created = create(contract, event, f"a payload of {name}")
        rules.payload_round_trip(contract.context, event, created)
        read_back = read(contract, rules.event_echoed(contract.context, event, created)["id"])
        rules.payload_round_trip(contract.context, event, read_back)


@writes
def test_every_event_gets_its_own_id(contract: ContractRun) -> None:
    event = collector.fault(contract.tag)
    rules.ids_unique(
        contract.context, [create(contract, event, "the same event, twice") for _ in range(2)]
    )


@writes
def test_tenants_cannot_read_each_others_events(contract: ContractRun) -> None:
    other = contract.other
    if other is None:
        pytest.skip("isolation not covered: pass --other-tenant NAME:TOKEN (a second tenant)")
    event = collector.fault(contract.tag)
    ours = create_id(contract, event, "creating an event")
    theirs = create_id(contract, event, f"tenant {other.name} creating an event", identity=other)
    unknown = collector.unknown_id()
    for reader, event_id, whose in (
        (other, ours, f"tenant {contract.identity.name}'s"),
        (contract.identity, theirs, f"tenant {other.name}'s"),
    ):
        cross = read(contract, event_id, identity=reader)
        rules.tenant_isolated(
            contract.context, cross, read(contract, unknown, identity=reader), event_id, whose
        )
    for reader, event_id in ((contract.identity, ours), (other, theirs)):
        own = read(contract, event_id, identity=reader)
        common.answered_with(
            contract.context, own, 200, f"tenant {reader.name} reading its own event"
        )


@writes
def test_invalid_payloads_refused_naming_the_field(contract: ContractRun) -> None:
    for field in collector.BASE64_FIELDS:
        for why, value in collector.invalid_payloads().items():
            event = collector.fault(contract.tag, **{field: value})
            response = contract.call("createEvent", body=event)
            rules.refused_naming_field(contract.context, response, f"event_payload.{field}", why)


def test_unknown_id_is_404(contract: ContractRun) -> None:
    event_id = collector.unknown_id()
    common.answered_with(
        contract.context, read(contract, event_id), 404, f"an event id nobody created ({event_id})"
    )


def test_unknown_id_of_any_form_is_404(contract: ContractRun) -> None:
    """Ids are typed as plain strings: one that is no UUID is an id nobody created, not a 400."""
    for event_id in (f"not-a-uuid-{contract.tag}", "12", "%"):
        common.answered_with(
            contract.context, read(contract, event_id), 404, f"an event id of another form "
            f"({event_id!r})",
        )  # fmt: skip


def test_tenant_header_is_required(contract: ContractRun) -> None:
    """Without the header a valid token gets 400; authentication comes first, so a wrong
    token without it is still 401."""
    header = contract.api.tenant_header or ""
    response = contract.call(
        "getEvent",
        path_parameters={"eventId": collector.unknown_id()},
        headers={header: None},
    )
    common.answered_with(
        contract.context, response, 400, f"a valid token without the {header} header"
    )
    wrong = contract.context.reveal(f"Bearer not-a-token-{contract.tag}")
    response = contract.call(
        "getEvent",
        path_parameters={"eventId": collector.unknown_id()},
        headers={header: None},
        authorization=wrong,
    )
    common.credentials_rejected(
        contract.context, f"an unknown token and no {header} header", response
    )


def test_two_tenant_headers_refused(contract: ContractRun) -> None:
    header = contract.api.tenant_header or ""
    tenant = contract.identity.name
    wrong = contract.context.reveal(f"Bearer not-a-token-{contract.tag}")
    for authorization, token in (
        (contract.identity.authorization() or "", "a valid token"),
        (wrong, "an unknown token"),
    ):
        headers = HTTPHeaderDict({"Authorization": authorization})
        headers.add(header, tenant)
        headers.add(header, tenant)
        response = send_raw(contract, "GET", f"{EVENTS}/{collector.unknown_id()}", headers=headers)
        rules.duplicate_tenant_refused(contract.context, response, token)


@writes
def test_bodies_that_are_not_json_refused(contract: ContractRun) -> None:
    body = json.dumps(collector.fault(contract.tag)).encode()
    for content_type, sent_as in (("text/plain", "as text/plain"), (None, "without Content-Type")):
        headers = HTTPHeaderDict(contract.identity.headers())
        if content_type is not None:
            headers["Content-Type"] = content_type
        response = send_raw(contract, "POST", EVENTS, headers=headers, body=body)
        rules.media_type_refused(contract.context, response, sent_as)


@writes
def test_json_a_reader_could_not_handle_refused(contract: ContractRun) -> None:
    for why, body in collector.strict_json_bodies(contract.tag).items():
        headers = HTTPHeaderDict(contract.identity.headers())
        headers["Content-Type"] = "application/json"
        response = send_raw(contract, "POST", EVENTS, headers=headers, body=body.encode())
        rules.strict_json_refused(contract.context, response, why)


@writes
def test_every_documented_value_is_accepted(contract: ContractRun) -> None:
    for field, values in collector.documented_values().items():
        for value in values:
            event = collector.with_field(collector.fault(contract.tag), field, value)
            response = contract.call("createEvent", body=event)
            rules.documented_value_accepted(contract.context, response, field, value)


@writes
def test_unknown_fields_refused_naming_them(contract: ContractRun) -> None:
    for field in collector.UNKNOWN_FIELDS:
        event = collector.with_field(collector.fault(contract.tag), field, "x")
        # Judged by this rule first: stored, the event also comes back "changed".
        case, response = contract.send("createEvent", body=event)
        rules.unknown_field_refused(contract.context, response, field)
        contract.validate(case, response)


EVENTS = "/api/v1/events"


def send_raw(
    contract: ContractRun,
    method: str,
    path: str,
    *,
    headers: HTTPHeaderDict,
    body: bytes | None = None,
) -> Response:
    """A request no Schemathesis case can make (two headers of one name, a body that is not
    the JSON of a value, no `Content-Type`): sent by urllib3 as given, with the run's headers
    (its sandbox, say) added, and read back as the suite reads every answer."""
    url = contract.base_url.rstrip("/") + path
    for name, value in contract.session.headers.items():
        if name not in headers:
            headers[name] = str(value)
    raw = urllib3.request(
        method, url, headers=headers, body=body, timeout=REQUEST_TIMEOUT, retries=False,
        redirect=False, preload_content=False,
    )  # fmt: skip
    # A requests response over the urllib3 one, so it reads and reproduces like any other.
    prepared = requests.Request(method, url, data=body).prepare()
    prepared.headers.clear()
    prepared.headers.update({name: ", ".join(headers.getlist(name)) for name in headers})
    answer = requests.adapters.HTTPAdapter().build_response(prepared, raw)
    answer.content  # noqa: B018 - read the body before the connection is released
    label = f"{method} {EVENTS}" if path == EVENTS else f"{method} {EVENTS}/{{eventId}}"
    contract.coverage.requests[(label, "flows")] += 1
    return Response.from_requests(answer, verify=True)


def follow(contract: ContractRun, url: str) -> Response:
    """GET a URL the target gave (Location), as the run's tenant."""
    raw = contract.session.get(url, headers=contract.identity.headers(), timeout=REQUEST_TIMEOUT)
    contract.coverage.requests[("GET <Location>", "flows")] += 1
    return Response.from_requests(raw, verify=True)

"""What the Event Collector flows create, and the payloads a collector must refuse.

The API can neither list nor delete events, so what a run creates stays on the target: every
event's `entity_id` (or, for the event with only the required fields, its payload's) starts
with the run's tag, so they can at least be told apart from real traffic; generated events are
marked the same way (`mark_generated`). The payloads are chosen so that any server that decodes
and encodes them again (to "normalize" them) gives back other bytes: whitespace, key order,
escapes, both padding lengths, `+` and `/` in the base64 text.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections import Counter
from typing import Any

from events_mock.contract.footprint import Footprint, RunMark

BASE64_FIELDS = ("base64_encoded_payload_json", "base64_encoded_fault_json")


def b64(document: str | bytes) -> str:
    raw = document.encode("utf-8") if isinstance(document, str) else document
    return base64.b64encode(raw).decode("ascii")


def fault(tag: str, **payload: Any) -> dict[str, Any]:
    """A FAULT report as the seed shows one: a failed call's payload and fault, key attributes."""
    return {
        "entity_id": f"{tag}-order-1001",
        "entity_name": "order",
        "event_payload": {
            "base64_encoded_payload_json": b64(json.dumps({"id": "12", "reference": "12123"})),
            "base64_encoded_fault_json": b64('{"status":503,"error":"Service Unavailable"}'),
            "key_attributes": {
                "correlationId": str(uuid.uuid4()),
                "referenceId": f"{tag}-ref",
                "timestamp": "2024-05-01T12:00:00Z",
            },
            "operation": "CREATE",
            **payload,
        },
        "event_source": "APPLICATION",
        "event_type": "FAULT",
    }


def events_to_create(tag: str) -> dict[str, dict[str, Any]]:
    """Events a collector must store and answer exactly as sent, by what each one shows."""
    return {
        "a fault report": fault(tag),
        "an entity event of the seed's enumeration": {
            "entity_id": f"{tag}-price-7",
            "event_payload": {"operation": "BULK_UPDATE", "entity_id": f"{tag}-price-7"},
            "event_source": "PRICE",
            "event_type": "ENTITY_EVENT",
        },
        "an event with only the required fields": {
            "event_source": "WISHLIST",
            "event_type": "FAULT",
            "event_payload": {"entity_id": f"{tag}-wishlist-3"},
        },
        "an event with an empty payload": {
            "entity_id": f"{tag}-empty-payload",
            "event_payload": {},
            "event_source": "ORDER",
            "event_type": "FAULT",
        },
        "an event with awkward text": {
            "entity_id": f'{tag}-Zürich ✓ "quoted" \\ back',
            "entity_name": "",
            "event_payload": {"key_attributes": {"": "empty key", "ключ": "значение"}},
            "event_source": "CUSTOMER",
            "event_type": "FAULT",
        },
    }


def awkward_payloads(tag: str) -> dict[str, str]:
    """Base64 JSON that a decode-and-encode-again server would not give back byte for byte."""
    payloads = {
        "JSON with whitespace and newlines": b64('{\n  "b": 1,\n  "a": [1, 2 ]\n}\n'),
        "keys in no sorted order": b64('{"z":1,"a":2,"m":{"y":true,"b":null}}'),
        "raw UTF-8 text": b64('{"city":"Zürich","check":"✓"}'),
        "escaped unicode": b64('{"city":"Z\\u00fcrich","tag":"' + tag + '"}'),
        "numbers a parser rewrites": b64('{"a":1.0,"b":1e3,"c":-0,"d":12345678901234567890}'),
        "base64 with + and /": b64('{"q":">>>???"}'),
        "one padding character": b64('{"id":"12"}'),
        "two padding characters": b64('{"id":"1"}'),
        "a bare JSON string": b64('"just a string"'),
    }
    assert "+" in payloads["base64 with + and /"] and "/" in payloads["base64 with + and /"]
    assert payloads["one padding character"].endswith("=")
    assert payloads["two padding characters"].endswith("==")
    return payloads


def invalid_payloads() -> dict[str, str]:
    """Values the spec refuses for either base64 field (400 naming the field), by what is wrong.

    Strict standard base64 of a UTF-8 JSON document, no whitespace: a collector that decodes
    leniently stores faults nobody can read later.
    """
    document = '{"q":">>>???"}'
    return {
        "text that is not base64": "not base64!",
        "base64 without its padding": b64('{"id":"12"}').rstrip("="),
        "the URL-safe alphabet": base64.urlsafe_b64encode(document.encode()).decode(),
        "base64 broken into lines": b64(document * 8)[:60] + "\n" + b64(document * 8)[60:],
        "base64 of text that is not JSON (the seed's own fault example)": "eyJpZCI6IjEyXCJ9",
        "base64 of bytes that are not UTF-8": b64(b'{"a":"\xff\xfe"}'),
        "base64 of NaN, which is not JSON": b64("NaN"),
        "base64 of JSON with a repeated key": b64('{"id":"12","id":"13"}'),
        "base64 of JSON nested 129 levels": b64("[" * 129 + "]" * 129),
        "base64 of a number too large to be finite": b64('{"amount":1e400}'),
        "base64 of an integer of 4301 digits": b64('{"n":' + "7" * 4301 + "}"),
        "base64 of JSON with a lone surrogate": b64('{"text":"\\ud800"}'),
    }


def strict_json_bodies(tag: str) -> dict[str, str]:
    """Event bodies, valid events in every other way, whose JSON a strict reader refuses.

    Only what the event schema leaves room for: every leaf of an event is a string, so NaN,
    huge numbers or deep nesting are refused by the schema already; a repeated key or a lone
    surrogate in a string are not.
    """
    event = json.dumps(fault(tag))
    repeated = '{"event_type": "ENTITY_EVENT", ' + event[1:]
    surrogate = event.replace(f'"{tag}-order-1001"', f'"{tag}-order-\\ud800"', 1)
    assert repeated != event and surrogate != event
    return {"a key repeated in one object": repeated, "a lone surrogate (\\ud800)": surrogate}


def documented_values() -> dict[str, list[str]]:
    """Every value of each enumeration the spec lists, by the event field that takes it."""
    return {
        "event_source": [
            "APPLICATION", "CUSTOMER", "INVENTORY_LEVEL", "INVENTORY_LOCATION", "ORDER",
            "PRICE", "PRODUCT", "VARIANT_PRODUCT", "WISHLIST",
        ],
        "event_type": ["FAULT", "ENTITY_EVENT"],
        "event_payload.operation": [
            "BULK_CREATE", "BULK_UPDATE", "CREATE", "DELETE", "READ", "UPDATE",
        ],
    }  # fmt: skip


def with_field(event: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """The event with `a.b` set to value (a copy)."""
    changed = json.loads(json.dumps(event))
    *parents, name = dotted.split(".")
    target = changed
    for parent in parents:
        target = target[parent]
    target[name] = value
    return changed


UNKNOWN_FIELDS = ("entity_nmae", "event_payload.opration", "id")
"""A misspelt field at each level, and `id`, which is the server's to assign."""


def unknown_id() -> str:
    return str(uuid.uuid4())


# ---------------------------------------------------------------------------------------------
# What generated requests leave: marked like the flows' own events


def mark_generated(operation_id: str, body: Any, mark: RunMark) -> None:
    """A generated `POST /api/v1/events` body: its `entity_id` starts with the run's tag.

    `entity_id` is an optional string with no constraint, so giving it (or prefixing it)
    never makes a valid event invalid or an invalid one valid; one that is not a string (an
    invalid event) is left as it is.
    """
    if operation_id != "createEvent" or not isinstance(body, dict):
        return
    entity_id = body.get("entity_id", "")
    if isinstance(entity_id, str) and not entity_id.startswith(mark.tag):
        body["entity_id"] = f"{mark.tag}-{entity_id}" if entity_id else mark.tag


def left_by(operation_id: str, status: int, body: Any) -> Counter[str]:
    """A 201 to `POST /api/v1/events` is one event stored."""
    if operation_id == "createEvent" and status == 201:
        return Counter(events=1)
    return Counter()


FOOTPRINT = Footprint(mark=mark_generated, left=left_by)

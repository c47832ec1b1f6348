"""The one rule the schema cannot express: the base64 fields must decode to JSON.

The OpenAPI schema types these fields as `format: byte`, which validators treat loosely (or
not at all), yet a collector that accepts undecodable faults is useless to whoever reads the
faults later. So the rule lives here, in plain Python, and applies however an event arrives
(an HTTP request, or an imported state file).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from events_mock import strict_json

BASE64_JSON_FIELDS = ("base64_encoded_payload_json", "base64_encoded_fault_json")


class InvalidEvent(ValueError):
    """An event that breaks a domain rule; `field` is its dotted path, for the error message."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def check_event(event: Mapping[str, Any]) -> None:
    """Raise `InvalidEvent` unless every base64 field of the event decodes to JSON."""
    payload = event.get("event_payload")
    if payload is None:
        return
    if not isinstance(payload, Mapping):
        raise InvalidEvent("event_payload", "must be an object")
    for name in BASE64_JSON_FIELDS:
        if name in payload:
            check_base64_json(f"event_payload.{name}", payload[name])


def check_base64_json(field: str, value: Any) -> None:
    """Strict: standard alphabet, correct padding, no whitespace, UTF-8 JSON inside.

    Lenient decoding (`b64decode` without `validate`) silently drops stray characters, which
    would let a client's encoding bug through the mock and fail only against the real service.
    """
    if not isinstance(value, str):
        raise InvalidEvent(field, "must be a string")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise InvalidEvent(field, "not valid base64") from None
    try:
        strict_json.loads(raw)  # NaN, lone surrogates, deep nesting...: the reader would fail
    except strict_json.NotAcceptedJSON:
        raise InvalidEvent(field, "does not decode to a JSON document") from None

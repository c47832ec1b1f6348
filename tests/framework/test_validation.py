"""The compiled checks judge exactly like Connexion's own validators, and stay compiled.

`events_mock.framework.validation` lets a request through on the compiled check alone, so the
one thing that must never happen is the compiled check accepting what Connexion's validator
refuses.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from connexion.json_schema import Draft4RequestValidator, Draft4ResponseValidator
from connexion.spec import Specification
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator

from events_mock.framework import validation
from tests._support import T0, event

SPEC_DIR = Path(__file__).resolve().parents[2] / "spec"
FORMATS = Draft4Validator.FORMAT_CHECKER


def reference_accepts(reference: type, schema: dict, instance: Any) -> bool:
    return reference(schema, format_checker=FORMATS).is_valid(instance)


def fast(cache: validation.CheckCache, schema: dict):
    check = validation.compile_check(schema, nullable=cache.nullable, untrusted=cache.untrusted)
    assert check is not None, "expected a compiled check"
    return check


def body_schema(spec: str, path: str, method: str = "post") -> dict:
    operation = Specification.load(SPEC_DIR / spec).get_operation(path, method)
    return operation["requestBody"]["content"]["application/json"]["schema"]


EVENTS = body_schema("barchart-events.yaml", "/events")
REPORTS = body_schema("barchart-events.yaml", "/reports")
COLLECTOR = body_schema("event-collector.yaml", "/api/v1/events")


def test_the_hot_schemas_are_compiled() -> None:
    for schema in (EVENTS, REPORTS, COLLECTOR):
        fast(validation.REQUEST_CHECKS, schema)


def test_untrusted_keywords_leave_the_schema_to_connexion() -> None:
    cache = validation.REQUEST_CHECKS
    for schema in (
        {"type": "array", "uniqueItems": True},
        {"type": "number", "multipleOf": 0.1},
        {"$ref": "#/definitions/x", "definitions": {"x": {}}},
        {"type": "object", "patternProperties": {"^a": {"type": "string"}}},
    ):
        assert validation.compile_check(schema, nullable=True, untrusted=cache.untrusted) is None
    recursive: dict = {"type": "object", "properties": {}}
    recursive["properties"]["child"] = recursive
    assert validation.compile_check(recursive, nullable=True, untrusted=cache.untrusted) is None
    writes = {"type": "object", "properties": {"p": {"type": "string", "writeOnly": True}}}
    response = validation.RESPONSE_CHECKS
    assert validation.compile_check(writes, nullable=True, untrusted=response.untrusted) is None


GOOD = event(T0)
EDGE_CASES: list[tuple[dict, Any]] = [
    (EVENTS, {"events": [GOOD]}),
    (EVENTS, {"events": []}),
    (EVENTS, {"events": [{**GOOD, "timestamp": 1.5}]}),
    (EVENTS, {"events": [{**GOOD, "timestamp": float(T0)}]}),  # Draft 4: 1.0 is no integer
    (EVENTS, {"events": [{**GOOD, "timestamp": True}]}),
    (EVENTS, {"events": [{**GOOD, "timestamp": -1}]}),
    (EVENTS, {"events": [{**GOOD, "timestamp": 253402300799999}]}),
    (EVENTS, {"events": [{**GOOD, "timestamp": 253402300800000}]}),
    (EVENTS, {"events": [{**GOOD, "timestamp": 2**70}]}),
    (EVENTS, {"events": [{**GOOD, "customer": "ACME"}]}),
    (EVENTS, {"events": [{**GOOD, "type": None}]}),
    (EVENTS, {"events": [{**GOOD, "context": ["a", 1]}]}),
    (EVENTS, {"events": [{**GOOD, "version": None}]}),
    (EVENTS, {"events": [{**GOOD, "extra": "kept"}]}),
    (EVENTS, {"events": {}}),
    (EVENTS, []),
    (REPORTS, {"filter": {"customer": "BARCHART", "product": "PORTFOLIO", "start": "123"}}),
    (REPORTS, {"filter": {"customer": "BARCHART", "product": "PORTFOLIO", "start": "123\n"}}),
    (REPORTS, {"filter": {"customer": "BARCHART", "product": "PORTFOLIO", "start": "1" * 16}}),
    (REPORTS, {"filter": {"customer": "BARCHART", "product": "PORTFOLIO", "start": "١٢٣"}}),
    (REPORTS, {"filter": {"customer": "BARCHART", "product": "PORTFOLIO", "start": 12.0}}),
    (REPORTS, {"filter": {"customer": "BARCHART", "product": "PORTFOLIO", "types": []}}),
    (
        REPORTS,
        {"filter": {"customer": "BARCHART", "product": "PORTFOLIO", "output": {"delimiter": ";"}}},
    ),
    (
        REPORTS,
        {"filter": {"customer": "BARCHART", "product": "PORTFOLIO", "output": {"delimiter": "a"}}},
    ),
    (
        REPORTS,
        {"filter": {"customer": "BARCHART", "product": "PORTFOLIO", "output": {"delimiter": "é"}}},
    ),
    ({"type": "string", "nullable": True}, None),
    ({"type": "string", "x-nullable": True}, None),
    ({"type": "string"}, None),
    ({"enum": ["a", "b"], "nullable": True}, None),
    ({"enum": ["a", "b"]}, None),
    ({"type": "integer", "nullable": True, "minimum": 3}, None),
    ({"type": "string", "format": "date-time"}, "2019-10-14T17:26:17Z"),
    ({"type": "string", "format": "date-time"}, "yesterday"),
    ({"type": "string", "format": "email"}, "nobody"),
    ({"type": "string", "format": "uuid"}, "not-a-uuid"),  # Draft 4 checks no uuid format
    ({"type": "string", "format": "int64"}, "x"),
    ({"type": "string", "pattern": r"^\S+$"}, "\x1c"),  # Python's \s differs from Rust's
    ({"type": "string", "pattern": r"^\d+$"}, "١٢٣"),
    ({"type": "string", "minLength": 2}, "é"),
    ({"type": "string", "maxLength": 1}, "😀"),
    ({"type": "number", "minimum": 0, "exclusiveMinimum": True}, 0),
    ({"type": "number", "maximum": 1, "exclusiveMaximum": True}, 0.999),
    ({"type": "array", "items": {"type": "integer"}, "minItems": 1}, []),
    ({"type": "object", "additionalProperties": False, "properties": {"a": {}}}, {"b": 1}),
    ({"oneOf": [{"type": "integer"}, {"minimum": 0}]}, 5),
    ({"anyOf": [{"type": "integer"}, {"type": "string"}]}, 1.5),
    ({"not": {"type": "string"}}, "x"),
    ({"allOf": [{"type": "integer"}, {"maximum": 3}]}, 4),
    ({"type": "boolean"}, 0),
    ({"enum": [1]}, 1.0),
    ({"enum": [1]}, True),
]


@pytest.mark.parametrize("schema,instance", EDGE_CASES)
def test_edge_cases_are_judged_like_connexion(schema: dict, instance: Any) -> None:
    expected = reference_accepts(Draft4RequestValidator, schema, instance)
    assert fast(validation.REQUEST_CHECKS, schema)(instance) == expected


UNREADABLE = [
    ({"type": "string"}, "\ud800"),
    ({"type": "string", "minLength": 2}, "\ud800"),
    ({"enum": ["a"]}, "\ud800"),
    ({"type": "string", "pattern": "^a$"}, "\ud800"),
    (EVENTS, {"events": [{**GOOD, "version": "\udfff"}]}),
    (EVENTS, {"events": [{**GOOD, "type": "\udfff"}]}),
    ({"type": "number", "maximum": 1}, math.nan),
    ({"type": "number"}, math.inf),
]


@pytest.mark.parametrize("schema,instance", UNREADABLE)
def test_what_rust_cannot_read_is_never_wrongly_accepted(schema: dict, instance: Any) -> None:
    if fast(validation.REQUEST_CHECKS, schema)(instance):
        assert reference_accepts(Draft4RequestValidator, schema, instance)


def test_parameters_follow_plain_draft_4() -> None:
    schema = {"type": "string", "nullable": True}
    assert fast(validation.PARAMETER_CHECKS, schema)(None) is False
    assert reference_accepts(Draft4Validator, schema, None) is False


def test_responses_follow_connexions_response_validator() -> None:
    schema = {"type": "object", "properties": {"p": {"type": "string", "nullable": True}}}
    assert fast(validation.RESPONSE_CHECKS, schema)({"p": None})
    assert reference_accepts(Draft4ResponseValidator, schema, {"p": None})


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["BARCHART", "PORTFOLIO", "ALERT-CREATED", "PORTFOLIO-CREATED", "123", ";"])
    | st.text(max_size=8)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
FIELDS = ["customer", "product", "type", "timestamp", "context", "version", "extra"]


def readable(value: Any) -> bool:
    """Free of what the compiled check hands to Connexion (lone surrogates, NaN)."""
    if isinstance(value, str):
        return not any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(readable(v) for v in value)
    if isinstance(value, dict):
        return all(readable(k) and readable(v) for k, v in value.items())
    return True


@settings(max_examples=300, deadline=None)
@given(field=st.sampled_from(FIELDS), value=JSON_VALUES, drop=st.booleans())
def test_mutated_events_are_judged_like_connexion(field: str, value: Any, drop: bool) -> None:
    mutated = {k: v for k, v in GOOD.items() if not (drop and k == field)}
    if not drop:
        mutated[field] = value
    body = {"events": [GOOD, mutated]}
    expected = reference_accepts(Draft4RequestValidator, EVENTS, body)
    verdict = fast(validation.REQUEST_CHECKS, EVENTS)(body)
    assert verdict == expected or (not verdict and not readable(body))


@settings(max_examples=300, deadline=None)
@given(
    members=st.dictionaries(
        st.sampled_from(["customer", "product", "types", "start", "end", "output", "x"]),
        JSON_VALUES | st.fixed_dictionaries({"delimiter": JSON_SCALARS}),
    )
)
def test_report_filters_are_judged_like_connexion(members: dict) -> None:
    body = {"filter": {"customer": "BARCHART", "product": "PORTFOLIO", **members}}
    expected = reference_accepts(Draft4RequestValidator, REPORTS, body)
    verdict = fast(validation.REQUEST_CHECKS, REPORTS)(body)
    assert verdict == expected or (not verdict and not readable(body))


def test_errors_keep_connexions_messages_in_json_terms() -> None:
    """Connexion's wording, with JSON values where it showed Python reprs (issue 13, §5)."""
    from events_mock.app import EventsMock

    client = EventsMock().app.test_client()
    bad = {"events": [GOOD, {**GOOD, "timestamp": 1.5}]}
    answer = client.post("/events", json=bad)
    assert answer.status_code == 400
    assert answer.json()[0]["value"] == {
        "code": "REQUEST_INVALID",
        "message": "1.5 is not of type \"integer\" - 'events.1.timestamp'",
    }
    unknown = client.post("/events", json={"events": [{**GOOD, "type": "NOPE"}]})
    assert unknown.json()[0]["value"]["message"] == (
        '"NOPE" is not one of the 220 accepted values of EventTypeCode, listed in'
        " /openapi/barchart.json - 'events.0.type'"
    )


def message_of(client: Any, body: Any, path: str = "/events") -> str:
    answer = client.post(path, json=body, auth=("demo", "demo"))
    assert answer.status_code == 400, answer.text
    return answer.json()[0]["value"]["message"]


@pytest.mark.parametrize(
    "value,shown",
    [(None, "null"), (True, "true"), (False, "false"), ({"a": None}, '{"a": null}'), ("x", '"x"')],
)
def test_type_errors_show_the_value_as_json(value: Any, shown: str) -> None:
    from events_mock.app import EventsMock

    client = EventsMock().app.test_client()
    message = message_of(client, {"events": [{**GOOD, "timestamp": value}]})
    assert message == f"{shown} is not of type \"integer\" - 'events.0.timestamp'"
    assert "None" not in message and "True" not in message and "'x'" not in message


def test_short_enums_are_listed_long_ones_pointed_to() -> None:
    from events_mock.app import EventsMock
    from events_mock.barchart.catalog import load_catalog

    catalog = load_catalog()
    client = EventsMock().app.test_client()
    customer = message_of(client, {"events": [{**GOOD, "customer": "ACME"}]})
    assert customer == (
        f"\"ACME\" is not one of {json.dumps(list(catalog.customers))} - 'events.0.customer'"
    )
    product = message_of(client, {"filter": {"customer": "BARCHART", "product": "X"}}, "/reports")
    assert product.startswith(f'"X" is not one of {json.dumps(list(catalog.products))}')
    types = {"filter": {"customer": "BARCHART", "product": "ALERT", "types": ["NOPE"]}}
    assert message_of(client, types, "/reports") == (
        f'"NOPE" is not one of the {len(catalog.product_of)} accepted values of EventTypeCode,'
        " listed in /openapi/barchart.json - 'filter.types.0'"
    )


def test_parameter_errors_are_in_json_terms_and_name_the_parameter() -> None:
    from events_mock.app import EventsMock

    client = EventsMock().app.test_client()
    answer = client.get("/reports/" + "x" * 201 + "/availability", auth=("demo", "demo"))
    message = answer.json()[0]["value"]["message"]
    assert message.startswith('"xxx') and message.endswith(" is too long - 'source'")
    assert "Failed validating" not in message and len(message) < 200


def test_quoted_values_are_bounded() -> None:
    from jsonschema import ValidationError

    error = next(Draft4Validator({"type": "integer"}).iter_errors("y" * 10_000))
    assert isinstance(error, ValidationError)
    message = validation.schema_message_in_json(error)
    assert message.startswith('"yyy') and len(message) < 2 * validation.VALUE_LIMIT
    deep: Any = []
    for _ in range(5000):
        deep = [deep]
    assert len(validation.json_text(deep)) <= validation.VALUE_LIMIT


PATH_CASES = [{"source": "JOB-x"}, {"source": "x" * 200}, {"source": "x" * 201}, {"source": ""}, {}]


@pytest.mark.parametrize("path_params", PATH_CASES, ids=["short", "200", "201", "empty", "none"])
@pytest.mark.parametrize("query", [b"", b"extra=1"])
def test_path_parameters_judged_like_connexion(path_params: dict, query: bytes) -> None:
    from connexion.operations import OpenAPIOperation
    from connexion.resolver import Resolver
    from connexion.uri_parsing import OpenAPIURIParser
    from connexion.validators import ParameterValidator

    spec = Specification.load(SPEC_DIR / "barchart-events.yaml")
    operation = OpenAPIOperation.from_spec(
        spec,
        path="/reports/{source}/availability",
        method="get",
        resolver=Resolver(function_resolver=lambda operation_id: print),
    )

    def verdict(validator_cls: type) -> str | None:
        parser = OpenAPIURIParser(operation.parameters, operation.body_definition())
        validator = validator_cls(operation.parameters, parser, strict_validation=True)
        scope = {"type": "http", "path_params": dict(path_params), "query_string": query}
        scope.update(headers=[], method="GET", path="/")
        try:
            validator.validate(scope)
        except Exception as error:  # noqa: BLE001 - the verdicts are compared, whatever they are
            return f"{type(error).__name__}: {getattr(error, 'detail', error)}"
        return None

    assert verdict(validation.CompiledParameterValidator) == verdict(ParameterValidator)

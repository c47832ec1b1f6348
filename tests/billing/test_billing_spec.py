"""The spec is valid OpenAPI 3.0.3 and every example in it is valid against its schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate

from events_mock.billing.search import PARAMETERS
from events_mock.billing.spec import load_spec

SCHEMA_KEYS = {"type", "$ref", "allOf", "oneOf", "anyOf", "properties", "items"}


def test_spec_is_valid_openapi_3_0_3() -> None:
    spec = load_spec()
    assert spec["openapi"] == "3.0.3"
    validate(spec)


def test_operation_has_every_documented_parameter() -> None:
    spec = load_spec()
    operation = spec["paths"]["/events"]["get"]
    assert operation["operationId"] == "getEvents"
    assert operation["security"] == [{"bearerAuth": []}]
    names = {ref["$ref"].rsplit("/", 1)[1] for ref in operation["parameters"]}
    assert names == set(PARAMETERS)
    params = spec["components"]["parameters"]
    assert params["eventType"]["style"] == "form" and params["eventType"]["explode"] is True
    assert set(operation["responses"]) == {"200", "204", "400", "401", "406", "500"}
    assert set(operation["responses"]["200"]["content"]) == {"application/json", "application/xml"}


def examples(node: Any, path: str = "") -> Iterator[tuple[str, Any, dict]]:
    """(where, example value, schema it must satisfy) for every example in the spec."""
    if isinstance(node, list):
        for index, child in enumerate(node):
            yield from examples(child, f"{path}/{index}")
        return
    if not isinstance(node, dict):
        return
    if "schema" in node:  # a media type or parameter object
        if "example" in node:
            yield path, node["example"], node["schema"]
        for name, example in node.get("examples", {}).items():
            yield f"{path}/examples/{name}", example["value"], node["schema"]
    elif "example" in node and SCHEMA_KEYS & node.keys():
        yield path, node["example"], {k: v for k, v in node.items() if k != "example"}
    for key, child in node.items():
        if key not in ("example", "examples"):
            yield from examples(child, f"{path}/{key}")


ALL_EXAMPLES = list(examples(load_spec()))


def test_the_walker_finds_the_examples() -> None:
    assert len(ALL_EXAMPLES) >= 10


@pytest.mark.parametrize(
    ("where", "value", "schema"), ALL_EXAMPLES, ids=[e[0] for e in ALL_EXAMPLES]
)
def test_example_validates(where: str, value: Any, schema: dict) -> None:
    root = {**schema, "components": load_spec()["components"]}
    OAS30Validator(root, format_checker=oas30_format_checker).validate(value)


def test_a_wrong_example_would_be_caught() -> None:
    _, value, schema = next(e for e in ALL_EXAMPLES if e[0].endswith("examples/dispute"))
    broken = [{**value[0], "batchId": 5}]
    root = {**schema, "components": load_spec()["components"]}
    assert not OAS30Validator(root, format_checker=oas30_format_checker).is_valid(broken)

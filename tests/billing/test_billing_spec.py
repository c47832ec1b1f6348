"""The spec is valid OpenAPI 3.0.3 and every example in it is valid against its schema."""

from __future__ import annotations

from openapi_spec_validator import validate

from events_mock.billing.search import PARAMETERS
from events_mock.billing.spec import load_spec


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
    assert set(operation["responses"]) == {"200", "204", "400", "401", "406", "500", "503"}
    assert set(operation["responses"]["200"]["content"]) == {"application/json", "application/xml"}

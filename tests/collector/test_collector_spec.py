"""The spec is valid OpenAPI 3.0.3, its examples are valid, and it matches the handlers."""

import base64
import json

import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT4

from events_mock.collector import CollectorService, TenantEventStore, create_api
from tests.spec_examples import examples

SPEC_URI = "urn:event-collector"


@pytest.fixture(scope="module")
def api():
    return create_api(CollectorService(), {"acme": "tok"})


@pytest.fixture(scope="module")
def spec(api):
    return yaml.safe_load(api.spec.read_text())


def test_spec_is_valid_openapi_3_0_3(spec):
    assert spec["openapi"] == "3.0.3"
    validate(spec)


def test_every_operation_resolves_to_a_handler(api, spec):
    operation_ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    assert sorted(operation_ids) == ["createEvent", "getEvent"]
    for operation_id in operation_ids:
        assert callable(api.resolve(operation_id))


def test_every_operation_needs_the_tenant_header_and_a_bearer_token(spec):
    assert spec["security"] == [{"bearerAuth": []}]
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        **spec["components"]["securitySchemes"]["bearerAuth"],
        "type": "http",
        "scheme": "bearer",
    }
    tenant = spec["components"]["parameters"]["TenantHeader"]
    assert (tenant["name"], tenant["in"], tenant["required"]) == ("X-TWC-Tenant", "header", True)
    for item in spec["paths"].values():
        for op in item.values():
            assert {"$ref": "#/components/parameters/TenantHeader"} in op["parameters"]


def test_every_error_response_uses_the_error_shape(spec):
    for item in spec["paths"].values():
        for op in item.values():
            for status, response in op["responses"].items():
                if status.startswith(("4", "5")):
                    name = response["$ref"].rsplit("/", 1)[1]
                    content = spec["components"]["responses"][name]["content"]
                    schema = content["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (status, name)


def test_no_status_the_mock_cannot_produce(spec):
    statuses = {
        op["operationId"]: sorted(op["responses"])
        for item in spec["paths"].values()
        for op in item.values()
    }
    assert statuses == {
        "createEvent": ["201", "400", "401", "403", "413", "415", "503", "507"],
        "getEvent": ["200", "400", "401", "403", "404", "503"],  # 503: the Redis store
    }


def test_base64_examples_decode_to_json(spec):
    found = list(examples(spec))
    encoded = [example for where, _, example in found if "/Base64Json/" in where]
    stack = [example for _, _, example in found]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            encoded.extend(v for k, v in value.items() if k.startswith("base64_encoded_"))
            stack.extend(value.values())
    assert len(encoded) == 7
    for text in encoded:
        json.loads(base64.b64decode(text, validate=True))


def test_the_seeds_own_request_example_is_refused_where_the_spec_says(spec):
    """The seed's example: `operation` is placeholder text, the fault json is not JSON."""
    seed_request = {
        "entity_id": "string",
        "event_payload": {
            "base64_encoded_payload_json": "ewoiaWQiOiIxMiIsCiJyZWZlcmVuY2UiOiIxMjEyMyIKfQ==",
            "key_attributes": {"correlationId": "123123123-123123-123123123"},
            "operation": "BULK_CREATE or BULK_UPDATE or CREATE or DELETE or READ or UPDATE",
            "base64_encoded_fault_json": "eyJpZCI6IjEyXCJ9",
        },
        "event_source": "APPLICATION",
        "event_type": "FAULT",
    }
    registry = Registry().with_resource(SPEC_URI, DRAFT4.create_resource(spec))
    validator = OAS30Validator(
        {"$ref": f"{SPEC_URI}#/components/schemas/EventRequest"}, registry=registry
    )
    errors = list(validator.iter_errors(seed_request))
    assert [list(e.absolute_path) for e in errors] == [["event_payload", "operation"]]
    with pytest.raises(ValueError, match="base64_encoded_fault_json"):
        TenantEventStore().create(
            "acme",
            {
                **seed_request,
                "event_payload": {**seed_request["event_payload"], "operation": "CREATE"},
            },
        )

"""Schemathesis against the in-process collector: the spec and the mock agree.

Derandomized, so every run generates the same requests.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from events_mock.contract.strategies import register_schemathesis_formats

pytestmark = pytest.mark.slow

AUTH = {"Authorization": "Bearer tok-acme"}  # the acme tenant of tests._support.TENANTS
SETTINGS = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def schema(app):
    register_schemathesis_formats()
    return schemathesis.openapi.from_asgi("/openapi/event-collector.json", app)


def operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


def test_valid_requests_are_answered_as_documented(schema, app):
    reader = app.test_client()
    for operation in operations(schema):
        check_valid_requests(operation, reader)


def test_invalid_requests_are_refused_as_documented(schema):
    for operation in operations(schema):
        check_invalid_requests(operation)


def check_valid_requests(operation, reader):
    """Every valid request succeeds, and every created event reads back identically."""
    creates = operation.method.upper() == "POST"

    @SETTINGS
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    def check(case):
        case.headers = {**(case.headers or {}), **AUTH, "X-TWC-Tenant": "acme"}
        response = case.call()
        case.validate_response(response)
        if creates:
            assert response.status_code == 201
            (location,) = response.headers["location"]  # Schemathesis: name -> values
            again = reader.get(location, headers=case.headers)
            assert again.status_code == 200
            assert again.json() == response.json()

    check()


def check_invalid_requests(operation):
    """Schema-invalid requests (the tenant header too is generated) are refused, never 5xx."""

    @SETTINGS
    @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    def check(case):
        case.headers = {**(case.headers or {}), **AUTH}
        response = case.call()
        case.validate_response(response)
        assert response.status_code in (400, 401, 403, 404, 415)

    check()

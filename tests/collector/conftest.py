"""The collector served in-process, wired exactly as the mock server wires it."""

from __future__ import annotations

import pytest

from events_mock.app import build_app
from events_mock.collector import CollectorService, TenantEventStore, create_api
from tests._support import TENANTS


@pytest.fixture
def store():
    return TenantEventStore()


@pytest.fixture
def api(store):
    return create_api(CollectorService(store), TENANTS)


@pytest.fixture
def app(api):
    return build_app([api], validate_responses=True)


@pytest.fixture
def client(app):
    return app.test_client()

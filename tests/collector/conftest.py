"""The collector served in-process by Connexion, wired the way the mock server should wire it."""

from __future__ import annotations

import connexion
import pytest
from connexion.exceptions import ProblemException
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException

from events_mock.apis import MockApi
from events_mock.collector import EventStore, create_api

TENANTS = {"acme": "tok-acme", "globex": "tok-globex"}


def build_app(api: MockApi, handled: list[tuple[str, type]]) -> connexion.AsyncApp:
    """Every error is rendered by `api.render_error`; `handled` records which handler ran."""
    app = connexion.AsyncApp(__name__)
    app.add_api(
        api.spec,
        resolver=Resolver(function_resolver=api.resolve),
        security_map=api.security_map,
        validate_responses=True,
    )

    def on_problem(request, exc):
        handled.append(("problem", type(exc)))
        return api.render_error(exc.status, exc.detail or exc.title)

    def on_http(request, exc):
        # Starlette's own: routing 404/405. (ProblemException subclasses it, but the more
        # specific handler above wins.)
        handled.append(("http", type(exc)))
        return api.render_error(exc.status_code, exc.detail)

    def on_undecodable(request, exc):
        # Connexion's JSON body validator decodes without catching UnicodeDecodeError.
        handled.append(("unicode", type(exc)))
        return api.render_error(400, "The request body is not valid UTF-8")

    app.add_error_handler(ProblemException, on_problem)
    app.add_error_handler(HTTPException, on_http)
    app.add_error_handler(UnicodeDecodeError, on_undecodable)
    return app


@pytest.fixture
def store():
    return EventStore()


@pytest.fixture
def api(store):
    return create_api(store, TENANTS)


@pytest.fixture
def handled():
    return []


@pytest.fixture
def app(api, handled):
    return build_app(api, handled)


@pytest.fixture
def client(app):
    return app.test_client()

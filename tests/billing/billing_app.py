"""The Billing Care API in an in-process Connexion app, for the HTTP and contract tests."""

from __future__ import annotations

import connexion
from connexion.exceptions import ProblemException
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException

from events_mock.apis import MockApi


def build_app(api: MockApi) -> connexion.AsyncApp:
    """The app as the server builds it: strict parameters, framework errors in the API's shape."""
    app = connexion.AsyncApp(__name__)
    app.add_api(
        api.spec,
        resolver=Resolver(function_resolver=api.resolve),
        security_map=api.security_map,
        strict_validation=True,
        validate_responses=True,
    )

    def handle(request: object, exc: Exception):
        if isinstance(exc, ProblemException):
            return api.render_error(exc.status, str(exc.detail or exc.title))
        if isinstance(exc, HTTPException):
            return api.render_error(exc.status_code, str(exc.detail))
        return api.render_error(500, "An internal error occurred in the mock.")

    for kind in (ProblemException, HTTPException, Exception):
        app.add_error_handler(kind, handle)
    return app

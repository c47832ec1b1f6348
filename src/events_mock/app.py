"""Builds the mock: its state, and the Connexion app that serves every API over that state."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException

from events_mock.apis import MockApi
from events_mock.barchart.api import BarchartService
from events_mock.barchart.api import create_api as barchart_api
from events_mock.barchart.catalog import load_catalog
from events_mock.barchart.jobs import JobSettings, ReportJobs
from events_mock.barchart.store import EventStore
from events_mock.clock import MockClock

logger = logging.getLogger("events_mock")

DEMO_USERS = {"demo": "demo"}


@dataclass
class MockConfig:
    users: Mapping[str, str] = field(default_factory=lambda: dict(DEMO_USERS))
    jobs: JobSettings = field(default_factory=JobSettings)
    validate_responses: bool = False
    clock: MockClock | None = None


class EventsMock:
    """One mock server: the state of every API it serves, and the ASGI app serving it."""

    def __init__(self, config: MockConfig | None = None) -> None:
        self.config = config or MockConfig()
        self.clock = self.config.clock or MockClock()
        store = EventStore()
        catalog = load_catalog()
        self.barchart = BarchartService(
            store=store,
            jobs=ReportJobs(store, self.clock, catalog, self.config.jobs),
            catalog=catalog,
        )
        self.apis = [barchart_api(self.barchart, self.config.users)]
        self.app = build_app(self.apis, validate_responses=self.config.validate_responses)


def build_app(apis: Sequence[MockApi], *, validate_responses: bool = False) -> AsyncApp:
    app = AsyncApp(__name__)
    for api in apis:
        app.add_api(
            api.spec,
            name=api.name,
            resolver=Resolver(function_resolver=api.resolve),
            security_map=api.security_map,
            strict_validation=True,
            validate_responses=validate_responses,
            swagger_ui_options=SwaggerUIOptions(
                swagger_ui_path="/ui" if api.name == "barchart" else f"/ui/{api.name}",
                spec_path="/openapi.json"
                if api.name == "barchart"
                else f"/openapi/{api.name}.json",
            ),
        )
        for path, method in api.extra_routes:
            app.add_url_rule(path, f"{api.name}.{method}", getattr(api.handlers, method))
    handler = _error_handler(apis)
    for kind in (ProblemException, HTTPException, Exception):
        app.add_error_handler(kind, handler)
    return app


def _error_handler(apis: Sequence[MockApi]):
    """Framework errors (validation, auth, routing) rendered in the owning API's error shape."""
    by_prefix = sorted(
        ((prefix, api) for api in apis for prefix in api.path_prefixes),
        key=lambda pair: len(pair[0]),
        reverse=True,
    )

    def handle(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        status, message = describe(exc)
        path = request.url.path
        api = next((api for prefix, api in by_prefix if path.startswith(prefix)), apis[0])
        response = api.render_error(status, message)
        # Keep the headers the framework attached, e.g. `Allow` on 405 (RFC 9110 requires it).
        if isinstance(exc, HTTPException) and exc.headers:
            response.headers = {**dict(exc.headers), **(response.headers or {})}
        return response

    return handle


def describe(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, ProblemException):
        message = str(exc.detail or exc.title)
        return exc.status, re.sub(
            r"is not one of \[.*\]", "is not one of the accepted values", message
        )
    if isinstance(exc, HTTPException):
        return exc.status_code, str(exc.detail)
    if isinstance(exc, UnicodeDecodeError):
        # Connexion decodes the body before parsing it; bytes that are not UTF-8 are bad input.
        return 400, f"The request body is not valid UTF-8: {exc.reason}"
    logger.exception("unhandled error", exc_info=exc)
    return 500, "An internal error occurred in the mock."

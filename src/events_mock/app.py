"""Builds the mock: its state, and the Connexion app that serves every API over that state."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from events_mock.barchart.catalog import load_catalog
from events_mock.barchart.jobs import JobSettings
from events_mock.barchart.service import BarchartService
from events_mock.barchart.wiring import create_api as barchart_api
from events_mock.billing.dataset import DEFAULT_EVENT_COUNT, DEFAULT_SEED, BillingDataset
from events_mock.billing.dataset import generate as generate_billing_events
from events_mock.billing.service import BillingService
from events_mock.billing.wiring import create_api as billing_api
from events_mock.bundle import bundle, bundled
from events_mock.clock import MockClock
from events_mock.collector.service import CollectorService
from events_mock.collector.wiring import create_api as collector_api
from events_mock.control import ControlPlane, ControlSettings
from events_mock.control.api import create_api as control_api
from events_mock.control.middleware import ControlMiddleware, is_control_path
from events_mock.control.prefer import documented_responses
from events_mock.cors import CorsSettings, MockedApiCors
from events_mock.framework.jsonifier import FastJsonifier
from events_mock.framework.operations import PreparedAsyncApp, prepared_middlewares
from events_mock.framework.validation import SchemaMessage, validator_map
from events_mock.home import ROUTED_METHODS, home_page
from events_mock.limits import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_EVENTS_PER_REQUEST,
    DEFAULT_MAX_STORED_BYTES,
    DEFAULT_MAX_STORED_EVENTS,
    BodySizeLimit,
    BodyTooLarge,
)
from events_mock.sandboxes import Sandboxes, SandboxSettings
from events_mock.sandboxes.api import sandbox_operations, sandbox_world
from events_mock.sandboxes.redis_registry import RedisSandboxes
from events_mock.sandboxes.router import SandboxRouter
from events_mock.seam import MockApi, api_for_path, base_path, load_spec, route_path
from events_mock.server_limits import RequestLimits, ServerLimits
from events_mock.store_failures import StoreFailures, unavailable_handler
from events_mock.stores import RedisConnection, StoreLocation, StoreUnavailable
from events_mock.stores.backend import DEFAULT_WORLD, MemoryWorldStore, WorldStore
from events_mock.stores.redis_batch import close_batcher
from events_mock.stores.redis_world import RedisWorldStore
from events_mock.world import SharedData, World, WorldSettings

logger = logging.getLogger("events_mock")

DEMO_USERS = {"demo": "demo"}
DEMO_TENANTS = {"demo": "demo-token"}
DEMO_BILLING_TOKENS = {"demo": "demo-billing-token"}


@dataclass
class MockConfig:
    users: Mapping[str, str] = field(default_factory=lambda: dict(DEMO_USERS))
    """Barchart Basic-auth users: name -> password."""
    tenants: Mapping[str, str] = field(default_factory=lambda: dict(DEMO_TENANTS))
    """Event Collector tenants: name -> bearer token."""
    billing_tokens: Mapping[str, str] = field(default_factory=lambda: dict(DEMO_BILLING_TOKENS))
    """Billing Care clients: name -> bearer token."""
    billing_seed: int = DEFAULT_SEED
    billing_events: int = DEFAULT_EVENT_COUNT
    """The generated Billing Care data set: same seed, same events."""
    billing_data: BillingDataset | None = None
    """Billing Care records to serve instead of generated ones (`serve --billing-data`)."""
    jobs: JobSettings = field(default_factory=JobSettings)
    validate_responses: bool = False
    clock: MockClock | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_events_per_request: int = DEFAULT_MAX_EVENTS_PER_REQUEST
    max_stored_events: int = DEFAULT_MAX_STORED_EVENTS
    """Per store: Barchart events, and Event Collector events over all tenants."""
    max_stored_bytes: int = DEFAULT_MAX_STORED_BYTES
    """Per store as well: what events hold (Barchart: context values; collector: JSON size)."""
    control: ControlSettings = field(default_factory=ControlSettings)
    sandboxes: SandboxSettings = field(default_factory=SandboxSettings)
    request_limits: RequestLimits = field(default_factory=RequestLimits)
    """Head size, query parameters, body deadline: checked before any API sees a request."""
    cors: CorsSettings = field(default_factory=CorsSettings)
    store: StoreLocation = field(default_factory=StoreLocation)
    """Where the worlds' state lives: this process (the default) or a Redis every worker and
    replica shares (`events_mock.stores`)."""
    """Which browser origins may call the mocked APIs (and, if it says so, the control plane)."""


class EventsMock:
    """One mock server: its worlds (the default one and any sandboxes), and the ASGI app
    serving them. The app is built once; each request runs in the world it names
    (`events_mock.sandboxes.router`), so `barchart`, `control`, ... are the default world's."""

    def __init__(self, config: MockConfig | None = None) -> None:
        self.config = config or MockConfig()
        billing_data = self.config.billing_data
        if billing_data is None:
            billing_data = generate_billing_events(
                self.config.billing_seed, self.config.billing_events
            )
        self.shared = SharedData(catalog=load_catalog(), billing_data=billing_data)
        self.store_connection = (
            None if self.config.store.is_memory else RedisConnection(self.config.store)
        )
        """The Redis every Redis-backed piece of this server shares; None in memory."""
        self.sandboxes = sandboxes = (
            Sandboxes(self.config.sandboxes)
            if self.store_connection is None
            else RedisSandboxes(self.config.sandboxes, self.store_connection, self.world_store)
        )
        current = sandboxes.current
        self.apis = [
            barchart_api(lambda: current().barchart, lambda: current().users),
            collector_api(lambda: current().collector, lambda: current().tenants),
            billing_api(lambda: current().billing, lambda: current().billing_tokens),
        ]
        # The control plane sees every API (faults, journal, state), itself included last.
        self.apis.append(
            control_api(
                lambda: current().control,
                lambda: current().barchart.jobs,
                extra_operations=sandbox_operations(sandboxes),
            )
        )
        control_settings = self.config.control
        if self.config.cors.control:
            control_settings = replace(control_settings, trusted_origin=self.config.cors.allows)
        self.world_settings = WorldSettings(
            users=self.config.users,
            tenants=self.config.tenants,
            billing_tokens=self.config.billing_tokens,
            jobs=self.config.jobs,
            max_events_per_request=self.config.max_events_per_request,
            max_stored_events=self.config.max_stored_events,
            max_stored_bytes=self.config.max_stored_bytes,
            control=control_settings,
        )
        store = self.world_store(DEFAULT_WORLD)
        clock = self.config.clock
        if clock is not None and self.store_connection is not None:
            # On Redis the clock is the store's, shared by every worker: the configured one
            # only says where it starts if Redis holds none for this world yet.
            clock = store.clock(clock.now_ms(), clock.rate)
        self.default_world = World(
            self.world_settings, self.shared, self.apis, clock=clock, default=True, store=store
        )
        sandboxes.default = self.default_world
        sandboxes.make_world = self._sandbox_world
        # Redis unreachable: 503 with Retry-After (the in-memory store cannot fail so); once
        # around the router, once inside CORS, so the 503s of faults, the clock and the
        # journal get the CORS headers as every other answer of a mocked API does.
        unavailable = [partial(StoreFailures, apis=self.apis)] if self.store_connection else []
        self.app = build_app(
            self.apis,
            validate_responses=self.config.validate_responses,
            max_body_bytes=self.config.max_body_bytes,
            middlewares=[
                *unavailable,
                partial(SandboxRouter, sandboxes=sandboxes, apis=self.apis),
                # Outside the control middleware: preflights are answered before faults and
                # the journal, and the answers faults shape get the CORS headers too.
                partial(MockedApiCors, settings=self.config.cors, is_control_path=is_control_path),
                *unavailable,
                partial(ControlMiddleware, control=lambda: current().control),
            ],
            request_limits=self.config.request_limits,
        )

    # The default world's, as before sandboxes existed (the test kit and tests use them).

    @property
    def clock(self) -> MockClock:
        return self.default_world.clock

    @property
    def barchart(self) -> BarchartService:
        return self.default_world.barchart

    @property
    def collector(self) -> CollectorService:
        return self.default_world.collector

    @property
    def billing(self) -> BillingService:
        """Billing Care searches `self.billing.data`; the control plane's state replaces it."""
        return self.default_world.billing

    @property
    def control(self) -> ControlPlane:
        return self.default_world.control

    def world_store(self, world_id: str) -> WorldStore:
        """Where the world `world_id` (the default one, or a sandbox) keeps its state."""
        if self.store_connection is None:
            return MemoryWorldStore(world_id)
        return RedisWorldStore(self.store_connection, world_id)

    def close(self) -> None:
        """Lets go of the Redis connections (the in-memory store holds nothing to close)."""
        if self.store_connection is not None:
            close_batcher(self.store_connection)
            self.store_connection.close()

    def _sandbox_world(self, **options: Any) -> World:
        return sandbox_world(self.world_settings, self.shared, self.apis, self.sandboxes, **options)


def build_app(
    apis: Sequence[MockApi],
    *,
    validate_responses: bool = False,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    middlewares: Sequence[Callable] = (),
    request_limits: RequestLimits | None = None,
) -> PreparedAsyncApp:
    """`middlewares` (app -> ASGI app factories) wrap everything else, first outermost, inside
    `ServerLimits` (`request_limits`), which refuses what no API should read."""
    limits = partial(ServerLimits, apis=apis, limits=request_limits or RequestLimits())
    app = PreparedAsyncApp(
        __name__,
        validate_responses=validate_responses,
        validator_map=validator_map(),
        jsonifier=FastJsonifier(),
        middlewares=[limits, *middlewares, *prepared_middlewares(validate_responses)],
    )
    app.add_middleware(
        BodySizeLimit, position=MiddlewarePosition.BEFORE_SWAGGER, max_bytes=max_body_bytes
    )
    # Connexion mounts each API's Swagger UI at the API's base path; of those sharing the root,
    # only the last one added is reachable. That one hosts a single UI listing every spec.
    at_root = [api for api in apis if base_path(load_spec(api.spec)) == ""]
    ui_host = at_root[-1] if at_root else apis[-1]
    ui = SwaggerUIOptions(
        serve_spec=False,
        swagger_ui_config={
            "urls": [{"url": spec_url(api), "name": api.name} for api in apis],
            "urls.primaryName": apis[0].name,
        },
    )
    for api in apis:
        app.add_api(
            bundle(api.spec),  # parsed once already; Connexion's own YAML parse: 0.1 s
            name=api.name,
            resolver=Resolver(function_resolver=api.resolve),
            security_map=api.security_map,
            strict_validation=True,
            validate_responses=validate_responses,
            swagger_ui_options=ui if api is ui_host else SwaggerUIOptions(swagger_ui=False),
        )
        app.add_url_rule(spec_url(api), f"{api.name}.spec", serve_spec(api))
        for path, method in api.extra_routes:
            app.add_url_rule(path, f"{api.name}.{method}", getattr(api.handlers, method))
    app.add_url_rule("/", "home", home_page(apis, spec_url), methods=ROUTED_METHODS)
    handler = _error_handler(apis)
    for kind in (ProblemException, HTTPException, Exception):
        app.add_error_handler(kind, handler)
    app.add_error_handler(StoreUnavailable, unavailable_handler(apis))
    return app


def spec_url(api: MockApi) -> str:
    return f"/openapi/{api.name}.json"


def serve_spec(api: MockApi) -> Callable[[Request], Awaitable[JSONResponse]]:
    """The spec as JSON, its servers pointed at this mock so the UI's "Try it out" stays here,
    and self-contained (`bundle`), so readers of the URL can resolve every reference."""
    path = base_path(load_spec(api.spec))

    async def endpoint(request: Request) -> JSONResponse:
        server = str(request.base_url).rstrip("/") + path
        return JSONResponse({**bundled(api.spec), "servers": [{"url": server}]})

    return endpoint


def _error_handler(
    apis: Sequence[MockApi],
) -> Callable[[ConnexionRequest, Exception], ConnexionResponse]:
    """Framework errors (validation, auth, routing) rendered in the owning API's error shape."""

    def handle(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        path = route_path(request.scope)
        api = api_for_path(apis, path)
        status, message = describe(exc, spec_url(api))
        response = api.render_error(status, message)
        if isinstance(exc, HTTPException) and exc.headers:
            response.headers.update(exc.headers)
        if status == 405:
            # RFC 9110 wants every method of the resource; the router only knows one route's.
            allowed = documented_responses(api.spec).methods(path)
            if allowed:
                response.headers["Allow"] = ", ".join(allowed)
        return response

    return handle


def shortened(message: str, limit: int = 600) -> str:
    """Validation messages quote the offending value, which may be a whole 10 MiB body; the
    start says what is wrong and the end (Connexion's ` - 'path'`) where, so both are kept."""
    if len(message) <= limit:
        return message
    half = limit // 2
    return f"{message[:half]} … {message[-half:]}"


def describe(exc: Exception, spec: str | None = None) -> tuple[int, str]:
    """Status and message for a framework error; `spec` is where the API's spec is served, for
    messages that point to it (an enum too long to list)."""
    if isinstance(exc, ProblemException):
        if isinstance(exc.detail, SchemaMessage):  # a schema error, answered in JSON terms
            return exc.status, shortened(exc.detail.in_json_terms(spec))
        message = str(exc.detail or exc.title)
        message = re.sub(r"is not one of \[.*\]", "is not one of the accepted values", message)
        return exc.status, shortened(message)
    if isinstance(exc, HTTPException):
        return exc.status_code, str(exc.detail)
    if isinstance(exc, BodyTooLarge):
        return 413, str(exc)
    if isinstance(exc, UnicodeDecodeError):  # Connexion decodes JSON bodies without catching it
        return 400, f"The request body is not valid UTF-8: {exc.reason}"
    logger.exception("unhandled error", exc_info=exc)
    return 500, "An internal error occurred in the mock."

"""Connexion's AsyncApp with its per-request set-up done once per operation, at start-up.

Connexion 3 prepares a great deal on every request that depends only on the operation: it
wraps the handler anew (building the parameter and response decorators and inspecting the
handler's signature), builds URI parsers and validators, and looks the operation's media
types and body schema up again. On this mock that was two thirds of the time of a GET. Here
that work is done once per operation, and every request runs what is left:

- `PreparedOperation` calls the handler. For the plain operations every API of this mock has
  (no query parameters, no form bodies) it assembles the arguments itself, with Connexion's
  own helpers, from what it worked out at start-up; for anything else it runs Connexion's
  decorators, built once. `tests/framework/test_operations.py` checks both give handlers the
  same arguments and clients the same answers as Connexion's stock AsyncApp.
- `PreparedRequestValidationMiddleware` validates exactly as Connexion's does, with the
  operation's parameter validator, accepted media types and body schemas prepared once, but
  for one answer: a body without `Content-Type` is 415, where Connexion validates it as the
  operation's first media type and then hands the handler raw bytes (a 500 in every handler).
- `PreparedSwaggerUIMiddleware` lets requests that cannot be for the Swagger UI skip its
  router; `PreparedRoutingMiddleware` remembers where a path was routed; the routed
  middlewares (security, validation, context, handler) find their operation with one dict
  lookup (`OperationDispatch`).
- The response validation middleware is left out when response validation is off (it only
  passed requests on).

Middleware positions (`MiddlewarePosition`) keep working: `PreparedAsyncApp.add_middleware`
places a middleware before the stock class or its prepared subclass.

The private Connexion members this relies on are listed in `events_mock.framework`.
"""

from __future__ import annotations

import asyncio
import functools
import typing as t
from contextvars import ContextVar
from functools import partial

from connexion import AsyncApp
from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp
from connexion.context import context as context_proxy
from connexion.datastructures import MediaTypeDict
from connexion.decorators import StarletteDecorator
from connexion.decorators.parameter import (
    CONTEXT_NAME,
    _get_body_argument,
    _get_val_from_param,
    pythonic,
    sanitized,
)
from connexion.decorators.response import AsyncResponseDecorator
from connexion.exceptions import UnsupportedMediaTypeProblem
from connexion.frameworks.starlette import Starlette as StarletteFramework
from connexion.http_facts import FORM_CONTENT_TYPES
from connexion.jsonifier import Jsonifier
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware import ConnexionMiddleware, MiddlewarePosition
from connexion.middleware.abstract import ROUTING_CONTEXT, RoutedMiddleware
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.request_validation import (
    RequestValidationAPI,
    RequestValidationMiddleware,
    RequestValidationOperation,
    logger,
)
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.security import SecurityMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.operations import AbstractOperation
from connexion.utils import (
    inspect_function_arguments,
    is_json_mimetype,
    is_nullable,
    split_content_type,
)
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response as StarletteResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from events_mock.framework.validation import PARSED_BODY

__all__ = [
    "PREPARED",
    "OperationDispatch",
    "PreparedASGIApp",
    "PreparedApi",
    "PreparedAsyncApp",
    "PreparedContextMiddleware",
    "PreparedOperation",
    "PreparedRequestValidationMiddleware",
    "PreparedResponseDecorator",
    "PreparedRoutingMiddleware",
    "PreparedSecurityMiddleware",
    "PreparedSwaggerUIMiddleware",
    "prepared_middlewares",
    "route_prefixes",
]

_NOTHING = object()


class PreparedResponseDecorator(AsyncResponseDecorator):
    """Connexion's response building, with the operation's media types read once."""

    def __init__(self, operation: AbstractOperation, *, jsonifier: Jsonifier) -> None:
        super().__init__(framework=StarletteFramework, jsonifier=jsonifier)
        self._produces = list(set(operation.produces))
        only = self._produces[0] if len(self._produces) == 1 else None
        self._json_type = only if only and is_json_mimetype(split_content_type(only)[0]) else None

    def _infer_content_type(self, data: t.Any, headers: dict) -> str | None:
        if not headers:  # the common case of Connexion's rules, for a fixed `produces`
            if data is not None and not self._produces:
                return "application/json"
            if len(self._produces) == 1:
                return self._produces[0]
        return AsyncResponseDecorator._infer_content_type(data, headers)

    def respond(self, handler_response: t.Any) -> StarletteResponse:
        if isinstance(handler_response, StarletteResponse):
            return handler_response
        if isinstance(handler_response, ConnexionResponse):
            return StarletteFramework.connexion_to_framework_response(handler_response)
        content_type = self._json_type
        if content_type is not None and type(handler_response) in (dict, list):
            # What build_framework_response makes of a bare JSON value, without the detours.
            return StarletteResponse(
                content=self.jsonifier.dumps(handler_response),
                status_code=200,
                media_type=content_type,
                headers={"Content-Type": content_type},
            )
        return self.build_framework_response(handler_response)


class PreparedOperation:
    """One operation's handler, with everything that depends only on the operation prepared."""

    def __init__(
        self, operation: AbstractOperation, *, jsonifier: Jsonifier, pythonic_params: bool
    ) -> None:
        self.operation_id = operation.operation_id
        self._operation = operation
        self._uri_parser = operation.uri_parser_class(
            operation.parameters, operation.body_definition()
        )
        function = operation.function
        decorator = StarletteDecorator(pythonic_params=pythonic_params, jsonifier=jsonifier)
        self._decorated = decorator.decorate(function)
        self._function = function
        self._is_async = asyncio.iscoroutinefunction(function)
        unwrapped = function
        while hasattr(unwrapped, "__wrapped__"):
            unwrapped = unwrapped.__wrapped__
        self._arguments, self._has_kwargs = inspect_function_arguments(unwrapped)
        sanitize = pythonic if pythonic_params else sanitized
        self._sanitize = functools.lru_cache(maxsize=1024)(sanitize)  # a pure function of a name
        self._path_definitions = {p["name"]: p for p in operation.parameters if p["in"] == "path"}
        self._respond = PreparedResponseDecorator(operation, jsonifier=jsonifier).respond
        self._plain = (
            operation.method.upper() != "TRACE"
            and not any(p["in"] == "query" for p in operation.parameters)
            and not any(c in FORM_CONTENT_TYPES for c in operation.consumes)
        )
        self._no_body = not operation.request_body  # then a form media type changes nothing
        body_name = self._sanitize(operation.body_name(None)) if operation.request_body else ""
        self._wants_body = bool(operation.request_body) and (
            body_name in self._arguments or self._has_kwargs
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = ConnexionRequest(scope, receive, uri_parser=self._uri_parser)
        if self._plain and (self._no_body or request.mimetype not in FORM_CONTENT_TYPES):
            response = self._respond(await self._call_plain(request))
        else:
            response = await self._decorated(request)
        await response(scope, receive, send)

    async def _call_plain(self, request: ConnexionRequest) -> t.Any:
        """What Connexion's parameter decorator does, for an operation without query or form."""
        sanitize = self._sanitize
        kwargs: dict[str, t.Any] = {}
        for name, value in request.path_params.items():
            definition = self._path_definitions.get(name)
            kwargs[sanitize(name)] = (
                _get_val_from_param(value, definition) if definition is not None else value
            )
        if self._operation.request_body:
            body = None
            if self._wants_body:
                parsed = request.scope.get("extensions", {}).pop(PARSED_BODY, _NOTHING)
                if parsed is not _NOTHING and is_json_mimetype(request.content_type):
                    body = parsed  # the document the body's schema was checked against
                else:
                    body = await request.get_body()
            while asyncio.iscoroutine(body):
                body = await body
            kwargs.update(
                _get_body_argument(
                    body,
                    operation=self._operation,
                    arguments=self._arguments,
                    has_kwargs=self._has_kwargs,
                    sanitize=sanitize,
                    content_type=request.mimetype,
                )
            )
        kwargs = {sanitize(k): v for k, v in kwargs.items()}
        context = request.scope.get("extensions", {}).get("connexion_context", {})
        for key, value in context.items():
            if self._has_kwargs or key in self._arguments:
                kwargs[key] = value
        if CONTEXT_NAME in self._arguments:
            kwargs[CONTEXT_NAME] = context_proxy
        if self._is_async:
            return await self._function(**kwargs)
        return await run_in_threadpool(self._function, **kwargs)


class OperationDispatch(RoutedMiddleware):
    """`RoutedMiddleware.__call__` with the operations found by one dict lookup.

    The table holds, for each (API base path, operation id), the operation the stock loop
    would pick (the first API at that base path that has it); anything else takes the stock
    path.
    """

    _table: dict[tuple[t.Any, t.Any], t.Any] | None = None

    def add_api(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        self._table = None
        return super().add_api(*args, **kwargs)

    def _build_table(self) -> dict[tuple[t.Any, t.Any], t.Any]:
        table: dict[tuple[t.Any, t.Any], t.Any] = {}
        for base, apis in self.apis.items():
            for api in apis:
                for operation_id, operation in dict(api.operations).items():
                    table.setdefault((base, operation_id), operation)
        self._table = table
        return table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routing = (
            scope.get("extensions", {}).get(ROUTING_CONTEXT) if scope["type"] == "http" else None
        )
        if routing is not None:
            table = self._table if self._table is not None else self._build_table()
            operation = table.get((routing.get("api_base_path"), routing.get("operation_id")))
            if operation is not None:
                await operation(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


class PreparedSecurityMiddleware(OperationDispatch, SecurityMiddleware):
    pass


class PreparedContextMiddleware(OperationDispatch, ContextMiddleware):
    pass


class PreparedApi(AsyncApi):
    def make_operation(self, operation: AbstractOperation) -> PreparedOperation:
        return PreparedOperation(
            operation, jsonifier=self.jsonifier, pythonic_params=self.pythonic_params
        )


class PreparedASGIApp(OperationDispatch, AsyncASGIApp):
    api_cls = PreparedApi


class PreparedRequestValidationOperation(RequestValidationOperation):
    """`RequestValidationOperation.__call__`, with what depends on the operation kept."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        operation = self._operation
        uri_parser = operation.uri_parser_class(operation.parameters, operation.body_definition())
        self._parameter_validator = self._validator_map["parameter"](
            operation.parameters,
            uri_parser=uri_parser,
            strict_validation=self.strict_validation,
            security_query_params=self.security_query_params,
        )
        self._has_parameters = bool(operation.parameters)
        self._media_types = (
            MediaTypeDict([(c.lower(), None) for c in operation.consumes])
            if operation.consumes
            else None
        )
        self._bodies: dict[str, tuple[t.Any, ...] | None] = {}

    def validate_mime_type(self, mime_type: str) -> None:
        if self._media_types is not None and mime_type.lower() not in self._media_types:
            super().validate_mime_type(mime_type)

    def _body_validation(self, mime_type: str) -> tuple[t.Any, ...] | None:
        """(validator class, schema, required, nullable) for a media type, or None."""
        if mime_type not in self._bodies:
            schema = self._operation.body_schema(mime_type)
            found = None
            if schema:
                try:
                    validator_cls = self._validator_map["body"][mime_type]
                except KeyError:
                    validator_cls = None
                if validator_cls is not None:
                    found = (
                        validator_cls,
                        schema,
                        self._operation.request_body.get("required", False),
                        is_nullable(self._operation.body_definition(mime_type)),
                    )
            self._bodies[mime_type] = found
        return self._bodies[mime_type]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._has_parameters or scope.get("query_string"):
            self._parameter_validator.validate(scope)
        if self._media_types is None and not self._operation.request_body:
            await self.next_app(scope, receive, send)  # no body: the media type matters not
            return
        if self._operation.request_body and _untyped_body(scope["headers"]):
            # Connexion would guess the operation's first media type, validate the body as
            # that, and hand the handler raw bytes. RFC 9110 lets a recipient treat an untyped
            # body as application/octet-stream, which no operation here accepts: 415.
            accepted = self._operation.consumes
            raise UnsupportedMediaTypeProblem(
                detail=f"The request body has no Content-Type; send one of {accepted}"
            )
        mime_type, encoding = self.extract_content_type(scope["headers"])
        self.validate_mime_type(mime_type)
        if self._operation.request_body:
            body = self._body_validation(mime_type)
            if body is not None:
                validator_cls, schema, required, nullable = body
                validator = validator_cls(
                    schema=schema,
                    required=required,
                    nullable=nullable,
                    encoding=encoding,
                    strict_validation=self.strict_validation,
                    uri_parser=self._parameter_validator.uri_parser,
                )
                receive, scope = await validator.wrap_receive(receive, scope=scope)
            elif self._operation.body_schema(mime_type):
                logger.info(
                    f"Skipping validation. No validator registered for content type: {mime_type}."
                )
        await self.next_app(scope, receive, send)


def _untyped_body(headers: t.Iterable[tuple[bytes, bytes]]) -> bool:
    """A body (a non-zero length, or chunked) without a Content-Type header."""
    sized = False
    for name, value in headers:
        name = name.lower()
        if name == b"content-type":
            return False
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip(b" 0")):
            sized = True
    return sized


class PreparedRequestValidationAPI(RequestValidationAPI):
    def make_operation(self, operation: AbstractOperation) -> RequestValidationOperation:
        return PreparedRequestValidationOperation(
            self.next_app,
            operation=operation,
            strict_validation=self.strict_validation,
            validator_map=self.validator_map,
        )


class PreparedRequestValidationMiddleware(OperationDispatch, RequestValidationMiddleware):
    api_cls = PreparedRequestValidationAPI


class PreparedSwaggerUIMiddleware(SwaggerUIMiddleware):
    """Sends requests that no Swagger UI or spec route can match straight on.

    Connexion's passes every request through its own router first (every API path, every
    time). A path that starts with none of the routes' fixed prefixes cannot match any of them,
    nor their trailing-slash variants, so it goes to the next app at once, as the router's
    default would have sent it.
    """

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self._prefixes: tuple[str, ...] | None = ()

    def add_api(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().add_api(*args, **kwargs)
        self._prefixes = route_prefixes(self.router.routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        prefixes = self._prefixes
        if (
            prefixes is not None
            and scope["type"] == "http"
            and not scope["path"].startswith(prefixes)
        ):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def route_prefixes(routes: t.Iterable[BaseRoute], base: str = "") -> tuple[str, ...] | None:
    """The fixed start of every path the routes can match (None: cannot tell)."""
    prefixes: list[str] = []
    for route in routes:
        if isinstance(route, Mount):
            inner = getattr(route.app, "routes", None)
            if inner is None:
                prefixes.append(base + route.path.rstrip("/"))
                continue
            found = route_prefixes(inner, base + route.path)
            if found is None:
                return None
            prefixes.extend(found)
        elif isinstance(route, Route):
            prefixes.append(base + route.path.split("{", 1)[0].rstrip("/"))
        else:
            return None
    return tuple(prefixes)


_learning: ContextVar[dict | None] = ContextVar("events_mock_routing_learning", default=None)


class PreparedRoutingMiddleware(RoutingMiddleware):
    """Connexion's routing, remembered: a request routed once to an operation is not routed
    through Starlette's mounts and route regexes again.

    Routing is a function of method, path and root paths alone (the routes are fixed once the
    app starts), so a repeat request gets what the first one got: the same changes to its
    scope, the same routing context, the same next app. Only requests that reached an operation
    are remembered (not 404s, 405s or redirects); at most `LIMIT` paths.
    """

    LIMIT = 4096

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self._next = app
        self._routes: dict[tuple, tuple[t.Any, t.Any, dict[str, t.Any]]] = {}

        async def watched(scope: Scope, receive: Receive, send: Send) -> None:
            learning = _learning.get()
            if learning is not None:
                learning["reached"] = learning.get("reached", 0) + 1
                learning["routing"] = dict(scope.get("extensions", {}).get(ROUTING_CONTEXT, {}))
            await app(scope, receive, send)

        self.app = watched  # what the operations' routes (added later) hand requests to

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        key = (
            scope["method"],
            scope["path"],
            scope.get("root_path"),
            scope.get("route_root_path"),
            scope.get("app_root_path"),
        )
        known = self._routes.get(key)
        if known is None:
            await self._route(key, scope, receive, send)
            return
        operation_id, api_base_path, changes = known
        original = dict(scope)
        for name, value in changes.items():  # what Starlette's routers wrote into the scope
            scope[name] = dict(value) if type(value) is dict else value
        original.setdefault("path_params", {}).update(scope.get("path_params", {}))
        routing = original.setdefault("extensions", {}).setdefault(ROUTING_CONTEXT, {})
        routing.update({"api_base_path": api_base_path, "operation_id": operation_id})
        await self._next(original, receive, send)

    async def _route(self, key: tuple, scope: Scope, receive: Receive, send: Send) -> None:
        before = dict(scope)
        learning: dict[str, t.Any] = {}
        token = _learning.set(learning)
        try:
            await super().__call__(scope, receive, send)
        finally:
            _learning.reset(token)
        routing = learning.get("routing", {})
        if learning.get("reached") != 1 or routing.get("operation_id") is None:
            return
        changes = {k: v for k, v in scope.items() if k not in before or before[k] is not v}
        changes = {k: dict(v) if type(v) is dict else v for k, v in changes.items()}
        if len(self._routes) >= self.LIMIT:
            self._routes.clear()
        self._routes[key] = (routing["operation_id"], routing.get("api_base_path"), changes)


PREPARED = {
    RoutingMiddleware: PreparedRoutingMiddleware,
    SwaggerUIMiddleware: PreparedSwaggerUIMiddleware,
    SecurityMiddleware: PreparedSecurityMiddleware,
    RequestValidationMiddleware: PreparedRequestValidationMiddleware,
    ContextMiddleware: PreparedContextMiddleware,
}


def prepared_middlewares(validate_responses: bool) -> list:
    """Connexion's default stack with the prepared classes, and no response validation if off."""
    middlewares = [PREPARED.get(m, m) for m in ConnexionMiddleware.default_middlewares]
    if not validate_responses:
        middlewares.remove(ResponseValidationMiddleware)
    return middlewares


class PreparedAsyncApp(AsyncApp):
    """`AsyncApp` with the per-operation work done at start-up; same options, same answers."""

    def __init__(self, import_name: str, *, validate_responses: bool = False, **kwargs: t.Any):
        kwargs.setdefault("middlewares", prepared_middlewares(validate_responses))
        super().__init__(import_name, validate_responses=validate_responses, **kwargs)
        self._middleware_app = PreparedASGIApp()
        self.middleware.app = self._middleware_app

    def add_middleware(
        self,
        middleware_class: type,
        position: MiddlewarePosition = MiddlewarePosition.BEFORE_CONTEXT,
        **options: t.Any,
    ) -> None:
        """As Connexion's, also finding a position's middleware by its prepared subclass."""
        stack = self.middleware
        if stack.middleware_stack is not None:
            raise RuntimeError("Cannot add middleware after an application has started")
        for index, middleware in enumerate(stack.middlewares):
            cls = middleware.func if isinstance(middleware, partial) else middleware
            if isinstance(cls, type) and issubclass(cls, position.value):
                stack.middlewares.insert(index, partial(middleware_class, **options))
                return
        raise ValueError(f"Could not insert middleware at position {position.name}.")

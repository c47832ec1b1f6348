"""`PreparedAsyncApp` gives handlers the same arguments and clients the same answers as AsyncApp."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from connexion import AsyncApp
from connexion.lifecycle import ConnexionResponse
from connexion.middleware import MiddlewarePosition
from starlette.responses import PlainTextResponse

from events_mock.framework.operations import PreparedAsyncApp
from events_mock.framework.security import basic_security

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON_UTF8 = {"Content-Type": "application/json; charset=utf-8"}
LATIN1 = {"Content-Type": "application/json; charset=latin-1"}
STRING = {"type": "string"}
INTEGER = {"type": "integer"}
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "prepared", "version": "1"},
    "components": {
        "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}},
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}, "size": {"type": "integer"}},
            }
        },
    },
    "paths": {
        "/things/{name}/{count}": {
            "get": {
                "operationId": "path_params",
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": STRING},
                    {"name": "count", "in": "path", "required": True, "schema": INTEGER},
                ],
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/query": {
            "get": {
                "operationId": "query",
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 5}},
                    {
                        "name": "tags",
                        "in": "query",
                        "schema": {"type": "array", "items": {"type": "string"}},
                    },
                ],
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/things": {
            "post": {
                "operationId": "create",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                    },
                },
                "responses": {"201": {"description": "ok"}},
            },
            "put": {
                "operationId": "named_body",
                "requestBody": {
                    "x-body-name": "thing",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                    },
                },
                "responses": {"200": {"description": "ok"}},
            },
            "patch": {
                "operationId": "optional_body",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {"type": "object", "default": {"name": "default"}}
                        }
                    }
                },
                "responses": {"200": {"description": "ok"}},
            },
        },
        "/form": {
            "post": {
                "operationId": "form",
                "requestBody": {
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "properties": {"size": {"type": "integer"}},
                            }
                        }
                    }
                },
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/secret": {
            "get": {
                "operationId": "secret",
                "security": [{"basic": []}],
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/everything/{name}": {
            "post": {
                "operationId": "everything",
                "security": [{"basic": []}],
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "requestBody": {
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/sync": {"get": {"operationId": "sync", "responses": {"200": {"description": "ok"}}}},
        "/answers/{kind}": {
            "get": {
                "operationId": "answers",
                "parameters": [
                    {"name": "kind", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "ok", "content": {"application/json": {}}}},
            }
        },
        "/two-types": {
            "get": {
                "operationId": "two_types",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {}, "text/plain": {}},
                    }
                },
            }
        },
    },
}


class Handlers:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def record(self, operation: str, /, **kwargs: Any) -> dict[str, Any]:
        self.calls.append((operation, {k: _plain(v) for k, v in kwargs.items()}))
        return {"handler": operation}

    async def path_params(self, name, count):
        return self.record("path_params", name=name, count=count)

    async def query(self, limit, tags=None):
        return self.record("query", limit=limit, tags=tags)

    async def create(self, body):
        return self.record("create", body=body), 201

    async def named_body(self, thing):
        return self.record("named_body", thing=thing), 200, {"X-Extra": "1"}

    async def optional_body(self, body):
        return self.record("optional_body", body=body)

    async def form(self, body):
        return self.record("form", body=body)

    async def secret(self, user, token_info, context_):
        return self.record("secret", user=user, token_info=token_info, context_=context_)

    async def everything(self, **kwargs):
        return self.record("everything", **kwargs)

    def sync(self):
        return self.record("sync")

    async def answers(self, kind):
        self.record("answers", kind=kind)
        if kind == "none":
            return None
        if kind == "text":
            return "plain", 200, {"Content-Type": "text/plain"}
        if kind == "connexion":
            return ConnexionResponse(status_code=202, body=b"{}", content_type="application/json")
        if kind == "starlette":
            return PlainTextResponse("starlette", status_code=203)
        return [1, 2]

    async def two_types(self):
        self.record("two_types")
        return "text"


def _plain(value: Any) -> Any:
    if hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    return value


def check(user: str, password: str) -> dict | None:
    return {"sub": user} if (user, password) == ("u", "p") else None


def make(app_cls: type) -> tuple[Any, Handlers]:
    handlers = Handlers()
    app = app_cls(__name__)
    app.add_api(
        SPEC,
        resolver=lambda operation_id: getattr(handlers, operation_id),
        security_map={"basic": basic_security(check)},
        strict_validation=True,
    )
    return app, handlers


REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/things/a%20b/7", {}),
    ("GET", "/things/a/x", {}),
    ("GET", "/things/a/-3", {}),
    ("GET", "/query", {}),
    ("GET", "/query?limit=3&tags=a,b", {}),
    ("GET", "/query?unknown=1", {}),
    ("POST", "/things", {"json": {"name": "n", "size": 2}}),
    ("POST", "/things", {"json": {"size": 2}}),
    ("POST", "/things", {"content": b"{", "headers": {"Content-Type": "application/json"}}),
    ("POST", "/things", {"content": b"x", "headers": {"Content-Type": "text/plain"}}),
    ("PUT", "/things", {"json": {"name": "n"}}),
    ("POST", "/things", {"content": '{"name": "é"}'.encode(), "headers": JSON_UTF8}),
    ("POST", "/things", {"content": '{"name": "é"}'.encode("latin-1"), "headers": LATIN1}),
    ("POST", "/things", {"content": '{"name": "x"}'.encode("utf-16"), "headers": JSON_UTF8}),
    ("PATCH", "/things", {}),
    ("PATCH", "/things", {"json": {"name": "given"}}),
    ("POST", "/form", {"data": {"size": "3"}}),
    ("GET", "/secret", {"auth": ("u", "p")}),
    ("GET", "/secret", {"auth": ("u", "wrong")}),
    ("POST", "/everything/x", {"auth": ("u", "p"), "json": {"a": 1}}),
    ("POST", "/everything/x?extra=1", {"auth": ("u", "p"), "json": {"a": 1}}),
    ("GET", "/sync", {}),
    ("GET", "/sync", {"content": b"a=1", "headers": FORM}),
    ("GET", "/things/a/1", {"content": b"a=1", "headers": FORM}),
    ("GET", "/answers/json", {}),
    ("GET", "/answers/none", {}),
    ("GET", "/answers/text", {}),
    ("GET", "/answers/connexion", {}),
    ("GET", "/answers/starlette", {}),
    ("GET", "/two-types", {}),
    ("DELETE", "/sync", {}),
    ("GET", "/ui", {"follow_redirects": False}),
    ("GET", "/ui/", {}),
    ("GET", "/ui/swagger-ui.css", {}),
    ("GET", "/openapi.json", {}),
    ("GET", "/openapi.yaml", {}),
    ("GET", "/openapi.json/", {"follow_redirects": False}),
    ("GET", "/nowhere", {}),
]


def answer(client, method: str, path: str, options: dict[str, Any]) -> tuple:
    response = client.request(method, path, **options)
    headers = {k: v for k, v in response.headers.items() if k not in ("date", "server")}
    body = response.content
    with contextlib.suppress(ValueError):
        body = json.loads(body)
    return response.status_code, headers, body


@pytest.mark.parametrize("method,path,options", REQUESTS, ids=[f"{m} {p}" for m, p, _ in REQUESTS])
def test_same_arguments_and_answers_as_connexion(method: str, path: str, options: dict) -> None:
    stock, stock_handlers = make(AsyncApp)
    prepared, prepared_handlers = make(PreparedAsyncApp)
    expected = answer(stock.test_client(), method, path, options)
    got = answer(prepared.test_client(), method, path, options)
    assert got == expected
    assert prepared_handlers.calls == stock_handlers.calls


@pytest.mark.parametrize("position", list(MiddlewarePosition), ids=lambda p: p.name)
def test_middleware_positions_still_work(position: MiddlewarePosition) -> None:
    seen: list[str] = []

    class Spy:
        def __init__(self, app) -> None:
            self.app = app

        async def __call__(self, scope, receive, send) -> None:
            seen.append(scope["path"])
            await self.app(scope, receive, send)

    app, _ = make(PreparedAsyncApp)
    app.add_middleware(Spy, position=position)
    assert app.test_client().get("/sync").status_code == 200
    assert seen == ["/sync"]


@pytest.mark.parametrize("method,path,options", REQUESTS, ids=[f"{m} {p}" for m, p, _ in REQUESTS])
def test_repeat_requests_are_routed_like_the_first(method: str, path: str, options: dict) -> None:
    stock, stock_handlers = make(AsyncApp)
    prepared, prepared_handlers = make(PreparedAsyncApp)
    stock_client, prepared_client = stock.test_client(), prepared.test_client()
    for _ in range(3):
        assert answer(prepared_client, method, path, options) == answer(
            stock_client, method, path, options
        )
    assert prepared_handlers.calls == stock_handlers.calls


def describe_scope(scope: dict) -> dict:
    """What routing leaves in a scope, in terms comparable across two apps."""
    return {
        key: (type(value).__name__ if key in ("router", "endpoint", "app", "route") else value)
        for key, value in scope.items()
        if key
        not in ("headers", "client", "server", "state", "asgi", "extensions")
        + ("starlette.exception_handlers",)
    } | {"routing": (scope.get("extensions") or {}).get("connexion_routing")}


@pytest.mark.parametrize("root_path", ["", "/prefix"])
def test_routing_leaves_the_same_scopes_on_repeat(root_path: str) -> None:
    def spying(app_cls: type) -> tuple[Any, list]:
        seen: list = []

        class Before:
            def __init__(self, app) -> None:
                self.app = app

            async def __call__(self, scope, receive, send) -> None:
                await self.app(scope, receive, send)
                seen.append(("upstream", describe_scope(scope)))

        class After:
            def __init__(self, app) -> None:
                self.app = app

            async def __call__(self, scope, receive, send) -> None:
                seen.append(("downstream", describe_scope(scope)))
                await self.app(scope, receive, send)

        app, _ = make(app_cls)
        app.add_middleware(Before, position=MiddlewarePosition.BEFORE_ROUTING)
        app.add_middleware(After, position=MiddlewarePosition.BEFORE_SECURITY)
        return app, seen

    stock, stock_seen = spying(AsyncApp)
    prepared, prepared_seen = spying(PreparedAsyncApp)
    paths = ["/things/a/1", "/things/b/2", "/things/a/1", "/secret", "/sync", "/nowhere"]
    for client in (
        stock.test_client(root_path=root_path),
        prepared.test_client(root_path=root_path),
    ):
        for path in paths * 2:
            client.get(root_path + path, auth=("u", "p"))
    assert prepared_seen == stock_seen

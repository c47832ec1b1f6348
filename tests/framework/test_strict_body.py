"""Where the prepared app deliberately answers differently from Connexion's stock one.

Connexion's JSON body validator parses with `json.loads` and lets its exceptions through (a
RecursionError, an integer-limit ValueError, an unknown charset's LookupError: 500s), and
validates a body without `Content-Type` as the operation's first media type while the handler
gets raw bytes. `validation.CompiledJSONRequestBodyValidator` decodes with `strict_json` (400
with the reason), and `operations.PreparedRequestValidationOperation` refuses an untyped body
with 415.
"""

from __future__ import annotations

from typing import Any

import pytest
from connexion import AsyncApp

from events_mock.framework.operations import PreparedAsyncApp
from events_mock.framework.validation import validator_map

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "strict", "version": "1"},
    "paths": {
        "/things": {
            "post": {
                "operationId": "create",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/optional": {
            "post": {
                "operationId": "optional",
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "ok"}},
            }
        },
    },
}


class Handlers:
    def __init__(self) -> None:
        self.bodies: list[Any] = []

    async def create(self, body: Any) -> dict[str, Any]:
        self.bodies.append(body)
        return {"got": body}

    async def optional(self, body: Any = None) -> dict[str, Any]:
        self.bodies.append(body)
        return {"got": body}


@pytest.fixture
def app() -> tuple[Any, Handlers]:
    handlers = Handlers()
    app = PreparedAsyncApp(__name__, validator_map=validator_map())
    app.add_api(SPEC, resolver=lambda operation_id: getattr(handlers, operation_id))
    return app.test_client(), handlers


JSON = {"Content-Type": "application/json"}
HOSTILE = {
    "nested past the stack": b"[" * 5000 + b"]" * 5000,
    "nested past the bound": b'{"a":' * 129 + b"1" + b"}" * 129,
    "NaN": b'{"rate": NaN}',
    "huge integer": b'{"n": ' + b"1" * 5000 + b"}",
    "lone surrogate": b'{"s": "\\ud800"}',
    "repeated key": b'{"a": 1, "a": 2}',
}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_json_outside_the_rules_is_400_and_never_reaches_the_handler(app, body: bytes) -> None:
    client, handlers = app
    response = client.post("/things", content=body, headers=JSON)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The request body is not accepted JSON: ")
    assert handlers.bodies == []


def test_an_untyped_body_is_415(app) -> None:
    client, handlers = app
    response = client.post("/things", content=b'{"a": 1}')
    assert response.status_code == 415
    assert "no Content-Type" in response.json()["detail"]
    chunked = client.post("/things", content=iter([b'{"a": 1}']))  # no Content-Length
    assert chunked.status_code == 415
    assert handlers.bodies == []


@pytest.mark.parametrize("path", ["/things", "/optional"])
def test_no_body_and_no_content_type_is_answered_as_connexion_does(app, path: str) -> None:
    client, _ = app
    stock = AsyncApp(__name__)
    stock.add_api(SPEC, resolver=lambda operation_id: getattr(Handlers(), operation_id))
    expected = stock.test_client().post(path)
    got = client.post(path)
    assert (got.status_code, got.json()) == (expected.status_code, expected.json())


def test_an_unknown_charset_is_415(app) -> None:
    client, _ = app
    headers = {"Content-Type": "application/json;charset=no-such-codec"}
    response = client.post("/things", content=b"{}", headers=headers)
    assert response.status_code == 415
    assert "charset" in response.json()["detail"]


def test_a_body_in_another_charset_reaches_the_handler_as_validated(app) -> None:
    client, handlers = app
    headers = {"Content-Type": "application/json;charset=latin-1"}  # Connexion reads no space
    response = client.post("/things", content='{"name": "é"}'.encode("latin-1"), headers=headers)
    assert response.status_code == 200
    assert handlers.bodies == [{"name": "é"}]
    bad = client.post("/things", content=b'{"name": "\xff"}', headers=JSON)
    assert bad.status_code == 400 and "not valid UTF-8" in bad.json()["detail"]

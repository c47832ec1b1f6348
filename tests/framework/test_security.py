"""Security handler classes: the direct Basic check answers every credential exactly as
Connexion's own path does; a bearer handler resolves to the check it was made with."""

from __future__ import annotations

import base64

import pytest
from connexion.security import BasicSecurityHandler, BearerSecurityHandler

from events_mock.billing.security import BearerTokens
from events_mock.framework.operations import PreparedAsyncApp
from events_mock.framework.security import basic_security, bearer_security, checked_by
from tests.framework.test_operations import SPEC, Handlers, check


def app_with(security_class: type) -> PreparedAsyncApp:
    handlers = Handlers()
    app = PreparedAsyncApp(__name__)
    app.add_api(
        SPEC,
        resolver=lambda operation_id: getattr(handlers, operation_id),
        security_map={"basic": security_class},
    )
    return app


def basic(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode()


HEADERS = [
    None,
    "",
    basic(b"u:p"),
    basic(b"u:wrong"),
    basic(b"u:p:extra"),
    basic(b"nocolon"),
    basic(b":p"),
    basic("ü:p".encode("latin-1")),
    "Basic",
    "Basic !!!",
    "Basic dTpw garbage",
    "basic " + base64.b64encode(b"u:p").decode(),
    "BASIC " + base64.b64encode(b"u:p").decode(),
    "Bearer u:p",
    "Basic dTpw=====",
]


@pytest.mark.parametrize("header", HEADERS, ids=repr)
def test_same_answer_as_connexions_basic_check(header: str | None) -> None:
    stock = app_with(checked_by(BasicSecurityHandler, check)).test_client()
    direct = app_with(basic_security(check)).test_client()
    headers = {"Authorization": header} if header is not None else {}
    expected, got = stock.get("/secret", headers=headers), direct.get("/secret", headers=headers)
    assert (got.status_code, got.json()) == (expected.status_code, expected.json())


def test_checks_that_want_more_keep_connexions_path() -> None:
    def wants_request(username, password, request):
        return None

    assert basic_security(wants_request).__name__ == "Checked"
    assert basic_security(check).__name__ == "DirectBasic"


def test_handler_class_resolves_to_the_check() -> None:
    check = BearerTokens({"alice": "a-token"}).check
    handler_class = bearer_security(check)
    assert issubclass(handler_class, BearerSecurityHandler)
    assert handler_class()._resolve_func({"type": "http", "scheme": "bearer"}) is check

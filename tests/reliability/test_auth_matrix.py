"""Every secured operation of every spec refuses every kind of bad credential.

The operations come from the specs themselves, so an operation added later is covered too.
The control API's security is optional in its spec (loopback callers need none); here the mock
runs with a control token, which makes it required.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import pytest
import requests

from events_mock.app import EventsMock, MockConfig
from events_mock.control import ControlSettings
from events_mock.seam import base_path, load_spec
from tests._support import TENANTS

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
CONTROL_TOKEN = "control-s3cret"
USERS = {"alice": "s3cret"}
BILLING = {"reader": "tok-billing"}


def basic(value: bytes) -> str:
    return "Basic " + base64.b64encode(value).decode()


BAD_BASIC = {
    "no-header": None,
    "wrong-password": basic(b"alice:wrong"),
    "unknown-user": basic(b"mallory:s3cret"),
    "empty-user": basic(b":s3cret"),
    "malformed": "Basic !!!",
    "other-scheme": "Bearer s3cret",
}
BAD_BEARER = {
    "no-header": None,
    "wrong-token": "Bearer nope",
    "empty-token": "Bearer ",
    "malformed": "Bearer",
    "other-scheme": basic(b"alice:s3cret"),
}
TOKEN_OF_ANOTHER_API = {
    "event-collector": "Bearer tok-billing",
    "billing-care": "Bearer tok-acme",
    "control": "Bearer tok-acme",
}


def secured_operations() -> Iterator[tuple[str, str, str, str]]:
    mock = EventsMock()
    for api in mock.apis:
        spec = load_spec(api.spec)
        schemes = spec["components"]["securitySchemes"]
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                if method not in HTTP_METHODS:
                    continue
                security = operation.get("security", spec.get("security", []))
                for requirement in security:
                    for scheme in requirement:
                        kind = schemes[scheme]["scheme"]
                        concrete = re.sub(r"\{[^}]+\}", "x", base_path(spec) + path)
                        yield api.name, method.upper(), concrete, kind


OPERATIONS = list(secured_operations())


@pytest.fixture(scope="module")
def live_config() -> MockConfig:
    return MockConfig(
        users=USERS,
        tenants=TENANTS,
        billing_tokens=BILLING,
        control=ControlSettings(token=CONTROL_TOKEN),
        validate_responses=True,
    )


def cases() -> Iterator[object]:
    for api, method, path, kind in OPERATIONS:
        bad = (
            BAD_BASIC
            if kind == "basic"
            else {
                **BAD_BEARER,
                "token-of-another-api": TOKEN_OF_ANOTHER_API[api],
            }
        )
        for name, header in bad.items():
            yield pytest.param(method, path, header, id=f"{api}-{method}-{path}-{name}")


def test_every_api_has_secured_operations() -> None:
    assert {api for api, *_ in OPERATIONS} == {
        "barchart",
        "event-collector",
        "billing-care",
        "control",
    }


@pytest.mark.parametrize(("method", "path", "header"), list(cases()))
def test_bad_credentials_are_refused_401(url: str, method: str, path: str, header) -> None:
    headers = {"X-TWC-Tenant": "acme"}
    if header is not None:
        headers["Authorization"] = header
    response = requests.request(method, url + path, headers=headers, json={})
    assert response.status_code == 401, response.text
    assert "WWW-Authenticate" in response.headers


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_tenants_token_is_refused_for_another_tenant(url: str, method: str) -> None:
    path = "/api/v1/events/x" if method == "GET" else "/api/v1/events"
    headers = {"Authorization": "Bearer tok-acme", "X-TWC-Tenant": "globex"}
    response = requests.request(method, url + path, headers=headers, json={})
    assert response.status_code == 403

"""`requests` calls served by the mock, through `responses`.

`responses` patches `requests`' adapter, so sessions the code under test builds itself are
intercepted too. A registry of our own turns "no stub matched" into `UnmockedRequest` naming
the URL, unless the URL is a passthrough (`responses` then sends it for real).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import requests
import responses
from responses.registries import FirstMatchRegistry

from events_mock.framework.connection import ConnectionDropped
from events_mock.testing.bridge import AsgiBridge
from events_mock.testing.routes import METHODS, KitRoutes, UnmockedRequestError, unmocked


class UnmockedRequest(UnmockedRequestError, requests.ConnectionError):
    """`requests`' refusal of an unmocked URL: a `requests.ConnectionError`."""


def requests_mock(routes: KitRoutes, bridge: AsgiBridge) -> responses.RequestsMock:
    """A `RequestsMock` (not started) serving `routes` from the app behind `bridge`."""
    holder: list[responses.RequestsMock] = []

    def refuse(request: requests.PreparedRequest) -> responses.BaseResponse | None:
        url = request.url or ""
        if _passes(holder[0], url):
            return None  # `responses` sends it for real
        error = unmocked(UnmockedRequest, routes, request.method or "GET", url, request=request)
        return responses.CallbackResponse(
            request.method or "GET", url, callback=lambda _request: error
        )

    mock = responses.RequestsMock(
        assert_all_requests_are_fired=False,
        passthru_prefixes=routes.passthrough,
        registry=_fail_closed(refuse),
    )
    holder.append(mock)
    serve = _server(bridge)
    for method in METHODS:
        mock.add_callback(method, routes.pattern, serve, content_type=None)
    return mock


def _fail_closed(
    refuse: Callable[[requests.PreparedRequest], responses.BaseResponse | None],
) -> type[FirstMatchRegistry]:
    class FailClosedRegistry(FirstMatchRegistry):
        """The first stub that matches, or else the kit's refusal."""

        def find(
            self, request: requests.PreparedRequest
        ) -> tuple[responses.BaseResponse | None, list[str]]:
            found, reasons = super().find(request)
            return (refuse(request) if found is None else found), reasons

    return FailClosedRegistry


def _passes(mock: responses.RequestsMock, url: str) -> bool:
    return any(
        prefix.match(url) if isinstance(prefix, re.Pattern) else url.startswith(prefix)
        for prefix in mock.passthru_prefixes
    )


def _server(bridge: AsgiBridge) -> Callable[[requests.PreparedRequest], Any]:
    def serve(request: requests.PreparedRequest) -> Any:
        try:
            answer = bridge.request(
                request.method or "GET",
                request.url or "",
                request.headers.items(),
                _body_bytes(request.body),
            )
        except ConnectionDropped as dropped:
            return requests.ConnectionError(
                f"Connection aborted: the mock closed it without a response ({dropped})",
                request=request,
            )
        return answer.status, answer.headers, answer.body

    return serve


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else data
    return b"".join(part.encode("utf-8") if isinstance(part, str) else part for part in body)

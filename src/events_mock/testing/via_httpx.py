"""httpx calls (`Client` and `AsyncClient`) served by the mock, through `respx`.

respx patches httpcore's connection pools, so every client is intercepted, including those the
code under test builds itself before or after the kit starts. One route sees every request:
URLs under the kit's base URLs are served by the app (synchronously for `Client`, awaited for
`AsyncClient`), passthrough URLs go to the network, and every other one raises `UnmockedHttpx`
before any connection is made. Routes added to the router later (`api.respx`) still apply to
what the kit does not serve.
"""

from __future__ import annotations

import contextvars
from collections.abc import Coroutine
from typing import Any

import httpx
import respx
from respx.models import AllMockedAssertionError
from respx.router import ResolvedRoute

from events_mock.framework.connection import ConnectionDropped
from events_mock.testing.bridge import AsgiBridge, BridgedResponse
from events_mock.testing.routes import KitRoutes, UnmockedRequestError, unmocked

_ASYNC = contextvars.ContextVar("events_mock_httpx_async", default=False)
"""True while respx resolves a request of an `AsyncClient`: the route must then answer with an
awaitable, and respx gives a side effect no other way to know which kind of client called."""

DROPPED = "Server disconnected without sending a response."
"""httpx's words for a connection closed before any answer (`httpx.RemoteProtocolError`)."""


class UnmockedHttpx(UnmockedRequestError, httpx.ConnectError):
    """httpx's refusal of an unmocked URL: an `httpx.ConnectError`."""


class KitRouter(respx.MockRouter):
    """A respx router that fails closed with `UnmockedHttpx` and tells sync from async calls."""

    def __init__(self, routes: KitRoutes, bridge: AsgiBridge) -> None:
        super().__init__(assert_all_called=False, assert_all_mocked=True)
        self.kit_routes = routes
        self.bridge = bridge
        self.route(name="events-mock").mock(side_effect=self._answer)

    def resolve(self, request: httpx.Request) -> ResolvedRoute:
        try:
            return super().resolve(request)
        except AllMockedAssertionError:
            raise self._refusal(request) from None

    async def aresolve(self, request: httpx.Request) -> ResolvedRoute:
        token = _ASYNC.set(True)
        try:
            return await super().aresolve(request)
        except AllMockedAssertionError:
            raise self._refusal(request) from None
        finally:
            _ASYNC.reset(token)

    def _refusal(self, request: httpx.Request) -> UnmockedRequestError:
        url = str(request.url)
        return unmocked(UnmockedHttpx, self.kit_routes, request.method, url, request=request)

    def _answer(
        self, request: httpx.Request
    ) -> httpx.Response | httpx.Request | Coroutine[Any, Any, httpx.Response] | None:
        url = str(request.url)
        if not self.kit_routes.serves(url):
            # The request itself means "pass through"; None, "not this route".
            return request if self.kit_routes.lets_through(url) else None
        if _ASYNC.get():
            return self._serve_async(request)
        try:
            answer = self.bridge.request(*_call(request))
        except ConnectionDropped:
            raise httpx.RemoteProtocolError(DROPPED, request=request) from None
        return _response(answer, request)

    async def _serve_async(self, request: httpx.Request) -> httpx.Response:
        try:
            answer = await self.bridge.arequest(*_call(request))
        except ConnectionDropped:
            raise httpx.RemoteProtocolError(DROPPED, request=request) from None
        return _response(answer, request)


def _call(request: httpx.Request) -> tuple[str, str, list[tuple[str, str]], bytes]:
    headers = [
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers.raw
    ]
    return request.method, str(request.url), headers, request.content


def _response(answer: BridgedResponse, request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        answer.status, headers=answer.headers, content=answer.body, request=request
    )

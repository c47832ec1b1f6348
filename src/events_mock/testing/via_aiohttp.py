"""aiohttp calls served by the mock, through `aioresponses`.

aioresponses patches `ClientSession._request`, so every session is intercepted, including those
the code under test builds itself. A callback per method turns the call's arguments (URL,
headers, `json`/`data`, `auth`) into the request the app sees and its answer into the
response; URLs matching no route raise `UnmockedAiohttp` before any connection is made,
passthrough prefixes are sent for real (aioresponses' own passthrough).

Gaps of aioresponses 0.7 closed here: a session's default `auth` (public
`ClientSession.auth`) is passed on like aiohttp itself would; a dropped connection raises
aiohttp's `ServerDisconnectedError`; and responses are built with the `stream_writer` that
aiohttp 3.14's `ClientResponse` requires (`KitResponse`), so the kit works with aiohttp 3.12
to 3.14 alike.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aioresponses import CallbackResult, aioresponses
from multidict import CIMultiDict
from yarl import URL

from events_mock.framework.connection import ConnectionDropped
from events_mock.testing.bridge import AsgiBridge
from events_mock.testing.routes import METHODS, KitRoutes, UnmockedRequestError, unmocked


class UnmockedAiohttp(UnmockedRequestError, aiohttp.ClientConnectionError):
    """aiohttp's refusal of an unmocked URL: an `aiohttp.ClientConnectionError`."""


_NEEDS_STREAM_WRITER = "stream_writer" in inspect.signature(aiohttp.ClientResponse).parameters


class _AlreadySent:
    """The request's writer, for a response to a request that is already sent."""

    output_size = 0


class KitResponse(aiohttp.ClientResponse):
    """`ClientResponse` as aioresponses builds it, on any aiohttp 3.12+."""

    def __init__(self, method: str, url: URL, **kwargs: Any) -> None:
        if _NEEDS_STREAM_WRITER:
            kwargs.setdefault("stream_writer", _AlreadySent())
        super().__init__(method, url, **kwargs)


class KitAioresponses(aioresponses):
    """aioresponses serving the kit's routes from the app behind the bridge, failing closed."""

    def __init__(self, routes: KitRoutes, bridge: AsgiBridge) -> None:
        super().__init__(passthrough=list(routes.passthrough))
        self.kit_routes = routes
        self.bridge = bridge

    def start(self) -> None:
        super().start()
        for method in METHODS:
            serve = self._server(method)
            self.add(self.kit_routes.pattern, method=method, callback=serve, repeat=True)

    async def _request_mock(
        self, orig_self: aiohttp.ClientSession, method: str, url: Any, *args: Any, **kwargs: Any
    ) -> aiohttp.ClientResponse:
        if kwargs.get("auth") is None and orig_self.auth is not None:
            kwargs["auth"] = orig_self.auth  # as aiohttp does for a session's default auth
        return await super()._request_mock(orig_self, method, url, *args, **kwargs)

    async def match(
        self, method: str, url: URL, allow_redirects: bool = True, **kwargs: Any
    ) -> aiohttp.ClientResponse | None:
        response = await super().match(method, url, allow_redirects=allow_redirects, **kwargs)
        if response is None:
            raise unmocked(UnmockedAiohttp, self.kit_routes, method, str(url))
        return response

    def _server(self, method: str) -> Callable[..., Awaitable[CallbackResult]]:
        async def serve(url: URL, **kwargs: Any) -> CallbackResult:
            headers, body = await _request(kwargs)
            try:
                answer = await self.bridge.arequest(method, str(url), headers, body)
            except ConnectionDropped:
                raise aiohttp.ServerDisconnectedError() from None
            answer_headers = CIMultiDict(answer.headers)
            return CallbackResult(
                method=method,
                status=answer.status,
                headers=answer_headers,  # type: ignore[arg-type]  # repeated names kept
                body=answer.body,
                content_type=answer_headers.get("content-type", "application/octet-stream"),
                response_class=KitResponse,
            )

        return serve


async def _request(kwargs: dict[str, Any]) -> tuple[list[tuple[str, str]], bytes]:
    """The headers and body aiohttp would send for these `session.request` arguments."""
    headers: CIMultiDict[str] = CIMultiDict(kwargs.get("headers") or {})
    auth = kwargs.get("auth")
    if isinstance(auth, aiohttp.BasicAuth) and "Authorization" not in headers:
        headers["Authorization"] = auth.encode()
    body = b""
    payload: aiohttp.payload.Payload | None = None
    if kwargs.get("json") is not None:
        body = json.dumps(kwargs["json"]).encode("utf-8")
        headers.setdefault("Content-Type", "application/json")
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        if isinstance(data, (dict, list, tuple)):
            data = aiohttp.FormData(data)
        if isinstance(data, aiohttp.FormData):
            payload = data()
        else:
            payload = aiohttp.payload.get_payload(data)
        body = await payload.as_bytes()
        if payload.content_type:
            headers.setdefault("Content-Type", payload.content_type)
    if body:
        headers.setdefault("Content-Length", str(len(body)))  # the app reads it, like a server
    headers.setdefault("Accept", "*/*")
    headers.setdefault("User-Agent", f"Python/aiohttp {aiohttp.__version__}")
    return [(name, str(value)) for name, value in headers.items()], body

"""Bounds on what one request may cost before any API reads it: head size, query parameters,
the time its body may take; refusals in the error shape of the API the path belongs to.

`ServerLimits` is the outermost middleware of every app `events_mock.app.build_app` makes, so
a refused request is not parsed, journaled or matched against fault rules. It checks:

- the head (request line and headers) against `max_header_bytes`: `431`. Served by
  `events-mock serve` or `LiveServer`, an oversized head is stopped while it is read
  (`events_mock.framework.protocol`) and this middleware answers the refusal the server marks
  in the scope; in process (the test kit's ASGI transports) it measures the scope's headers;
- the query string against `max_query_params` (8,000 parameters blocked the event loop for
  2.5 s): `400`, before anything parses it;
- the body against `request_timeout`, counted from when the head arrived: a body still
  unfinished then is answered `408` and the connection closed (one unfinished body kept
  SIGTERM from exiting for 30 s).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from events_mock.framework.protocol import REFUSAL_EXTENSION
from events_mock.seam import MockApi, api_for_path

__all__ = [
    "DEFAULT_MAX_HEADER_BYTES",
    "DEFAULT_MAX_QUERY_PARAMS",
    "DEFAULT_REQUEST_TIMEOUT",
    "RequestLimits",
    "RequestTimedOut",
    "ServerLimits",
]

DEFAULT_MAX_HEADER_BYTES = 64 * 1024
DEFAULT_MAX_QUERY_PARAMS = 256
DEFAULT_REQUEST_TIMEOUT = 30.0


@dataclass(frozen=True)
class RequestLimits:
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    """Request line plus headers, each header counted as `name: value` and its line end."""
    max_query_params: int = DEFAULT_MAX_QUERY_PARAMS
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    """Seconds the body may take once the head has arrived (the head's own: the server's)."""


class RequestTimedOut(HTTPException):
    """Raised from `receive`: the app's error handler answers it `408` in the API's shape."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            408,
            f"The request body did not arrive within {seconds:g} seconds.",
            headers={"Connection": "close"},
        )


def head_size(scope: Scope) -> int:
    """As sent: `METHOD target HTTP/1.1`, then `name: value` lines, each with its CRLF."""
    target = len(scope.get("raw_path") or scope["path"]) + len(scope.get("query_string", b"")) + 1
    line = len(scope.get("method", "")) + target + len(" HTTP/1.1\r\n")
    return line + sum(len(name) + len(value) + 4 for name, value in scope["headers"])


def query_param_count(query_string: bytes) -> int:
    """Separators, not parsed pairs: counting must cost no more than a scan of the bytes."""
    return query_string.count(b"&") + 1 if query_string else 0


class ServerLimits:
    def __init__(self, app: ASGIApp, apis: Sequence[MockApi], limits: RequestLimits) -> None:
        self.app = app
        self.apis = apis
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await self._answer(scope, send, *refusal)
            return
        # `send` is handed on as it is: a fault that drops the connection needs the server's own.
        try:
            await self.app(scope, _with_deadline(receive, self.limits.request_timeout), send)
        except RequestTimedOut as timed_out:  # read outside the app's error handler
            try:
                await self._answer(scope, send, 408, str(timed_out.detail), timed_out.headers)
            except RuntimeError:  # an answer had begun: the server closes the connection
                raise timed_out from None

    def _refusal(self, scope: Scope) -> tuple[int, str, Mapping[str, str] | None] | None:
        marked = scope.get("extensions", {}).get(REFUSAL_EXTENSION)
        if marked is not None:
            headers = {"Connection": "close", **marked.get("headers", {})}
            return marked["status"], marked["message"], headers
        limits = self.limits
        if head_size(scope) > limits.max_header_bytes:
            message = (
                "The request's head (request line and headers) is larger than the "
                f"{limits.max_header_bytes} bytes allowed."
            )
            return 431, message, {"Connection": "close"}
        count = query_param_count(scope.get("query_string", b""))
        if count > limits.max_query_params:
            message = (
                f"The query string has {count} parameters; "
                f"at most {limits.max_query_params} are allowed."
            )
            return 400, message, None
        return None

    async def _answer(
        self,
        scope: Scope,
        send: Send,
        status: int,
        message: str,
        headers: Mapping[str, str] | None,
    ) -> None:
        rendered = api_for_path(self.apis, scope["path"]).render_error(status, message)
        body = rendered.body if isinstance(rendered.body, bytes) else str(rendered.body).encode()
        response = Response(
            body, status_code=status, headers={**dict(rendered.headers), **(headers or {})}
        )
        await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _with_deadline(receive: Receive, seconds: float) -> Receive:
    """`receive`, raising `RequestTimedOut` once the body has taken `seconds` in all."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    finished = False

    async def receive_in_time() -> Message:
        nonlocal finished
        if finished:  # the body is read: what comes next is a disconnect, however late
            return await receive()
        try:
            async with asyncio.timeout_at(deadline):  # no task per call, unlike wait_for
                message = await receive()
        except TimeoutError:
            raise RequestTimedOut(seconds) from None
        if message["type"] != "http.request" or not message.get("more_body", False):
            finished = True
        return message

    return receive_in_time

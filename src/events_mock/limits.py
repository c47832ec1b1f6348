"""Limits that keep a shared mock alive under abuse, each refused with a clear error.

A mock on a CI host is hammered by parallel jobs and fuzzers: a request body is refused before
it is read into memory when it is too large, and stores refuse writes past their capacity
whole, so nothing is ever partially stored.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_EVENTS_PER_REQUEST = 10_000
DEFAULT_MAX_STORED_EVENTS = 2_000_000
DEFAULT_MAX_JOBS = 10_000
"""Live Barchart report jobs (running, or finished and not yet expired)."""
DEFAULT_JOB_TTL_SECONDS = 24 * 60 * 60
"""How long a finished report job is kept, in mock time (its links last 15 minutes)."""
DEFAULT_MAX_LINKS = 10_000
"""Live download links over all report jobs; issuing one more retires the oldest."""
DEFAULT_MAX_STORED_BYTES = 1024**3
"""Per store, besides the event count: 300 collector events of 8 MB each took 2.4 GB."""


class BodyTooLarge(Exception):
    """Answered 413 in the API's error shape (see `events_mock.app.describe`)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"The request body is larger than the {max_bytes} bytes allowed.")


class StoreFull(Exception):
    """Storing would exceed the store's capacity; nothing was stored. Answered 507."""


class JobsFull(Exception):
    """Starting a report job would exceed the live jobs' bound; no job started. Answered 507."""


class BodySizeLimit:
    """ASGI middleware: refuse a body over `max_bytes` as soon as its size shows.

    A declared `Content-Length` is checked before anything is read (the server enforces the
    framing). A chunked body is read up to the limit and handed on with a `Content-Length`,
    because Connexion takes a request without one for a request without a body. Refusals raise
    rather than answer, so the app's error handler renders the 413 in the shape of the API the
    request was meant for.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise BodyTooLarge(self.max_bytes)
        elif b"chunked" in headers.get(b"transfer-encoding", b"").lower():
            body = await self._read_chunked(receive)
            scope = {
                **scope,
                "headers": [*scope["headers"], (b"content-length", b"%d" % len(body))],
            }
            receive = _replay(body, receive)
        await self.app(scope, receive, send)

    async def _read_chunked(self, receive: Receive) -> bytes:
        parts: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            parts.append(message.get("body", b""))
            size += len(parts[-1])
            if size > self.max_bytes:
                raise BodyTooLarge(self.max_bytes)
            more = message.get("more_body", False)
        return b"".join(parts)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay

"""Calling an ASGI app synchronously, in-process: one request in, one complete answer out.

The test kit serves `requests`, httpx and aiohttp calls from the mock without sockets, so it
needs the app's answer as plain values, and a dropped connection to surface as an exception
rather than the 500 a generic ASGI client invents. The app runs on an event loop in a helper thread
(an anyio blocking portal), so the caller may be any thread, even one running its own loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, MutableMapping
from contextlib import ExitStack
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

import anyio.to_thread
from anyio.from_thread import BlockingPortal, start_blocking_portal

from events_mock.framework.connection import ConnectionDropped

LOCAL_CLIENT = ("events-mock-kit", 0)
"""The peer the app sees for in-process requests: no socket, so the control plane trusts it
like any in-process caller (`events_mock.control.access`)."""


@dataclass(frozen=True)
class BridgedResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class AsgiBridge:
    def __init__(self, app: Any) -> None:
        self.app = app
        self._stack = ExitStack()
        self._portal: BlockingPortal | None = None

    def __enter__(self) -> AsgiBridge:
        self._portal = self._stack.enter_context(start_blocking_portal(name="events-mock-kit"))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._portal = None
        self._stack.close()

    def request(
        self, method: str, url: str, headers: Iterable[tuple[str, str]], body: bytes
    ) -> BridgedResponse:
        """Raises `ConnectionDropped` when the app closes the connection without answering."""
        if self._portal is None:
            raise RuntimeError("the bridge is not running: use it as a context manager")
        return self._portal.call(self._request, method, url, list(headers), body)

    async def arequest(
        self, method: str, url: str, headers: Iterable[tuple[str, str]], body: bytes
    ) -> BridgedResponse:
        """`request` for async clients: the caller's event loop keeps running meanwhile (a
        latency fault delays this request only, as on a network)."""
        return await anyio.to_thread.run_sync(self.request, method, url, list(headers), body)

    async def _request(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes
    ) -> BridgedResponse:
        parts = urlsplit(url)
        scheme = parts.scheme or "http"
        port = parts.port or (443 if scheme == "https" else 80)
        raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        if not any(name == b"host" for name, _ in raw_headers):
            raw_headers.insert(0, (b"host", parts.netloc.encode("latin-1")))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": method.upper(),
            "scheme": scheme,
            "path": unquote(parts.path) or "/",
            "raw_path": (parts.path or "/").encode("latin-1"),
            "query_string": parts.query.encode("latin-1"),
            "root_path": "",
            "headers": raw_headers,
            "server": (parts.hostname or "localhost", port),
            "client": LOCAL_CLIENT,
        }
        exchange = _Exchange(body)
        try:
            await self.app(scope, exchange.receive, exchange.send)
        except ConnectionDropped:
            raise
        except Exception:  # noqa: BLE001 - whatever the app raises, a server answers 500
            # As a server would: answer 500 unless the app already started its own answer.
            if exchange.status is None:
                return BridgedResponse(
                    500, [("content-type", "text/plain")], b"Internal Server Error"
                )
        finally:
            exchange.complete.set()
        if exchange.status is None:
            raise ConnectionDropped("the app returned without answering")
        return BridgedResponse(exchange.status, exchange.headers, bytes(exchange.body))


class _Exchange:
    def __init__(self, body: bytes) -> None:
        self._request_body = body
        self._body_sent = False
        self.complete = asyncio.Event()
        self.status: int | None = None
        self.headers: list[tuple[str, str]] = []
        self.body = bytearray()

    async def receive(self) -> MutableMapping[str, Any]:
        if not self._body_sent:
            self._body_sent = True
            return {"type": "http.request", "body": self._request_body, "more_body": False}
        # Nothing more to read: the client "disconnects" once the answer is complete.
        await self.complete.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = [
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", ())
            ]
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")
            if not message.get("more_body", False):
                self.complete.set()

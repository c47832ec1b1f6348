"""uvicorn's httptools protocol, bounded: header size, idle and slow heads, connection count.

uvicorn 0.54 with httptools reads a request head of any size into memory (an 8 MiB header was
accepted), never times out a connection that sends nothing or a head that never ends, and
keeps accepting sockets until the process runs out of file descriptors, when every client is
locked out. `bounded_protocol(limits)` returns the protocol class to pass as `uvicorn.Config(
http=...)`; it adds:

- a head (request line and headers) larger than `max_head_bytes` is refused `431` without
  reading more of it than one socket read past the limit: the rest of the head is discarded
  until it ends, so the client is not reset while it sends, then the refusal is answered and
  the connection closed;
- a connection that sends nothing for `idle_timeout` seconds is closed: a fresh one here,
  one between requests by uvicorn's keep-alive timer (set to the same); a head that has not
  ended `request_timeout` seconds after its first byte is refused `408`;
- past `max_connections` open connections, a new one closes the connection idle the longest
  (no request in flight: nginx reuses keep-alive connections the same way); if every
  connection is busy, the new one is answered `503` once its head is read, and past twice the
  cap it is closed at once.

Refusals are answered by the app, so they come in the error shape of the API the path belongs
to: the request goes to the app without its headers and with the extension
`REFUSAL_EXTENSION` (`{"status": ..., "message": ...}`) in its scope;
`events_mock.server_limits.ServerLimits` answers it.

uvicorn members used: `HttpToolsProtocol` (subclassed: `connection_made`, `connection_lost`,
`data_received`, `on_headers_complete`, `on_message_complete`, and the attributes `scope`,
`url`, `cycle`, `parser`, `transport`, `flow`, `connections`, `server_state`, `logger`,
`access_logger`, `access_log`, `app`, `_start_asgi_task`, `on_response_complete`) and
`RequestResponseCycle` (built for a refusal). Guard: `tests/reliability/test_server_limits.py`.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

__all__ = ["REFUSAL_EXTENSION", "ConnectionLimits", "bounded_protocol"]

REFUSAL_EXTENSION = "events_mock.refusal"
END_OF_HEAD = b"\r\n\r\n"


@dataclass(frozen=True)
class ConnectionLimits:
    max_head_bytes: int = 64 * 1024
    """Request line plus headers, as sent."""
    max_connections: int = 512
    """Open connections; keep it well under the process's file descriptor limit."""
    idle_timeout: float = 5.0
    """Seconds a connection may stay silent, fresh or between requests."""
    request_timeout: float = 30.0
    """Seconds a head may take from its first byte (the body's deadline is the app's)."""


def bounded_protocol(limits: ConnectionLimits) -> type[asyncio.Protocol]:
    """The protocol class for `uvicorn.Config(http=...)`, enforcing `limits`."""
    return type("BoundedHttpToolsProtocol", (BoundedHttpToolsProtocol,), {"limits": limits})


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    limits: ConnectionLimits = ConnectionLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # uvicorn's own timer, between requests; `call_later` takes a float, whatever the hint.
        self.timeout_keep_alive = self.limits.idle_timeout  # type: ignore[assignment]
        self._reading_head = True
        self._head_ended = False
        self._head_bytes = 0
        self._discarding = False
        """A refused head: bytes are thrown away until it ends (or the connection closes)."""
        self._refused = False
        self._tail = b""
        self._refusal: dict[str, Any] | None = None
        """Set for a connection over the cap: its request is answered with this refusal."""
        self._timer: asyncio.TimerHandle | None = None
        self._idle_since = 0.0

    # Connections

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._idle_since = self.loop.time()
        self._set_timer(self.limits.idle_timeout, self._idle_timed_out)
        cap = self.limits.max_connections
        if len(self.connections) <= cap:
            return
        victim = self._longest_idle()
        if victim is not None:
            victim.transport.close()
        elif len(self.connections) > 2 * cap:
            self.transport.close()
        else:
            self._refusal = {
                "status": 503,
                "message": f"The mock is serving its maximum of {cap} connections; "
                "retry in a moment.",
                "headers": {"Retry-After": "1"},
            }

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timer()
        super().connection_lost(exc)

    def _longest_idle(self) -> BoundedHttpToolsProtocol | None:
        idle = [
            connection
            for connection in self.connections
            if connection is not self
            and isinstance(connection, BoundedHttpToolsProtocol)
            and connection._is_idle()
        ]
        return min(idle, key=lambda connection: connection._idle_since, default=None)

    def _is_idle(self) -> bool:
        in_flight = self.cycle is not None and not self.cycle.response_complete
        return not in_flight and not self.transport.is_closing()

    def on_response_complete(self) -> None:
        self._idle_since = self.loop.time()
        super().on_response_complete()

    # The head

    def data_received(self, data: bytes) -> None:
        if self._discarding:
            self._discard(data)
            return
        counting = self._reading_head
        if counting and self._head_bytes == 0:
            self._set_timer(self.limits.request_timeout, self._head_timed_out)
        self._head_ended = False
        super().data_received(data)
        # Only a chunk in which the head did not end counts: one holding a whole request (head
        # and body, then `on_message_complete`) must not count its body, nor add up over the
        # requests of a kept-alive connection.
        if counting and not self._head_ended:
            self._head_bytes += len(data)
            if self._head_bytes > self.limits.max_head_bytes and not self.transport.is_closing():
                self._discarding = True
                self._tail = data[-(len(END_OF_HEAD) - 1) :]

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._head_ended = True
        self._cancel_timer()
        if self._refusal is not None:
            self.scope["extensions"] = {REFUSAL_EXTENSION: self._refusal}  # type: ignore[dict-item]
            self.scope["headers"] = []
        super().on_headers_complete()
        if self._refusal is not None:
            self.cycle.keep_alive = False

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._reading_head = True
        self._head_bytes = 0

    def _discard(self, data: bytes) -> None:
        if self._refused:
            return
        seen = self._tail + data
        if END_OF_HEAD in seen:
            self._refuse_head(431, self._too_large())
        else:
            self._tail = seen[-(len(END_OF_HEAD) - 1) :]

    def _too_large(self) -> str:
        return (
            "The request's head (request line and headers) is larger than the "
            f"{self.limits.max_head_bytes} bytes allowed."
        )

    def _idle_timed_out(self) -> None:
        if self._head_bytes == 0 and self._reading_head and not self.transport.is_closing():
            self.transport.close()

    def _head_timed_out(self) -> None:
        if not self._reading_head or self.transport.is_closing() or self._refused:
            return
        if self._discarding:
            self._refuse_head(431, self._too_large())
        else:
            self._discarding = True
            seconds = f"{self.limits.request_timeout:g}"
            self._refuse_head(408, f"The request's head did not arrive within {seconds} seconds.")

    def _refuse_head(self, status: int, message: str) -> None:
        """Answer through the app (the API's error shape), then close the connection."""
        self._refused = True
        self._cancel_timer()  # reading goes on, discarding, so the client is not reset mid-send
        url = self.url if isinstance(getattr(self, "url", None), bytes) else b""
        raw_path = url.split(b"?", 1)[0] or b"/"
        if not raw_path.startswith(b"/"):  # an absolute form, or a request line cut short
            raw_path = b"/"
        method = self.parser.get_method().decode("ascii")  # known once the URL has begun
        scope = {
            **(self.scope or {}),
            "method": method,
            "path": urllib.parse.unquote(raw_path.decode("latin-1")),
            "raw_path": raw_path,
            "query_string": b"",
            "headers": [],
            "extensions": {REFUSAL_EXTENSION: {"status": status, "message": message}},
        }
        cycle = RequestResponseCycle(
            scope=scope,  # type: ignore[arg-type]
            transport=self.transport,
            flow=self.flow,
            logger=self.logger,
            access_logger=self.access_logger,
            access_log=self.access_log,
            default_headers=self.server_state.default_headers,
            message_event=asyncio.Event(),
            expect_100_continue=False,
            keep_alive=False,
            on_response=lambda: None,
        )
        cycle.more_body = False
        self.cycle = cycle
        self._start_asgi_task(cycle, self.app)

    # Timers

    def _set_timer(self, seconds: float, callback: Any) -> None:
        self._cancel_timer()
        self._timer = self.loop.call_later(seconds, callback)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

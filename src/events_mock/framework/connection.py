"""Closing a connection without an answer, which ASGI has no message for.

A fault rule may ask the mock to drop the connection. With uvicorn the middleware reaches
the connection's transport through its `send` (a bound method of uvicorn's request-response
cycle, `uvicorn.protocols.http.*.RequestResponseCycle`), closes it, and marks the cycle
`disconnected` so uvicorn does not answer 500 instead. Anywhere else (in-process clients)
`ConnectionDropped` is raised for the caller to translate.

A middleware between uvicorn and the fault may have wrapped `send`: Starlette's
`CORSMiddleware` (around every request with an allowed `Origin`) passes on
`functools.partial(self.send, send=<the server's send>, ...)`, which is unwrapped first.

uvicorn internals used (see `events_mock.framework`): `send.__self__` being the cycle, its
`transport` and `disconnected` attributes. Starlette's: the `send` keyword of the partial
`CORSMiddleware` passes on.
"""

from __future__ import annotations

from functools import partial

from starlette.types import Send

__all__ = ["ConnectionDropped", "drop_connection"]


class ConnectionDropped(ConnectionError):
    """A fault rule dropped the connection and the server offers no way to close it.

    Raised to whoever runs the app in-process (the test kit turns it into the error a real
    dropped connection causes in each client library: `requests.ConnectionError`,
    `httpx.RemoteProtocolError`, `aiohttp.ServerDisconnectedError`).
    """


async def drop_connection(send: Send) -> None:
    """Close the connection without answering (see the module docstring)."""
    while isinstance(send, partial) and "send" in send.keywords:
        send = send.keywords["send"]
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if cycle is not None and transport is not None and hasattr(cycle, "disconnected"):
        cycle.disconnected = True
        transport.close()
        return
    raise ConnectionDropped("a fault rule dropped the connection")

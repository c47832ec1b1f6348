"""Redis down or restarting: every request it stops answers `503` in its API's error shape.

A store call that cannot reach Redis raises `StoreUnavailable` (stores/redis_client.py: a
deadline on every call, then a fail-fast window), wherever it is made: in a handler, in the
control middleware (faults, the clock, the journal), in the sandbox router. One function turns
it into the answer (`unavailable_response`: the owning API's `render_error(503, ...)` with
`Retry-After`), hooked in the two places an exception can surface: Connexion's error
handlers, for what handlers raise (Connexion would answer 500 for any other exception), and
`StoreFailures`, the outermost middleware, for what is raised before or after Connexion.
Nothing is kept in the mock: once Redis answers again, so does the mock.

The reason (which names the Redis host) is logged, not answered: a client learns that the
mock's store is unavailable and when to try again, nothing about where it lives.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, MutableMapping, Sequence
from functools import partial
from typing import Any

from connexion.lifecycle import ConnexionRequest, ConnexionResponse

from events_mock.control.middleware import ASGIApp, Message, Receive, Send, to_asgi
from events_mock.sandboxes.router import sandbox_relative
from events_mock.seam import MockApi, api_for_path, route_path
from events_mock.stores.redis_client import StoreUnavailable

__all__ = ["StoreFailures", "unavailable_handler", "unavailable_response"]

logger = logging.getLogger("events_mock.store")
LOG_EVERY = 10.0
"""Seconds between two log lines of an outage: a mock under load answers thousands of 503s."""
_last_logged = [-LOG_EVERY]


def unavailable_response(api: MockApi, error: StoreUnavailable) -> ConnexionResponse:
    """503 in `api`'s error shape, `Retry-After` the connection's fail-fast window."""
    now = time.monotonic()
    if now - _last_logged[0] >= LOG_EVERY:
        _last_logged[0] = now
        logger.warning("answering 503 (logged at most every %gs): %s", LOG_EVERY, error)
    seconds = max(int(error.retry_after), 1)
    response = api.render_error(
        503,
        f"The mock's state store is unavailable; try again in {seconds} second"
        f"{'' if seconds == 1 else 's'}.",
    )
    response.headers["Retry-After"] = str(seconds)
    return response


def unavailable_handler(
    apis: Sequence[MockApi],
) -> Callable[[ConnexionRequest, Exception], ConnexionResponse]:
    """Connexion's error handler for `StoreUnavailable` raised by a handler."""

    def handle(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, StoreUnavailable)
        return unavailable_response(api_for_path(apis, route_path(request.scope)), exc)

    return handle


async def _tracking(message: Message, *, send: Send, started: list[bool]) -> None:
    if message["type"] == "http.response.start":
        started.append(True)
    await send(message)


class StoreFailures:
    """The outermost middleware: `StoreUnavailable` raised outside Connexion's handlers."""

    def __init__(self, app: ASGIApp, apis: Sequence[MockApi]) -> None:
        self.app = app
        self.apis = apis

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started: list[bool] = []
        # A partial with `send=`: what `framework.connection.drop_connection` unwraps to reach
        # the server's own `send` for a dropped-connection fault.
        sending = partial(_tracking, send=send, started=started)
        try:
            await self.app(scope, receive, sending)
        except StoreUnavailable as error:
            if started:  # too late for a 503: the answer ends short, as a dropped connection
                logger.warning("Redis went away while answering: %s", error)
                return
            api = api_for_path(self.apis, sandbox_relative(scope["path"]))
            await to_asgi(unavailable_response(api, error))(scope, receive, send)

"""One loopback server per test process for the verify runs, each test serving its own app.

Starting and stopping uvicorn costs about 0.2 s (its shutdown waits out fixed 0.1 s pauses),
more than a selected verify run itself takes: the ~200 broken servers share one listener.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from events_mock.framework.live_server import LiveServer
from tests.contract.breaking import ASGIApp


async def _no_app(scope: dict, receive: Any, send: Any) -> None:
    """Between tests: a late request from an earlier run gets a plain 503, not another's app."""
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 503, "headers": []})
    await send({"type": "http.response.body", "body": b""})


class Target:
    """`with target.serving(app) as url:` — `url` answers with `app` until the block ends."""

    def __init__(self) -> None:
        self._app: ASGIApp = _no_app
        self._server = LiveServer(self)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        await self._app(scope, receive, send)

    @contextmanager
    def serving(self, app: ASGIApp) -> Iterator[str]:
        self._app = app
        try:
            yield self._server.url
        finally:
            self._app = _no_app

    def __enter__(self) -> Target:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()


@pytest.fixture(scope="session")
def target() -> Iterator[Target]:
    with Target() as shared:
        yield shared

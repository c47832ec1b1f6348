"""Run an ASGI app on a loopback port, with uvicorn, in a background thread.

Used wherever a real socket is needed without a separate process: integration tests, the
contract suite's embedded mock, the test kit's `serve_mock()` and the pytest plugin's
`events_mock_server` fixture. The socket is bound here (port 0: a free one) and handed to
uvicorn, so the port is known before the server starts; `start()` returns once uvicorn says it
has started.

uvicorn members used beyond `uvicorn.run` (see `events_mock.framework`): `Server.run(sockets=)`,
`Server.started`, `Server.should_exit`. Connections are bounded as `events-mock serve` bounds
them (`events_mock.framework.protocol`), with the same defaults unless `limits` says otherwise.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp

from events_mock.framework.protocol import ConnectionLimits, bounded_protocol

__all__ = ["LiveServer"]


class LiveServer:
    """`with LiveServer(app) as server: requests.get(server.url + "/service/version")`."""

    def __init__(
        self,
        app: ASGIApp,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: ConnectionLimits | None = None,
    ) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        config = uvicorn.Config(
            app,
            log_level="warning",
            lifespan="off",
            http=bounded_protocol(limits or ConnectionLimits()),
            timeout_graceful_shutdown=5,
            proxy_headers=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="events-mock-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> LiveServer:
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the mock server failed to start")
            self._thread.join(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._socket.close()

    def _run(self) -> None:
        self._server.run(sockets=[self._socket])

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

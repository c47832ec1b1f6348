"""`serve_mock()`: a fresh mock on a free loopback port, with a control client for it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

from events_mock.app import EventsMock, MockConfig
from events_mock.framework.live_server import LiveServer
from events_mock.testing.client import ControlClient
from events_mock.testing.kit import fresh_config
from events_mock.testing.sandbox import SandboxHandle


@dataclass(frozen=True)
class MockServer:
    url: str
    """Where the client under test should send its requests, e.g. `http://127.0.0.1:53211`."""
    control: ControlClient
    mock: EventsMock | None
    """The mock itself, for assertions on its state (`mock.barchart.store`, ...); None for a
    sandbox of a shared server (`--events-mock-url`): there, `control` is the way in."""

    def sandbox(self, **options: Any) -> AbstractContextManager[SandboxHandle]:
        """A fresh sandbox of this server for the block (`events_mock.testing.sandbox`)."""
        return self.control.sandbox(**options)


@contextmanager
def serve_mock(config: MockConfig | None = None) -> Iterator[MockServer]:
    """A live mock for the duration of the block; its clock is frozen unless `config` has one."""
    mock = EventsMock(fresh_config(config))
    with LiveServer(mock.app) as server, ControlClient(server.url, mock.config.control.token) as c:
        yield MockServer(url=server.url, control=c, mock=mock)


@contextmanager
def shared_mock_sandbox(url: str, config: MockConfig | None = None) -> Iterator[MockServer]:
    """A fresh sandbox of the shared mock at `url` for the block, as `serve_mock` would give a
    fresh server: the config's users, tenants and Billing Care tokens, its clock frozen at
    this instant unless the config has one. The sandbox is deleted afterwards."""
    config = fresh_config(config)
    clock = config.clock
    options: dict[str, Any] = {
        "users": dict(config.users),
        "tenants": dict(config.tenants),
        "billing_tokens": dict(config.billing_tokens),
    }
    if clock is not None:
        options["clock"] = {"now": clock.now_ms(), "rate": clock.rate}
    with ControlClient(url, config.control.token) as admin, admin.sandbox(**options) as box:
        yield MockServer(url=box.url, control=box.control, mock=None)

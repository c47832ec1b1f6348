"""`serve_mock()`: a fresh mock on a free loopback port, with a control client for it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from events_mock.app import EventsMock, MockConfig
from events_mock.framework.live_server import LiveServer
from events_mock.testing.client import ControlClient
from events_mock.testing.kit import fresh_config


@dataclass(frozen=True)
class MockServer:
    url: str
    """Where the client under test should send its requests, e.g. `http://127.0.0.1:53211`."""
    control: ControlClient
    mock: EventsMock
    """The mock itself, for assertions on its state (`mock.barchart.store`, ...)."""


@contextmanager
def serve_mock(config: MockConfig | None = None) -> Iterator[MockServer]:
    """A live mock for the duration of the block; its clock is frozen unless `config` has one."""
    mock = EventsMock(fresh_config(config))
    with LiveServer(mock.app) as server, ControlClient(server.url, mock.config.control.token) as c:
        yield MockServer(url=server.url, control=c, mock=mock)

"""pytest fixtures for testing client code against the mock.

Registered through the `pytest11` entry point `events_mock`, so installing events-mock is
enough. Each test gets a fresh mock whose clock is frozen at the test's start: nothing moves
until the test moves it. Override `events_mock_config` to change users, job timing or clock.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from events_mock.app import MockConfig
from events_mock.testing.kit import InProcessMock, mock_api
from events_mock.testing.live_mock import MockServer, serve_mock


@pytest.fixture
def events_mock_config() -> MockConfig:
    """The configuration of the fixtures' mocks; override it in a conftest.py."""
    return MockConfig()


@pytest.fixture
def events_mock_server(events_mock_config: MockConfig) -> Iterator[MockServer]:
    """A live mock on a free loopback port: `.url`, `.control` (a `ControlClient`), `.mock`."""
    with serve_mock(events_mock_config) as server:
        yield server


@pytest.fixture
def events_api(events_mock_config: MockConfig) -> Iterator[InProcessMock]:
    """The in-process kit (`mock_api()`): `requests` calls to the real hosts reach the mock."""
    with mock_api(config=events_mock_config) as api:
        yield api

"""pytest fixtures for testing client code against the mock.

Registered through the `pytest11` entry point `events_mock`, so installing events-mock is
enough. Each test gets a fresh mock whose clock is frozen at the test's start: nothing moves
until the test moves it. Override `events_mock_config` to change users, job timing or clock.

pytest loads this module in every run of every project that installed events-mock, most of
which never use a fixture. So it imports nothing but pytest at load time: the mock (Connexion,
Starlette, uvicorn) is imported by the first fixture a test asks for, quietly (see
`events_mock.testing.imports`). `tests/testing/test_plugin_cost.py` checks a run of a trivial
test module imports none of it and shows no warnings.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from events_mock.testing.coverage_session import CoverageSession, add_options
from events_mock.testing.imports import import_quietly

if TYPE_CHECKING:
    from events_mock.app import MockConfig
    from events_mock.testing.kit import InProcessMock
    from events_mock.testing.live_mock import MockServer

__all__ = ["events_api", "events_mock_config", "events_mock_server"]

COVERAGE = pytest.StashKey[CoverageSession]()


@pytest.fixture
def events_mock_config() -> MockConfig:
    """The configuration of the fixtures' mocks; override it in a conftest.py."""
    config_class: type[MockConfig] = import_quietly("events_mock.app").MockConfig
    return config_class()


URL_OPTION = "--events-mock-url"
URL_VARIABLE = "EVENTS_MOCK_URL"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        URL_OPTION,
        default=None,
        metavar="URL",
        help="a running events-mock shared by the tests (or $EVENTS_MOCK_URL): "
        "events_mock_server gives each test a fresh sandbox there instead of a server",
    )
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.stash[COVERAGE] = CoverageSession(config)


def pytest_sessionfinish(session: pytest.Session) -> None:
    session.config.stash[COVERAGE].finish(session)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    config.stash[COVERAGE].summary(terminalreporter)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist: a worker is done; add up the coverage it hands over."""
    node.config.stash[COVERAGE].add_worker(getattr(node, "workeroutput", {}))


@pytest.fixture
def events_mock_server(
    events_mock_config: MockConfig, request: pytest.FixtureRequest
) -> Iterator[MockServer]:
    """A live mock on a free loopback port: `.url`, `.control` (a `ControlClient`), `.mock`.

    With `--events-mock-url URL` (or `$EVENTS_MOCK_URL`): a fresh sandbox of the mock at URL
    for each test (`.url` carries its prefix, `.control` acts on it, `.mock` is None), deleted
    afterwards; so many workers (`pytest -n 4`) share one server without seeing each other.
    """
    live_mock = import_quietly("events_mock.testing.live_mock")
    shared = request.config.getoption(URL_OPTION) or os.environ.get(URL_VARIABLE)
    coverage = request.config.stash[COVERAGE]
    if shared:
        with live_mock.shared_mock_sandbox(shared, events_mock_config) as server:
            yield server
            coverage.add(server.control.coverage)  # before the sandbox is deleted
        return
    with live_mock.serve_mock(events_mock_config) as server:
        yield server
        coverage.add(server.control.coverage)


@pytest.fixture
def events_api(
    events_mock_config: MockConfig, request: pytest.FixtureRequest
) -> Iterator[InProcessMock]:
    """The in-process kit (`mock_api()`): `requests`, httpx and aiohttp calls reach the mock."""
    with import_quietly("events_mock.testing.kit").mock_api(config=events_mock_config) as api:
        yield api
        request.config.stash[COVERAGE].add(api.coverage)

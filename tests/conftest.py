"""Shared test setup: the kit's plugin, deterministic runs under CI, the one live mock a test
module shares.

The pytest plugin is normally registered by the package's `pytest11` entry point; from a source
tree whose installed metadata predates it, it is loaded here instead (loading it both ways
would register it twice).

Under CI (`CI` set, as every CI service does, and not "false"), Hypothesis generates the same
cases on every run (`derandomize`, no example database): a red build is the code's doing, not
the draw's. The contract runs (`verify`) pass `--seed` themselves, under CI or not.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from events_mock.app import MockConfig
from events_mock.stores import StoreLocation
from events_mock.testing.live_mock import MockServer, serve_mock
from tests._support import PLUGIN_INSTALLED
from tests.redis_server import RedisServer, redis_server_process, unique_prefix

pytest_plugins = ["pytester"] + ([] if PLUGIN_INSTALLED else ["events_mock.testing.pytest_plugin"])

settings.register_profile(
    "events-mock-ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
if os.environ.get("CI", "").lower() not in ("", "0", "false"):
    settings.load_profile("events-mock-ci")


@pytest.fixture(scope="module")
def live_config() -> MockConfig:
    """What the module's `live_mock` is built from: a module overrides this fixture."""
    return MockConfig(validate_responses=True)


@pytest.fixture(scope="module")
def live_mock(live_config: MockConfig) -> Iterator[MockServer]:
    """One live mock for a whole module, on a free loopback port (what the kit's own
    `events_mock_server` gives each test): starting one per test would cost more than many
    tests take. Its tests compare state before and after, never absolute counts; a module
    whose tests need a fresh mock each uses `events_mock_server`."""
    with serve_mock(live_config) as server:
        yield server


@pytest.fixture(scope="module")
def url(live_mock: MockServer) -> str:
    """Where the module's live mock listens, e.g. `http://127.0.0.1:53211`."""
    return live_mock.url


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real `redis-server` per test process (tests/redis_server.py): skipped locally
    when the package is not installed, a failure under CI."""
    with redis_server_process() as server:
        yield server


@pytest.fixture
def redis_store(redis_server: RedisServer) -> StoreLocation:
    """A Redis store location of this test's own: the shared server, a fresh key prefix."""
    return StoreLocation(redis_server.url, unique_prefix())

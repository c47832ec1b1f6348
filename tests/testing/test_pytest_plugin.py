"""The pytest plugin as a client team uses it: a test file of theirs, run by pytest."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests._support import PLUGIN_ARGS

ROOT = Path(__file__).resolve().parents[2]


def test_the_plugin_is_declared_as_a_pytest11_entry_point() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    plugins = project["project"]["entry-points"]["pytest11"]
    assert plugins == {"events_mock": "events_mock.testing.pytest_plugin"}


CLIENT_TESTS = """
import requests
from events_mock.app import MockConfig
from events_mock.clock import MockClock

import pytest


def test_live_server(events_mock_server):
    assert events_mock_server.url.startswith("http://127.0.0.1:")
    events_mock_server.control.faults.add(path="/service/version", status=503, times=1)
    assert requests.get(events_mock_server.url + "/service/version").status_code == 503
    assert requests.get(events_mock_server.url + "/service/version").status_code == 200
    assert events_mock_server.control.clock.state().frozen is True


def test_each_test_gets_a_fresh_mock(events_mock_server):
    assert events_mock_server.control.faults.list() == []
    assert events_mock_server.control.journal.entries() == []


def test_in_process(events_api):
    events_api.faults.add(path="/service/version", status=502, times=1)
    assert requests.get("https://events.aws.barchart.com/service/version").status_code == 502
    assert requests.get("https://events-stage.aws.barchart.com/service/version").ok


class TestOverriddenConfig:
    @pytest.fixture
    def events_mock_config(self):
        return MockConfig(users={"team": "pw"}, clock=MockClock.frozen(0))

    def test_users_and_clock(self, events_api):
        assert events_api.clock.now_ms() == 0
        answer = requests.get(
            "https://events.aws.barchart.com/service/authenticate", auth=("team", "pw")
        )
        assert answer.json()["user"]["id"] == "team"
"""


def test_fixtures_in_a_client_teams_test_file(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_client=CLIENT_TESTS)
    result = pytester.runpytest_inprocess(*PLUGIN_ARGS, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)

"""`--events-mock-url`: many pytest workers sharing one running mock, a sandbox per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from events_mock.app import EventsMock
from events_mock.framework.live_server import LiveServer
from tests._support import PLUGIN_ARGS

SHARED_TESTS = """
import requests
import pytest


@pytest.mark.parametrize("n", range(8))
def test_each_test_has_its_own_sandbox(events_mock_server, n):
    assert "/sandboxes/" in events_mock_server.url
    assert events_mock_server.mock is None
    control = events_mock_server.control
    assert control.faults.list() == [] and control.journal.entries() == []
    assert control.clock.state().frozen is True
    control.clock.advance(n)
    control.faults.add(path="/service/version", status=503)
    assert requests.get(events_mock_server.url + "/service/version").status_code == 503
    assert len(control.journal.entries()) == 1
"""


@pytest.fixture
def shared() -> Iterator[tuple[EventsMock, str]]:
    mock = EventsMock()
    with LiveServer(mock.app) as server:
        yield mock, server.url


def test_workers_share_one_mock_through_sandboxes(
    pytester: pytest.Pytester, shared: tuple[EventsMock, str]
) -> None:
    mock, url = shared
    pytester.makepyfile(test_shared=SHARED_TESTS)
    result = pytester.runpytest_subprocess(
        *PLUGIN_ARGS, "-p", "no:cacheprovider", "-n", "2", "--events-mock-url", url
    )
    result.assert_outcomes(passed=8)
    assert requests.get(f"{url}/service/version").status_code == 200
    assert len(mock.control.journal) == 1  # only the check above: no test touched the default
    assert requests.get(f"{url}/__mock/sandboxes").json() == []


def test_the_url_may_come_from_the_environment(
    pytester: pytest.Pytester, shared: tuple[EventsMock, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, url = shared
    monkeypatch.setenv("EVENTS_MOCK_URL", url)
    pytester.makepyfile(test_shared=SHARED_TESTS)
    result = pytester.runpytest_subprocess(*PLUGIN_ARGS, "-p", "no:cacheprovider", "-k", "0 or 1")
    result.assert_outcomes(passed=2)

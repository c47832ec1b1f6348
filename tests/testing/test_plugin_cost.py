"""The pytest plugin costs a client project nothing until one of its fixtures is used.

pytest loads the plugin (entry point `pytest11`) in every run of every project that installed
events-mock. These runs are subprocesses in a fresh directory, as a client's would be: this
suite's own process has long imported the mock, and its pyproject's warning filters do not
apply there.

Schemathesis, a dependency (for `events-mock verify`), registers a pytest plugin of its own
that imports Schemathesis and Hypothesis in every run: not ours to change, so the run that
counts imports switches it off (`-p no:schemathesis`, as a kit-only client team can); the
warnings are checked with it on.
"""

from __future__ import annotations

import pytest

from tests._support import PLUGIN_ARGS

HEAVY = ("connexion", "schemathesis", "hypothesis", "starlette", "uvicorn", "jsonschema")
OURS = ("connexion", "starlette", "uvicorn", "jsonschema", "events_mock.app")
"""What the mock imports (Schemathesis's own plugin imports neither)."""

TRIVIAL_TESTS = """
import sys


def test_nothing_of_the_mock_is_imported():
    assert "events_mock.testing.pytest_plugin" in sys.modules  # the plugin did load
    assert [name for name in {modules!r} if name in sys.modules] == []
"""

FIXTURE_TESTS = """
import requests


def test_in_process(events_api):
    assert requests.get("https://events.aws.barchart.com/service/version").ok


def test_live(events_mock_server):
    assert requests.get(events_mock_server.url + "/service/version").ok
"""


@pytest.mark.parametrize(
    ("options", "modules"),
    [(("-p", "no:schemathesis"), HEAVY), ((), OURS)],
    ids=["without-schemathesis-plugin", "with-schemathesis-plugin"],
)
def test_a_run_that_uses_no_fixture_imports_nothing_and_warns_nothing(
    pytester: pytest.Pytester, options: tuple[str, ...], modules: tuple[str, ...]
) -> None:
    pytester.makepyfile(test_trivial=TRIVIAL_TESTS.format(modules=modules))
    result = pytester.runpytest_subprocess(
        *PLUGIN_ARGS, *options, "-p", "no:cacheprovider", "-W", "default"
    )
    assert result.parseoutcomes() == {"passed": 1}, result.stdout.str()
    assert "warnings summary" not in result.stdout.str()


def test_the_fixtures_import_the_mock_on_first_use_without_warnings(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_fixtures=FIXTURE_TESTS)
    result = pytester.runpytest_subprocess(*PLUGIN_ARGS, "-p", "no:cacheprovider", "-W", "default")
    assert result.parseoutcomes() == {"passed": 2}, result.stdout.str()
    assert "warnings summary" not in result.stdout.str()


def test_the_kit_imports_lazily_and_quietly(pytester: pytest.Pytester) -> None:
    """`from events_mock.testing import mock_api` works as before, without Connexion's noise."""
    pytester.makepyfile(
        test_kit="""
import sys
import events_mock.testing


def test_kit():
    assert "connexion" not in sys.modules
    from events_mock.testing import ControlClient, mock_api
    assert callable(mock_api) and ControlClient.__name__ == "ControlClient"
    assert "connexion" in sys.modules
    assert "mock_api" in dir(events_mock.testing)
"""
    )
    result = pytester.runpytest_subprocess(*PLUGIN_ARGS, "-p", "no:cacheprovider", "-W", "default")
    assert result.parseoutcomes() == {"passed": 1}, result.stdout.str()
    assert "warnings summary" not in result.stdout.str()

"""The contract suite under plain pytest.

    pytest contract_tests                                  # against the embedded mock
    pytest contract_tests --base-url https://events-stage.aws.barchart.com --auth NAME:PASSWORD
    pytest contract_tests --api event-collector --base-url URL --token T --tenant NAME
    pytest contract_tests --read-only --junit-xml=report.xml -k credentials

Options: --base-url, --api, --auth, --token, --tenant, --other-tenant, --job-timeout,
--max-examples, --seed, --read-only (the same as `events-mock verify`'s). The tests themselves
ship in the package (`events_mock.contract.suite`) so that `events-mock verify` runs the very
same ones from any install; this directory collects every module there, whatever it holds: a
test added to a suite module runs here without being listed anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from events_mock.contract.plugin import SUITE_DIR, pytest_addoption, pytest_configure

__all__ = ["SuiteModules", "pytest_addoption", "pytest_collect_file", "pytest_configure"]

HERE = Path(__file__).resolve().parent


class SuiteModules(pytest.File):
    """Every module of the installed suite (`events_mock/contract/suite/*.py`), collected as
    pytest collects any test module."""

    def collect(self) -> Iterable[pytest.Module]:
        for path in sorted(SUITE_DIR.glob("*.py")):
            if path.name != "__init__.py":
                yield pytest.Module.from_parent(self, path=path)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """This conftest stands for the suite: collecting it collects the suite's modules."""
    if file_path.resolve() == HERE / "conftest.py":
        return SuiteModules.from_parent(parent, path=file_path)
    return None

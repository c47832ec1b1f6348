"""What the suite's modules get from the run: the `contract` fixture, and tests built from it.

Most tests take the run as the `contract` fixture. Tests that Schemathesis generates from a
schema (one per operation, a state machine over the spec's links) need the run's schema before
they exist; a suite module declares those with `@built_from_run`, a function of the run that
returns the test, and this plugin calls it when pytest collects the module. So no suite module
reads the run when imported, and a module imported by an earlier run in the same process
serves the next one unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from events_mock.contract.run import ContractRun

__all__ = ["RUN_KEY", "built_from_run", "contract"]

RUN_KEY = pytest.StashKey[ContractRun]()
BUILDER_MARK = "_contract_built_from_run"
B = TypeVar("B", bound=Callable[[ContractRun], Any])


@pytest.fixture(scope="session")
def contract(pytestconfig: pytest.Config) -> ContractRun:
    return pytestconfig.stash[RUN_KEY]


def built_from_run(builder: B) -> B:
    """Mark `builder(run) -> test function, test class or None` as building the test collected
    under the builder's name (None: nothing to collect for this run)."""
    setattr(builder, BUILDER_MARK, True)
    return builder


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> Any:
    """Build a `@built_from_run` test from the session's run, then collect it as pytest (and
    Schemathesis' plugin) would collect it had the module defined it."""
    if not getattr(obj, BUILDER_MARK, False) or not callable(obj):
        return None
    built = obj(collector.config.stash[RUN_KEY])
    if built is None:
        return []
    made = collector.ihook.pytest_pycollect_makeitem(collector=collector, name=name, obj=built)
    for node in made if isinstance(made, list) else [made]:
        if isinstance(node, pytest.Class):
            # A class collector looks its class up by name in the module, which holds the
            # builder: hand it the class built, with its marks.
            node.obj = built
            for mark in getattr(built, "pytestmark", []):
                node.add_marker(mark)
    return made

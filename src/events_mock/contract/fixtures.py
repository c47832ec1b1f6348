"""The fixture every contract test uses: the run, with its target, schema and clock."""

from __future__ import annotations

import pytest

from events_mock.contract.run import ContractRun

RUN_KEY = pytest.StashKey[ContractRun]()


@pytest.fixture(scope="session")
def contract(pytestconfig: pytest.Config) -> ContractRun:
    return pytestconfig.stash[RUN_KEY]

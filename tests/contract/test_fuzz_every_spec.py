"""Fuzzing in CI: Schemathesis, positive and negative, against the mock for every spec.

A bounded budget (25 generated cases per operation and stateful scenarios, a fixed seed) keeps
each run to seconds; the examples and coverage phases run all theirs. The mock must conform:
no server error, no answer outside its spec, every rule of the suite kept. A failure prints the
seed and a cURL line for each failing request.
"""

from __future__ import annotations

import re

import pytest

from events_mock.contract.targets import CONTRACT_APIS
from tests.contract.test_verify import run_verify

BUDGET = ("--max-examples", "25", "--seed", "20240601")


@pytest.mark.parametrize("api", list(CONTRACT_APIS))
def test_mock_conforms_to_its_spec_under_fuzzing(api: str) -> None:
    verdict, output = run_verify("--api", api, *BUDGET)
    assert verdict.exit_code == 0, output
    for check in ("not_a_server_error", "response_schema_conformance", "negative_data_rejection"):
        ran = re.search(rf"^\s+ok\s+{check}\s+(\d+) passed\s+0 failed$", output, re.M)
        assert ran and int(ran.group(1)) > 0, f"{check} did not run clean:\n{output}"
    assert "fuzzing 25" in output and "NOT EXERCISED" not in output, output

"""Schema level: every operation with generated input, judged by every Schemathesis check.

Phases examples, coverage and fuzzing, input that fits the spec and input that does not; the
built-in checks (status code, content type, headers, response schema, server errors, negative
data rejected, positive data accepted, ignored auth, undeclared methods ...) and the API's own
response checks (`events_mock.contract.checks`) run on every answer. Generated bodies carry
the run's tag and lie in its window (the run's `map_case` hook, `ContractRun.marked`).
"""

from __future__ import annotations

from collections.abc import Callable

from schemathesis import Case

from events_mock.contract.fixtures import built_from_run
from events_mock.contract.run import ContractRun


@built_from_run
def test_conformance(contract: ContractRun) -> Callable[[Case], None]:
    """One test per operation of the run's schema."""
    own_checks = contract.own_response_checks()

    @contract.schema().parametrize()
    def test_conformance(case: Case) -> None:
        case.call_and_validate(**contract.call_kwargs(), additional_checks=own_checks)

    return test_conformance

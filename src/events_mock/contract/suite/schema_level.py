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
from schemathesis.core.result import Err

from events_mock.contract.fixtures import built_from_run
from events_mock.contract.run import ContractRun
from events_mock.framework.keywords import selects_any


@built_from_run
def test_conformance(contract: ContractRun) -> Callable[[Case], None] | None:
    """One test per operation of the run's schema; none when `-k` selects none of them (the
    coverage phase generates its cases at collection: seconds per operation, for nothing)."""
    if not _any_selected(contract):
        return None
    own_checks = contract.own_response_checks()

    @contract.schema().parametrize()
    def test_conformance(case: Case) -> None:
        case.call_and_validate(**contract.call_kwargs(), additional_checks=own_checks)

    return test_conformance


def _any_selected(contract: ContractRun) -> bool:
    """Whether `verify -k EXPR` can select any of these tests, over the names pytest gives
    them (and the suite's, so `-k suite` still selects all). When in doubt, yes."""
    select = contract.options.select
    if not select:
        return True
    context = ("schema_level.py", "suite", "contract", "events_mock", "contract_tests")
    candidates = []
    for result in contract.schema().get_all_operations():
        if isinstance(result, Err):
            return True
        candidates.append((f"test_conformance[{result.ok().label}]", *context))
    return selects_any(select, candidates)

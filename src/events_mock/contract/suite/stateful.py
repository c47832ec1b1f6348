"""Stateful: sequences that follow the spec's links, e.g. start a report, then read its status.

Each step is held to every check, and the suite's own checks remember what came before, so a
job whose status goes back, or an event that reads back other than it was created, is caught
here too. APIs without links (see `ContractApi.generic`) have no stateful phase.
"""

from __future__ import annotations

from typing import Any

import hypothesis
import pytest
from schemathesis import Case, Response
from schemathesis.generation import overrides

from events_mock.contract.fixtures import built_from_run
from events_mock.contract.run import ContractRun

# Links start from operations that store (POST /reports, POST /api/v1/events): not read-only.
pytestmark = pytest.mark.writes


@built_from_run
def TestStatefulLinks(contract: ContractRun) -> type | None:
    """Schemathesis' state machine over the run's schema, seeded and sized by the run; none for
    an API whose spec links no operations."""
    if "stateful" not in contract.api.suite:
        return None
    schema = contract.schema()
    own_checks = contract.own_response_checks()

    # A base made at run time: mypy takes no call as a base class (misc).
    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Case) -> None:
            """The run's fixed parameters (the tenant header) on every step, as Schemathesis'
            own runner does: its pytest state machine generates them like any other."""
            overrides.for_operation(schema.config, operation=case.operation).apply_to(case)
            super().before_call(case)

        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            """Every step through the run's session (its headers, its `--rate`)."""
            return {**super().get_call_kwargs(case), **contract.call_kwargs()}

        def validate_response(
            self, response: Response, case: Case, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            """Every step is held to the API's own response checks too."""
            checks = [*(additional_checks or []), *own_checks]
            super().validate_response(response, case, additional_checks=checks, **kwargs)

    machine = hypothesis.seed(contract.seed)(Machine)
    test_case = machine.TestCase
    test_case.settings = hypothesis.settings(
        test_case.settings, max_examples=contract.options.max_examples, database=None
    )
    return test_case

"""Stateful: sequences that follow the spec's links, e.g. start a report, then read its status.

Each step is held to every check, and the suite's own checks remember what came before, so a
job whose status goes back, or an event that reads back other than it was created, is caught
here too. APIs without links (see `ContractApi.generic`) have no stateful phase.
"""

import hypothesis
import pytest
from schemathesis import Case
from schemathesis.generation import overrides

from events_mock.contract.plugin import current_run

__all__ = ["TestStatefulLinks", "pytestmark"]

# Links start from operations that store (POST /reports, POST /api/v1/events): not read-only.
pytestmark = pytest.mark.writes

_run = current_run()

if "stateful" in _run.api.suite:
    _schema = _run.schema()

    class _Machine(_schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Case) -> None:
            """The run's fixed parameters (the tenant header) on every step, as Schemathesis'
            own runner does: its pytest state machine generates them like any other."""
            overrides.for_operation(_schema.config, operation=case.operation).apply_to(case)
            super().before_call(case)

    _machine = hypothesis.seed(_run.seed)(_Machine)
    TestStatefulLinks = _machine.TestCase
    TestStatefulLinks.settings = hypothesis.settings(
        TestStatefulLinks.settings, max_examples=_run.options.max_examples, database=None
    )
else:

    @pytest.mark.skip(reason=f"{_run.api.name}: its spec links no operations")
    class TestStatefulLinks:
        def test_links(self) -> None:
            """Placeholder under plain pytest; `verify` does not collect this module."""

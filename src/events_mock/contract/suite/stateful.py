"""Stateful: sequences that follow the spec's links, e.g. start a report, then read its status.

Each step is held to every check, and the suite's job checks remember what came before, so a
job whose status goes back, or whose filter changes between reads, is caught here too.
"""

import hypothesis
import pytest

from events_mock.contract.plugin import current_run

__all__ = ["TestStatefulLinks", "pytestmark"]

# Links start from operations that store (POST /reports): not for read-only runs.
pytestmark = pytest.mark.writes

_run = current_run()
_machine = hypothesis.seed(_run.seed)(_run.schema().as_state_machine())

TestStatefulLinks = _machine.TestCase
TestStatefulLinks.settings = hypothesis.settings(
    TestStatefulLinks.settings, max_examples=_run.options.max_examples, database=None
)

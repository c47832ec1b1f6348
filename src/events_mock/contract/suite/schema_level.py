"""Schema level: every operation with generated input, judged by every Schemathesis check.

Phases examples, coverage and fuzzing, input that fits the spec and input that does not; the
built-in checks (status code, content type, headers, response schema, server errors, negative
data rejected, positive data accepted, ignored auth, undeclared methods ...) and the suite's own
response checks (`events_mock.contract.checks`) run on every answer.
"""

from schemathesis import Case

from events_mock.contract.plugin import current_run

__all__ = ["test_conformance"]

schema = current_run().schema()


@schema.parametrize()
def test_conformance(case: Case) -> None:
    case.call_and_validate()

"""Fuzzing in CI: Schemathesis, positive and negative, against the mock for every spec.

A bounded budget (25 generated cases per operation and stateful scenarios, a fixed seed) keeps
each run to seconds; the examples and coverage phases run all theirs. The mock must conform:
no server error, no answer outside its spec, every rule of the suite kept. A failure prints the
seed and a cURL line for each failing request.

This is the one fuzzing run of each spec (the control plane's was also fuzzed by
`tests/control/test_control_contract.py`, merged here, and by the live runs of
`test_verify.py`, which now select the tests that are not generated).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from events_mock.contract.options import DEFAULT_MAX_EXAMPLES
from events_mock.contract.targets import CONTRACT_APIS
from tests.contract.test_verify import run_verify

pytestmark = pytest.mark.slow

SEED = ("--seed", "20240601")
BUDGET = ("--max-examples", "25", *SEED)
STATE_IMPORTS = "test_conformance and PUT and /state"
"""`PUT /state` and `PUT /state/{api}`: their bodies are whole state documents, whose coverage
phase (~3,900 cases, most of the control plane's time) walks every bound of every API's data
one by one, as `tests/control/test_state.py` checks the import's refusals; they are fuzzed on
their own, in parallel, with examples and fuzzing (positive and negative) only."""
RUNS = {
    "barchart": (),
    "event-collector": BUDGET,
    "billing-care": BUDGET,
    "control": (*BUDGET, "-k", f"not ({STATE_IMPORTS})"),
    "control-state-imports": (*BUDGET, "-k", STATE_IMPORTS, "--phases", "examples,fuzzing"),
}


@pytest.mark.parametrize("run", list(RUNS))
def test_mock_conforms_to_its_spec_under_fuzzing(run: str, tmp_path: Path) -> None:
    """Barchart's run is `events-mock verify` with its defaults (it was
    `test_verify.py::test_embedded_mock_conforms_with_default_settings`): the embedded mock,
    the default budget, a JUnit report."""
    report = tmp_path / "verify.xml"
    api = run.removesuffix("-state-imports")
    assert api in CONTRACT_APIS
    if api == "barchart":
        verdict, output = run_verify(*SEED, "--junit-xml", str(report))
        budget = DEFAULT_MAX_EXAMPLES
    else:
        verdict, output = run_verify("--api", api, *RUNS[run])
        budget = 25
    assert verdict.exit_code == 0, output
    for check in ("not_a_server_error", "response_schema_conformance", "negative_data_rejection"):
        ran = re.search(rf"^\s+ok\s+{check}\s+(\d+) passed\s+0 failed$", output, re.M)
        assert ran and int(ran.group(1)) > 0, f"{check} did not run clean:\n{output}"
    assert f"fuzzing {budget}" in output, output
    unexercised = re.findall(r"^  (\S+ \S+) +NOT EXERCISED$", output, re.M)
    if run == "control-state-imports":
        assert not any(name.startswith("PUT /state") for name in unexercised), output
        assert "phases examples, fuzzing" in output, output
    elif run == "control":  # the flows send `PUT /state`; `PUT /state/{api}` is the other run's
        assert all(name.startswith("PUT /state/") for name in unexercised), output
    else:
        assert unexercised == [], output
    if api == "barchart":
        assert "CONFORMS" in output and "embedded mock" in output
        suite = ET.parse(report).getroot().find("testsuite")
        assert suite is not None
        assert suite.get("failures") == "0" and suite.get("errors") == "0"
        names = {case.get("name") for case in suite.iter("testcase")}
        assert "test_conformance[POST /events]" in names
        assert "test_report_holds_exactly_the_runs_events" in names

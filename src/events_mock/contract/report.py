"""What `events-mock verify` prints: a line per test as it finishes, then failures and coverage.

CI logs are read by people who did not write the suite, so a failure says which rule broke, on
which request, and how to send that request again; the coverage says what a green run proves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TextIO

import pytest

from events_mock.contract.rules import rules_of, unmet_needs
from events_mock.contract.run import SAFE_METHODS, ContractRun

PHASE_ORDER = ("examples", "coverage", "fuzzing", "stateful", "flows")


@dataclass
class ResultLine:
    module: str
    name: str
    outcome: str
    seconds: float
    details: str = ""

    @property
    def label(self) -> str:
        return f"{self.module:<17} {self.name}" if self.name else self.module


@dataclass
class VerifyReporter:
    """A pytest plugin standing in for pytest's own terminal output during `verify`."""

    out: TextIO
    results: list[ResultLine] = field(default_factory=list)
    errors: list[ResultLine] = field(default_factory=list)
    deselected: int = 0

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            module, name = split_nodeid(report.nodeid or "collection")
            line = ResultLine(module, name, "ERROR", 0, str(report.longrepr))
            self.errors.append(line)
            self._line("ERROR", line.label, None)

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected += len(items)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or (report.when == "setup" and not report.passed):
            outcome = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}[report.outcome]
        elif report.when == "teardown" and report.failed:
            outcome = "ERROR"
        else:
            return
        if report.when == "setup" and report.failed and not getattr(report, "verdict", False):
            outcome = "ERROR"  # the suite could not set the test up: not a verdict on the target
        module, name = split_nodeid(report.nodeid)
        details = str(report.longrepr) if report.failed else ""
        result = ResultLine(module, name, outcome, report.duration, details)
        (self.results if outcome != "ERROR" else self.errors).append(result)
        self._line(outcome, result.label, report.duration)

    def _line(self, outcome: str, label: str, seconds: float | None) -> None:
        took = f"{seconds:5.1f} s" if seconds is not None else ""
        self.out.write(f"  {outcome:<5} {took:>7}  {label}\n")
        self.out.flush()

    @property
    def failures(self) -> list[ResultLine]:
        return [r for r in self.results if r.outcome == "FAIL"] + self.errors


def split_nodeid(nodeid: str) -> tuple[str, str]:
    """`.../suite/barchart_reports.py::test_link[x]` -> (`barchart_reports`, `test_link[x]`)."""
    path, _, name = nodeid.partition("::")
    return path.rsplit("/", 1)[-1].removesuffix(".py"), name.replace("::", ".")


def coverage_lines(run: ContractRun) -> list[str]:
    """Operations exercised per phase, then every check with how often it passed and failed."""
    lines = ["Operations exercised (requests per phase):"]
    counts = run.coverage.requests
    labels = [
        f"{method.upper()} {path}"
        for path, item in run.schema().raw_schema["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete", "patch")
    ]
    labels += sorted({label for label, _ in counts} - set(labels))
    width = max(len(label) for label in labels) + 2
    exercised = 0
    for label in labels:
        phases = [f"{p} {counts[(label, p)]}" for p in PHASE_ORDER if counts[(label, p)]]
        exercised += bool(phases)
        unsafe = label.split()[0] not in SAFE_METHODS
        missing = "skipped (--read-only)" if run.options.read_only and unsafe else "NOT EXERCISED"
        lines.append(f"  {label:<{width}}{', '.join(phases) or missing}")
    lines.append(f"  {exercised} of {len(labels)} exercised")
    lines.append("")
    lines.append("Schemathesis checks (on every response):")
    # The API's own response checks count under their flow checks' names, below; those standing
    # in for a built-in check (`replaces=` in their decorator) are listed in its place.
    own = tuple(check.name for check in run.checks.response_checks() if check.replaces is None)
    lines += _counts(run.coverage.passed, run.coverage.failed, exclude=own)
    lines.append("")
    lines.append("Contract checks (rules no schema can express):")
    ledger = run.context.ledger
    lines += _counts(ledger.passed, ledger.failed)
    return lines


def rule_lines(run: ContractRun) -> list[str]:
    """How many of the API's inventory rules this run exercised on its target, and which it
    could not and why: a need the target or the options do not meet (read-only, no clock
    control, no second tenant, not an events-mock), or a check that did not run (`-k`)."""
    rules = rules_of(run.api.name)
    if not rules:
        return [f"  {run.api.name} has no rule inventory"]
    checked = [rule for rule in rules if rule.check is not None]
    met = run.met_needs({need for rule in checked for need in rule.needs})
    ran = run.context.ledger.passed + run.context.ledger.failed
    ran += run.coverage.passed + run.coverage.failed
    missed: dict[str, list[str]] = {}
    for rule in checked:
        why = ", ".join(unmet_needs(rule, met))
        if not why and not ran[str(rule.check)]:
            why = "its check did not run (-k)" if run.options.select else "its check did not run"
        if why:
            missed.setdefault(why, []).append(rule.id)
    exercised = len(checked) - sum(map(len, missed.values()))
    lines = [
        f"  {exercised} of {len(checked)} checked inventory rules exercised on this target "
        f"({len(rules) - len(checked)} more are not checkable against a deployment; "
        "docs/contract-rules.md)"
    ]
    for why, ids in missed.items():
        lines.append(f"  not exercised ({why}): {len(ids)}")
        lines += [f"    {rule_id}" for rule_id in ids]
    return lines


def _counts(passed: Any, failed: Any, exclude: tuple[str, ...] = ()) -> list[str]:
    names = sorted((set(passed) | set(failed)) - set(exclude))
    if not names:
        return ["  (none ran)"]
    width = max(len(n) for n in names) + 2
    rows = []
    for name in names:
        verdict = "ok  " if not failed[name] else "FAIL"
        rows.append(f"  {verdict} {name:<{width}}{passed[name]:>7} passed {failed[name]:>5} failed")
    return rows

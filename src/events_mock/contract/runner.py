"""`events-mock verify`: run the contract suite against a target and give a CI-ready verdict.

The suite is plain pytest, run in-process on the modules shipped in `events_mock.contract.suite`
(so any install of the package can verify, no checkout needed), with this run handed to it
through `ContractPlugin` and pytest's terminal output replaced by `VerifyReporter`. pytest's own
`--junit-xml` writes the CI report.

Exit status: 0 the target conforms, 1 it does not, 2 it could not be verified (unreachable,
credentials refused, or the suite itself broke).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

import pytest

from events_mock.contract.identity import UsageError
from events_mock.contract.options import ContractOptions
from events_mock.contract.plugin import SUITE_DIR, ContractPlugin
from events_mock.contract.report import ResultLine, VerifyReporter, coverage_lines, rule_lines
from events_mock.contract.run import ContractRun

CONFORMS, DOES_NOT_CONFORM, NOT_VERIFIED = 0, 1, 2
PLUGINS = ("-p", "schemathesis.pytest.plugin")


@dataclass
class Verdict:
    exit_code: int
    failures: list[ResultLine] = field(default_factory=list)
    passed: int = 0


def verify(
    options: ContractOptions, *, junit_xml: str | None = None, out: TextIO | None = None
) -> Verdict:
    out = out or sys.stdout
    started = time.monotonic()
    try:
        run = ContractRun(options)
    except UsageError as error:
        out.write(f"events-mock verify: {error}\n")
        return Verdict(NOT_VERIFIED)
    except Exception as error:  # noqa: BLE001 - the embedded mock could not start
        out.write(f"events-mock verify: cannot start: {error}\n")
        return Verdict(NOT_VERIFIED)
    try:
        _header(run, out)
        problem = run.preflight()
        if problem:
            out.write(f"\nNOT VERIFIED: {problem}\n")
            return Verdict(NOT_VERIFIED)
        if run.api.jobs and not run.options.read_only:
            timeout = run.options.job_timeout
            out.write(
                f"  {'jobs':<7} finished by {run.clock.description}, at most {timeout:g} s each\n"
            )
        out.write("\n")
        reporter = VerifyReporter(out)
        code = _run_suite(run, reporter, junit_xml)
        return _verdict(run, reporter, code, junit_xml, time.monotonic() - started, out)
    finally:
        run.close()


def _header(run: ContractRun, out: TextIO) -> None:
    out.write(f"events-mock verify: {run.api.name} contract against {run.base_url}\n")
    for name, value in run.describe():
        out.write(f"  {name:<7} {value}\n")
    out.flush()


def _run_suite(run: ContractRun, reporter: VerifyReporter, junit_xml: str | None) -> int:
    modules = [str(SUITE_DIR / f"{name}.py") for name in run.api.suite]
    args = [
        *modules,
        # This run's settings only: no project ini, no cache, no plugins that happen to be
        # installed (one reordering or reseeding tests would change the verdict), pytest's
        # terminal output replaced by the reporter.
        "-c",
        os.devnull,
        "--rootdir",
        str(SUITE_DIR),
        "--disable-plugin-autoload",
        *PLUGINS,
        "-p",
        "no:cacheprovider",
        "-p",
        "no:terminal",
        # Its `gc.collect()` passes at the end cost 0.1-0.5 s a run in a long-lived process
        # (the project's own tests run verify ~200 times); the suite raises no such warnings.
        "-p",
        "no:unraisableexception",
        "-W",
        "ignore::DeprecationWarning",
    ]
    if junit_xml:
        args += [
            "--junit-xml",
            junit_xml,
            "-o",
            "junit_suite_name=events-mock-verify",
            "-o",
            "junit_family=xunit2",
        ]
    args += _selection_args(run.options)
    # The suite's modules read nothing from a run when imported (see `fixtures`): a module an
    # earlier run imported serves this one as it is.
    return int(pytest.main(args, plugins=[ContractPlugin(run), reporter]))


def _verdict(
    run: ContractRun,
    reporter: VerifyReporter,
    code: int,
    junit_xml: str | None,
    seconds: float,
    out: TextIO,
) -> Verdict:
    failures = reporter.failures
    passed = sum(r.outcome == "PASS" for r in reporter.results)
    for number, failure in enumerate(failures, start=1):
        if number == 1:
            out.write("\nFailures\n--------\n")
        out.write(f"\n{number}) {failure.name}  ({failure.module})\n\n")
        out.write(_indent(failure.details) + "\n")
    out.write("\nCoverage\n--------\n")
    for line in coverage_lines(run):
        out.write(line + "\n")
    out.write("\nRules\n-----\n")
    for line in rule_lines(run):
        out.write(line + "\n")
    out.write("\n")
    skipped = _skipped_note(reporter.deselected, run.options)
    total = len(reporter.results) + len(reporter.errors)
    if code == pytest.ExitCode.OK:
        exit_code = CONFORMS
        out.write(f"CONFORMS: {passed} of {total} tests passed{skipped} in {seconds:.0f} s\n")
    elif code == pytest.ExitCode.TESTS_FAILED and not reporter.errors:
        exit_code = DOES_NOT_CONFORM
        out.write(
            f"DOES NOT CONFORM: {len(failures)} of {total} tests failed{skipped} "
            f"in {seconds:.0f} s\n"
        )
        for failure in failures:
            out.write(f"  FAIL {failure.label}\n")
    else:
        exit_code = NOT_VERIFIED
        out.write(f"NOT VERIFIED: the suite could not run to the end (pytest exit {code})\n")
    out.write(f"Left on the target: {run.left_behind()}\n")
    if junit_xml:
        out.write(f"JUnit XML: {junit_xml}\n")
    if run.options.coverage:
        out.write(f"Coverage document: {run.options.coverage}\n")
    out.write(f"Reproduce this run with --seed {run.seed}\n")
    out.flush()
    return Verdict(exit_code, failures, passed)


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line else line for line in text.strip().splitlines())


# `verify -k EXPR`: pytest's own keyword selection, passed through.


def _selection_args(options: ContractOptions) -> list[str]:
    return ["-k", options.select] if options.select else []


def _skipped_note(deselected: int, options: ContractOptions) -> str:
    """`, N skipped (BY)`, BY what deselected them: `--read-only` (tests that store), `-k`."""
    if not deselected:
        return ""
    reasons = [("--read-only", options.read_only), ("-k", options.select is not None)]
    by = ", ".join(flag for flag, given in reasons if given) or "--read-only"
    return f", {deselected} skipped ({by})"

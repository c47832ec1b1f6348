"""The pytest side of the contract suite: options, the run every test shares, its reporting.

`events-mock verify` registers `ContractPlugin` with a run it built itself; under plain pytest
(`pytest contract_tests ...`), `contract_tests/conftest.py` imports `pytest_addoption` and
`pytest_configure` from here, and the run is built from the command-line options.
"""

from __future__ import annotations

from collections.abc import Collection, Generator
from pathlib import Path
from typing import Any

import pytest
import requests
from schemathesis.core.failures import FailureGroup

from events_mock.contract import fixtures
from events_mock.contract.clocks import JobTimedOut
from events_mock.contract.curl import curl_command
from events_mock.contract.identity import UsageError
from events_mock.contract.options import ContractOptions, add_options, options_from
from events_mock.contract.run import ContractRun
from events_mock.contract.targets import CONTRACT_APIS

SUITE_DIR = Path(__file__).resolve().parent / "suite"
PLUGIN_NAME = "events-mock-contract"
DEST_PREFIX = "contract_"
FIXTURES_NAME = "events-mock-contract-fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "events-mock contract suite")
    add_options(group.addoption, list(CONTRACT_APIS), dest_prefix=DEST_PREFIX)


def options_from_config(config: pytest.Config) -> ContractOptions:
    # Without our `pytest_addoption` (a conftest found late), the defaults apply.
    return options_from(lambda name: config.getoption(name, None), dest_prefix=DEST_PREFIX)


def pytest_configure(config: pytest.Config) -> None:
    """Plain pytest: build the run from the options, unless `verify` registered one already."""
    if not any(isinstance(p, ContractPlugin) for p in config.pluginmanager.get_plugins()):
        try:
            run = ContractRun(options_from_config(config))
        except UsageError as error:
            raise pytest.UsageError(str(error)) from None
        plugin = ContractPlugin(run, owns_run=True)
        config.pluginmanager.register(plugin, PLUGIN_NAME)


class ContractPlugin:
    def __init__(self, run: ContractRun, *, owns_run: bool = False) -> None:
        self.run = run
        self.owns_run = owns_run

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "writes: stores data on the target (not --read-only)")
        config.addinivalue_line("markers", "api(name): tests of one API's own contract")
        config.stash[fixtures.RUN_KEY] = self.run
        if not config.pluginmanager.is_registered(fixtures):
            config.pluginmanager.register(fixtures, FIXTURES_NAME)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        path = self.run.options.coverage
        if path is not None and self.run.coverage.proven is not None:
            self.run.coverage.proven.write(path)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if self.owns_run:
            self.run.close()

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if self.owns_run:
            problem = self.run.preflight()
            if problem:
                pytest.exit(problem, returncode=pytest.ExitCode.USAGE_ERROR)

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        """Drop what does not apply: other APIs' flows, suite modules this API does not take
        (no stateful phase without links), and anything that writes if read-only."""
        for item in items:
            _name_operation(item)
        keep, drop = [], []
        for item in items:
            api = item.get_closest_marker("api")
            writes = item.get_closest_marker("writes") is not None
            module = _suite_module(item)
            if (
                (api and api.args[0] != self.run.api.name)
                or (module is not None and module not in self.run.api.suite)
                or (writes and self.run.options.read_only)
            ):
                drop.append(item)
            else:
                keep.append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """A contract failure reads as its message and cURL lines, not as a Python traceback."""
        report = yield
        if report.failed and call.excinfo is not None and is_verdict(call.excinfo.value):
            report.longrepr = describe_failure(call.excinfo.value, self.run.context.revealed)
            # Our own mark: TestReport takes extra attributes (its `**extra`), untyped.
            report.verdict = True  # type: ignore[attr-defined]
        return report

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        from events_mock.contract.report import coverage_lines, rule_lines

        terminalreporter.write_sep("=", "contract coverage")
        for name, value in self.run.describe():
            terminalreporter.write_line(f"{name:<7} {value}")
        terminalreporter.write_line("")
        for line in coverage_lines(self.run):
            terminalreporter.write_line(line)
        terminalreporter.write_line("\nRules:")
        for line in rule_lines(self.run):
            terminalreporter.write_line(line)
        terminalreporter.write_line(f"\nLeft on the target: {self.run.left_behind()}")
        terminalreporter.write_line(f"Reproduce this run with --seed {self.run.seed}")


def is_verdict(error: BaseException) -> bool:
    """Whether an exception says the target broke the contract (not that the suite crashed)."""
    inner = _grouped(error)
    if inner is not None:
        return all(is_verdict(one) for one in inner)
    # A connection the target drops or answers garbage on is the target's failure too.
    return isinstance(error, (AssertionError, JobTimedOut, requests.RequestException))


def describe_failure(error: BaseException, revealed: Collection[str] = ()) -> str:
    """A failure as the report shows it; `revealed`: wrong credentials safe to print whole."""
    if isinstance(error, FailureGroup):
        return error.message.strip()
    inner = _grouped(error)
    if inner is not None:
        return "\n\n".join(describe_failure(one, revealed) for one in inner)
    if isinstance(error, requests.RequestException):
        text = f"The target broke the exchange: {type(error).__name__}: {error}"
        if error.request is not None:
            line = curl_command(error.request, revealed=revealed)
            text += f"\n\n    Reproduce with:\n\n        {line}"
        return text
    return str(error).strip()


def _name_operation(item: pytest.Item) -> None:
    """`test_conformance` -> `test_conformance[POST /events]` in the node id.

    Schemathesis names its per-operation items `test[METHOD /path]`, but pytest 9.2 builds node
    ids from `originalname` and a parametrize callspec, which these items lack, so all of them
    share one id; progress lines and JUnit reports would not say which operation failed.
    """
    original = getattr(item, "originalname", None)
    node_id = getattr(item, "_id", None)
    if not original or node_id is None or item.name == original or "[" in item.nodeid:
        return
    params = item.name[len(original) + 1 : -1] if item.name.startswith(original + "[") else None
    if params and node_id.params is None and item.parent is not None:
        item._id = item.parent.id.child(original).with_params(params)


def _suite_module(item: pytest.Item) -> str | None:
    """The suite module an item comes from (`stateful`); None for tests that are not the
    suite's."""
    path = getattr(getattr(item, "module", None), "__file__", None)
    if path is None or Path(path).resolve().parent != SUITE_DIR:
        return None
    return Path(path).stem


def _grouped(error: BaseException) -> tuple[BaseException, ...] | None:
    """The exceptions an exception group holds (Hypothesis raises one for several failures)."""
    inner = getattr(error, "exceptions", None)
    return inner if isinstance(inner, tuple) else None

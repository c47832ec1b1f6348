"""The pytest plugin's coverage: every fixture mock's documented responses, added up per run.

Each test gets its own mock, so the plugin asks each one, as the test ends, which documented
responses it answered (in-process: the kit's `coverage()`; a live server: its control plane's
`GET /__mock/coverage`, of the test's sandbox on a shared server) and adds the documents up.
Under pytest-xdist each worker adds up its own and hands it to the controller in its
`workeroutput`, which adds those up: the summary and `--events-mock-coverage FILE` are the
whole run's.

Loaded with the plugin in every pytest run, so only the standard library is imported here;
`events_mock.coverage` (the spec reader) only once a fixture has handed in a document.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "FAIL_UNDER_OPTION",
    "FILE_OPTION",
    "WORKER_KEY",
    "CoverageSession",
    "add_options",
]

FILE_OPTION = "--events-mock-coverage"
FAIL_UNDER_OPTION = "--events-mock-coverage-fail-under"
WORKER_KEY = "events_mock_coverage"


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("events-mock")
    group.addoption(
        FILE_OPTION,
        default=None,
        metavar="FILE",
        help="write which documented responses the fixtures' mocks answered, as JSON "
        "(the coverage document, docs/coverage.md)",
    )
    group.addoption(
        FAIL_UNDER_OPTION,
        default=None,
        type=float,
        metavar="PERCENT",
        help="fail the run if fewer than PERCENT of the documented responses of the APIs "
        "the tests called were answered",
    )


def _percent(value: float) -> float:
    if not 0 <= value <= 100:
        raise pytest.UsageError(f"{FAIL_UNDER_OPTION} takes a percentage, 0 to 100: {value}")
    return value


class CoverageSession:
    """The documents handed in during one run (one worker's, or the controller's merge)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.documents: list[dict[str, Any]] = []
        self.merged: dict[str, Any] | None = None
        self.failed_under: str | None = None
        self.unreadable = 0
        """Fixture mocks whose coverage could not be read (the test stopped its server)."""
        fail_under = config.getoption(FAIL_UNDER_OPTION)
        self.fail_under = None if fail_under is None else _percent(fail_under)

    @property
    def is_worker(self) -> bool:
        return hasattr(self.config, "workeroutput")

    def add(self, read: Callable[[], dict[str, Any]]) -> None:
        """The document `read` answers, as a fixture's mock goes away. A mock the test itself
        stopped or broke has none to give: coverage never turns a passing test into an error."""
        try:
            document = read()
        except Exception:  # noqa: BLE001 - whatever the test did to its mock
            self.unreadable += 1
            return
        self.documents.append(document)

    def add_worker(self, output: dict[str, Any]) -> None:
        """A pytest-xdist worker's merged document, from its `workeroutput`."""
        text = output.get(WORKER_KEY)
        if text:
            self.documents.append(json.loads(text))

    def finish(self, session: pytest.Session) -> None:
        if not self.documents and self.config.getoption(FILE_OPTION) is None:
            return  # no fixture used: nothing of the mock gets imported
        from events_mock.coverage import exercised_ratio, merge_documents

        merged = self.merged = merge_documents(self.documents, "mock")
        if self.is_worker:
            self.config.workeroutput[WORKER_KEY] = json.dumps(merged)  # type: ignore[attr-defined]
            return
        path = self.config.getoption(FILE_OPTION)
        if path is not None:
            Path(path).write_text(json.dumps(merged, indent=1) + "\n")
        if self.fail_under is not None:
            ratio = exercised_ratio(merged)
            if ratio < self.fail_under:
                self.failed_under = (
                    f"events-mock coverage {ratio:.1f}% is under "
                    f"{FAIL_UNDER_OPTION} {self.fail_under:g}%"
                )
                if session.exitstatus == pytest.ExitCode.OK:
                    session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def summary(self, reporter: Any) -> None:
        if self.is_worker or self.merged is None:
            return
        from events_mock.coverage import summary_lines

        lines = summary_lines(self.merged)
        if not lines and self.failed_under is None:
            return
        reporter.write_sep("-", "events-mock coverage")
        for line in lines:
            reporter.write_line(line)
        if self.unreadable:
            reporter.write_line(f"({self.unreadable} fixture mocks could not be read)")
        path = self.config.getoption(FILE_OPTION)
        if path is not None:
            reporter.write_line(f"coverage document written to {path}")
        if self.failed_under is not None:
            reporter.write_line("FAIL " + self.failed_under, red=True)

"""`events-mock verify` end to end: the mock conforms, every broken server is caught.

`run_verify` goes through the CLI's own parser and command function, in-process: the same
code path as `events-mock verify ...`, minus the process exit.
"""

from __future__ import annotations

import io
import time
import xml.etree.ElementTree as ET

import pytest
from broken_servers import BROKEN_SERVERS, BrokenServer, build, healthy_mock, with_clock_control

from events_mock.cli import build_parser
from events_mock.contract.command import verify_command
from events_mock.contract.runner import Verdict
from events_mock.server import LiveServer

# Small but enough: every broken server is caught by a deterministic part of the suite (flows,
# the examples and coverage phases), and the seed fixes the generated part.
QUICK = ("--max-examples", "5", "--seed", "1")


def run_verify(*argv: str) -> tuple[Verdict, str]:
    args = build_parser().parse_args(["verify", *argv])
    out = io.StringIO()
    verdict = verify_command(args, out=out)
    return verdict, out.getvalue()


def test_embedded_mock_conforms_with_default_settings(tmp_path) -> None:
    report = tmp_path / "verify.xml"
    started = time.monotonic()
    verdict, output = run_verify("--seed", "20240601", "--junit-xml", str(report))
    elapsed = time.monotonic() - started
    assert verdict.exit_code == 0, output
    assert elapsed < 180, f"verify took {elapsed:.0f} s against the mock"
    assert "CONFORMS" in output and "embedded mock" in output
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    assert suite.get("failures") == "0" and suite.get("errors") == "0"
    names = {case.get("name") for case in suite.iter("testcase")}
    assert "test_conformance[POST /events]" in names
    assert "test_report_holds_exactly_the_runs_events" in names


def test_live_mock_conforms_with_its_clock_moved_through_the_control_plane() -> None:
    mock, app = build(None)
    with LiveServer(app) as server:
        verdict, output = run_verify("--base-url", server.url, *QUICK)
    assert verdict.exit_code == 0, output
    assert "advancing the target's clock" in output


@pytest.mark.parametrize("server", BROKEN_SERVERS, ids=lambda server: server.name)
def test_broken_server_is_caught(server: BrokenServer) -> None:
    mock, app = build(server)
    with LiveServer(app) as live:
        verdict, output = run_verify("--base-url", live.url, *QUICK)
    assert verdict.exit_code == 1, output
    assert server.evidence in output, output


def test_there_are_enough_broken_servers_across_every_operation() -> None:
    assert len(BROKEN_SERVERS) >= 15
    assert len({server.name for server in BROKEN_SERVERS}) == len(BROKEN_SERVERS)

"""`events-mock verify` end to end: the mock conforms, every broken server is caught.

`run_verify` goes through the CLI's own parser and command function, in-process: the same
code path as `events-mock verify ...`, minus the process exit.
"""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests

from events_mock.cli import build_parser
from events_mock.contract.command import verify_command
from events_mock.contract.runner import Verdict
from events_mock.framework.live_server import LiveServer
from tests.contract.broken_servers import (
    BROKEN_SERVERS,
    BrokenServer,
    build,
    healthy_mock,
    verify_args,
    with_clock_control,
)
from tests.contract.conftest import Target

# Small but enough: every broken server is caught by a deterministic part of the suite (flows,
# the examples and coverage phases), and the seed fixes the generated part.
QUICK = ("--max-examples", "5", "--seed", "1")


def run_verify(*argv: str) -> tuple[Verdict, str]:
    args = build_parser().parse_args(["verify", *argv])
    out = io.StringIO()
    verdict = verify_command(args, out=out)
    return verdict, out.getvalue()


@pytest.mark.slow
def test_live_mock_conforms_with_its_clock_moved_through_the_control_plane() -> None:
    mock, app = build(None)
    with LiveServer(app) as server:
        verdict, output = run_verify("--base-url", server.url, "-k", NOT_GENERATED, *QUICK)
    assert verdict.exit_code == 0, output
    assert "advancing the target's clock" in output
    # The closing summary: what the inventory's rules got from this run, and why not.
    rules = output.split("\nRules\n-----\n")[1].split("\n\n")[0]
    assert "checked inventory rules exercised on this target" in rules
    assert "not exercised (no second tenant or user): 1\n" in rules
    assert "barchart.service.authenticate-answers-the-caller" in rules
    assert "not exercised (its check did not run (-k))" in rules  # no generated cases ran
    assert "barchart.links.good-for-15-minutes" not in rules  # the clock could be moved


def test_a_run_against_an_events_mock_leaves_its_own_world_untouched() -> None:
    """The run works in a fresh sandbox of the target, deleted at the end: the target's clock,
    events, jobs and journal are as they were, and no sandbox is left."""
    mock, app = build(None)
    clock_before = mock.clock.now_ms()
    with LiveServer(app) as server:
        verdict, output = run_verify("--base-url", server.url, "-k", NOT_GENERATED, *QUICK)
        sandboxes = requests.get(f"{server.url}/__mock/sandboxes", timeout=10).json()
    assert verdict.exit_code == 0, output
    assert "a fresh sandbox of the target" in output
    assert "Left on the target: nothing (its sandbox is deleted)" in output
    assert mock.clock.now_ms() == clock_before
    assert len(mock.barchart.store) == 0 and mock.barchart.jobs.all() == []
    assert [e for e in mock.control.journal.entries() if "/sandboxes" not in e.path] == []
    assert sandboxes == []


NOT_GENERATED = "not test_conformance and not TestStatefulLinks"
"""`-k` for the runs below that check something else than generated cases: each spec is fuzzed
once, in `test_fuzz_every_spec.py`; these run the flows and credential tests only."""
CONTROL_PING = "test_conformance and GET and /clock"
"""The control plane has no flows: one operation's cases stand in for the whole."""


@pytest.mark.slow
@pytest.mark.parametrize("api", ["event-collector", "billing-care", "control"])
def test_live_mock_conforms_for_every_api(api: str) -> None:
    """Against `events-mock serve` (`--base-url`, a host only): the API's base path is added."""
    select = CONTROL_PING if api == "control" else NOT_GENERATED
    mock, clock = healthy_mock()
    with LiveServer(mock.app) as server:
        verdict, output = run_verify(
            "--base-url", server.url, *verify_args(api), "-k", select, *QUICK
        )
    assert verdict.exit_code == 0, output
    if api == "control":
        assert f"contract against {server.url}/__mock" in output
        assert "test_conformance[GET /clock]" in output
    if api == "event-collector":
        assert "isolation checked against tenant other" in output
        assert "PASS" in output.split("test_tenants_cannot_read_each_others_events")[0][-40:]
    if api == "billing-care":
        assert f"contract against {server.url}/bcws/webresources/v1.0" in output


@pytest.mark.slow
@pytest.mark.parametrize("server", BROKEN_SERVERS, ids=lambda server: server.name)
def test_broken_server_is_caught(server: BrokenServer, target: Target) -> None:
    """Only the suite's tests that should catch it run (`-k`): they must fail on its rule."""
    mock, app = build(server)
    with target.serving(app) as url:
        verdict, output = run_verify(
            "--base-url", url, *verify_args(server.api, server), "-k", server.select, *QUICK
        )
    assert verdict.exit_code == 1, output
    assert server.evidence in output, output
    assert "skipped (-k)" in output, output


def test_there_are_enough_broken_servers_across_every_operation() -> None:
    apis = ("barchart", "event-collector", "billing-care")
    per_api = {api: sum(s.api == api for s in BROKEN_SERVERS) for api in apis}
    assert per_api["barchart"] >= 15 and min(per_api.values()) >= 6, per_api
    assert len({server.name for server in BROKEN_SERVERS}) == len(BROKEN_SERVERS)


@pytest.mark.slow
def test_read_only_stores_nothing_and_still_checks_what_it_can() -> None:
    mock, app = build(None)
    with LiveServer(app) as server:
        verdict, output = run_verify("--base-url", server.url, "--read-only", *QUICK)
    assert verdict.exit_code == 0, output
    assert len(mock.barchart.store) == 0 and mock.barchart.jobs.all() == []
    assert "skipped (--read-only)" in output
    assert "test_unknown_source_refused" in output
    assert "test_bad_credentials_rejected[GET /service/authenticate]" in output
    rules = output.split("\nRules\n-----\n")[1].split("\n\n")[0]
    unexercised = rules.split("not exercised (read-only mode", 1)[1]
    assert "barchart.events.answered-200" in unexercised
    assert "barchart.jobs.unknown-source-404" not in rules  # reads only: exercised


@pytest.mark.slow
@pytest.mark.parametrize("name", ["auth-any-password", "job-unknown-wrong-code"])
def test_read_only_still_catches_what_reads_show(name: str) -> None:
    """The tests that catch it (`BrokenServer.select`) only read: `--read-only` keeps them."""
    server = next(s for s in BROKEN_SERVERS if s.name == name)
    mock, app = build(server)
    with LiveServer(app) as live:
        verdict, output = run_verify(
            "--base-url", live.url, "--read-only", "-k", server.select, *QUICK
        )
    assert verdict.exit_code == 1, output
    assert len(mock.barchart.store) == 0 and mock.barchart.jobs.all() == []


@pytest.mark.slow
def test_credentials_never_reach_the_output_or_the_report(tmp_path) -> None:
    """A failing run as a user with a real-looking password: cURL lines show `alice:***`."""
    mock, clock = healthy_mock(users={"alice": "s3cret-pw"})
    server = next(s for s in BROKEN_SERVERS if s.name == "auth-any-password")
    app = with_clock_control(server.breaks(mock, mock.app), clock)
    report = tmp_path / "report.xml"
    with LiveServer(app) as live:
        verdict, output = run_verify(
            "--base-url",
            live.url,
            "--auth",
            "alice:s3cret-pw",
            "--junit-xml",
            str(report),
            "--no-sandbox",
            *QUICK,
        )
    assert verdict.exit_code == 1, output
    encoded = "YWxpY2U6czNjcmV0LXB3"  # base64 of alice:s3cret-pw
    for text in (output, report.read_text()):
        assert "s3cret-pw" not in text and encoded not in text
    assert "Reproduce with" in output


def test_unreachable_target_is_not_verified() -> None:
    verdict, output = run_verify("--base-url", "http://127.0.0.1:9", *QUICK)
    assert verdict.exit_code == 2
    assert "NOT VERIFIED: cannot reach http://127.0.0.1:9" in output


def test_rejected_credentials_are_not_verified() -> None:
    mock, app = build(None)
    with LiveServer(app) as server:
        verdict, output = run_verify("--base-url", server.url, "--auth", "demo:wrong", *QUICK)
    assert verdict.exit_code == 2
    assert "rejects the credentials of user 'demo'" in output and "wrong" not in output


@pytest.mark.parametrize("given", ["", "coverage,bogus", "examples,,fuzzing"])
def test_phases_must_be_schemathesis_phases(given: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["verify", "--phases", given])
    assert exit_.value.code == 2 and "--phases" in capsys.readouterr().err


def test_phases_are_kept_in_order_once_each() -> None:
    args = build_parser().parse_args(["verify", "--phases", "fuzzing, examples,fuzzing"])
    assert args.phases == ("fuzzing", "examples")


def test_cli_exit_status() -> None:
    from events_mock.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["verify", "--base-url", "http://127.0.0.1:9"])
    assert exit_.value.code == 2


@pytest.mark.slow
@pytest.mark.parametrize(("api", "tests"), [("barchart", 20), ("event-collector", 10)])
def test_contract_tests_run_under_plain_pytest(tmp_path, api: str, tests: int) -> None:
    """`contract_tests/` is the thin pytest entry point to the same suite."""
    root = Path(__file__).resolve().parents[2]
    report = tmp_path / "plain.xml"
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "contract_tests",
            "-q",
            "-p",
            "no:cacheprovider",
            # Like `verify`: only the plugins the suite needs, whatever else is installed.
            "--disable-plugin-autoload",
            "-p",
            "schemathesis.pytest.plugin",
            "-p",
            "_hypothesis_pytestplugin",
            "--max-examples",
            "3",
            "--seed",
            "1",
            "--api",
            api,
            f"--junit-xml={report}",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "contract coverage" in result.stdout
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None and int(suite.get("tests", 0)) >= tests


@pytest.mark.slow
def test_a_base_url_with_the_base_path_is_not_given_it_twice() -> None:
    mock, clock = healthy_mock()
    with LiveServer(mock.app) as server:
        url = f"{server.url}/bcws/webresources/v1.0/"
        verdict, output = run_verify(
            "--base-url", url, *verify_args("billing-care"), "-k", NOT_GENERATED, *QUICK
        )
    assert verdict.exit_code == 0, output
    assert "v1.0/bcws" not in output


@pytest.mark.slow
def test_isolation_without_a_second_tenant_is_reported_not_covered() -> None:
    mock, clock = healthy_mock()
    with LiveServer(mock.app) as server:
        verdict, output = run_verify(
            "--base-url", server.url, "--api", "event-collector",
            "--token", "demo-token", "--tenant", "demo", "-k", NOT_GENERATED, *QUICK,
        )  # fmt: skip
    assert verdict.exit_code == 0, output
    assert "isolation NOT COVERED: pass --other-tenant NAME:TOKEN" in output
    assert "SKIP" in output and "test_tenants_cannot_read_each_others_events" in output


@pytest.mark.slow
def test_bearer_tokens_never_reach_the_output_or_the_report(tmp_path) -> None:
    """A failing run whose answers make the suite print requests carrying both tenants' tokens."""
    mock, clock = healthy_mock()
    mock = type(mock)(
        dataclasses.replace(mock.config, tenants={"acme": "s3cret-acme", "globex": "s3cret-globex"})
    )
    server = next(s for s in BROKEN_SERVERS if s.name == "collector-forbidden-as-404")
    report = tmp_path / "report.xml"
    with LiveServer(server.breaks(mock, mock.app)) as live:
        verdict, output = run_verify(
            "--base-url", live.url, "--api", "event-collector", "--token", "s3cret-acme",
            "--tenant", "acme", "--other-tenant", "globex:s3cret-globex",
            "--junit-xml", str(report), "--no-sandbox", *QUICK,
        )  # fmt: skip
    assert verdict.exit_code == 1, output
    assert "Reproduce with" in output and "Authorization: Bearer ***" in output
    for text in (output, report.read_text()):
        assert "s3cret" not in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--api", "billing-care", "--auth", "a:b"), "billing-care takes --token TOKEN"),
        (("--api", "barchart", "--token", "t"), "--token do not apply: barchart takes --auth"),
        (("--api", "event-collector", "--token", "t"), "--token and --tenant go together"),
        (("--api", "billing-care", "--tenant", "x"), "--tenant do not apply: billing-care has"),
        (("--api", "event-collector", "--other-user", "a:b"), "--other-user do not apply"),
        (("--auth", "demo:demo", "--other-user", "demo:x"), "--other-user must name another"),
        (
            ("--api", "event-collector", "--token", "t", "--tenant", "a", "--other-tenant", "a:u"),
            "--other-tenant must name another tenant",
        ),
    ],
)
def test_options_of_another_kind_of_api_are_refused(argv: tuple[str, ...], message: str) -> None:
    verdict, output = run_verify(*argv, *QUICK)
    assert verdict.exit_code == 2
    assert message in output, output


def test_a_token_of_another_tenant_is_not_verified() -> None:
    mock, clock = healthy_mock()
    with LiveServer(mock.app) as server:
        verdict, output = run_verify(
            "--base-url", server.url, "--api", "event-collector",
            "--token", "other-token", "--tenant", "demo", *QUICK,
        )  # fmt: skip
    assert verdict.exit_code == 2, output
    assert "rejects the credentials of tenant 'demo'" in output and "answered 403" in output
    assert "other-token" not in output

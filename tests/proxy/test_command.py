"""`events-mock proxy` as a command: its options, the summary, --junit-xml, the exit status."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx

from events_mock.cli import build_parser
from events_mock.framework.live_server import LiveServer
from events_mock.proxy.command import finish
from tests.proxy.test_proxy import fresh_mock, proxied


def test_the_options_parse() -> None:
    args = build_parser().parse_args(
        ["proxy", "--upstream", "http://127.0.0.1:9", "--api", "event-collector", "--strict"]
    )
    assert (args.upstream, args.api, args.strict, args.port) == (
        "http://127.0.0.1:9",
        "event-collector",
        True,
        8081,
    )


def test_a_violation_fails_the_run_and_is_a_junit_failure_named_by_its_rule(
    tmp_path: Path,
) -> None:
    junit = tmp_path / "proxy.xml"
    argv = ["proxy", "--upstream", "x", "--junit-xml", str(junit), "--fail-on-violation"]
    args = build_parser().parse_args(argv)
    with proxied(fresh_mock().app) as (_, proxy, app):
        httpx.post(f"{proxy}/events", json={"events": [{"customer": "X"}]})
        httpx.get(f"{proxy}/service/version")
    out = io.StringIO()
    assert finish(app, args, out) == 1
    assert "violations (body_conforms" in out.getvalue()
    suite = ET.parse(junit).getroot()
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    assert {f.get("type") for f in suite.iter("failure")} == {"body_conforms"}
    args.fail_on_violation = False
    assert finish(app, args, io.StringIO()) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_command_forwards_and_summarises_on_exit() -> None:
    port = _free_port()
    with LiveServer(fresh_mock().app) as upstream:
        command = [sys.executable, "-m", "events_mock", "proxy", "--upstream", upstream.url]
        command += ["--port", str(port), "--fail-on-violation"]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    answer = httpx.post(
                        f"http://127.0.0.1:{port}/events", json={"events": [{"customer": "X"}]}
                    )
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "the proxy did not start"
                    time.sleep(0.1)
            assert answer.status_code == 400, "forwarded: the upstream's own refusal"
        finally:
            process.send_signal(signal.SIGINT)
            output, _ = process.communicate(timeout=30)
    assert process.returncode == 1, output
    assert "[body_conforms]" in output
    assert "1 exchanges, 3 violations" in output
    assert "HTTP Request" not in output, "httpx does not log URLs (a link carries its token)"


def test_the_cli_parser_does_not_load_schemathesis() -> None:
    """`events-mock serve` builds the same parser: the proxy's options cost it nothing."""
    code = (
        "import sys; from events_mock.cli import build_parser; build_parser(); "
        "sys.exit('schemathesis' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0

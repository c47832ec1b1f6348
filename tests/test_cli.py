"""The command line behaves like a finished tool: version, checked arguments, a true banner."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from events_mock.cli import build_parser
from events_mock.version import package_version

SRC = Path(__file__).resolve().parents[1] / "src"
ENV = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}


def parse_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """What argparse says on stderr when it refuses `argv` (it exits 2)."""
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(argv)
    assert exit_.value.code == 2
    return capsys.readouterr().err


def test_version_comes_from_the_package_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"events-mock {package_version()}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", package_version())


@pytest.mark.parametrize("level", ["critical", "error", "warning", "info", "debug", "trace"])
def test_every_uvicorn_log_level_is_accepted(level: str) -> None:
    assert build_parser().parse_args(["serve", "--log-level", level]).log_level == level
    assert build_parser().parse_args(["serve", "--log-level", level.upper()]).log_level == level


def test_an_unknown_log_level_is_refused_with_the_choices(
    capsys: pytest.CaptureFixture[str],
) -> None:
    error = parse_error(["serve", "--log-level", "verbose"], capsys)
    assert "invalid choice: 'verbose'" in error
    assert "'critical', 'error', 'warning', 'info', 'debug', 'trace'" in error
    assert "Traceback" not in error


@pytest.mark.parametrize("port", ["99999", "65536", "-1", "eighty"])
def test_ports_outside_1_to_65535_are_refused(
    port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    error = parse_error(["serve", "--port", port], capsys)
    assert "argument --port: " in error and port in error


@pytest.mark.parametrize("port", ["1", "8080", "65535", "0"])
def test_ports_in_range_and_0_for_any_free_one_are_accepted(port: str) -> None:
    assert build_parser().parse_args(["serve", "--port", port]).port == int(port)


@pytest.mark.parametrize("command", ["serve", "verify"])
def test_each_command_s_help_opens_with_a_description(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])
    usage, description, *_ = capsys.readouterr().out.split("\n\n")
    assert usage.startswith(f"usage: events-mock {command}")
    assert len(description.split()) > 10 and not description.startswith(("options", "-"))


def serve_process(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "events_mock", "serve", "--log-level", "warning", *args],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_banner_comes_once_the_port_listens_and_names_the_real_port() -> None:
    process = serve_process("--port", "0")
    try:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        match = re.fullmatch(r"events-mock serving on (http://127\.0\.0\.1:(\d+))\n", first)
        assert match, first + (process.stderr.read() if process.poll() is not None else "")
        assert int(match[2]) != 0
        # No waiting: whoever read the banner may call the URL it names at once.
        assert requests.get(f"{match[1]}/service/version", timeout=10).ok
        assert process.stdout.readline() == f"  Swagger UI: {match[1]}/ui/\n"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)


def test_no_banner_when_the_port_cannot_be_bound() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = serve_process("--port", str(port))
        out, err = process.communicate(timeout=60)
    assert process.returncode == 3  # uvicorn's STARTUP_FAILURE, as before
    assert "serving on" not in out
    assert "address already in use" in err.lower()


def test_the_report_jobs_bounds_are_options_with_documented_defaults(
    capsys: pytest.CaptureFixture[str],
) -> None:
    defaults = build_parser().parse_args(["serve"])
    assert (defaults.job_ttl, defaults.max_jobs, defaults.max_links) == (86_400, 10_000, 10_000)
    given = ["serve", "--job-ttl", "90", "--max-jobs", "5", "--max-links", "7"]
    args = build_parser().parse_args(given)
    assert (args.job_ttl, args.max_jobs, args.max_links) == (90, 5, 7)
    assert "must be a positive whole number" in parse_error(["serve", "--max-jobs", "0"], capsys)
    assert "must be finite" in parse_error(["serve", "--job-ttl", "inf"], capsys)


def test_server_limits_have_documented_defaults() -> None:
    args = build_parser().parse_args(["serve"])
    limits = {
        name: getattr(args, name)
        for name in (
            "max_header_bytes",
            "max_query_params",
            "max_connections",
            "idle_timeout",
            "request_timeout",
            "shutdown_timeout",
        )
    }
    assert limits == {
        "max_header_bytes": 65536,
        "max_query_params": 256,
        "max_connections": 512,
        "idle_timeout": 5.0,
        "request_timeout": 30.0,
        "shutdown_timeout": 10,
    }


@pytest.mark.parametrize(
    "option",
    ["--max-header-bytes", "--max-query-params", "--max-connections", "--shutdown-timeout"],
)
def test_server_limits_must_be_positive(option: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert "must be a positive whole number" in parse_error(["serve", option, "0"], capsys)


@pytest.mark.slow
def test_serve_applies_the_head_and_query_limits() -> None:
    from tests._support import serve

    with serve("--max-header-bytes", "2000", "--max-query-params", "3") as url:
        big = requests.get(f"{url}/service/version", headers={"X-Big": "x" * 4000}, timeout=10)
        many = requests.get(f"{url}/service/version?a&b&c&d", timeout=10)
        fine = requests.get(f"{url}/service/version", headers={"X-Big": "x" * 1000}, timeout=10)
    assert (big.status_code, big.json()[0]["value"]["code"]) == (431, "REQUEST_HEADERS_TOO_LARGE")
    assert (many.status_code, many.json()[0]["value"]["code"]) == (400, "REQUEST_INVALID")
    assert "4 parameters" in many.json()[0]["value"]["message"]
    assert fine.status_code == 200

"""`serve --store`, `--store-prefix` and `--workers`: what is refused, and why, before anything
starts; the banner names the store."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import pytest
import requests

from events_mock import cli
from events_mock.serving import STORE_ENV, STORE_PREFIX_ENV
from tests._support import free_port
from tests.redis_server import RedisServer
from tests.test_cli import ENV


@pytest.fixture(autouse=True)
def no_store_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STORE_ENV, raising=False)
    monkeypatch.delenv(STORE_PREFIX_ENV, raising=False)


def refusal(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """What `events-mock ARGV` says when it refuses to start (exit code 2, one line)."""
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    return captured.err


def test_the_store_defaults_to_memory_and_one_worker() -> None:
    args = cli.build_parser().parse_args(["serve"])
    assert (args.store, args.store_prefix, args.workers) == (None, None, 1)


def test_workers_on_the_memory_store_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    error = refusal(["serve", "--workers", "2"], capsys)
    assert "--workers 2 needs a shared store: --store redis://" in error


def test_workers_must_be_a_positive_number(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["serve", "--workers", "0"])
    assert "must be a positive whole number" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("store", "reason"),
    [
        ("http://127.0.0.1:6379", "expected 'memory', redis://HOST:PORT/DB"),
        ("redis://", "no host"),
        ("redis://127.0.0.1:port/0", "the port is not a number"),
        ("redis://127.0.0.1:6379/zero", "the database is a number"),
    ],
)
def test_a_bad_store_is_refused_with_the_reason(
    store: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    error = refusal(["serve", "--store", store], capsys)
    assert error.startswith("events-mock serve: error: --store: ") and reason in error


def test_a_bad_store_from_the_environment_names_the_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STORE_ENV, "memcached://127.0.0.1:11211")
    assert f"${STORE_ENV}: store 'memcached://" in refusal(["serve"], capsys)


def test_a_bad_prefix_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    error = refusal(["serve", "--store-prefix", "a:b"], capsys)
    assert "--store-prefix: store prefix 'a:b': 1 to 64 of letters" in error
    monkeypatch.setenv(STORE_PREFIX_ENV, "x" * 65)
    assert f"${STORE_PREFIX_ENV}: store prefix" in refusal(["serve"], capsys)


def test_a_redis_that_does_not_answer_is_refused_at_start(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    error = refusal(["serve", "--store", url, "--store-prefix", "mine"], capsys)
    assert f"the Redis store at {url} (prefix mine) does not answer" in error
    assert "Connection refused" in error


def test_a_state_file_with_redis_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    error = refusal(["serve", "--store", "redis://127.0.0.1:1/0", "--state-file", "x"], capsys)
    assert "--state-file keeps the in-memory store" in error and "not both" in error


def test_the_environment_gives_the_default_store(monkeypatch: pytest.MonkeyPatch) -> None:
    from events_mock.serving import store_location

    monkeypatch.setenv(STORE_ENV, "redis://127.0.0.1:6379/3")
    monkeypatch.setenv(STORE_PREFIX_ENV, "staging")
    location = store_location(cli.build_parser().parse_args(["serve", "--workers", "2"]))
    assert (location.url, location.prefix) == ("redis://127.0.0.1:6379/3", "staging")
    given = cli.build_parser().parse_args(["serve", "--store", "memory", "--store-prefix", "p"])
    assert store_location(given).is_memory  # the option wins over the environment


def banner(process: subprocess.Popen[str]) -> list[str]:
    assert process.stdout is not None and process.stderr is not None
    lines = [process.stdout.readline()]
    assert lines[0].startswith("events-mock serving on"), lines[0] + (
        process.stderr.read() if process.poll() is not None else ""
    )
    while not lines[-1].startswith("  store: "):
        lines.append(process.stdout.readline())
        assert lines[-1], lines
    return lines


def test_the_banner_names_the_memory_store() -> None:
    process = serve_process("--port", "0")
    try:
        assert banner(process)[-1] == (
            "  store: memory (this process; --store redis://... to share it)\n"
        )
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)


def serve_process(*args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "events_mock", "serve", "--log-level", "warning", *args]
    return subprocess.Popen(
        command, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.mark.slow
def test_two_workers_on_redis_announce_once_both_serve(redis_server: RedisServer) -> None:
    process = serve_process(
        "--port", "0", "--workers", "2", "--store", redis_server.url, "--store-prefix", "banner"
    )
    try:
        lines = banner(process)
        assert lines[-1] == (
            f"  store: {redis_server.url} (prefix banner), shared by every worker and replica "
            "on it; 2 workers\n"
        )
        match = re.search(r"http://127\.0\.0\.1:\d+", lines[0])
        assert match
        # Announced only once every worker serves: the first request is answered at once.
        assert requests.get(f"{match[0]}/service/version", timeout=5).ok
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0


@pytest.mark.slow
def test_workers_that_cannot_bind_exit_as_one_process_does(redis_server: RedisServer) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = serve_process("--port", str(port), "--workers", "2", "--store", redis_server.url)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 3  # uvicorn's STARTUP_FAILURE, as with one process
    assert "serving on" not in out and "address already in use" in err.lower()

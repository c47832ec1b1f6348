"""What several test modules share: the reference day's time, events, tenants, error codes,
and a mock served as a real process.

One copy of each: a second `T0` or `TENANTS` drifting from the first made tests disagree about
what "the day of the examples" or "the collector's tenants" are.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
import requests

__all__ = [
    "PLUGIN_ARGS",
    "PLUGIN_INSTALLED",
    "T0",
    "TENANTS",
    "alert_event",
    "error_code",
    "event",
    "free_port",
    "serve",
]

PLUGIN_INSTALLED = any(ep.name == "events_mock" for ep in entry_points(group="pytest11"))
PLUGIN_ARGS = () if PLUGIN_INSTALLED else ("-p", "events_mock.testing.pytest_plugin")
"""Arguments that make the plugin available to a `pytester` run."""

T0 = 1_571_073_977_278
"""2019-10-14T17:26:17Z, a timestamp of the reference's examples: every test's "now"."""

TENANTS = {"acme": "tok-acme", "globex": "tok-globex"}
"""The Event Collector tenants (name -> bearer token) of the tests that configure their own."""
CONTROL = {"X-Mock-Control": "1"}
"""What a state-changing control call without a JSON body sends (`control/access.py`)."""

SRC = Path(__file__).resolve().parents[1] / "src"


def event(
    timestamp: int,
    type: str = "PORTFOLIO-APPLICATION-LOADED",
    product: str = "PORTFOLIO",
    context: list[str] | None = None,
    customer: str = "BARCHART",
    **extra: Any,
) -> dict[str, Any]:
    """A Barchart event."""
    return {
        "customer": customer,
        "product": product,
        "type": type,
        "timestamp": timestamp,
        "context": context if context is not None else ["user-1"],
        **extra,
    }


def alert_event(timestamp: int = T0 - 60_000, user: str = "u1") -> dict[str, Any]:
    """A Barchart `ALERT-CREATED` event, a minute before `T0`."""
    return {
        "customer": "BARCHART",
        "product": "ALERT",
        "type": "ALERT-CREATED",
        "timestamp": timestamp,
        "context": [user, "alert-1", "ESZ19"],
    }


def error_code(response: requests.Response) -> str:
    """The code of a Barchart error answer, which holds exactly one error and no children."""
    body = response.json()
    assert isinstance(body, list) and body[0]["children"] == [], body
    return body[0]["value"]["code"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve(*args: str, stop: signal.Signals = signal.SIGTERM) -> Iterator[str]:
    """`events-mock serve ARGS` as a process on a free port, stopped by `stop` at the end.

    The port is probed free, then bound by the child: under `pytest -n` another worker may take
    it in between, so a server that could not bind is started again on another port.
    """
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    for _attempt in range(3):
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "events_mock", "serve", "--port", str(port), *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stderr is not None
        log: list[str] = []
        # Uvicorn says when it listens; reading its log waits exactly as long as needed.
        for line in process.stderr:
            log.append(line)
            if "Uvicorn running on" in line:
                break
        else:
            code = process.wait(10)
            if any("address already in use" in line.lower() for line in log):
                continue
            pytest.fail(f"the server did not start (exit code {code}):\n{''.join(log)}")
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            process.send_signal(stop)
            process.wait(20)
        return
    pytest.fail("no free port for the server after 3 attempts")

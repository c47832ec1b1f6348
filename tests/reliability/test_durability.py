"""The state file survives a SIGKILL mid-save; SIGTERM finishes in-flight requests, then saves."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from events_mock.control.state import StateFile
from tests._support import alert_event, serve

pytestmark = pytest.mark.slow

SAVER = """
import sys
from events_mock.control.state import StateFile
state = StateFile(sys.argv[1])
for generation in range(1, 10_000):
    print(generation, flush=True)
    state.save({"generation": generation, "padding": "x" * 4_000_000})
"""


def test_a_sigkill_during_saves_leaves_a_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    saver = subprocess.Popen(
        [sys.executable, "-c", SAVER, str(path)], stdout=subprocess.PIPE, text=True
    )
    for line in saver.stdout:
        if int(line) == 6:  # generation 6 is being written now
            saver.kill()
            break
    saver.wait(10)
    assert saver.returncode == -signal.SIGKILL
    document = StateFile(path).load()
    assert 5 <= document["generation"] <= 6
    assert len(document["padding"]) == 4_000_000
    StateFile(path).save({"generation": "after"})
    assert json.loads(path.read_text()) == {"generation": "after"}


def test_sigterm_drains_in_flight_requests_then_saves(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    answers: list[requests.Response] = []
    with serve("--state-file", str(state), "--save-interval", "3600") as url:
        slow = {"method": "POST", "path": "/events", "latency_ms": 1500, "times": 1}
        requests.post(f"{url}/__mock/faults", json=slow).raise_for_status()
        poster = threading.Thread(
            target=lambda: answers.append(
                requests.post(f"{url}/events", json={"events": [alert_event()]})
            )
        )
        poster.start()
        # The rule counts the request when it starts delaying it: it is in flight from then on.
        for _ in range(10_000):
            if requests.get(f"{url}/__mock/faults").json()[0]["matched"]:
                break
        else:
            raise AssertionError("the slow request never reached the mock")
    poster.join(10)
    assert [answer.status_code for answer in answers] == [200]
    saved = json.loads(state.read_text())
    assert saved["apis"]["barchart"]["events"][0]["context"] == ["u1", "alert-1", "ESZ19"]


def test_sigterm_with_an_unfinished_body_exits_by_the_deadline_then_saves(
    tmp_path: Path,
) -> None:
    """A client that never finishes its body cannot hold the shutdown (or the save) hostage."""
    state = tmp_path / "state.json"
    options = ("--save-interval", "3600", "--shutdown-timeout", "1", "--request-timeout", "60")
    with serve("--state-file", str(state), *options) as url:
        requests.post(f"{url}/events", json={"events": [alert_event()]}).raise_for_status()
        port = int(url.rsplit(":", 1)[1])
        hanging = socket.create_connection(("127.0.0.1", port), timeout=30)
        hanging.sendall(
            b"POST /events HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{"
        )
        time.sleep(0.3)  # its head is read: a request in flight
        stopping = time.monotonic()
    elapsed = time.monotonic() - stopping  # `serve` sent SIGTERM and waited for the exit
    hanging.close()
    assert elapsed < 8, f"the shutdown took {elapsed:.1f} s"
    saved = json.loads(state.read_text())
    assert saved["apis"]["barchart"]["events"][0]["context"] == ["u1", "alert-1", "ESZ19"]

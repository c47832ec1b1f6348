"""`serve --state-file` as a process: SIGKILL right after acknowledged writes loses none of
them; a state file in use or in an unwritable place stops the start with the reason."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests._support import alert_event, free_port, serve

pytestmark = pytest.mark.slow

SRC = Path(__file__).resolve().parents[2] / "src"
TENANT = {"X-TWC-Tenant": "demo", "Authorization": "Bearer demo-token"}
FAULT = {"event_source": "APPLICATION", "event_type": "FAULT", "event_payload": {}}


def start(state: Path) -> subprocess.CompletedProcess[str]:
    """A server that is expected to refuse to start."""
    return subprocess.run(
        [sys.executable, "-m", "events_mock", "serve", "--port", str(free_port()),
         "--state-file", str(state)],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize("fsync", ["always", "everysec"])
def test_a_sigkill_right_after_acknowledged_writes_loses_none(tmp_path: Path, fsync: str) -> None:
    state = tmp_path / "state.json"
    args = ("--state-file", str(state), "--fsync", fsync, "--save-interval", "0.5")
    acknowledged: list[str] = []
    collector_ids: list[str] = []
    with serve(*args, stop=signal.SIGKILL) as url:
        for n in range(40):
            user = f"user-{n}"
            answer = requests.post(f"{url}/events", json={"events": [alert_event(user=user)]})
            assert answer.status_code == 200
            acknowledged.append(user)
            if n % 10 == 0:
                created = requests.post(f"{url}/api/v1/events", json=FAULT, headers=TENANT)
                collector_ids.append(created.json()["id"])
                requests.post(f"{url}/__mock/clock/advance", json={"seconds": 60})
        clock = requests.get(f"{url}/__mock/clock").json()
    with serve(*args) as url:
        document = requests.get(f"{url}/__mock/state").json()
        users = [e["context"][0] for e in document["apis"]["barchart"]["events"]]
        assert users == acknowledged
        tenants = document["apis"]["event-collector"]["tenants"]
        assert [e["id"] for e in tenants["demo"]] == collector_ids
        assert requests.get(f"{url}/__mock/clock").json()["now"] >= clock["now"]
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_second_server_on_the_same_state_file_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with serve("--state-file", str(state)) as url:
        refused = start(state)
        assert refused.returncode != 0
        assert "cannot use --state-file" in refused.stderr
        assert "another events-mock" in refused.stderr
        assert requests.get(f"{url}/service/version").status_code == 200


def test_an_unwritable_state_file_stops_the_start(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    refused = start(tmp_path / "a-file" / "state.json")
    assert refused.returncode != 0
    assert "cannot use --state-file" in refused.stderr and "cannot write" in refused.stderr
    assert "Uvicorn running" not in refused.stderr

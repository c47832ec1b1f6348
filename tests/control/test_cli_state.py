"""`events-mock serve --state-file/--control-token` as a process: state survives a restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from events_mock.billing.dataset import generate
from tests._support import CONTROL, alert_event, free_port, serve

pytestmark = pytest.mark.slow

SRC = Path(__file__).resolve().parents[2] / "src"
TOKEN = "t0ken"


def test_state_is_saved_on_shutdown_and_loaded_at_start(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    args = ("--state-file", str(state), "--save-interval", "3600", "--control-token", TOKEN)
    with serve(*args) as url:
        requests.post(f"{url}/events", json={"events": [alert_event()]}).raise_for_status()
    saved = json.loads(state.read_text())
    assert saved["apis"]["barchart"]["events"][0]["context"] == ["u1", "alert-1", "ESZ19"]

    with serve(*args, stop=signal.SIGINT) as url:
        exported = requests.get(
            f"{url}/__mock/state", headers={"Authorization": f"Bearer {TOKEN}"}
        ).json()
        assert exported["apis"]["barchart"]["events"] == saved["apis"]["barchart"]["events"]
        requests.post(f"{url}/events", json={"events": [alert_event(user="u2")]})
    assert len(json.loads(state.read_text())["apis"]["barchart"]["events"]) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_every_api_s_data_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    data = tmp_path / "billing.json"
    data.write_text(json.dumps(list(generate(seed=9, count=5).records)))
    loaded = list(generate(seed=8, count=3).records)
    tenant = {"X-TWC-Tenant": "demo", "Authorization": "Bearer demo-token"}
    fault = {"event_source": "APPLICATION", "event_type": "FAULT", "event_payload": {}}
    args = ("--state-file", str(state), "--save-interval", "3600", "--billing-data", str(data))
    with serve(*args) as url:
        created = requests.post(f"{url}/api/v1/events", json=fault, headers=tenant).json()
        requests.put(f"{url}/__mock/state/billing-care", json={"events": loaded}).raise_for_status()
    with serve(*args) as url:
        assert requests.get(f"{url}/__mock/state/billing-care").json() == {"events": loaded}
        read = requests.get(f"{url}/api/v1/events/{created['id']}", headers=tenant)
        assert read.json() == created
        requests.post(f"{url}/__mock/reset", headers=CONTROL).raise_for_status()
        start_up = requests.get(f"{url}/__mock/state/billing-care").json()
        assert start_up == {"events": json.loads(data.read_text())}  # --billing-data again


def test_the_control_token_guards_the_control_plane_only(tmp_path: Path) -> None:
    with serve("--control-token", TOKEN) as url:
        assert requests.get(f"{url}/__mock/clock").status_code == 401
        wrong = requests.get(f"{url}/__mock/clock", headers={"Authorization": "Bearer x"})
        assert wrong.status_code == 401
        right = requests.get(f"{url}/__mock/clock", headers={"Authorization": f"Bearer {TOKEN}"})
        assert right.status_code == 200
        assert requests.get(f"{url}/service/version").status_code == 200


def test_an_unreadable_state_file_stops_the_start_and_is_left_alone(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text('{"format": "events-mock/state", "version": 1, "apis": {"nope": {}}}')
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "events_mock",
            "serve",
            "--port",
            str(free_port()),
            "--state-file",
            str(state),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "cannot load --state-file" in result.stderr and "nope" in result.stderr
    assert state.read_text().endswith('{"nope": {}}}')

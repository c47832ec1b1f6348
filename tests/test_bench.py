"""The benchmark harness stays runnable: it is never run here, only imported and smoke-tested."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from starlette.testclient import TestClient

from bench import baseline, load, payloads
from bench.run import parse_args

ROOT = Path(__file__).resolve().parent.parent


def test_run_help() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "--quick" in done.stdout


def test_quick_mode_is_short() -> None:
    args = parse_args(["--quick"])
    assert (args.seconds, args.rounds) == (2, 1)


def test_baseline_does_the_same_work() -> None:
    client = TestClient(baseline.app)
    assert client.get("/service/version").json()["service"]["version"] == "2.0.0"
    posted = client.post("/events", json=payloads.post_body()).json()
    assert [e["sequence"] for e in posted] == list(range(1, 11))
    auth = {"Authorization": "Basic ZGVtbzpkZW1v"}
    report = {"filter": {"customer": "BARCHART", "product": "PORTFOLIO"}}
    source = client.post("/reports", json=report, headers=auth).json()["source"]
    assert client.get(f"/reports/{source}/availability").status_code == 401
    assert client.get(f"/reports/{source}/availability", headers=auth).json()["status"] == (
        "COMPLETE"
    )
    link = client.get(f"/reports/{source}", headers=auth).json()["link"]
    assert client.get(link).text.startswith("timestamp|type|userId|portfolioId")


def test_asyncio_load_client_against_a_live_server() -> None:
    from events_mock.framework.live_server import LiveServer

    with LiveServer(baseline.app) as server:
        result = load.measure(
            load.Request("GET", server.url + "/service/version"),
            connections=2,
            seconds=0.3,
            use_wrk=False,
        )
    assert result.requests > 0 and result.errors == 0


def test_coverage_cost_bench_runs() -> None:
    from bench import coverage

    cost = coverage.measure(n=5, rounds=1)
    assert set(cost.shares) == set(cost.ratios) and len(cost.shares) == 4
    assert all(share > 0 for share in cost.shares.values())
    assert "| GET /service/version |" in coverage.report(cost)

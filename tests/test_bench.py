"""The benchmark harness stays runnable: it is never run here, only imported and smoke-tested."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
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


def test_redis_runs_are_part_of_the_full_run() -> None:
    args = parse_args(["--quick", "--peers"])
    assert args.peers and (args.seconds, args.rounds) == (2, 1)


def test_absent_peers_are_skipped_with_where_they_were_looked_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bench import scale

    monkeypatch.setenv(scale.WIREMOCK_ENV, str(tmp_path / "missing.jar"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no java, no prism
    named = {c.name: c for c in scale.contenders("redis://127.0.0.1:1/0", True, {})}
    assert named["WireMock"].skipped == "skipped: no `java` on PATH"
    assert named["Prism"].skipped.startswith("skipped: no `prism` on PATH")
    assert not named["mock redis --workers 2"].skipped
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    if shutil.which("java"):  # java without a jar: the case on the project's machine
        wiremock = scale.wiremock({})
        assert "WireMock standalone jar (looked for: $WIREMOCK_JAR" in wiremock.skipped
    bench = scale.RedisBench(notes=["WireMock skipped: ..."], cores=2)
    assert scale.report(bench) == "- WireMock skipped: ..."


def test_wiremock_stubs_answer_the_mock_s_own_bodies() -> None:
    from bench import scale

    stubs = {"version": (200, '{"v": 1}'), "availability": (200, "{}"), "post": (200, "[]")}
    mappings = scale.wiremock_mappings(stubs)
    assert mappings["version"]["response"]["body"] == '{"v": 1}'
    assert mappings["availability"]["request"]["headers"]["Authorization"] == {
        "equalTo": "Basic ZGVtbzpkZW1v"
    }


def test_the_redis_report_counts_wrong_answers() -> None:
    from bench import scale

    rows = [
        scale.Measured("POST /events x10", "mock memory", 1000, 1, 2, 0, 5000, 1),
        scale.Measured("POST /events x10", "mock redis", 600, 1, 2, 3, 3000, 1),
        scale.Measured("POST /events x10", "mock redis --workers 2", 900, 1, 2, 0, 4500, 1),
    ]
    text = scale.report(scale.RedisBench(rows=rows, cores=2))
    row = "| POST /events x10 | mock redis | 600 | 0.60x | >= 0.5x | 1.00 | 2.00 | 3 of 3,000 |"
    assert row in text
    assert "2 workers on Redis 1.50x one worker" in text and "Cores: 2" in text

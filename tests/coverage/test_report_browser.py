"""The coverage report (`events-mock coverage ... --html`) in a real headless browser.

Both documents are real: the client side from tests of a client driving the in-process kit,
the verify side from `events-mock verify --coverage` against a live mock. The page is opened
from the file (no server), photographed, and its rows and gap markers read from the DOM.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import requests

from events_mock.barchart.handlers import EXPORTS_PATH
from events_mock.cli import build_parser
from events_mock.coverage.command import coverage_command
from events_mock.coverage.model import api_model
from events_mock.framework.live_server import LiveServer
from events_mock.seam import spec_path
from events_mock.testing.kit import mock_api
from tests.contract.broken_servers import build, verify_args
from tests.contract.test_verify import NOT_GENERATED, QUICK, run_verify

pytestmark = pytest.mark.slow

DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "coverage-report.png"
BASE = "https://events.aws.barchart.com"
AUTH = ("demo", "demo")


def client_document(path: Path) -> None:
    """What a small client's tests drive: a post, a job polled once, a retried 503, Prefer."""
    with mock_api() as api:
        assert requests.post(BASE + "/events", json={"events": []}, auth=AUTH).ok
        report = {"filter": {"customer": "BARCHART", "product": "ALERT"}}
        job = requests.post(BASE + "/reports", json=report, auth=AUTH).json()
        assert requests.get(f"{BASE}/reports/{job['source']}", auth=AUTH).status_code == 409
        api.faults.add(path="/events", status=500, times=1)
        assert requests.post(BASE + "/events", json={"events": []}, auth=AUTH).status_code == 500
        failed = requests.get(BASE + "/reports/JOB-x", headers={"Prefer": "example=failed"})
        assert failed.status_code == 409
        path.write_text(json.dumps(api.coverage()))


def verify_document(path: Path) -> None:
    mock, app = build(None)
    with LiveServer(app) as live:
        verdict, output = run_verify(
            "--base-url", live.url, *verify_args("barchart"), "-k", NOT_GENERATED,
            "--coverage", str(path), *QUICK,
        )  # fmt: skip
    assert verdict.exit_code == 0, output


def rows(browser: Any) -> dict[str, dict[str, str]]:
    found = browser.execute_script(
        """return [...document.querySelectorAll('table[data-api="barchart"] tbody tr')].map(
            r => ({id: r.dataset.id, cls: r.className, client: r.dataset.client,
                   verify: r.dataset.verify, marker: r.querySelector('td.marker').textContent}));"""
    )
    return {row["id"]: row for row in found}


def test_the_report_shows_every_documented_response_and_marks_the_gaps(
    browser: Any, tmp_path: Path
) -> None:
    client, proven, page = tmp_path / "client.json", tmp_path / "verify.json", tmp_path / "r.html"
    client_document(client)
    verify_document(proven)
    args = build_parser().parse_args(["coverage", str(client), str(proven), "--html", str(page)])
    assert coverage_command(args, out=open(os.devnull, "w")) == 0  # noqa: SIM115

    browser.get(page.as_uri())
    shot = tmp_path / "coverage-report.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000
    print(f"coverage report screenshot: {shot}")
    if os.environ.get("EVENTS_MOCK_DOCS_SCREENSHOT") == "1" or not DOCS_SCREENSHOT.exists():
        shutil.copyfile(shot, DOCS_SCREENSHOT)

    routes = (EXPORTS_PATH + "/{source}.csv",)
    model = api_model("barchart", spec_path("barchart-events.yaml"), routes)
    shown = rows(browser)
    assert set(shown) == {item.id for item in model.documented}  # every one, once
    both = shown["createEvents 200"]
    assert (both["client"], both["verify"], both["cls"], both["marker"]) == (
        "driven", "verified", "covered", "",
    )  # fmt: skip
    neither = shown["createEvents 503 REQUEST_GENERAL_FAILURE"]  # the store away: neither side
    assert (neither["client"], neither["verify"], neither["cls"], neither["marker"]) == (
        "never", "never", "gap both", "!",
    )  # fmt: skip
    target_only = shown["getReportLink 404 EVENT_JOB_GET_FAILED_NO_JOB"]
    assert (target_only["client"], target_only["verify"], target_only["marker"]) == (
        "never", "verified", "!",
    )  # fmt: skip
    client_only = shown["createEvents 500 REQUEST_GENERAL_FAILURE"]
    assert (client_only["client"], client_only["verify"], client_only["cls"]) == (
        "driven", "never", "gap",
    )  # fmt: skip
    gaps = [row for row in shown.values() if row["marker"] == "!"]
    assert all("gap" in row["cls"] for row in gaps)
    assert len(gaps) == sum(
        row["client"] == "never" or row["verify"] in ("never", "failed") for row in shown.values()
    )
    heading = browser.execute_script("return document.getElementById('api-barchart').textContent")
    assert heading == f"barchart: {len(shown)} documented responses, {len(gaps)} gaps"

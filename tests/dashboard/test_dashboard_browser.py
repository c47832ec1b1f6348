"""The dashboard (`/__mock/ui/`) in a real headless browser: what the operator sees and clicks.

Each test moves the mock only through the page, then checks both the page and the mock.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from events_mock.app import MockConfig
from events_mock.barchart.jobs import JobStatus, ReportFilter
from events_mock.control import ControlSettings
from events_mock.testing.live_mock import MockServer, serve_mock
from tests._support import alert_event

pytestmark = pytest.mark.slow

DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "dashboard.png"
WAIT_SECONDS = 10


@pytest.fixture
def server() -> Iterator[MockServer]:
    with serve_mock(MockConfig()) as served:
        yield served


@pytest.fixture
def page(browser: Any, server: MockServer) -> Any:
    browser.get(f"{server.url}/__mock/ui/")
    wait_for(browser, lambda: "…" not in text(browser, "clock-now"))
    return browser


def wait_for(browser: Any, condition: Any, message: str = "") -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, WAIT_SECONDS).until(lambda _driver: condition(), message)


def text(browser: Any, element_id: str) -> str:
    from selenium.webdriver.common.by import By

    return str(browser.find_element(By.ID, element_id).text)


def css_text(browser: Any, selector: str) -> str | None:
    """The text of the first element matching `selector` now, or None: read in one step, as
    the page redraws its tables while it polls."""
    found = browser.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
        selector,
    )
    return None if found is None else str(found)


def click(browser: Any, element_id: str) -> None:
    from selenium.webdriver.common.by import By

    browser.find_element(By.ID, element_id).click()


def fill(browser: Any, element_id: str, value: str) -> None:
    from selenium.webdriver.common.by import By

    field = browser.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(value)


def test_advancing_the_clock_in_the_page_completes_a_running_job(
    page: Any, server: MockServer
) -> None:

    assert server.mock is not None
    server.mock.barchart.store.add_batch([alert_event()])
    job = server.mock.barchart.jobs.start(ReportFilter("BARCHART", "ALERT"))
    row = f"#jobs tr[data-source='{job.source}'] .job-status"
    wait_for(page, lambda: css_text(page, row) == "RUNNING", "the running job is not listed")
    before = server.mock.control.clock.now_ms()

    click(page, "advance-15m")

    wait_for(page, lambda: css_text(page, row) == "COMPLETE", "the job did not complete")
    assert server.mock.control.clock.now_ms() == before + 900_000
    assert server.mock.barchart.jobs.get(job.source).status is JobStatus.COMPLETE


def test_forcing_a_job_from_the_page(page: Any, server: MockServer) -> None:
    from selenium.webdriver.common.by import By

    assert server.mock is not None
    server.mock.barchart.store.add_batch([alert_event()])
    job = server.mock.barchart.jobs.start(ReportFilter("BARCHART", "ALERT"))
    button = f"#jobs tr[data-source='{job.source}'] .force-FAILED"
    wait_for(page, lambda: css_text(page, button) == "FAILED")
    page.find_element(By.CSS_SELECTOR, button).click()
    status = f"#jobs tr[data-source='{job.source}'] .job-status"
    wait_for(page, lambda: css_text(page, status) == "FAILED")
    assert server.mock.barchart.jobs.get(job.source).status is JobStatus.FAILED


def test_a_fault_added_in_the_page_fails_the_next_request_and_shows_in_the_journal(
    page: Any, server: MockServer, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    assert server.mock is not None
    server.mock.barchart.store.add_batch([alert_event()])
    server.mock.barchart.jobs.start(ReportFilter("BARCHART", "ALERT"))  # for the screenshot
    Select(page.find_element(By.ID, "fault-method")).select_by_visible_text("GET")
    fill(page, "fault-path", "/service/version")
    fill(page, "fault-status", "503")
    fill(page, "fault-times", "1")
    fill(page, "fault-retry-after", "5")
    click(page, "fault-add")
    wait_for(page, lambda: page.find_elements(By.CSS_SELECTOR, "#faults tr"), "no rule listed")
    (rule,) = server.mock.control.faults.to_json()
    assert (rule["method"], rule["path"], rule["status"], rule["times"], rule["retry_after"]) == (
        "GET",
        "/service/version",
        503,
        1,
        5,
    )

    failed = requests.get(f"{server.url}/service/version", timeout=10)
    assert (failed.status_code, failed.headers["Retry-After"]) == (503, "5")
    assert requests.get(f"{server.url}/service/version", timeout=10).status_code == 200

    faulted = "#journal tr.faulted"
    wait_for(page, lambda: page.find_elements(By.CSS_SELECTOR, faulted), "no faulted entry")
    assert css_text(page, f"{faulted} .code") == "503"
    assert css_text(page, f"{faulted} .fault") == rule["id"]
    fired = f"#faults tr[data-id='{rule['id']}'] .fired"
    wait_for(page, lambda: css_text(page, fired) == "1")

    page.find_element(By.CSS_SELECTOR, faulted).click()
    wait_for(page, lambda: "503" in text(page, "entry-response"))
    assert '"retry-after": "5"' in text(page, "entry-response")
    save_screenshot(page, tmp_path)


def test_a_refused_request_shows_its_reason(page: Any, server: MockServer) -> None:
    from selenium.webdriver.common.by import By

    refused = requests.get(f"{server.url}/reports/JOB-nope/availability", timeout=10)
    assert 400 <= refused.status_code < 500
    fill(page, "filter-status", str(refused.status_code))
    click(page, "journal-filter-apply")
    row = "#journal tr.http-4"
    wait_for(page, lambda: page.find_elements(By.CSS_SELECTOR, row), "no 4xx entry")
    page.find_element(By.CSS_SELECTOR, row).click()
    wait_for(page, lambda: text(page, "entry-reason").startswith("Refused: "))


def test_the_page_works_in_a_sandbox(page: Any, server: MockServer) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    with server.sandbox(name="from-the-page") as sandbox:
        option = f"#sandbox option[value='{sandbox.id}']"
        wait_for(page, lambda: page.find_elements(By.CSS_SELECTOR, option), "no sandbox listed")
        Select(page.find_element(By.ID, "sandbox")).select_by_value(sandbox.id)
        default_before = server.control.clock.now_ms()
        sandbox_before = sandbox.control.clock.now_ms()
        click(page, "advance-1m")
        wait_for(page, lambda: sandbox.control.clock.now_ms() == sandbox_before + 60_000)
        assert server.control.clock.now_ms() == default_before
        Select(page.find_element(By.ID, "sandbox")).select_by_value("")


def save_screenshot(browser: Any, tmp_path: Path) -> None:
    """The artifact of the run (tmp_path); copied to docs/img/ for docs/dashboard.md when that
    is missing or `EVENTS_MOCK_DOCS_SCREENSHOT=1` asks (a tracked picture does not change on
    every run)."""
    shot = tmp_path / "dashboard.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000
    print(f"dashboard screenshot: {shot}")
    if os.environ.get("EVENTS_MOCK_DOCS_SCREENSHOT") == "1" or not DOCS_SCREENSHOT.exists():
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, DOCS_SCREENSHOT)


def test_with_a_control_token_the_page_asks_for_it_and_keeps_it_in_the_tab(browser: Any) -> None:
    from selenium.webdriver.common.by import By

    token = "dashboard-s3cret"
    with serve_mock(MockConfig(control=ControlSettings(token=token))) as server:
        browser.get(f"{server.url}/__mock/ui/")
        wait_for(browser, lambda: "401" in text(browser, "message"), "no 401 shown")
        assert "…" in text(browser, "clock-now")
        fill(browser, "token", token)
        browser.find_element(By.CSS_SELECTOR, "#token-form button").click()
        wait_for(browser, lambda: "…" not in text(browser, "clock-now"), "the token did not work")
        before = server.control.clock.now_ms()
        click(browser, "advance-1m")
        wait_for(browser, lambda: server.control.clock.now_ms() == before + 60_000)
        stored = browser.execute_script(
            "return sessionStorage.getItem('events-mock-control-token')"
        )
        assert stored == token and token not in browser.current_url
        browser.execute_script("sessionStorage.clear()")


def test_state_exported_from_the_page_imports_back_after_a_reset(
    page: Any, server: MockServer, downloads: Path
) -> None:
    from selenium.webdriver.common.by import By

    assert server.mock is not None
    server.mock.barchart.store.add_batch([alert_event()])
    saved = without_clock(server.mock.control.export_state())
    exported = downloads / "events-mock-state.json"
    exported.unlink(missing_ok=True)

    click(page, "export")
    wait_for(page, lambda: exported.exists() and exported.stat().st_size > 0, "no download")
    assert without_clock(json.loads(exported.read_text())) == saved

    server.control.reset()
    assert without_clock(server.mock.control.export_state()) != saved
    page.find_element(By.ID, "import").send_keys(str(exported))
    wait_for(page, lambda: "Imported" in text(page, "message"), "the import did not finish")
    assert without_clock(server.mock.control.export_state()) == saved


def without_clock(state: dict[str, Any]) -> dict[str, Any]:
    """A state document but its clock, whose offset from real time differs by the call."""
    return {name: part for name, part in state.items() if name != "clock"}

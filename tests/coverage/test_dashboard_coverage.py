"""The dashboard's coverage panel in a real headless browser: requests made to the mock
appear as answered, the rest are named, and the page's button clears them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from events_mock.app import MockConfig
from events_mock.barchart.handlers import EXPORTS_PATH
from events_mock.coverage.model import api_model
from events_mock.seam import spec_path
from events_mock.testing.live_mock import MockServer, serve_mock
from tests.dashboard.test_dashboard_browser import click, css_text, text, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def server() -> Iterator[MockServer]:
    with serve_mock(MockConfig()) as served:
        yield served


def test_the_panel_shows_what_was_answered_and_clears_it(browser: Any, server: MockServer) -> None:
    browser.get(f"{server.url}/__mock/ui/")
    wait_for(browser, lambda: "…" not in text(browser, "clock-now"))
    assert css_text(browser, "#coverage tr") is None  # nothing called yet

    assert requests.get(f"{server.url}/service/version").ok
    assert requests.get(f"{server.url}/reports/JOB-x", headers={"Prefer": "code=409"}).ok is False

    routes = (EXPORTS_PATH + "/{source}.csv",)
    documented = len(api_model("barchart", spec_path("barchart-events.yaml"), routes).documented)
    exercised = "#coverage tr[data-api='barchart'] .exercised"
    shown = f"2 of {documented}"
    wait_for(browser, lambda: css_text(browser, exercised) == shown, "no coverage shown")
    never = css_text(browser, "#coverage tr[data-api='barchart'] .never") or ""
    assert "getServiceVersion 200" not in never
    assert "getReportLink 409 EVENT_JOB_GET_FAILED_RUNNING" not in never
    assert "getReportLink download 403 expired link" in never and "job TIMEOUT" in never
    assert css_text(browser, "#coverage tr[data-api='event-collector']") is None

    click(browser, "coverage-clear")
    wait_for(browser, lambda: css_text(browser, "#coverage tr") is None, "not cleared")
    assert server.control.coverage()["apis"]["barchart"]["requests"] == 0

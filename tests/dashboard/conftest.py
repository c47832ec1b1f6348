"""A headless Chromium driven by Selenium, for the dashboard's tests.

Browsers cannot be downloaded at test time: the tests use Debian's `chromium` and
`chromium-driver` packages. Locally a missing browser skips the tests and says how to
install it; under CI (`CI` set and not "false") it is a failure, so a CI run cannot pass
without having driven the page.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("EVENTS_MOCK_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("EVENTS_MOCK_CHROMEDRIVER", "/usr/bin/chromedriver")
INSTALL_HINT = (
    "the dashboard tests need Debian's chromium and chromium-driver (as root: apt-get update "
    "&& apt-get install -y --no-install-recommends chromium chromium-driver) and selenium "
    "(pip install -e '.[dev]')"
)


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false")


def missing_browser() -> str | None:
    """What is missing to drive a browser, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).exists() or shutil.which(path)):
            return f"{path} is missing"
    return None


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the module's browser saves downloads (the dashboard's state export)."""
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[Any]:
    missing = missing_browser()
    if missing is not None:
        if under_ci():
            pytest.fail(f"{missing}: {INSTALL_HINT}")
        pytest.skip(f"{missing}: {INSTALL_HINT}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1500",
        "--no-proxy-server",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()

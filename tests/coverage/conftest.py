"""The headless Chromium of the dashboard's browser tests, for the coverage report's."""

from tests.dashboard.conftest import browser, downloads

__all__ = ["browser", "downloads"]

"""The version of events-mock, as installed: one answer for `--version` and the home page."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["package_version"]


def package_version() -> str:
    """The installed distribution's version (pyproject's); the source tree's when uninstalled."""
    try:
        return version("events-mock")
    except PackageNotFoundError:
        from events_mock import __version__

        return __version__

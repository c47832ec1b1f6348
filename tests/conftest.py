"""Shared test setup.

The pytest plugin is normally registered by the package's `pytest11` entry point; from a source
tree whose installed metadata predates it, it is loaded here instead (loading it both ways
would register it twice).
"""

from __future__ import annotations

from tests._support import PLUGIN_INSTALLED

pytest_plugins = ["pytester"] + ([] if PLUGIN_INSTALLED else ["events_mock.testing.pytest_plugin"])

"""Helpers shared by the control plane's tests."""

from __future__ import annotations

from importlib.metadata import entry_points

PLUGIN_INSTALLED = any(ep.name == "events_mock" for ep in entry_points(group="pytest11"))
PLUGIN_ARGS = () if PLUGIN_INSTALLED else ("-p", "events_mock.testing.pytest_plugin")
"""Arguments that make the plugin available to a `pytester` run."""

T0 = 1_571_029_200_000
"""2019-10-14T05:00:00Z, the day of the reference's examples."""


def alert_event(timestamp: int = T0 - 60_000, user: str = "u1") -> dict:
    return {
        "customer": "BARCHART",
        "product": "ALERT",
        "type": "ALERT-CREATED",
        "timestamp": timestamp,
        "context": [user, "alert-1", "ESZ19"],
    }

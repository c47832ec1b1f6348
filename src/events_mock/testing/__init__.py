"""Test kit for client code: the mock in-process (for `requests`, httpx and aiohttp), or live.

    from events_mock.testing import mock_api

    with mock_api(users={"me": "secret"}) as api:
        api.faults.add(method="GET", path="/service/version", status=503, times=2)
        ...  # the code under test calls https://events.aws.barchart.com as usual
        api.clock.advance(seconds=60)

The pytest plugin (`events_mock.testing.pytest_plugin`) offers the same as fixtures.

The names below are imported on first use (PEP 562): pytest imports this package in every
run of a project that installed events-mock (it holds the plugin), and that must not cost the
import of the whole mock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from events_mock.testing.imports import import_quietly

if TYPE_CHECKING:
    from events_mock.testing.client import ControlClient, ControlError
    from events_mock.testing.kit import (
        DEFAULT_BASE_URLS,
        PRODUCTION,
        STAGING,
        InProcessMock,
        mock_api,
    )
    from events_mock.testing.live_mock import MockServer, serve_mock
    from events_mock.testing.routes import UnmockedRequestError
    from events_mock.testing.wire import ClockState

__all__ = [
    "DEFAULT_BASE_URLS",
    "PRODUCTION",
    "STAGING",
    "ClockState",
    "ControlClient",
    "ControlError",
    "InProcessMock",
    "MockServer",
    "UnmockedRequestError",
    "mock_api",
    "serve_mock",
]

_MODULE_OF = {
    "ControlClient": "events_mock.testing.client",
    "ControlError": "events_mock.testing.client",
    "DEFAULT_BASE_URLS": "events_mock.testing.kit",
    "PRODUCTION": "events_mock.testing.kit",
    "STAGING": "events_mock.testing.kit",
    "InProcessMock": "events_mock.testing.kit",
    "mock_api": "events_mock.testing.kit",
    "MockServer": "events_mock.testing.live_mock",
    "serve_mock": "events_mock.testing.live_mock",
    "UnmockedRequestError": "events_mock.testing.routes",
    "ClockState": "events_mock.testing.wire",
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_quietly(module), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

"""Test kit for client code: the mock in-process behind `responses`, or live on a port.

    from events_mock.testing import mock_api

    with mock_api(users={"me": "secret"}) as api:
        api.faults.add(method="GET", path="/service/version", status=503, times=2)
        ...  # the code under test calls https://events.aws.barchart.com as usual
        api.clock.advance(seconds=60)

The pytest plugin (`events_mock.testing.pytest_plugin`) offers the same as fixtures.
"""

from events_mock.testing.client import ControlClient, ControlError
from events_mock.testing.kit import (
    DEFAULT_BASE_URLS,
    PRODUCTION,
    STAGING,
    InProcessMock,
    mock_api,
)
from events_mock.testing.live_mock import MockServer, serve_mock

__all__ = [
    "DEFAULT_BASE_URLS",
    "PRODUCTION",
    "STAGING",
    "ControlClient",
    "ControlError",
    "InProcessMock",
    "MockServer",
    "mock_api",
    "serve_mock",
]

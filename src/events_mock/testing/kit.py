"""`mock_api()`: the whole mock, in-process, behind the real service's URLs.

Client code under test keeps calling `https://events.aws.barchart.com/...` with `requests`;
`responses` intercepts those calls and a callback runs them through the same ASGI app and
state a `serve`d mock has (faults, journal, clock, Prefer included), with no socket at all. The
test drives the mock directly: `api.clock.advance(seconds=60)`, `api.faults.add(...)`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from types import TracebackType
from typing import Any

import requests
import responses

from events_mock.app import EventsMock, MockConfig
from events_mock.barchart.jobs import ReportJobs
from events_mock.barchart.store import EventStore
from events_mock.clock import MockClock
from events_mock.control import ControlPlane
from events_mock.control.faults import FaultRules
from events_mock.control.journal import Journal
from events_mock.framework.connection import ConnectionDropped
from events_mock.testing.bridge import AsgiBridge

PRODUCTION = "https://events.aws.barchart.com"
STAGING = "https://events-stage.aws.barchart.com"
DEFAULT_BASE_URLS = (PRODUCTION, STAGING)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def fresh_config(config: MockConfig | None = None, **changes: Any) -> MockConfig:
    """A config for one test: given values kept, a clock frozen at this instant if none given.

    A frozen clock makes tests deterministic: jobs and links move only when the test moves
    the clock. Pass `clock=MockClock()` for one that follows real time.
    """
    config = replace(config or MockConfig(), **changes)
    if config.clock is None:
        config = replace(config, clock=MockClock.frozen(int(time.time() * 1000)))
    return config


class InProcessMock:
    """What `mock_api()` yields: the running mock, and handles on everything it holds."""

    def __init__(
        self,
        mock: EventsMock,
        base_urls: Sequence[str] = DEFAULT_BASE_URLS,
        passthrough: Sequence[str] = (),
    ) -> None:
        self.mock = mock
        self.base_urls = tuple(url.rstrip("/") for url in base_urls)
        self.responses = responses.RequestsMock(
            assert_all_requests_are_fired=False, passthru_prefixes=tuple(passthrough)
        )
        """The `responses` mock in use: add your own stubs or passthroughs to it."""
        self._bridge = AsgiBridge(mock.app)
        self._stack = ExitStack()

    # What a test drives or asserts.

    @property
    def url(self) -> str:
        """The first base URL, where the client under test should be pointed."""
        return self.base_urls[0]

    @property
    def control(self) -> ControlPlane:
        return self.mock.control

    @property
    def clock(self) -> MockClock:
        return self.mock.clock

    @property
    def faults(self) -> FaultRules:
        return self.mock.control.faults

    @property
    def journal(self) -> Journal:
        """The mock's view: every request it received, credentials redacted."""
        return self.mock.control.journal

    @property
    def calls(self) -> responses.CallList:
        """The client's view: each `requests` call and the response it got (`responses`)."""
        return self.responses.calls

    @property
    def store(self) -> EventStore:
        return self.mock.barchart.store

    @property
    def jobs(self) -> ReportJobs:
        return self.mock.barchart.jobs

    def reset(self) -> None:
        self.mock.control.reset()
        self.responses.calls.reset()

    def export_state(self) -> dict[str, Any]:
        return self.mock.control.export_state()

    def import_state(self, document: Any) -> None:
        self.mock.control.import_state(document)

    def export_api_state(self, api: str) -> dict[str, Any]:
        return self.mock.control.export_api_state(api)

    def import_api_state(self, api: str, data: Any) -> None:
        self.mock.control.import_api_state(api, data)

    # Lifecycle

    def __enter__(self) -> InProcessMock:
        self._stack.enter_context(self._bridge)
        for base in self.base_urls:
            pattern = re.compile(re.escape(base) + r"(?:[/?#].*)?\Z", re.S)
            for method in METHODS:
                self.responses.add_callback(method, pattern, self._serve, content_type=None)
        self._stack.enter_context(self.responses)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.close()

    def _serve(self, request: requests.PreparedRequest) -> Any:
        try:
            answer = self._bridge.request(
                request.method or "GET",
                request.url or "",
                request.headers.items(),
                _body_bytes(request.body),
            )
        except ConnectionDropped as dropped:
            return requests.ConnectionError(
                f"Connection aborted: the mock closed it without a response ({dropped})",
                request=request,
            )
        return answer.status, answer.headers, answer.body


@contextmanager
def mock_api(
    base_url: str | Sequence[str] | None = None,
    *,
    users: Mapping[str, str] | None = None,
    clock: MockClock | None = None,
    config: MockConfig | None = None,
    passthrough: Sequence[str] = (),
) -> Iterator[InProcessMock]:
    """Intercept `requests` calls to `base_url` (default: production and staging) in-process.

    `users` are the Basic-auth users the mock accepts (default demo:demo); `clock` defaults to
    one frozen at the current instant; `config` sets anything else. `passthrough` lists URL
    prefixes that still go to the network (everything else not mocked fails, as in `responses`).
    """
    changes: dict[str, Any] = {}
    if users is not None:
        changes["users"] = dict(users)
    if clock is not None:
        changes["clock"] = clock
    bases = DEFAULT_BASE_URLS if base_url is None else _as_tuple(base_url)
    with InProcessMock(EventsMock(fresh_config(config, **changes)), bases, passthrough) as api:
        yield api


def _as_tuple(value: str | Sequence[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else data
    return b"".join(part.encode("utf-8") if isinstance(part, str) else part for part in body)

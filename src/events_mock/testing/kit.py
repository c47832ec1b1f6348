"""`mock_api()`: the whole mock, in-process, behind the real service's URLs.

Client code under test keeps calling `https://events.aws.barchart.com/...` with `requests`,
httpx (`Client` or `AsyncClient`) or aiohttp; `responses`, `respx` and `aioresponses`
intercept those calls and run them through the same ASGI app and state a `serve`d mock has
(faults, journal, clock, Prefer included), with no socket at all. While the kit is active any
other URL not listed in `passthrough` is refused (`UnmockedRequestError`), from all three
libraries: nothing reaches the network by accident. The test drives the mock directly:
`api.clock.advance(seconds=60)`, `api.faults.add(...)`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any

import responses

from events_mock.app import EventsMock, MockConfig
from events_mock.barchart.jobs import ReportJobs
from events_mock.barchart.store import EventStore
from events_mock.clock import MockClock
from events_mock.control import ControlPlane
from events_mock.control.faults import FaultRules
from events_mock.control.journal import Journal
from events_mock.sandboxes import SandboxError
from events_mock.testing.bridge import AsgiBridge
from events_mock.testing.routes import KitRoutes
from events_mock.testing.via_aiohttp import KitAioresponses
from events_mock.testing.via_httpx import KitRouter
from events_mock.testing.via_requests import requests_mock

PRODUCTION = "https://events.aws.barchart.com"
STAGING = "https://events-stage.aws.barchart.com"
DEFAULT_BASE_URLS = (PRODUCTION, STAGING)


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
        self.routes = KitRoutes(base_urls, passthrough)
        self.base_urls = self.routes.base_urls
        self._bridge = AsgiBridge(mock.app)
        self.responses = requests_mock(self.routes, self._bridge)
        """The `responses` mock in use: add your own `requests` stubs or passthroughs to it."""
        self.respx = KitRouter(self.routes, self._bridge)
        """The respx router in use: add your own httpx stubs to it (`api.respx.get(url)...`)."""
        self.aioresponses = KitAioresponses(self.routes, self._bridge)
        """The aioresponses mock in use (aiohttp)."""
        self._stack = ExitStack()
        self._sandbox_coverage: list[dict[str, Any]] = []
        """The coverage of this kit's sandboxes, kept when each is deleted."""

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

    @contextmanager
    def sandbox(self, name: str | None = None, **options: Any) -> Iterator[KitSandbox]:
        """A fresh sandbox of this mock for the block, deleted after it: its `url` (this kit's
        first base URL plus `/sandboxes/<id>`) reaches it through the same interception, and
        its clock, faults, journal, events and jobs are its own. `options` as
        `POST /__mock/sandboxes` takes them (`clock`, `state`, `users`, `tenants`, ...)."""
        box = self.mock.sandboxes.create(name=name, **options)
        try:
            yield KitSandbox(box.id, f"{self.url}/sandboxes/{box.id}", box.world.control)
        finally:
            self._sandbox_coverage.append(box.world.control.coverage_document())
            with suppress(SandboxError):  # expired meanwhile: gone is what was wanted
                self.mock.sandboxes.delete(box.id)

    def coverage(self) -> dict[str, Any]:
        """Which documented responses the mock answered (`GET /__mock/coverage`'s document),
        its sandboxes' included; the pytest plugin adds these up over a run."""
        from events_mock.coverage import merge_documents

        return merge_documents([self.mock.control.coverage_document(), *self._sandbox_coverage])

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
        with ExitStack() as stack:  # all or nothing: a failed start leaves nothing patched
            stack.enter_context(self._bridge)
            stack.enter_context(self.responses)
            stack.enter_context(self.respx)
            stack.enter_context(self.aioresponses)
            self._stack = stack.pop_all()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.close()


@dataclass(frozen=True)
class KitSandbox:
    """What `InProcessMock.sandbox()` yields: the same handles as the kit, on the sandbox."""

    id: str
    url: str
    control: ControlPlane

    @property
    def clock(self) -> MockClock:
        return self.control.clock

    @property
    def faults(self) -> FaultRules:
        return self.control.faults

    @property
    def journal(self) -> Journal:
        return self.control.journal


@contextmanager
def mock_api(
    base_url: str | Sequence[str] | None = None,
    *,
    users: Mapping[str, str] | None = None,
    clock: MockClock | None = None,
    config: MockConfig | None = None,
    passthrough: Sequence[str] = (),
) -> Iterator[InProcessMock]:
    """Serve `requests`, httpx and aiohttp calls to `base_url` (default: production and
    staging) in-process.

    `users` are the Basic-auth users the mock accepts (default demo:demo); `clock` defaults to
    one frozen at the current instant; `config` sets anything else. `passthrough` lists URL
    prefixes that still go to the network; every other URL raises `UnmockedRequestError`
    (also the library's own connection error) without a connection being made.
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

"""`ControlClient`: the control plane of a mock running elsewhere, with the kit's vocabulary.

It reads like the in-process kit (`control.clock.advance(seconds=60)`,
`control.faults.add(path=..., status=503)`) and returns the kit's own objects (`JournalEntry`,
`FaultRule`, `ReportJob`: see `events_mock.testing.wire`), so a test body runs unchanged
against either. It talks through httpx; while an in-process kit is active (which intercepts
httpx too), list the live mock's URL in its `passthrough`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from events_mock.barchart.jobs import JobStatus, ReportJob
from events_mock.control.access import CONTROL_HEADER
from events_mock.control.faults import FaultRule
from events_mock.control.journal import JournalEntry
from events_mock.control.plane import CONTROL_PREFIX
from events_mock.testing.wire import ClockState, fault_rule, journal_entry, report_job

if TYPE_CHECKING:
    from events_mock.testing.sandbox import SandboxHandle


class ControlError(Exception):
    """The control plane refused a call; `status` and `detail` come from its problem answer."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


class ControlClient:
    def __init__(self, base_url: str, token: str | None = None, timeout: float = 10.0) -> None:
        # Sent on every call: the control plane refuses a state change without it (or a JSON
        # body), which is how it tells a script from a web page's simple request.
        headers = {CONTROL_HEADER: "1"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.http = httpx.Client(
            base_url=base_url.rstrip("/") + CONTROL_PREFIX,
            headers=headers,
            timeout=timeout,
            trust_env=False,  # straight to the mock, never through a proxy from the environment
        )
        self.clock = RemoteClock(self)
        self.faults = RemoteFaults(self)
        self.journal = RemoteJournal(self)
        self.jobs = RemoteJobs(self)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise ControlError(response.status_code, detail)
        return response.json() if response.content else None

    def reset(self) -> None:
        self.call("POST", "/reset")

    def export_state(self) -> dict[str, Any]:
        return self.call("GET", "/state")

    def import_state(self, document: Any) -> None:
        self.call("PUT", "/state", json=document)

    def export_api_state(self, api: str) -> dict[str, Any]:
        """One API's part of the state: "barchart", "event-collector" or "billing-care"."""
        return self.call("GET", f"/state/{api}")

    def import_api_state(self, api: str, data: Any) -> None:
        """Replace one API's data, e.g. `("billing-care", {"events": records})`."""
        self.call("PUT", f"/state/{api}", json=data)

    def coverage(self) -> dict[str, Any]:
        """Which documented responses the mock (or this sandbox) answered: the coverage
        document (`Coverage` in the control spec, docs/coverage.md)."""
        return self.call("GET", "/coverage")

    def clear_coverage(self) -> None:
        self.call("DELETE", "/coverage")

    def sandbox(self, **options: Any) -> AbstractContextManager[SandboxHandle]:
        """A fresh sandbox of this server for the block (`events_mock.testing.sandbox`)."""
        from events_mock.testing.sandbox import sandbox

        base = str(self.http.base_url).rstrip("/").removesuffix(CONTROL_PREFIX)
        token = self.http.headers.get("Authorization", "").removeprefix("Bearer ") or None
        return sandbox(base, token, **options)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ControlClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class RemoteClock:
    """Mirrors `MockClock`: `now_ms`, `advance`, `set`, `set_rate`, `rate` (plus `freeze`,
    `state`)."""

    def __init__(self, client: ControlClient) -> None:
        self._client = client

    def state(self) -> ClockState:
        return ClockState.from_json(self._client.call("GET", "/clock"))

    def now_ms(self) -> int:
        return self.state().now

    @property
    def rate(self) -> float:
        return self.state().rate

    def advance(self, seconds: float) -> int:
        return self._client.call("POST", "/clock/advance", json={"seconds": seconds})["now"]

    def set(self, now_ms: int) -> int:
        return self._client.call("POST", "/clock/set", json={"now": now_ms})["now"]

    def set_rate(self, rate: float) -> None:
        self._client.call("POST", "/clock/rate", json={"rate": rate})

    def freeze(self) -> int:
        return self._client.call("POST", "/clock/freeze")["now"]


class RemoteFaults:
    """Mirrors `FaultRules`: `add` (the same keyword arguments), `list`, `get`, `remove`,
    `clear`; rules are `FaultRule`s, snapshots taken when the answer came."""

    def __init__(self, client: ControlClient) -> None:
        self._client = client

    def add(self, path: str, **rule: Any) -> FaultRule:
        given = {name: value for name, value in rule.items() if value is not None}
        return fault_rule(self._client.call("POST", "/faults", json={"path": path, **given}))

    def list(self) -> list[FaultRule]:
        return [fault_rule(raw) for raw in self._client.call("GET", "/faults")]

    def get(self, rule_id: str) -> FaultRule:
        return fault_rule(self._client.call("GET", f"/faults/{rule_id}"))

    def __iter__(self) -> Iterator[FaultRule]:
        return iter(self.list())

    def __len__(self) -> int:
        return len(self.list())

    def remove(self, rule_id: str) -> None:
        self._client.call("DELETE", f"/faults/{rule_id}")

    def clear(self) -> None:
        self._client.call("DELETE", "/faults")


class RemoteJournal:
    """Mirrors `Journal`: `entries(method=, path=, status=, api=, tenant=, since=, limit=)`,
    iteration, `len`, `recorded`, `capacity`, `clear()`; entries are `JournalEntry`s."""

    def __init__(self, client: ControlClient) -> None:
        self._client = client

    def entries(self, **filters: Any) -> list[JournalEntry]:
        return [journal_entry(raw) for raw in self._read(**filters)["entries"]]

    def clear(self) -> None:
        self._client.call("DELETE", "/journal")

    @property
    def recorded(self) -> int:
        return int(self._read(limit=1)["recorded"])

    @property
    def capacity(self) -> int:
        return int(self._read(limit=1)["capacity"])

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self._read()["entries"])

    def __getitem__(self, index: int) -> JournalEntry:
        return self.entries()[index]

    def _read(self, **filters: Any) -> dict[str, Any]:
        params = {name: value for name, value in filters.items() if value is not None}
        return self._client.call("GET", "/journal", params=params)


class RemoteJobs:
    """Mirrors `ReportJobs`: `get`, `all` (also `list`), `force`, `set_remaining`; jobs are
    `ReportJob`s whose `events` give only their number (`len(job.events)`)."""

    def __init__(self, client: ControlClient) -> None:
        self._client = client

    def all(self) -> list[ReportJob]:
        return [report_job(raw) for raw in self._client.call("GET", "/jobs")]

    list = all

    def get(self, source: str) -> ReportJob:
        return report_job(self._client.call("GET", f"/jobs/{source}"))

    def force(self, source: str, status: JobStatus | str, message: str | None = None) -> ReportJob:
        body = {"status": JobStatus(status).value}
        if message is not None:
            body["message"] = message
        return report_job(self._client.call("POST", f"/jobs/{source}/status", json=body))

    def set_remaining(self, source: str, seconds: float) -> ReportJob:
        answer = self._client.call("POST", f"/jobs/{source}/remaining", json={"seconds": seconds})
        return report_job(answer)

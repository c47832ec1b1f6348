"""`ControlClient`: the control plane of a mock running elsewhere, with the kit's vocabulary.

It reads like the in-process kit (`control.clock.advance(seconds=60)`,
`control.faults.add(path=..., status=503)`) so a test can move between the two. It talks
through httpx rather than `requests`, so it keeps working while `responses` intercepts every
`requests` call of the code under test.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from events_mock.control.plane import CONTROL_PREFIX

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
        headers = {"Authorization": f"Bearer {token}"} if token else {}
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
    """Mirrors `MockClock`: `now_ms`, `advance`, `set`, `set_rate` (plus `freeze`, `state`)."""

    def __init__(self, client: ControlClient) -> None:
        self._client = client

    def state(self) -> dict[str, Any]:
        return self._client.call("GET", "/clock")

    def now_ms(self) -> int:
        return self.state()["now"]

    def advance(self, seconds: float) -> int:
        return self._client.call("POST", "/clock/advance", json={"seconds": seconds})["now"]

    def set(self, now_ms: int) -> int:
        return self._client.call("POST", "/clock/set", json={"now": now_ms})["now"]

    def set_rate(self, rate: float) -> None:
        self._client.call("POST", "/clock/rate", json={"rate": rate})

    def freeze(self) -> int:
        return self._client.call("POST", "/clock/freeze")["now"]


class RemoteFaults:
    """Mirrors `FaultRules`; rules come back as the spec's `FaultRule` JSON."""

    def __init__(self, client: ControlClient) -> None:
        self._client = client

    def add(self, path: str, **rule: Any) -> dict[str, Any]:
        return self._client.call("POST", "/faults", json={"path": path, **rule})

    def list(self) -> list[dict[str, Any]]:
        return self._client.call("GET", "/faults")

    def get(self, rule_id: str) -> dict[str, Any]:
        return self._client.call("GET", f"/faults/{rule_id}")

    def remove(self, rule_id: str) -> None:
        self._client.call("DELETE", f"/faults/{rule_id}")

    def clear(self) -> None:
        self._client.call("DELETE", "/faults")


class RemoteJournal:
    """Mirrors `Journal.entries(...)` and `clear()`; entries are the spec's JSON."""

    def __init__(self, client: ControlClient) -> None:
        self._client = client

    def entries(self, **filters: Any) -> list[dict[str, Any]]:
        params = {name: value for name, value in filters.items() if value is not None}
        return self._client.call("GET", "/journal", params=params)["entries"]

    def clear(self) -> None:
        self._client.call("DELETE", "/journal")


class RemoteJobs:
    """Mirrors `ReportJobs.get`, `force` and `set_remaining`; jobs are the spec's JSON."""

    def __init__(self, client: ControlClient) -> None:
        self._client = client

    def list(self) -> list[dict[str, Any]]:
        return self._client.call("GET", "/jobs")

    def get(self, source: str) -> dict[str, Any]:
        return self._client.call("GET", f"/jobs/{source}")

    def force(self, source: str, status: str, message: str | None = None) -> dict[str, Any]:
        body = {"status": status} if message is None else {"status": status, "message": message}
        return self._client.call("POST", f"/jobs/{source}/status", json=body)

    def set_remaining(self, source: str, seconds: float) -> dict[str, Any]:
        return self._client.call("POST", f"/jobs/{source}/remaining", json={"seconds": seconds})

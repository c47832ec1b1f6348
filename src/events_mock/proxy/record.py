"""What passed through the proxy, as a state document `events-mock serve --state-file` serves.

Only what the answers hold is kept, never a request's credentials (the document has no place
for them): Barchart's events as `POST /events` answered them (batch and sequence included),
Event Collector's events as created or read (ids kept, under the tenant the request named),
Billing Care's records as searches answered them. A report's export is made again by the mock
from the recorded events, so its rows need no keeping of their own.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from events_mock.control.state import FORMAT, VERSION, atomic_write

__all__ = ["Recorder"]

COLLECTOR_TENANT_HEADER = "x-twc-tenant"


class Recorder:
    def __init__(self, path: str | Path, api: str) -> None:
        self.path = Path(path)
        self.api = api
        self._lock = threading.Lock()
        self._barchart: dict[tuple[str, int], dict[str, Any]] = {}
        self._collector: dict[str, dict[str, dict[str, Any]]] = {}
        self._billing: dict[str, dict[str, Any]] = {}

    def saw(
        self, operation_id: str | None, status: int, body: Any, headers: Mapping[str, str]
    ) -> None:
        """Keep what one answer holds (successes only); the file is rewritten each time it
        grows, so a proxy killed rather than stopped loses nothing."""
        with self._lock:
            grew = self._keep(operation_id, status, body, headers)
        if grew:
            self.save()

    def _keep(
        self, operation_id: str | None, status: int, body: Any, headers: Mapping[str, str]
    ) -> bool:
        if self.api == "barchart" and operation_id == "createEvents" and status == 200:
            events = [e for e in _dicts(body) if "batch" in e and "sequence" in e]
            for event in events:
                self._barchart[(str(event["batch"]), int(event["sequence"]))] = event
            return bool(events)
        if self.api == "event-collector" and operation_id in ("createEvent", "getEvent"):
            tenant = headers.get(COLLECTOR_TENANT_HEADER)
            if status in (200, 201) and tenant and isinstance(body, dict) and "id" in body:
                self._collector.setdefault(tenant, {})[str(body["id"])] = body
                return True
        if self.api == "billing-care" and operation_id == "getEvents" and status == 200:
            records = [r for r in _dicts(body) if isinstance(r.get("id"), dict)]
            for record in records:
                self._billing[str(record["id"].get("id"))] = record
            return bool(records)
        return False

    def saw_export(self, events: list[dict[str, Any]]) -> None:
        """Events read back from an export's rows: those not already recorded as posted."""
        with self._lock:
            known = {_identity(event) for event in self._barchart.values()}
            fresh = [event for event in events if _identity(event) not in known]
            for event in fresh:
                self._barchart[(str(event["batch"]), int(event["sequence"]))] = event
        if fresh:
            self.save()

    def document(self) -> dict[str, Any]:
        with self._lock:
            return self._document()

    def _document(self) -> dict[str, Any]:
        apis: dict[str, Any] = {}
        if self.api == "barchart":
            apis["barchart"] = {"events": list(self._barchart.values()), "jobs": []}
        elif self.api == "event-collector":
            tenants = {name: list(events.values()) for name, events in self._collector.items()}
            apis["event-collector"] = {"tenants": tenants}
        elif self.api == "billing-care":
            apis["billing-care"] = {"events": list(self._billing.values())}
        return {"format": FORMAT, "version": VERSION, "apis": apis}

    def save(self) -> None:
        with self._lock:
            document = self._document()
            atomic_write(self.path, json.dumps(document, indent=1).encode())


def _dicts(body: Any) -> list[dict[str, Any]]:
    return [item for item in body if isinstance(item, dict)] if isinstance(body, list) else []


def _identity(event: Mapping[str, Any]) -> tuple[Any, ...]:
    """What an export row shows of an event (an export has no batch or sequence)."""
    context = tuple(event.get("context") or ())
    return (
        event.get("customer"),
        event.get("product"),
        event.get("type"),
        event.get("timestamp"),
        context,
    )

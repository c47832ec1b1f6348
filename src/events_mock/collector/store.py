"""The Event Collector's in-memory event storage, partitioned by tenant.

Partitioning (rather than one table with a tenant column) makes isolation structural: a
lookup only ever sees the asking tenant's events, so another tenant's id is simply unknown.
The state can be exported and imported as plain JSON-able data so a control plane can save,
restore and seed the mock between test runs.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from events_mock.collector.payloads import InvalidEvent, check_event
from events_mock.limits import StoreFull

Event = dict[str, Any]


class InvalidState(ValueError):
    """Imported data that is not a state this store exported."""


class ConflictingState(InvalidState):
    """Imported data shaped like a state that cannot be one (two events with one id)."""


class TenantEventStore:
    """Thread-safe: the mock server may run handlers concurrently.

    Events are stored as deep copies of what was sent, strings untouched, so the base64 fields
    come back byte for byte; callers get copies too, so nobody can mutate stored events.
    """

    def __init__(
        self,
        new_id: Callable[[], str] | None = None,
        capacity: int | None = None,
        max_bytes: int | None = None,
    ) -> None:
        self._new_id = new_id or (lambda: str(uuid.uuid4()))
        self.capacity = capacity
        """Most events held over all tenants; `create` raises `StoreFull` past it."""
        self.max_bytes = max_bytes
        """Most `event_bytes` held over all tenants; `create` raises `StoreFull` past it."""
        self._lock = threading.Lock()
        self._tenants: dict[str, dict[str, Event]] = {}
        self._count = 0
        self._bytes = 0

    @property
    def stored_bytes(self) -> int:
        return self._bytes

    def create(self, tenant: str, event: Mapping[str, Any]) -> Event:
        """Store the event for the tenant under a new server-assigned id; answer the stored copy.

        Raises `InvalidEvent` if a base64 field does not decode to JSON. A client-sent `id` is
        replaced: ids are the server's to assign.
        """
        check_event(event)
        size = event_bytes(event)
        stored = copy.deepcopy(dict(event))
        with self._lock:
            if self.capacity is not None and self._count >= self.capacity:
                raise StoreFull(f"the store already holds its maximum of {self.capacity} events")
            if self.max_bytes is not None and self._bytes + size > self.max_bytes:
                raise StoreFull(
                    f"the store holds {self._bytes} of at most {self.max_bytes} bytes of events; "
                    f"this one's {size} do not fit"
                )
            events = self._tenants.setdefault(tenant, {})
            event_id = self._new_id()
            while event_id in events:
                event_id = self._new_id()
            stored["id"] = event_id
            events[event_id] = stored
            self._count += 1
            self._bytes += size
            return copy.deepcopy(stored)

    def get(self, tenant: str, event_id: str) -> Event | None:
        """The tenant's event, or None: another tenant's id is indistinguishable from unknown."""
        with self._lock:
            stored = self._tenants.get(tenant, {}).get(event_id)
            return copy.deepcopy(stored) if stored is not None else None

    def __len__(self) -> int:
        """Events over all tenants, without the lock: a capacity check may run under it."""
        return self._count

    def count(self, tenant: str | None = None) -> int:
        with self._lock:
            if tenant is not None:
                return len(self._tenants.get(tenant, {}))
            return sum(len(events) for events in self._tenants.values())

    def clear(self) -> None:
        with self._lock:
            self._tenants.clear()
            self._count = 0
            self._bytes = 0

    def export_state(self) -> dict[str, Any]:
        """`{"tenants": {tenant: [event, ...]}}`, each tenant's events in creation order."""
        with self._lock:
            return {
                "tenants": {
                    tenant: [copy.deepcopy(e) for e in events.values()]
                    for tenant, events in self._tenants.items()
                }
            }

    def restore(self, tenant: str, event: Event) -> None:
        """Put back an event this store held before, under its id (a write log's replay)."""
        with self._lock:
            events = self._tenants.setdefault(tenant, {})
            if event["id"] not in events:
                self._count += 1
            events[event["id"]] = event

    def frozen(self) -> dict[str, list[Event]]:
        """Every tenant's events in creation order, as a consistent view taken in O(events)
        reference copies: stored events are never changed in place, so they can be encoded
        later in another thread."""
        with self._lock:
            return {tenant: list(events.values()) for tenant, events in self._tenants.items()}

    def import_state(self, state: Mapping[str, Any]) -> None:
        """Replace the whole state with an exported one, all or nothing (see `parse_state`)."""
        self.replace(parse_state(state))

    def replace(self, tenants: dict[str, dict[str, Event]]) -> None:
        """Swap in what `parse_state` made; readers see the old or the new state, never a mix."""
        size = sum(event_bytes(e) for events in tenants.values() for e in events.values())
        with self._lock:
            self._tenants = tenants
            self._count = sum(len(events) for events in tenants.values())
            self._bytes = size


def event_bytes(event: Mapping[str, Any]) -> int:
    """What one event costs the store's byte budget: its size as JSON (the base64 payloads,
    which a client chooses the size of, dominate it)."""
    return len(orjson.dumps(event))


def parse_state(state: Mapping[str, Any]) -> dict[str, dict[str, Event]]:
    """An exported state, checked and copied, ready for `TenantEventStore.replace`.

    Raises `InvalidState` for a malformed structure, `ConflictingState` for a duplicate id or an
    empty tenant name, `InvalidEvent` for a base64 field that does not decode to JSON.
    """
    raw_tenants = state.get("tenants") if isinstance(state, Mapping) else None
    if not isinstance(raw_tenants, Mapping):
        raise InvalidState("tenants: expected an object of tenant name to event list")
    parsed: dict[str, dict[str, Event]] = {}
    for tenant, events in raw_tenants.items():
        if not isinstance(tenant, str) or not tenant:
            raise ConflictingState("tenants: tenant names must be non-empty strings")
        if not isinstance(events, list):
            raise InvalidState(f"tenants.{tenant}: expected a list of events")
        parsed[tenant] = {}
        for index, event in enumerate(events):
            where = f"tenants.{tenant}[{index}]"
            if not isinstance(event, Mapping):
                raise InvalidState(f"{where}: expected an object")
            event_id = event.get("id")
            if not isinstance(event_id, str) or not event_id:
                raise InvalidState(f"{where}.id: expected a non-empty string")
            if event_id in parsed[tenant]:
                raise ConflictingState(f"{where}.id: duplicate id {event_id!r}")
            try:
                check_event(event)
            except InvalidEvent as err:
                raise InvalidEvent(f"{where}.{err.field}", err.reason) from None
            parsed[tenant][event_id] = copy.deepcopy(dict(event))
    return parsed

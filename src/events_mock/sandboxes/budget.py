"""One bound on the events all sandboxes hold together (`SandboxSettings.max_total_events`).

Each sandbox's stores keep their own capacity (`--max-stored-events`, per world, like the
default world's); these subclasses lower it to what the sandboxes' common budget leaves, so a
write past either answers `507` in the API's own shape, as a full store always does. The
stores read `capacity` once per write, inside their lock: the count used here is lock-free.
"""

from __future__ import annotations

from collections.abc import Callable

from events_mock.barchart.store import EventStore
from events_mock.collector.store import TenantEventStore

__all__ = ["BudgetedEventStore", "BudgetedTenantEventStore"]

Room = Callable[[], int]
"""Events the sandboxes may still add together (may be negative after an import)."""


def _bounded(own: int | None, held: int, room: Room) -> int:
    shared = held + max(room(), 0)
    return shared if own is None else min(own, shared)


class BudgetedEventStore(EventStore):
    def __init__(self, capacity: int | None, max_bytes: int | None, room: Room) -> None:
        self._room = room
        super().__init__(capacity=capacity, max_bytes=max_bytes)

    @property
    def capacity(self) -> int:
        return _bounded(self._own_capacity, len(self), self._room)

    @capacity.setter
    def capacity(self, value: int | None) -> None:
        self._own_capacity = value


class BudgetedTenantEventStore(TenantEventStore):
    def __init__(self, capacity: int | None, max_bytes: int | None, room: Room) -> None:
        self._room = room
        super().__init__(capacity=capacity, max_bytes=max_bytes)

    @property
    def capacity(self) -> int:
        return _bounded(self._own_capacity, len(self), self._room)

    @capacity.setter
    def capacity(self, value: int | None) -> None:
        self._own_capacity = value

"""The Event Collector's part of the control plane's state: every tenant's events.

The shape is `EventCollectorState` in spec/control.yaml. Tenants that the server was not
started with may be imported: their events are kept (and exported again) but nobody can read
them until a server with that tenant loads the state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from events_mock.collector.payloads import InvalidEvent
from events_mock.collector.service import CollectorService
from events_mock.collector.store import ConflictingState, InvalidState, parse_state
from events_mock.seam import StateConflict, StateError, getter

__all__ = ["CollectorState"]


class CollectorState:
    """`events_mock.seam.ApiState` over a `CollectorService`: its tenants' events."""

    def __init__(self, service: CollectorService | Callable[[], CollectorService]) -> None:
        self._service_of = getter(service)

    @property
    def service(self) -> CollectorService:
        """The current world's (`events_mock.world`): one handler object serves them all."""
        return self._service_of()

    def export(self) -> dict[str, Any]:
        return self.service.store.export_state()

    def prepare(self, data: Mapping[str, Any]) -> Callable[[], None]:
        try:
            tenants = parse_state(data)
        except ConflictingState as error:
            raise StateConflict(f"event-collector: {error}") from None
        except (InvalidState, InvalidEvent) as error:
            raise StateError(f"event-collector: {error}") from None
        return lambda: self.service.store.replace(tenants)

    def reset(self) -> None:
        self.service.store.clear()

"""The in-memory event store.

Events arrive in batches from many concurrent clients; a batch is stored whole or not at all,
and reports read a consistent snapshot, so every mutation and every selection holds one lock.
Events are kept as tuples indexed by (customer, product), the only way reports select them.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from events_mock.limits import StoreFull


class StoredEvent(NamedTuple):
    customer: str
    product: str
    type: str
    timestamp: int
    context: tuple[str, ...]
    version: str | None
    batch: str
    sequence: int

    def to_json(self) -> dict[str, Any]:
        event: dict[str, Any] = {
            "customer": self.customer,
            "product": self.product,
            "type": self.type,
            "timestamp": self.timestamp,
            "context": list(self.context),
        }
        if self.version is not None:
            event["version"] = self.version
        event["sequence"] = self.sequence
        event["batch"] = self.batch
        return event

    @classmethod
    def from_json(cls, event: Mapping[str, Any]) -> StoredEvent:
        return cls(
            customer=event["customer"],
            product=event["product"],
            type=event["type"],
            timestamp=int(event["timestamp"]),
            context=tuple(event["context"]),
            version=event.get("version"),
            batch=event["batch"],
            sequence=int(event["sequence"]),
        )


class EventStore:
    def __init__(self, capacity: int | None = None) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._by_source: dict[tuple[str, str], list[StoredEvent]] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add_batch(self, events: Iterable[Mapping[str, Any]]) -> list[StoredEvent]:
        """Store already-validated events as one batch: one batch id, sequences 1..n."""
        batch = str(uuid.uuid4())
        stored = [
            StoredEvent(
                customer=e["customer"],
                product=e["product"],
                type=e["type"],
                timestamp=e["timestamp"],
                context=tuple(e["context"]),
                version=e.get("version"),
                batch=batch,
                sequence=n,
            )
            for n, e in enumerate(events, start=1)
        ]
        with self._lock:
            if self.capacity is not None and self._count + len(stored) > self.capacity:
                raise StoreFull(
                    f"the store holds {self._count} of at most {self.capacity} events; "
                    f"{len(stored)} more do not fit"
                )
            for event in stored:
                self._by_source.setdefault((event.customer, event.product), []).append(event)
            self._count += len(stored)
        return stored

    def select(
        self,
        customer: str,
        product: str,
        types: frozenset[str] | None = None,
        start: int | None = None,
        end: int | None = None,
    ) -> list[StoredEvent]:
        """Matching events ordered by timestamp (ties keep arrival order); bounds inclusive."""
        with self._lock:
            candidates = list(self._by_source.get((customer, product), ()))
        matches = [
            e
            for e in candidates
            if (types is None or e.type in types)
            and (start is None or e.timestamp >= start)
            and (end is None or e.timestamp <= end)
        ]
        matches.sort(key=lambda e: e.timestamp)
        return matches

    def clear(self) -> None:
        with self._lock:
            self._by_source.clear()
            self._count = 0

    def to_json(self) -> list[dict[str, Any]]:
        with self._lock:
            return [e.to_json() for events in self._by_source.values() for e in events]

    def load_json(self, events: Iterable[Mapping[str, Any]]) -> None:
        """Replace the whole content with previously exported events."""
        self.replace(StoredEvent.from_json(raw) for raw in events)

    def replace(self, events: Iterable[StoredEvent]) -> None:
        """Replace the whole content at once (readers see the old or the new, never a mix)."""
        loaded: dict[tuple[str, str], list[StoredEvent]] = {}
        count = 0
        for event in events:
            loaded.setdefault((event.customer, event.product), []).append(event)
            count += 1
        with self._lock:
            self._by_source = loaded
            self._count = count

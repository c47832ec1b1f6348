"""Everything the Barchart mock holds, as one object the handlers, the state and tests share.

Plain Python, no HTTP: the handlers translate requests into calls on it, the control plane's
`state` exports and replaces what it holds, and tests drive it directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from events_mock.barchart.catalog import Catalog
from events_mock.barchart.jobs import ReportJobs
from events_mock.barchart.store import EventStore, StoredEvent
from events_mock.writes import WriteHook, ignore_write

__all__ = ["BarchartService", "EventOfAnotherProduct", "TooManyEvents"]


class TooManyEvents(ValueError):
    """A batch longer than `BarchartService.max_events_per_request`; nothing was stored."""


class EventOfAnotherProduct(ValueError):
    """An event whose type belongs to another product than its own; nothing was stored.

    The spec's enums cannot say which product a type belongs to; the catalog can. Stored,
    such an event could never be exported: a report asking for its type ends FAILED.
    """


@dataclass
class BarchartService:
    """The stored events, the report jobs over them, the event catalog, and the batch limit."""

    store: EventStore
    jobs: ReportJobs
    catalog: Catalog
    max_events_per_request: int | None = None
    """Most events one `add_events` call may carry (None: no limit)."""
    on_write: WriteHook = field(default=ignore_write, repr=False)
    """Told of every acknowledged write: `barchart.events` (the stored batch), `barchart.job`
    (a job started or changed), `barchart.link` (a download link issued)."""

    def add_events(self, events: Sequence[Mapping[str, Any]]) -> list[StoredEvent]:
        """Store one batch whole, or nothing.

        Raises `TooManyEvents` past the batch limit, `EventOfAnotherProduct` for an event whose
        type is not of its product, and `events_mock.limits.StoreFull` when the store cannot
        take the whole batch.
        """
        self._check_batch(events)
        stored = self.store.add_batch(events)
        self.on_write("barchart.events", stored)
        return stored

    async def add_events_async(self, events: Sequence[Mapping[str, Any]]) -> list[StoredEvent]:
        """`add_events` for a handler: the Redis store's write is sent with other requests'
        calls instead of blocking the event loop."""
        self._check_batch(events)
        stored = await self.store.add_batch_async(events)
        self.on_write("barchart.events", stored)
        return stored

    def _check_batch(self, events: Sequence[Mapping[str, Any]]) -> None:
        limit = self.max_events_per_request
        if limit is not None and len(events) > limit:
            message = f"{len(events)} events in one request; at most {limit} are accepted."
            raise TooManyEvents(message)
        product_of = self.catalog.product_of
        for index, event in enumerate(events):
            owner = product_of.get(event["type"])
            if owner != event["product"]:
                raise EventOfAnotherProduct(
                    f"events[{index}].type: {event['type']} is an event type of product "
                    f"{owner}, not of {event['product']}; nothing was stored."
                )

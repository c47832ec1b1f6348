"""Everything the Barchart mock holds, as one object the handlers, the state and tests share.

Plain Python, no HTTP: the handlers translate requests into calls on it, the control plane's
`state` exports and replaces what it holds, and tests drive it directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from events_mock.barchart.catalog import Catalog
from events_mock.barchart.jobs import ReportJobs
from events_mock.barchart.store import EventStore, StoredEvent

__all__ = ["BarchartService", "TooManyEvents"]


class TooManyEvents(ValueError):
    """A batch longer than `BarchartService.max_events_per_request`; nothing was stored."""


@dataclass
class BarchartService:
    """The stored events, the report jobs over them, the event catalog, and the batch limit."""

    store: EventStore
    jobs: ReportJobs
    catalog: Catalog
    max_events_per_request: int | None = None
    """Most events one `add_events` call may carry (None: no limit)."""

    def add_events(self, events: Sequence[Mapping[str, Any]]) -> list[StoredEvent]:
        """Store one batch whole, or nothing.

        Raises `TooManyEvents` past the batch limit and `events_mock.limits.StoreFull` when the
        store cannot take the whole batch.
        """
        limit = self.max_events_per_request
        if limit is not None and len(events) > limit:
            message = f"{len(events)} events in one request; at most {limit} are accepted."
            raise TooManyEvents(message)
        return self.store.add_batch(events)

"""The Barchart API's part of the control plane's state: events, report jobs, download links.

The shape is `BarchartState` in spec/control.yaml, which the control plane checks before
calling `prepare`; what is checked here again (event types the catalog knows) guards callers
that import in-process, still before anything changes. A job holds a mark into the document's
own events (how many of its customer and product's events it reads), never copies of them, so
a document's size does not grow with its jobs' matches; a job of an older document, with its
own copies, is converted to a mark (see `ReportJobs.parse_state`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from events_mock.barchart.jobs import ReportJobs
from events_mock.barchart.service import BarchartService
from events_mock.barchart.store import StoredEvent
from events_mock.seam import StateConflict, StateError, getter

__all__ = ["BarchartState"]


class BarchartState:
    """`events_mock.seam.ApiState` over a `BarchartService`: its store and its jobs."""

    def __init__(self, service: BarchartService | Callable[[], BarchartService]) -> None:
        self._service_of = getter(service)

    @property
    def service(self) -> BarchartService:
        """The current world's (`events_mock.world`): one handler object serves them all."""
        return self._service_of()

    def export(self) -> dict[str, Any]:
        return {"events": self.service.store.to_json(), "jobs": self.service.jobs.export_state()}

    def prepare(self, data: Mapping[str, Any]) -> Callable[[], None]:
        raw_jobs = list(data.get("jobs", ()))
        try:
            events = [StoredEvent.from_json(raw) for raw in data.get("events", ())]
            jobs, links = ReportJobs.parse_state(raw_jobs, events)
        except StateConflict as conflict:
            raise StateConflict(f"barchart: {conflict}") from None
        except (KeyError, TypeError, ValueError) as error:
            raise StateError(f"barchart: {type(error).__name__}: {error}") from None
        if len(jobs) < len(raw_jobs):
            raise StateConflict("barchart: two jobs have the same source")
        if len(links) < sum(len(raw.get("links", ())) for raw in raw_jobs):
            raise StateConflict("barchart: two download links have the same token")
        self._check_codes(events, "events")

        def commit() -> None:
            self.service.store.replace(events)
            self.service.jobs.replace(jobs, links)

        return commit

    def reset(self) -> None:
        self.service.store.clear()
        self.service.jobs.clear()

    def _check_codes(self, events: Iterable[StoredEvent], where: str) -> None:
        catalog = self.service.catalog
        for event in events:
            if catalog.product_of.get(event.type) is None:
                raise StateError(f"barchart {where}: unknown event type {event.type}")

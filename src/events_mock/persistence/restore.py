"""Putting back what the mock itself saved or logged, without checking it against the schema.

A snapshot the mock wrote (its checksum intact) and a logged import (checked when it was
accepted) hold nothing the mock did not accept once, so they skip the per-event JSON Schema
validation that documents from users get (`PUT /__mock/state`, a state file without the
mock's checksum): about 140 µs per event, 48 s for 240k events. Only their structure is
checked, by the conversions themselves (a missing key or a wrong type still fails, with the
document left unapplied).
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from events_mock.app import EventsMock
from events_mock.barchart.jobs import ReportJobs
from events_mock.control.state import restore_clock
from events_mock.seam import StateError

__all__ = ["apply_document", "no_collections", "prepare_part"]


def prepare_part(mock: EventsMock, name: str, data: Mapping[str, Any]) -> Callable[[], None]:
    """One API's part (`State.apis.<name>`), converted; the function answered swaps it in."""
    if name == "barchart":
        events = data.get("events", ())
        commit_events = mock.barchart.store.prepare_exported(events)
        sizes = Counter((event["customer"], event["product"]) for event in events)
        jobs, links = ReportJobs.parse_state(list(data.get("jobs", ())), sizes=sizes)
        barchart = mock.barchart

        def commit_barchart() -> None:
            commit_events()
            barchart.jobs.replace(jobs, links)

        return commit_barchart
    if name == "event-collector":
        tenants = {
            tenant: {event["id"]: event for event in events}
            for tenant, events in data["tenants"].items()
        }
        return lambda: mock.collector.store.replace(tenants)
    for api in mock.apis:  # any other API: through its own checks
        if api.name == name and api.state is not None:
            return api.state.prepare(data)
    raise StateError(f"this mock serves no API named {name}")


def apply_document(mock: EventsMock, document: Mapping[str, Any]) -> None:
    """A whole state document, all or nothing: APIs it leaves out get their start-up data."""
    with no_collections():
        _apply_document(mock, document)


@contextmanager
def no_collections() -> Iterator[None]:
    """Without the cyclic garbage collector: building millions of objects (none cyclic)
    would otherwise run its full passes over an ever larger heap, most of the load's time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _apply_document(mock: EventsMock, document: Mapping[str, Any]) -> None:
    parts = document["apis"]
    try:
        commits = [
            prepare_part(mock, api.name, parts[api.name]) if api.name in parts else api.state.reset
            for api in mock.apis
            if api.state is not None
        ]
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise StateError(f"{type(error).__name__}: {error}") from None
    for commit in commits:
        commit()
    if "clock" in document:
        restore_clock(mock.clock, document["clock"])

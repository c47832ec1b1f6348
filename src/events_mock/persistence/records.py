"""The log's records: what each acknowledged write becomes on disk, and how it is replayed.

One record per write, named after the `on_write` operation (`events_mock.writes`):

- `barchart.events`: `POST /events` stored a batch; the stored events (batch id, sequence);
- `barchart.job`: a report job started, was ended by force, got a new end, or a download
  link; the job as the state document holds it, with its live links;
- `collector.event`: `POST /api/v1/events` stored an event; the tenant and the event;
- `clock`: the clock was set, advanced, frozen or given a rate; the clock before and after;
- `reset`: `POST /__mock/reset`; the clock after it;
- `state`, `state.api`: `PUT /__mock/state` (the document), `PUT /__mock/state/<api>`.
"""

from __future__ import annotations

from typing import Any

from events_mock.app import EventsMock
from events_mock.barchart.jobs import Link, ReportJob
from events_mock.barchart.store import StoredEvent
from events_mock.control.state import restore_clock
from events_mock.persistence.restore import apply_document, prepare_part

__all__ = ["encode", "replay"]


def encode(mock: EventsMock, op: str, payload: Any) -> dict[str, Any]:
    """The record of one write (encoded with `orjson`, `default=tuple` for named tuples)."""
    if op == "barchart.events":
        return {"op": op, "events": payload}  # StoredEvent tuples, as JSON arrays
    if op == "barchart.job":
        return {"op": op, "job": mock.barchart.jobs.export_job(_job(payload))}
    if op == "barchart.link":
        assert isinstance(payload, Link)
        job = mock.barchart.jobs.get(payload.source)
        return {"op": "barchart.job", "job": mock.barchart.jobs.export_job(job)}
    if op == "collector.event":
        tenant, event = payload
        return {"op": op, "tenant": tenant, "event": event}
    if op == "clock":
        return {"op": op, **payload}
    if op == "reset":
        return {"op": op, "clock": payload}
    if op == "state":
        return {"op": op, "document": payload}
    if op == "state.api":
        name, data = payload
        return {"op": op, "api": name, "data": data}
    raise ValueError(f"no log record for the write {op!r}")


def _job(payload: Any) -> ReportJob:
    assert isinstance(payload, ReportJob)
    return payload


def replay(mock: EventsMock, record: dict[str, Any]) -> None:
    """Apply one record again (at start, with the write hooks not yet installed)."""
    op = record["op"]
    if op == "barchart.events":
        mock.barchart.store.restore(
            StoredEvent(c, p, t, ts, tuple(context), v, b, s)
            for c, p, t, ts, context, v, b, s in record["events"]
        )
    elif op == "barchart.job":
        mock.barchart.jobs.restore([record["job"]])
    elif op == "collector.event":
        mock.collector.store.restore(record["tenant"], record["event"])
    elif op == "clock":
        # Jobs settle against the clock as it was just before the change, as they did then
        # (a status, once settled, stays even if the clock is set back).
        mock.clock.set(int(record["before"]))
        mock.barchart.jobs.all()
        restore_clock(mock.clock, record)
    elif op == "reset":
        mock.control.reset()
        restore_clock(mock.clock, record["clock"])
    elif op == "state":
        apply_document(mock, record["document"])
    elif op == "state.api":
        prepare_part(mock, record["api"], record["data"])()
    else:
        raise ValueError(f"unknown record {op!r}")

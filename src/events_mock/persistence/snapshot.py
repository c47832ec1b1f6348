"""Snapshots: the whole state as one state document, written off the event loop.

`capture` runs on the event loop, between two writes, so what it sees is one consistent
point; it copies references only (the Barchart store's sealed chunks, the collector's event
dicts, the Billing Care data set: none is ever changed in place), a few milliseconds for
millions of events. `write` then encodes and writes that view in a worker thread, one chunk
of events per `orjson.dumps`, so the event loop gets the interpreter back between chunks
and requests are answered meanwhile.

The file is a `State` document (spec/control.yaml) like `GET /__mock/state`'s answer, so it
can be read, edited or `PUT` back as one, plus a last member, `snapshot`: the log it
continues with, the event counts, and a CRC-32 of every byte before it. A file whose checksum
matches was written by the mock and is loaded without schema validation (`read`); any other
document (an older mock's state file, one written by hand) is checked in full.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from events_mock import strict_json
from events_mock.app import EventsMock
from events_mock.barchart.store import Record, StoredEvent, unpack
from events_mock.billing.dataset import BillingDataset
from events_mock.control.state import FORMAT, VERSION
from events_mock.persistence.files import StatePaths, fsync_directory

__all__ = ["DamagedSnapshot", "Snapshot", "View", "capture", "read", "write"]

TRAILER = b',"snapshot":'
CHUNK = 4096


class DamagedSnapshot(ValueError):
    """A file that claims to be the mock's snapshot but whose checksum or counts differ."""


@dataclass
class View:
    """The state at one point, as references to data nobody changes in place."""

    clock: dict[str, Any]
    barchart: list[tuple[str, str, list[tuple[Record, ...]]]] | None
    jobs: list[dict[str, Any]]
    collector: dict[str, list[dict[str, Any]]] | None
    billing: BillingDataset | None
    others: dict[str, Any]
    """Other APIs' parts, exported whole at capture (none today)."""


def capture(mock: EventsMock) -> View:
    names = {api.name for api in mock.apis if api.state is not None}
    others = {
        api.name: api.state.export()
        for api in mock.apis
        if api.state is not None and api.name not in {"barchart", "event-collector", "billing-care"}
    }
    return View(
        clock=mock.control.clock_state(),
        barchart=mock.barchart.store.frozen() if "barchart" in names else None,
        jobs=mock.barchart.jobs.export_state() if "barchart" in names else [],
        collector=mock.collector.store.frozen() if "event-collector" in names else None,
        billing=mock.billing.data if "billing-care" in names else None,
        others=others,
    )


def _pieces(view: View, counts: dict[str, int]) -> Iterator[bytes]:
    dumps = orjson.dumps
    yield b'{"format":' + dumps(FORMAT) + b',"version":' + dumps(VERSION)
    yield b',"clock":' + dumps(view.clock) + b',"apis":{'
    first_api = True

    def api(name: str) -> bytes:
        nonlocal first_api
        separator = b"" if first_api else b","
        first_api = False
        return separator + dumps(name) + b":"

    if view.barchart is not None:
        yield api("barchart") + b'{"events":['
        first = True
        count = 0
        for customer, product, chunks in view.barchart:
            for chunk in chunks:
                if not chunk:
                    continue
                events = [
                    StoredEvent(customer, product, r[1], r[0], unpack(r[2]), *r[3:]).to_json()
                    for r in chunk
                ]
                count += len(events)
                yield (b"" if first else b",") + dumps(events)[1:-1] + b"\n"
                first = False
        counts["barchart"] = count
        yield b'],"jobs":' + dumps(view.jobs) + b"}"
    if view.collector is not None:
        yield api("event-collector") + b'{"tenants":{'
        count = 0
        for number, (tenant, events) in enumerate(view.collector.items()):
            yield (b"," if number else b"") + dumps(tenant) + b":["
            for start in range(0, len(events), CHUNK):
                part = events[start : start + CHUNK]
                yield (b"," if start else b"") + dumps(part)[1:-1] + b"\n"
            count += len(events)
            yield b"]"
        counts["event-collector"] = count
        yield b"}}"
    if view.billing is not None:
        data = view.billing
        if data.generated_from is not None:
            seed, number = data.generated_from
            billing: dict[str, Any] = {"generated": {"seed": seed, "events": number}}
        else:
            billing = {"events": list(data.records)}
        yield api("billing-care") + dumps(billing)
    for name, part in view.others.items():
        yield api(name) + dumps(part)
    yield b"}"


@dataclass(frozen=True)
class Snapshot:
    document: dict[str, Any]
    trusted: bool
    """Written by the mock, checksum intact: loaded without schema validation."""
    log: int
    """The first log generation that follows this snapshot (0: any log follows it)."""


def write(view: View, paths: StatePaths, log: int) -> int:
    """Write the view as the snapshot (atomically, through a symlink); answer its size."""
    counts: dict[str, int] = {}
    checksum = 0
    size = 0
    with paths.temporary() as (file, temporary):
        for piece in _pieces(view, counts):
            checksum = zlib.crc32(piece, checksum)
            size += len(piece)
            file.write(piece)
        trailer = {"log": log, "events": counts, "bytes": size, "crc32": checksum}
        file.write(TRAILER + orjson.dumps(trailer) + b"}\n")
        file.flush()
        os.fsync(file.fileno())
        os.replace(temporary, paths.snapshot)
    fsync_directory(paths.directory)
    return size


def read(path: Path) -> Snapshot:
    """The snapshot at `path`: trusted if its trailer's checksum and counts match.

    Raises `DamagedSnapshot` for a trailer that does not match (the file was cut or edited),
    and `orjson.JSONDecodeError` for a file that is not JSON. A document without a trailer is
    returned untrusted: the caller checks it in full.
    """
    data = path.read_bytes()
    at = data.rfind(TRAILER)
    if at < 0:
        return Snapshot(_strict(data), trusted=False, log=0)
    try:
        trailer = orjson.loads(data[at + len(TRAILER) :].rstrip()[:-1])
        expected = (int(trailer["bytes"]), int(trailer["crc32"]), int(trailer["log"]))
        counts = dict(trailer["events"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return Snapshot(_strict(data), trusted=False, log=0)
    size, checksum, log = expected
    if size != at or zlib.crc32(memoryview(data)[:at]) != checksum:
        raise DamagedSnapshot(
            f"{path}: its checksum does not match its content (cut short or edited); "
            'remove its "snapshot" member to load it as an ordinary state document'
        )
    from events_mock.persistence.restore import no_collections

    with no_collections():
        document = orjson.loads(data)
    apis = document.get("apis", {})
    found = {
        "barchart": len(apis.get("barchart", {}).get("events", ())),
        "event-collector": sum(
            len(events) for events in apis.get("event-collector", {}).get("tenants", {}).values()
        ),
    }
    for name, count in counts.items():
        if found.get(name) != count:
            raise DamagedSnapshot(f"{path}: {name} holds {found.get(name)} events, not {count}")
    document.pop("snapshot", None)
    return Snapshot(document, trusted=True, log=log)


def _strict(data: bytes) -> Any:
    return strict_json.loads(data)

"""Measurements that need no load generator: start-up, export rendering, memory per event,
report jobs' memory and link issue time.

Export and memory run in this process against `events_mock` from `src/` (the harness puts it
on `sys.path`), so they measure the library code, not HTTP.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import statistics
import time
import tracemalloc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bench import payloads
from bench.servers import Server, baseline_command, free_port, mock_command


@dataclass(frozen=True)
class Startup:
    mock_s: float
    baseline_s: float


def startup(repeats: int = 3) -> Startup:
    """Seconds from spawning `events-mock serve` (every spec) to its first answer; median."""
    mock, base = [], []
    for _ in range(repeats):
        port = free_port()
        with Server("mock", mock_command(port), port) as server:
            mock.append(server.started_in)
        port = free_port()
        with Server("baseline", baseline_command(port), port) as server:
            base.append(server.started_in)
    return Startup(statistics.median(mock), statistics.median(base))


@dataclass(frozen=True)
class Export:
    events: int
    render_s: float
    plain_csv_s: float
    megabytes: float
    peak_small_mb: float
    """Peak extra memory while streaming a 100k-event export."""
    peak_large_mb: float
    """The same for the `events`-event export: the same figure means streaming holds."""

    @property
    def ratio(self) -> float:
        return self.render_s / self.plain_csv_s


def filled_store(count: int):
    from events_mock.barchart.store import EventStore

    store = EventStore()
    for start in range(0, count, 10_000):
        store.add_batch(payloads.events(min(10_000, count - start), seed=start))
    return store


def plain_csv(rows: list[tuple], chunk: int) -> Iterator[str]:
    """The yardstick: `csv.writer` over ready-made rows, chunked like the export."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="|", lineterminator="\n")
    for start in range(0, len(rows), chunk):
        writer.writerows(rows[start : start + chunk])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def consume(chunks: Iterable[str]) -> int:
    return sum(len(c) for c in chunks)


def stream_peak_mb(events: list, catalog) -> float:
    from events_mock.barchart.export import render_export

    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        consume(render_export(events, "PORTFOLIO", catalog))
        return (tracemalloc.get_traced_memory()[1] - before) / 1e6
    finally:
        tracemalloc.stop()


def export(count: int = 1_000_000, repeats: int = 3) -> Export:
    from events_mock.barchart.catalog import load_catalog
    from events_mock.barchart.export import ROWS_PER_CHUNK, render_export

    catalog = load_catalog()
    # What a report job holds and a download renders (`EventStore.selection`).
    events = filled_store(count).selection("BARCHART", "PORTFOLIO")
    # The rows exactly as the export writes them, made before timing the yardstick.
    text = "".join(render_export(events, "PORTFOLIO", catalog))
    rows = list(csv.reader(io.StringIO(text), delimiter="|"))
    rows = [(int(r[0]), *r[1:]) for r in rows[1:]]
    render, plain = [], []
    for _ in range(repeats):
        gc.collect()
        began = time.process_time()  # CPU time: other processes on the machine do not count
        size = consume(render_export(events, "PORTFOLIO", catalog))
        render.append(time.process_time() - began)
        gc.collect()
        began = time.process_time()
        consume(plain_csv(rows, ROWS_PER_CHUNK))
        plain.append(time.process_time() - began)
    del rows, text
    return Export(
        events=len(events),
        render_s=min(render),
        plain_csv_s=min(plain),
        megabytes=size / 1e6,
        peak_small_mb=stream_peak_mb(events[:100_000], catalog),
        peak_large_mb=stream_peak_mb(events, catalog),
    )


@dataclass(frozen=True)
class Memory:
    events: int
    bytes_per_event: float
    json_as_posted: float
    """Mean compact JSON size of an event as the client sent it."""
    json_as_stored: float
    """The same with the `batch` and `sequence` the store adds."""

    @property
    def ratio(self) -> float:
        return self.bytes_per_event / self.json_as_posted


def memory(count: int = 200_000, batch: int = 10) -> Memory:
    """Store `count` events arriving as JSON request bodies; traced bytes kept per event."""
    from events_mock.barchart.store import EventStore

    made = payloads.events(count, seed=3)
    bodies = [json.dumps({"events": made[i : i + batch]}).encode() for i in range(0, count, batch)]
    compact = statistics.fmean(len(json.dumps(e, separators=(",", ":"))) for e in made)
    del made
    store = EventStore()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for body in bodies:
            store.add_batch(json.loads(body)["events"])
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    stored = statistics.fmean(
        len(json.dumps(e, separators=(",", ":"))) for e in store.to_json()[:20_000]
    )
    return Memory(len(store), kept / len(store), compact, stored)


@dataclass(frozen=True)
class Jobs:
    events: int
    jobs: int
    bytes_per_job: float
    """Traced bytes each started report job keeps, over a store of `events` matching events."""
    state_bytes_per_job: float
    """What each job adds to the state document (compact JSON)."""
    links: int
    first_links_ms: float
    """Median time to issue one of the first 1,000 download links."""
    last_links_ms: float
    """The same for the last 1,000, with `links` live links in the table."""


def jobs(events: int = 90_000, count: int = 1000, links: int = 30_000) -> Jobs:
    """`count` report jobs over `events` matching events (what one job held before: all of
    them), their share of the state document, and issuing `links` download links."""
    from events_mock.app import EventsMock, MockConfig
    from events_mock.barchart.jobs import JobSettings, ReportFilter
    from events_mock.clock import MockClock

    settings = JobSettings(max_jobs=count + 1, max_links=links + 1, timeout_events=events + 1)
    mock = EventsMock(
        MockConfig(clock=MockClock.frozen(1_571_073_977_278), billing_events=0, jobs=settings)
    )
    made = payloads.events(events)  # all BARCHART PORTFOLIO: every job matches every one
    for i in range(0, events, 10_000):
        mock.barchart.store.add_batch(made[i : i + 10_000])
    del made
    report = ReportFilter("BARCHART", "PORTFOLIO")
    state_before = len(json.dumps(mock.control.export_state(), separators=(",", ":")))
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        started = [mock.barchart.jobs.start(report) for _ in range(count)]
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    state_after = len(json.dumps(mock.control.export_state(), separators=(",", ":")))
    mock.clock.advance(15 * 60)
    source = started[0].source
    times = []
    for _ in range(links):
        began = time.perf_counter()
        mock.barchart.jobs.issue_link(source)
        times.append(time.perf_counter() - began)
    return Jobs(
        events=events,
        jobs=count,
        bytes_per_job=kept / count,
        state_bytes_per_job=(state_after - state_before) / count,
        links=links,
        first_links_ms=statistics.median(times[:1000]) * 1000,
        last_links_ms=statistics.median(times[-1000:]) * 1000,
    )

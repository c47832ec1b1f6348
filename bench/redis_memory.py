"""Memory per Barchart event stored in Redis (`make bench`; target <= 2x its compact JSON).

`events-mock serve --store redis://...` on a fresh `redis-server`; Redis' `INFO memory`
`used_memory` read once the mock has started (its own keys made), then after POSTing `count`
events (bodies of 1,000, as clients batch), the same deterministic events `bench/offline.py`
stores in process. Per event: the difference over `count`, against the mean compact JSON
(`separators=(",", ":")`) of the events as posted.

The journal is emptied before the second reading: it keeps each exchange's bodies (their
first 64 KiB), about 25 MB for 200 POSTs of 1,000 events, but it is bounded by its caps
(`--journal-size`, `--journal-bytes`), not by the events stored; the report gives the figure
with it too.

`measure_export` is the other half of "stored compactly": a report over `count` events (one
customer and product) downloaded from a mock on Redis, reading 64 KiB at a time, while the
mock's peak resident memory (`VmHWM`, reset through `/proc/PID/clear_refs` just before) is
watched: streamed, it grows by a few pages of members, not by the export's size.

    python -m bench.redis_memory [--events 200000] [--export-events 1000000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script
    sys.path[:0] = [str(Path(__file__).resolve().parent.parent)]

from bench import payloads
from bench.scale import BannerServer, redis_command, redis_port, redis_server
from bench.servers import free_port, mock_command

TARGET = 2.0


@dataclass(frozen=True)
class RedisMemory:
    events: int
    bytes_per_event: float
    json_as_posted: float
    stored: int
    """What the mock said it holds afterwards (`/__mock/state` would be bigger to fetch)."""
    with_journal: float
    """Bytes per event with the journal's copies of the request and answer bodies."""

    @property
    def ratio(self) -> float:
        return self.bytes_per_event / self.json_as_posted


def used_memory(port: int) -> int:
    return int(redis_command(port, "INFO", "memory")["used_memory"])


def clear_journal(url: str) -> None:
    request = urllib.request.Request(
        url + "/__mock/journal", method="DELETE", headers={"X-Mock-Control": "1"}
    )
    with urllib.request.urlopen(request, timeout=30):
        pass


def measure(count: int = 200_000, batch: int = 1000) -> RedisMemory:
    made = payloads.events(count, seed=3)
    compact = statistics.fmean(len(json.dumps(e, separators=(",", ":"))) for e in made)
    with redis_server() as url:
        port = redis_port(url)
        mock_port = free_port()
        store = ("--store", url, "--store-prefix", "bench-memory")
        with BannerServer("mock redis", mock_command(mock_port, extra=store), mock_port) as server:
            server.call("GET", "/service/version")
            before = used_memory(port)
            stored = 0
            for i in range(0, count, batch):
                stored += len(server.call("POST", "/events", {"events": made[i : i + batch]}))
            with_journal = used_memory(port)
            clear_journal(server.url)
            after = used_memory(port)
    return RedisMemory(
        count, (after - before) / count, compact, stored, (with_journal - before) / count
    )


@dataclass(frozen=True)
class StreamedExport:
    events: int
    rows: int
    export_bytes: int
    rss_before: int
    peak_growth: int
    """`VmHWM` after the download minus `VmRSS` before it, bytes."""


def _status_bytes(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/{pid}/status")


def measure_export(count: int = 1_000_000) -> StreamedExport:
    made = [
        {**event, "customer": "BARCHART", "product": "PORTFOLIO"}
        for event in payloads.events(count, seed=5)
    ]
    with redis_server() as url:
        mock_port = free_port()
        store = ("--store", url, "--store-prefix", "bench-export", "--timeout-events", str(count))
        with BannerServer("mock redis", mock_command(mock_port, extra=store), mock_port) as server:
            server.prepare_export(made)
            del made
            assert server.process is not None
            pid = server.process.pid
            rss_before = _status_bytes(pid, "VmRSS")
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
            rows = size = 0
            with urllib.request.urlopen(server.export_link, timeout=600) as answer:
                while chunk := answer.read(1 << 16):
                    size += len(chunk)
                    rows += chunk.count(b"\n")
            peak = _status_bytes(pid, "VmHWM")
    return StreamedExport(count, rows - 1, size, rss_before, peak - rss_before)


def report_export(export: StreamedExport) -> str:
    return (
        f"- Export from Redis ({export.events:,} events, {export.rows:,} rows, "
        f"{export.export_bytes / 1e6:.0f} MB): the mock's peak memory grew "
        f"{export.peak_growth / 1e6:.1f} MB over its {export.rss_before / 1e6:.0f} MB "
        "before the download (streamed page by page, never the whole export)."
    )


def report(memory: RedisMemory) -> str:
    if memory.bytes_per_event < 16:
        return (
            f"- Memory per stored event in Redis: only {memory.bytes_per_event:.0f} B per event "
            "were added: the events did not reach Redis (the mock kept them in its process)."
        )
    return (
        f"- Memory per stored event in Redis ({memory.events:,} events, INFO memory "
        f"used_memory): {memory.bytes_per_event:.0f} B vs {memory.json_as_posted:.0f} B compact "
        f"JSON as posted = {memory.ratio:.2f}x (target <= {TARGET:g}x); "
        f"{memory.with_journal:.0f} B with the journal's bounded copies of the bodies."
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--export-events", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    print(report(measure(args.events)))
    if args.export_events:
        print(report_export(measure_export(args.export_events)))


if __name__ == "__main__":
    main()

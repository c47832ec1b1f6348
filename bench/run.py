"""Benchmark the mock against a bare Starlette baseline doing the same work (`make bench`).

Both servers run as separate processes, one uvicorn worker each, on loopback ports, and are
measured in one run, alternating, so machine noise hits both; every figure is reported with its
ratio to the baseline measured in the same run. Then, in this process: start-up time with every
spec loaded, export rendering of 1M stored events against plain `csv.writer`, and memory per
stored event. Nothing here asserts: results go to `bench/README.md` by hand.

    python bench/run.py            # full run, about 5 minutes
    python bench/run.py --quick    # a smoke run, well under a minute
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: make `bench` and `events_mock` importable
    sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from bench import coverage as coverage_bench  # noqa: E402
from bench import load, offline, payloads, redis_memory  # noqa: E402
from bench import proxy as proxy_bench  # noqa: E402
from bench import sandboxes as sandbox_bench  # noqa: E402
from bench import scale as scale_bench  # noqa: E402
from bench.servers import (  # noqa: E402
    AUTHORIZATION,
    Server,
    baseline_command,
    free_port,
    mock_command,
)

TARGETS = {"GET": 0.5, "POST": 0.45}
JSON_HEADERS = (("Content-Type", "application/json"),)


@dataclass(frozen=True)
class Scenario:
    name: str
    make: Callable[[Server], load.Request]
    connections: int = 32
    target: float | None = None
    json_api: bool = True
    """Served from the spec, so response validation applies to it."""


def scenarios(post_size: int) -> list[Scenario]:
    body = json.dumps(payloads.post_body(post_size)).encode()
    return [
        Scenario(
            "GET /service/version",
            lambda s: load.Request("GET", s.url + "/service/version"),
            target=TARGETS["GET"],
        ),
        Scenario(
            "GET /reports/{source}/availability (Basic)",
            lambda s: load.Request(
                "GET",
                f"{s.url}/reports/{s.export_source}/availability",
                (("Authorization", AUTHORIZATION),),
            ),
            target=TARGETS["GET"],
        ),
        Scenario(
            f"POST /events x{post_size}",
            lambda s: load.Request("POST", s.url + "/events", JSON_HEADERS, body),
            target=TARGETS["POST"],
        ),
        Scenario(
            "GET export download",
            lambda s: load.Request("GET", s.export_link),
            connections=4,
            json_api=False,
        ),
    ]


@dataclass
class Row:
    scenario: str
    server: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    rounds: int


def median_result(results: list[load.Result]) -> tuple[float, float, float, int]:
    return (
        statistics.median(r.rps for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        sum(r.errors for r in results),
    )


def http_benchmarks(args: argparse.Namespace, use_wrk: bool) -> list[Row]:
    servers = [
        Server("baseline", baseline_command(port := free_port()), port),
        Server("mock", mock_command(port := free_port()), port),
    ]
    if args.response_validation:
        port = free_port()
        servers.append(
            Server("mock --validate-responses", mock_command(port, validate_responses=True), port)
        )
    events = payloads.events(args.export_rows)
    plan = scenarios(args.post_size)
    results: dict[tuple[str, str], list[load.Result]] = {}
    try:
        for server in servers:
            server.start()
            log(f"{server.name}: up in {server.started_in:.2f} s; preloading {len(events)} events")
            server.prepare_export(events)
        exports = {server.name: server.download() for server in servers}
        if len(set(exports.values())) != 1:
            log("WARNING: the servers' export files differ")
        log(f"export file: {len(exports['mock']) / 1e6:.1f} MB, identical across servers")
        for scenario in plan:  # warm-up, not recorded
            for server in servers:
                if scenario.json_api or server.name != "mock --validate-responses":
                    load.measure(
                        scenario.make(server),
                        connections=scenario.connections,
                        seconds=1,
                        use_wrk=use_wrk,
                    )
        for round_ in range(args.rounds):
            order = servers if round_ % 2 == 0 else servers[::-1]
            for scenario in plan:
                for server in order:
                    if not scenario.json_api and server.name == "mock --validate-responses":
                        continue
                    result = load.measure(
                        scenario.make(server),
                        connections=scenario.connections,
                        seconds=args.seconds,
                        use_wrk=use_wrk,
                    )
                    results.setdefault((scenario.name, server.name), []).append(result)
                    log(
                        f"round {round_ + 1} {scenario.name:45} {server.name:26} "
                        f"{result.rps:9.0f} req/s p50 {result.p50_ms:7.2f} ms "
                        f"p99 {result.p99_ms:7.2f} ms errors {result.errors}"
                    )
    finally:
        for server in servers:
            server.stop()
    rows = []
    for (scenario_name, server_name), measured in results.items():
        connections = next(s.connections for s in plan if s.name == scenario_name)
        rps, p50, p99, errors = median_result(measured)
        rows.append(
            Row(scenario_name, server_name, connections, rps, p50, p99, errors, len(measured))
        )
    return rows


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def machine() -> dict[str, str]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    import os

    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": commit,
    }


def report(args, use_wrk, rows, startup, export, memory, sandboxes=None) -> str:
    lines = [f"## Run {machine()['date']}", ""]
    info = machine()
    lines.append(
        f"Machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, "
        f"{info['platform']}; commit {info['commit']}."
    )
    tool = "wrk -t1" if use_wrk else "the asyncio client (NOT comparable with wrk figures)"
    lines.append(
        f"Load: {tool}, {args.seconds:g} s per measurement, {args.rounds} rounds alternating, "
        "medians."
    )
    lines.append("")
    if rows:
        lines += [
            "| scenario | server | conns | req/s | ratio | target | p50 ms | p99 ms | p99/p50 |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        base = {r.scenario: r for r in rows if r.server == "baseline"}
        targets = {s.name: s.target for s in scenarios(args.post_size)}
        order = {"baseline": 0, "mock": 1}
        rank = lambda r: (list(targets).index(r.scenario), order.get(r.server, 2))  # noqa: E731
        for row in sorted(rows, key=rank):
            ratio = row.rps / base[row.scenario].rps if row.scenario in base else float("nan")
            target = targets.get(row.scenario)
            shown_target = f">= {target:g}x" if target and row.server == "mock" else ""
            errors = f" ({row.errors} errors!)" if row.errors else ""
            lines.append(
                f"| {row.scenario} | {row.server}{errors} | {row.connections} | {row.rps:,.0f} | "
                f"{ratio:.2f}x | {shown_target} | {row.p50_ms:.2f} | {row.p99_ms:.2f} | "
                f"{row.p99_ms / row.p50_ms if row.p50_ms else 0:.1f} |"
            )
        lines.append("")
    if startup:
        lines.append(
            f"- Start-up, spawn to first answer, all specs: mock {startup.mock_s:.2f} s "
            f"(target <= 1 s); bare baseline {startup.baseline_s:.2f} s."
        )
    if export:
        lines.append(
            f"- Export of {export.events:,} events ({export.megabytes:.0f} MB): "
            f"{export.render_s:.2f} s vs plain csv.writer {export.plain_csv_s:.2f} s = "
            f"{export.ratio:.2f}x (target <= 1.5x); peak memory while streaming "
            f"{export.peak_small_mb:.1f} MB for 100k events, {export.peak_large_mb:.1f} MB for "
            f"{export.events:,}."
        )
    if memory:
        lines.append(
            f"- Memory per stored event ({memory.events:,} events): "
            f"{memory.bytes_per_event:.0f} B vs {memory.json_as_posted:.0f} B compact JSON as "
            f"posted = {memory.ratio:.2f}x (target <= 2x); {memory.json_as_stored:.0f} B "
            f"as stored with batch and sequence = "
            f"{memory.bytes_per_event / memory.json_as_stored:.2f}x."
        )
    if sandboxes:
        lines.append(
            f"- Sandboxes (in process, ASGI): an empty one holds {sandboxes.kib_each:.1f} KiB "
            f"({sandboxes.sandboxes:,} measured); through a sandbox vs the default world, "
            f"GET {sandboxes.get_ratio:.3f}x and POST {sandboxes.post_ratio:.3f}x the time "
            "(target within 5%)."
        )
    return "\n".join(lines)


PARTS = ["http", "startup", "export", "memory", "sandboxes", "jobs", "proxy", "coverage", "redis"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run (< 1 minute)")
    parser.add_argument("--seconds", type=float, help="seconds per measurement (default 5)")
    parser.add_argument("--rounds", type=int, help="alternating rounds (default 3)")
    parser.add_argument("--post-size", type=int, default=10, help="events per POST (default 10)")
    parser.add_argument("--export-rows", type=int, help="rows of the download (default 100000)")
    parser.add_argument("--export-events", type=int, help="events rendered (default 1000000)")
    parser.add_argument("--memory-events", type=int, help="events stored (default 200000)")
    parser.add_argument(
        "--no-response-validation",
        dest="response_validation",
        action="store_false",
        help="skip the third server, the mock with --validate-responses",
    )
    parser.add_argument("--no-wrk", action="store_true", help="use the asyncio client")
    parser.add_argument(
        "--only",
        choices=PARTS,
        action="append",
        help="run only these parts (repeatable)",
    )
    parser.add_argument(
        "--peers",
        action="store_true",
        help="with the Redis runs: WireMock ($WIREMOCK_JAR) and Prism too, when installed",
    )
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args(argv)
    quick = args.quick
    args.seconds = args.seconds or (2 if quick else 5)
    args.rounds = args.rounds or 1 if quick else args.rounds or 3
    args.export_rows = args.export_rows or (20_000 if quick else 100_000)
    args.export_events = args.export_events or (100_000 if quick else 1_000_000)
    args.memory_events = args.memory_events or (20_000 if quick else 200_000)
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    parts = set(args.only or PARTS)
    use_wrk = load.have_wrk() and not args.no_wrk
    if not use_wrk:
        log("wrk not found (apt-get install wrk): using the asyncio client, figures not comparable")
    rows = http_benchmarks(args, use_wrk) if "http" in parts else []
    startup = offline.startup(1 if args.quick else 3) if "startup" in parts else None
    if startup:
        log(f"start-up: mock {startup.mock_s:.2f} s, baseline {startup.baseline_s:.2f} s")
    export = None
    if "export" in parts:
        export = offline.export(args.export_events, 1 if args.quick else 3)
        log(f"export: {export.render_s:.2f} s vs {export.plain_csv_s:.2f} s")
    memory = offline.memory(args.memory_events) if "memory" in parts else None
    sandboxes = sandbox_bench.measure() if "sandboxes" in parts else None
    jobs = None
    if "jobs" in parts:
        jobs = offline.jobs(*((9_000, 100, 3_000) if args.quick else ()))
    text = report(args, use_wrk, rows, startup, export, memory, sandboxes)
    if jobs:
        text += (
            f"\n- Report jobs: {jobs.jobs:,} jobs over {jobs.events:,} matching events keep "
            f"{jobs.bytes_per_job:.0f} B each and add {jobs.state_bytes_per_job:.0f} B each to "
            f"the state document; a download link issued in {jobs.first_links_ms:.3f} ms "
            f"(first 1,000), {jobs.last_links_ms:.3f} ms with {jobs.links:,} links live."
        )
    proxied = proxy_bench.measure(200 if args.quick else 1000) if "proxy" in parts else None
    if proxied:
        text += "\n\nThrough `events-mock proxy` (in process, loopback):\n\n"
        text += proxy_bench.report(proxied)
    covered = None
    if "coverage" in parts:
        covered = coverage_bench.measure(*((100, 5) if args.quick else ()))
        text += "\n\nRecording coverage (in process, the ASGI app called directly, CPU time):\n\n"
        text += coverage_bench.report(covered)
    scaled = stored_in_redis = streamed = None
    if "redis" in parts:
        scaled = scale_bench.measure(args, use_wrk)
        text += "\n\nThe Redis store and `--workers` (one server alive at a time):\n\n"
        text += scale_bench.report(scaled)
        if not any("Redis runs skipped" in note for note in scaled.notes):
            stored_in_redis = redis_memory.measure(args.memory_events)
            text += "\n" + redis_memory.report(stored_in_redis)
            streamed = redis_memory.measure_export(args.export_events)
            text += "\n" + redis_memory.report_export(streamed)
    print(text)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine(),
                    "wrk": use_wrk,
                    "http": [asdict(r) for r in rows],
                    "startup": asdict(startup) if startup else None,
                    "export": asdict(export) if export else None,
                    "memory": asdict(memory) if memory else None,
                    "sandboxes": asdict(sandboxes) if sandboxes else None,
                    "jobs": asdict(jobs) if jobs else None,
                    "proxy": proxied,
                    "coverage": asdict(covered) if covered else None,
                    "redis": asdict(scaled) if scaled else None,
                    "redis_memory": asdict(stored_in_redis) if stored_in_redis else None,
                    "redis_export": asdict(streamed) if streamed else None,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()

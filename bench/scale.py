"""The Redis store and `--workers` against the in-memory store, and the peers (`make bench`).

Contenders, each `events-mock serve` as users start it (or a peer with fixed stubs):

- `mock memory`: the in-memory store, one process (today's default);
- `mock redis`: `--store redis://...`, one worker;
- `mock redis --workers 2`: two worker processes on one port sharing that Redis;
- with `--peers`: WireMock (`java -jar $WIREMOCK_JAR`, else a `wiremock-standalone*.jar` in
  `bench/peers/` or `~/.m2/repository/org/wiremock/wiremock-standalone/`) and Stoplight Prism
  (`prism` on PATH), each answering fixed stubs of the mock's own answers; skipped with a note
  when absent.

Unlike `bench/run.py`'s HTTP part, only one server is alive at a time: a worker process or a
JVM busy in the background would take the cores from the one measured. Every round starts each
contender afresh (Redis flushed), in alternating order, preloads 1,000 events and a COMPLETE
report, warms up, then measures `GET /service/version`, `GET .../availability` (Basic) and
`POST /events` x10 with `wrk -t1 -c32`. Non-2xx answers are counted: a fast wrong answer (a 404
for a job another worker holds) is no answer.

    python -m bench.scale [--seconds 5] [--rounds 3] [--peers]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script
    sys.path[:0] = [str(Path(__file__).resolve().parent.parent)]

from bench import load, payloads
from bench.servers import AUTHORIZATION, HOST, ROOT, Server, free_port, mock_command

TARGET = 0.5
"""Redis, one worker, against the in-memory store: GET availability and POST x10."""
JSON_HEADERS = (("Content-Type", "application/json"),)
WIREMOCK_ENV = "WIREMOCK_JAR"
SCENARIOS = ("GET /service/version", "GET /reports/{source}/availability (Basic)")


def scenario_names(post_size: int) -> tuple[str, ...]:
    return (*SCENARIOS, f"POST /events x{post_size}")


# Redis


@contextmanager
def redis_server() -> Iterator[str]:
    """A throw-away `redis-server` on a free loopback port (no persistence): its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("redis-server is not on PATH (apt-get install redis-server)")
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as directory:
        port = free_port()
        process = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                HOST,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                directory,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while redis_command(port, "PING") != "PONG":
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.02)
            yield f"redis://{HOST}:{port}/0"
        finally:
            process.terminate()
            process.wait(10)


def redis_command(port: int, *words: str) -> Any:
    """One command through the `redis` client (the one the mock uses); None if unreachable."""
    import redis

    client = redis.Redis(host=HOST, port=port, socket_connect_timeout=0.5, decode_responses=True)
    try:
        answer = client.execute_command(*words)
        return "PONG" if answer is True and words[0] == "PING" else answer
    except redis.ConnectionError:
        return None
    finally:
        client.close()


def redis_port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


# Contenders


@dataclass
class Contender:
    name: str
    command: Callable[[int], list[str]]
    prepare: bool = True
    """Preload events and a COMPLETE report (the mock); peers answer fixed stubs instead."""
    workers: int = 1
    redis_url: str | None = None
    cleanup: Callable[[], None] | None = None
    skipped: str = ""


class BannerServer(Server):
    """`events-mock serve`, ready once its banner is printed: with `--workers` that is when
    every worker serves, not when the first does."""

    def start(self, timeout: float = 60.0) -> Server:
        began = time.perf_counter()
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("  store: "):
                break
        else:
            raise RuntimeError(f"{self.name} exited: {self.process.stderr.read()}")  # type: ignore[union-attr]
        self.started_in = time.perf_counter() - began
        return self


def _environment() -> dict[str, str]:
    from bench.servers import environment

    return environment()


class PeerServer(Server):
    """A peer: ready at its first answer to `GET /service/version`."""


def contenders(redis_url: str, peers: bool, stubs: dict[str, Any] | None) -> list[Contender]:
    store = ("--store", redis_url, "--store-prefix", "bench")
    made = [
        Contender("mock memory", lambda port: mock_command(port)),
        Contender("mock redis", lambda port: mock_command(port, extra=store), redis_url=redis_url),
        Contender(
            "mock redis --workers 2",
            lambda port: mock_command(port, extra=(*store, "--workers", "2")),
            workers=2,
            redis_url=redis_url,
        ),
    ]
    if peers:
        made += [wiremock(stubs or {}), prism()]
    return made


def wiremock_jar() -> Path | None:
    """$WIREMOCK_JAR, else a standalone jar in bench/peers/ or the local Maven repository."""
    given = os.environ.get(WIREMOCK_ENV)
    if given:
        return Path(given) if Path(given).is_file() else None
    places = [
        ROOT / "bench" / "peers",
        Path.home() / ".m2/repository/org/wiremock/wiremock-standalone",
    ]
    for place in places:
        found = sorted(place.rglob("wiremock-standalone*.jar")) if place.is_dir() else []
        if found:
            return found[-1]
    return None


def wiremock(stubs: dict[str, Any]) -> Contender:
    java, jar = shutil.which("java"), wiremock_jar()
    if java is None or jar is None:
        missing = (
            "`java` on PATH"
            if java is None
            else (f"WireMock standalone jar (looked for: ${WIREMOCK_ENV}, bench/peers/, ~/.m2)")
        )
        return Contender("WireMock", lambda port: [], skipped=f"skipped: no {missing}")
    root = Path(tempfile.mkdtemp(prefix="bench-wiremock-"))
    (root / "mappings").mkdir()
    for name, mapping in wiremock_mappings(stubs).items():
        (root / "mappings" / f"{name}.json").write_text(json.dumps(mapping))

    def command(port: int) -> list[str]:
        return [
            java,
            "-jar",
            str(jar),
            "--port",
            str(port),
            "--bind-address",
            HOST,
            "--root-dir",
            str(root),
            "--disable-banner",
            "--no-request-journal",
        ]

    return Contender("WireMock", command, prepare=False, cleanup=lambda: shutil.rmtree(root, True))


def wiremock_mappings(stubs: dict[str, Any]) -> dict[str, Any]:
    """Fixed answers, byte for byte the mock's own (`stubs`: status and body per scenario)."""

    def answer(key: str) -> dict[str, Any]:
        status, body = stubs[key]
        return {"status": status, "headers": {"Content-Type": "application/json"}, "body": body}

    return {
        "version": {
            "request": {"method": "GET", "url": "/service/version"},
            "response": answer("version"),
        },
        "availability": {
            "request": {
                "method": "GET",
                "urlPathPattern": "/reports/[^/]+/availability",
                "headers": {"Authorization": {"equalTo": AUTHORIZATION}},
            },
            "response": answer("availability"),
        },
        "events": {"request": {"method": "POST", "url": "/events"}, "response": answer("post")},
    }


def prism() -> Contender:
    binary = shutil.which("prism")
    if binary is None:
        return Contender(
            "Prism",
            lambda port: [],
            skipped="skipped: no `prism` on PATH (npm install -g @stoplight/prism-cli)",
        )
    spec = str(ROOT / "spec" / "barchart-events.yaml")
    return Contender(
        "Prism -v warn",
        lambda port: [
            binary,
            "mock",
            "-h",
            HOST,
            "-p",
            str(port),
            "-d",
            "false",
            "-v",
            "warn",
            spec,
        ],
        prepare=False,
    )


# Measuring


@dataclass
class Measured:
    scenario: str
    server: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    rounds: int


@dataclass
class RedisBench:
    rows: list[Measured] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cores: int = 0
    post_size: int = 10


def capture_stubs(post_size: int) -> dict[str, Any]:
    """The in-memory mock's answers to the three requests, for the peers' fixed stubs."""
    port = free_port()
    with Server("mock", mock_command(port), port) as server:
        server.prepare_export(payloads.events(100))
        source = server.export_source
        body = json.dumps(payloads.post_body(post_size)).encode()
        answers = {}
        for key, method, path, data, auth in (
            ("version", "GET", "/service/version", None, False),
            ("availability", "GET", f"/reports/{source}/availability", None, True),
            ("post", "POST", "/events", body, False),
        ):
            request = urllib.request.Request(server.url + path, data=data, method=method)
            if data:
                request.add_header("Content-Type", "application/json")
            if auth:
                request.add_header("Authorization", AUTHORIZATION)
            with urllib.request.urlopen(request, timeout=30) as answer:
                answers[key] = (answer.status, answer.read().decode())
    return answers


def requests_for(server: Server, source: str, post_size: int) -> dict[str, load.Request]:
    body = json.dumps(payloads.post_body(post_size)).encode()
    return {
        SCENARIOS[0]: load.Request("GET", server.url + "/service/version"),
        SCENARIOS[1]: load.Request(
            "GET",
            f"{server.url}/reports/{source}/availability",
            (("Authorization", AUTHORIZATION),),
        ),
        f"POST /events x{post_size}": load.Request(
            "POST", server.url + "/events", JSON_HEADERS, body
        ),
    }


class NotReady(Exception):
    """A contender could not be prepared (e.g. its report's job was 404 on another worker)."""


def run_contender(
    contender: Contender, args: argparse.Namespace, use_wrk: bool
) -> dict[str, load.Result]:
    port = free_port()
    if contender.redis_url:
        redis_command(redis_port(contender.redis_url), "FLUSHALL")
    kind = BannerServer if contender.name.startswith("mock") else PeerServer
    server = kind(contender.name, contender.command(port), port)
    server.start()
    try:
        source = "fixed-stub-source"
        if contender.prepare:
            try:
                server.prepare_export(payloads.events(1000))
            except OSError as error:  # urllib's HTTPError included
                raise NotReady(f"{contender.name}: preparing failed: {error}") from error
            source = server.export_source
        plan = requests_for(server, source, args.post_size)
        for request in plan.values():  # warm-up, not recorded
            load.measure(request, connections=32, seconds=1, use_wrk=use_wrk)
        return {
            name: load.measure(request, connections=32, seconds=args.seconds, use_wrk=use_wrk)
            for name, request in plan.items()
        }
    finally:
        server.stop()


def measure(args: argparse.Namespace, use_wrk: bool) -> RedisBench:
    """Every contender, `args.rounds` rounds alternating; notes say what was skipped."""
    bench = RedisBench(cores=len(os.sched_getaffinity(0)), post_size=args.post_size)
    try:
        context = redis_server()
        redis_url = context.__enter__()
    except FileNotFoundError as missing:
        bench.notes.append(f"Redis runs skipped: {missing}")
        return bench
    try:
        stubs = capture_stubs(args.post_size) if args.peers else None
        everyone = contenders(redis_url, args.peers, stubs)
        for contender in everyone:
            if contender.skipped:
                bench.notes.append(f"{contender.name} {contender.skipped}")
        live = [c for c in everyone if not c.skipped]
        results: dict[tuple[str, str], list[load.Result]] = {}
        for round_ in range(args.rounds):
            for contender in live if round_ % 2 == 0 else live[::-1]:
                try:
                    measured = run_contender(contender, args, use_wrk)
                except NotReady as error:
                    bench.notes.append(f"round {round_ + 1}: {error}")
                    continue
                for name, result in measured.items():
                    results.setdefault((name, contender.name), []).append(result)
                    print(
                        f"redis round {round_ + 1} {name:45} {contender.name:24} "
                        f"{result.rps:9.0f} req/s p99 {result.p99_ms:7.2f} ms "
                        f"non-2xx {result.errors}",
                        file=sys.stderr,
                        flush=True,
                    )
        for contender in everyone:
            if contender.cleanup:
                contender.cleanup()
    finally:
        context.__exit__(None, None, None)
    for (scenario, server), measured in results.items():
        bench.rows.append(
            Measured(
                scenario,
                server,
                statistics.median(r.rps for r in measured),
                statistics.median(r.p50_ms for r in measured),
                statistics.median(r.p99_ms for r in measured),
                sum(r.errors for r in measured),
                sum(r.requests for r in measured),
                len(measured),
            )
        )
    return bench


def report(bench: RedisBench) -> str:
    lines: list[str] = []
    if bench.rows:
        lines += [
            "| scenario | server | req/s | vs memory | target | p50 ms | p99 ms | non-2xx |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        by = {(r.scenario, r.server): r for r in bench.rows}
        servers = list(dict.fromkeys(r.server for r in bench.rows))
        for scenario in scenario_names(bench.post_size):
            memory = by.get((scenario, "mock memory"))
            for server in servers:
                row = by.get((scenario, server))
                if row is None:
                    continue
                ratio = f"{row.rps / memory.rps:.2f}x" if memory else ""
                target = (
                    f">= {TARGET:g}x"
                    if server == "mock redis" and not scenario.endswith("version")
                    else ""
                )
                lines.append(
                    f"| {scenario} | {server} | {row.rps:,.0f} | {ratio} | {target} | "
                    f"{row.p50_ms:.2f} | {row.p99_ms:.2f} | {row.errors} of {row.requests:,} |"
                )
        lines.append("")
        for scenario in scenario_names(bench.post_size):
            one, two = (
                by.get((scenario, "mock redis")),
                by.get((scenario, "mock redis --workers 2")),
            )
            if one and two:
                lines.append(
                    f"- {scenario}: 2 workers on Redis {two.rps / one.rps:.2f}x one worker."
                )
        lines.append(
            f"- Cores: {bench.cores}, shared by the server's workers, Redis and wrk (-t1): "
            "2 workers cannot get 2 cores of their own here."
        )
    lines += [f"- {note}" for note in bench.notes]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--post-size", type=int, default=10)
    parser.add_argument("--peers", action="store_true", help="WireMock and Prism too, if installed")
    parser.add_argument("--no-wrk", action="store_true", help="use the asyncio client")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    print(report(measure(args, load.have_wrk() and not args.no_wrk)))


if __name__ == "__main__":
    main()

"""Benchmark `serve --state-file`: latency during a save, restart time, and SIGKILL at random.

    python bench/persistence.py                 # 1,000,000 events, about 3 minutes
    python bench/persistence.py --events 100000 --kills 5   # a quicker run

Three figures, against the targets of the persistence design (docs/control-plane.md):

1. `GET /service/version` p99 while the write log is compacted into a snapshot of the
   events (target <= 50 ms): 4 client threads for `--seconds`, one `POST /events` every
   0.5 s keeps the log dirty so compactions (`--save-interval 1`) follow one another; a
   request counts as "during a save" when it started while a snapshot's temporary file
   existed.
2. Restart with those events: spawn to the first answer, minus the same server's start
   without a state file (target <= 5 s for 1M events).
3. SIGKILL at random moments with `--fsync always`: a client POSTs one event per request
   and notes each acknowledged one; the server is killed after a random 0.2-1.5 s, started
   again on the same file, and every acknowledged event must be there (and at most the one
   in flight besides).
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from bench.servers import Server, free_port, mock_command  # noqa: E402


def write_state(path: Path, count: int) -> float:
    """A snapshot of `count` Barchart events, written as the mock writes it; its seconds."""
    from events_mock.app import EventsMock, MockConfig
    from events_mock.barchart.store import StoredEvent
    from events_mock.persistence import DurableState

    mock = EventsMock(MockConfig(billing_events=10))
    types = ["PORTFOLIO-CREATED", "PORTFOLIO-DELETED", "PORTFOLIO-APPLICATION-LOADED"]
    mock.barchart.store.replace(
        StoredEvent(
            "BARCHART",
            "PORTFOLIO",
            types[n % 3],
            1_571_000_000_000 + n,
            (f"user-{n % 977}", f"portfolio-{n}"),
            "1.0",
            f"00000000-0000-4000-8000-{n // 1000:012d}",
            n % 1000 + 1,
        )
        for n in range(count)
    )
    durable = DurableState(mock, path)
    durable.open()
    mock.barchart.add_events([event("seed")])  # something to save
    began = time.perf_counter()
    durable.close()
    return time.perf_counter() - began


def event(user: str) -> dict:
    return {
        "customer": "BARCHART",
        "product": "ALERT",
        "type": "ALERT-CREATED",
        "timestamp": 1_571_073_977_278,
        "context": [user, "alert-1", "ESZ19"],
    }


def post(url: str, user: str, timeout: float = 30) -> int:
    body = json.dumps({"events": [event(user)]}).encode()
    request = urllib.request.Request(
        url + "/events", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return answer.status


def served(path: Path, *options: str) -> Server:
    command = mock_command(free_port()) + ["--state-file", str(path), *options]
    return Server("mock --state-file", command, int(command[command.index("--port") + 1]))


def latency_during_saves(path: Path, seconds: float) -> dict:
    with served(path, "--save-interval", "1", "--fsync", "everysec") as server:
        stop = threading.Event()
        saving: list[tuple[float, float]] = []
        samples: list[tuple[float, float]] = []

        def watch() -> None:
            began = None
            while not stop.is_set():
                busy = any(path.parent.glob(f".{path.name}.*.tmp"))
                now = time.perf_counter()
                if busy and began is None:
                    began = now
                elif not busy and began is not None:
                    saving.append((began, now))
                    began = None
                time.sleep(0.002)
            if began is not None:
                saving.append((began, time.perf_counter()))

        def get() -> None:
            while not stop.is_set():
                began = time.perf_counter()
                with urllib.request.urlopen(server.url + "/service/version", timeout=30) as a:
                    a.read()
                samples.append((began, time.perf_counter() - began))

        def dirty() -> None:
            n = 0
            while not stop.wait(0.5):
                post(server.url, f"dirty-{n}")
                n += 1

        threads = [threading.Thread(target=f) for f in (watch, dirty, get, get, get, get)]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join(60)
    during = [ms for began, ms in samples if any(a <= began <= b for a, b in saving)]
    return {
        "saves": len(saving),
        "save_seconds": statistics.median(b - a for a, b in saving) if saving else None,
        "requests_during_saves": len(during),
        "p50_ms": 1000 * statistics.median(during) if during else None,
        "p99_ms": 1000 * statistics.quantiles(during, n=100)[98] if len(during) > 100 else None,
        "max_ms": 1000 * max(during) if during else None,
        "p99_all_ms": 1000 * statistics.quantiles([ms for _, ms in samples], n=100)[98],
    }


def restart_seconds(path: Path) -> dict:
    plain = Server("mock", mock_command(free_port()), 0)
    plain.port = int(plain.command[plain.command.index("--port") + 1])
    bare = []
    loaded = []
    for _ in range(3):
        with plain:
            bare.append(plain.started_in)
        with served(path, "--save-interval", "3600") as server:
            loaded.append(server.started_in)
    return {
        "start_with_state_s": statistics.median(loaded),
        "start_without_s": statistics.median(bare),
        "load_s": statistics.median(loaded) - statistics.median(bare),
    }


def sigkill_at_random(directory: Path, rounds: int, fsync: str) -> dict:
    path = directory / f"kill-{fsync}.json"
    acknowledged: list[str] = []
    extra = 0
    rng = random.Random(13)
    for round_number in range(rounds):
        server = served(path, "--fsync", fsync, "--save-interval", "0.3").start(60)
        stop = threading.Event()

        def writer(
            url: str = server.url, prefix: str = f"r{round_number}", stop: threading.Event = stop
        ) -> None:
            n = 0
            while not stop.is_set():
                user = f"{prefix}-{n}"
                try:
                    if post(url, user, timeout=5) == 200:
                        acknowledged.append(user)
                except OSError:
                    return
                n += 1

        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(rng.uniform(0.2, 1.5))
        assert server.process is not None
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(10)
        stop.set()
        thread.join(10)
        server.process = None
        with served(path, "--save-interval", "3600") as check:
            document = check.call("GET", "/__mock/state")
        stored = {e["context"][0] for e in document["apis"]["barchart"]["events"]}
        missing = [user for user in acknowledged if user not in stored]
        if missing:
            return {"rounds": round_number + 1, "acknowledged": len(acknowledged),
                    "lost": len(missing), "first_lost": missing[:5]}  # fmt: skip
        extra = len(stored) - len(acknowledged)
    return {"rounds": rounds, "acknowledged": len(acknowledged), "lost": 0, "unacked_kept": extra}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--kills", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="events-mock-bench-") as name:
        directory = Path(name)
        path = directory / "state.json"
        written = write_state(path, args.events)
        size = path.stat().st_size
        megabytes = size / 1e6
        print(f"snapshot of {args.events:,} events: {megabytes:.0f} MB, written in {written:.1f} s")
        restart = restart_seconds(path)
        print(
            f"restart: {restart['start_with_state_s']:.2f} s to the first answer "
            f"({restart['start_without_s']:.2f} s without a state file: "
            f"load {restart['load_s']:.2f} s; target <= 5 s)"
        )
        during = latency_during_saves(path, args.seconds)
        print(
            f"GET /service/version during saves: p50 {during['p50_ms']:.1f} ms, "
            f"p99 {during['p99_ms']:.1f} ms, max {during['max_ms']:.1f} ms over "
            f"{during['requests_during_saves']} requests, {during['saves']} saves of "
            f"{during['save_seconds']:.1f} s (median); p99 overall {during['p99_all_ms']:.1f} ms "
            "(target p99 <= 50 ms)"
        )
        for fsync in ("always", "everysec"):
            killed = sigkill_at_random(directory, args.kills, fsync)
            print(f"SIGKILL at random moments, --fsync {fsync}: {killed}")


if __name__ == "__main__":
    main()

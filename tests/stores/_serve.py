"""`events-mock serve` on a Redis store as a real process (replicas, `--workers`).

`--port 0` and the banner: the server binds a free port itself and names it (no probe-then-bind
race under pytest-xdist), and the banner comes once every worker serves, so the first request
after it is answered by a ready server.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from events_mock.stores import StoreLocation

__all__ = ["Served", "serve_on", "worker_cpu_seconds", "worker_pids"]

SRC = Path(__file__).resolve().parents[2] / "src"


@dataclass(frozen=True)
class Served:
    url: str
    pid: int


@contextmanager
def serve_on(store: StoreLocation, *args: str) -> Iterator[Served]:
    """`events-mock serve --store URL --store-prefix PREFIX ARGS` until the block ends (SIGTERM,
    and the process must exit 0: a worker that crashed on the way out fails the test)."""
    assert store.url is not None
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    command = [
        sys.executable,
        "-m",
        "events_mock",
        "serve",
        "--port",
        "0",
        "--log-level",
        "warning",
        "--store",
        store.url,
        "--store-prefix",
        store.prefix,
        *args,
    ]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        first = process.stdout.readline()
        match = re.match(r"events-mock serving on (http://127\.0\.0\.1:\d+)", first)
        if match is None:
            process.wait(30)
            pytest.fail(f"the server did not start ({process.returncode}): {process.stderr.read()}")
        for line in process.stdout:
            if line.startswith("  store: "):
                break
        yield Served(match[1], process.pid)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        code = process.wait(30)
    assert code == 0, process.stderr.read()


def worker_pids(parent: int) -> list[int]:
    """The `--workers` processes of `parent` (uvicorn spawns them; not multiprocessing's
    resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return sorted(found)


def worker_cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used (a worker that served nothing has
    used next to none)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

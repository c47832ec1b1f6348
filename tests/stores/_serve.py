"""`events-mock serve` on a Redis store as a real process (replicas, `--workers`).

`--port 0` and the banner: the server binds a free port itself and names it (no probe-then-bind
race under pytest-xdist), and the banner comes once every worker serves, so the first request
after it is answered by a ready server.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from events_mock.stores import StoreLocation

__all__ = ["Pinned", "Served", "pinned_to_each", "serve_on", "worker_pids"]

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
    # uvicorn shuts down gracefully, then re-raises SIGTERM: -15 is the clean exit.
    log = process.stderr.read()
    assert code in (0, -signal.SIGTERM) and "Traceback" not in log, log


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


class Pinned:
    """One kept-alive connection, so every request on it reaches the same worker; `worker` is
    the pid of the process that accepted it (from /proc: the server side of the connection
    is a socket only that worker holds)."""

    def __init__(self, url: str, workers: list[int]) -> None:
        parts = urlsplit(url)
        assert parts.hostname and parts.port
        self.port = parts.port
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        # Accepted once answered; a control-plane path, which no fault rule of a test matches.
        self.request("GET", "/__mock/clock")
        self.worker = socket_owner(self.port, self.connection.sock.getsockname()[1], workers)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        auth: tuple[str, str] | None = None,
        raw: bool = False,
    ) -> tuple[int, Any]:
        headers = {"X-Mock-Control": "1"} if path.startswith("/__mock/") else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if auth is not None:
            headers["Authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
        self.connection.request(method, path, body=data, headers=headers)
        answer = self.connection.getresponse()
        content = answer.read()
        if raw or not content:
            return answer.status, content.decode()
        return answer.status, json.loads(content)

    def close(self) -> None:
        self.connection.close()


def pinned_to_each(url: str, workers: list[int], attempts: int = 100) -> dict[int, Pinned]:
    """A connection to each worker: new connections until every worker has accepted one."""
    found: dict[int, Pinned] = {}
    for _ in range(attempts):
        pinned = Pinned(url, workers)
        if pinned.worker in found:
            pinned.close()
        else:
            found[pinned.worker] = pinned
        if len(found) == len(workers):
            return found
    for pinned in found.values():
        pinned.close()
    pytest.fail(f"{attempts} connections all reached the workers {sorted(found)} of {workers}")


def socket_owner(server_port: int, client_port: int, pids: list[int]) -> int:
    """Which of `pids` holds the server side of the loopback connection client_port ->
    server_port (/proc/net/tcp gives its inode, /proc/PID/fd who holds it)."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if (
                int(local.rsplit(":", 1)[1], 16) == server_port
                and int(remote.rsplit(":", 1)[1], 16) == client_port
            ):
                inode = fields[9]
    assert inode is not None, f"no server side for the connection from port {client_port}"
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    raise AssertionError(f"no worker of {pids} holds the connection from port {client_port}")

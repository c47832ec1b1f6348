"""A real `redis-server` for the tests of the Redis store (Debian's `redis-server` package).

Locally, without `redis-server` on PATH, the tests that need one skip and say how to install
it; under CI (`CI` set and not "false") a missing server fails them instead, so a green build
always ran them. One server per pytest-xdist worker (session scope); each test gets its own
key prefix (`redis_store`), so tests sharing a server never see each other's keys.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import redis

from tests._support import free_port

__all__ = ["RedisServer", "redis_server_process", "require_redis_server"]

INSTALL_HINT = "install it with `apt-get install redis-server` (Debian/Ubuntu)"


def require_redis_server() -> str:
    """The path of `redis-server`; skips (fails under CI) when there is none."""
    path = shutil.which("redis-server")
    if path is None:
        message = f"redis-server is not on PATH: {INSTALL_HINT}"
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(f"{message}; under CI the Redis tests must run", pytrace=False)
        pytest.skip(message)
    return path


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen[bytes]
    directory: str

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port)

    def stop(self) -> None:
        """Stop the server (the 'Redis went away' tests); `start` brings it back on the same
        port, empty."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def start(self) -> None:
        self.process = _launch(self.port, self.directory)


def _launch(port: int, directory: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            require_redis_server(),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            directory,
            "--protected-mode",
            "yes",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    probe = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.2)
    deadline = time.monotonic() + 10
    while True:
        try:
            probe.ping()
            return process
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {port}") from None
            time.sleep(0.02)  # the child process starting: no clock of ours to advance


@contextmanager
def redis_server_process() -> Iterator[RedisServer]:
    with tempfile.TemporaryDirectory(prefix="events-mock-redis-") as directory:
        port = free_port()
        server = RedisServer(port, _launch(port, directory), directory)
        try:
            yield server
        finally:
            server.stop()


def unique_prefix() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"

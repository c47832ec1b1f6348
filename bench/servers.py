"""The servers under test, each its own process with one uvicorn worker on a loopback port.

The mock is started exactly as users start it (`events-mock serve`, request validation on);
the only bench-specific flags make report jobs finish at once so the download link exists
straight after preloading.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
USER = ("demo", "demo")
AUTHORIZATION = "Basic " + base64.b64encode(":".join(USER).encode()).decode()
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def mock_command(
    port: int, *, validate_responses: bool = False, extra: tuple[str, ...] = ()
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "events_mock",
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--job-seconds",
        "0",
        "--job-seconds-per-1000-events",
        "0",
    ]
    return command + (["--validate-responses"] if validate_responses else []) + list(extra)


def baseline_command(port: int) -> list[str]:
    script = str(ROOT / "bench" / "baseline.py")
    return [sys.executable, script, "--host", HOST, "--port", str(port)]


def environment() -> dict[str, str]:
    """Run from a checkout without installing: the package comes from `src/`."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    return env


@dataclass
class Server:
    name: str
    command: list[str]
    port: int
    process: subprocess.Popen | None = None
    started_in: float = 0.0
    """Seconds from spawning the process to its first answer."""
    export_source: str = ""
    export_link: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 30.0) -> Server:
        began = time.perf_counter()
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        while time.perf_counter() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.process.stderr.read().decode()}")
            try:
                with urllib.request.urlopen(self.url + "/service/version", timeout=1) as answer:
                    if answer.status == 200:
                        self.started_in = time.perf_counter() - began
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.005)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {timeout} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def call(self, method: str, path: str, body: Any = None, auth: bool = False) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if auth:
            request.add_header("Authorization", AUTHORIZATION)
        with urllib.request.urlopen(request, timeout=120) as answer:
            return json.loads(answer.read())

    def prepare_export(self, events: list[dict[str, Any]], batch: int = 1000) -> None:
        """POST the events, start a report over them and fetch its download link."""
        for i in range(0, len(events), batch):
            self.call("POST", "/events", {"events": events[i : i + batch]})
        report = {"filter": {"customer": "BARCHART", "product": "PORTFOLIO"}}
        self.export_source = self.call("POST", "/reports", report, auth=True)["source"]
        for _ in range(100):
            status = self.call("GET", f"/reports/{self.export_source}/availability", auth=True)
            if status["status"] == "COMPLETE":
                break
            time.sleep(0.05)
        link = self.call("GET", f"/reports/{self.export_source}", auth=True)["link"]
        self.export_link = link

    def download(self) -> bytes:
        with urllib.request.urlopen(self.export_link, timeout=120) as answer:
            return answer.read()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

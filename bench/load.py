"""Load generation: `wrk` when installed, else a bounded asyncio client.

Both keep `connections` keep-alive connections busy for `seconds` against one loopback URL and
report requests per second and the p50/p99 latency. The asyncio client runs in the harness's
own Python process and is much slower than wrk, so its figures are only comparable with each
other (the ratios still mean something), never with wrk's.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

MAX_REQUESTS = 2_000_000
"""Hard bound on the asyncio client's requests in one measurement, whatever the duration."""


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    """Non-2xx answers, refused connections, timeouts: any makes the measurement suspect."""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def measure(request: Request, *, connections: int, seconds: float, use_wrk: bool) -> Result:
    if use_wrk:
        return run_wrk(request, connections=connections, seconds=seconds)
    return asyncio.run(run_asyncio(request, connections=connections, seconds=seconds))


LUA = """
wrk.method = "{method}"
{headers}
wrk.body = [==[{body}]==]
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH-RESULT %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.status + e.connect + e.read + e.write + e.timeout))
end
"""


def run_wrk(request: Request, *, connections: int, seconds: float) -> Result:
    headers = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in request.headers)
    script = LUA.format(method=request.method, headers=headers, body=request.body.decode())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        command = [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "-s",
            lua.name,
            request.url,
        ]
        out = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60, check=True
        ).stdout
    finally:
        Path(lua.name).unlink()
    match = re.search(r"BENCH-RESULT (\d+) (\d+) (\d+) (\d+) (\d+)", out)
    if match is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    count, micros, p50, p99, errors = (int(g) for g in match.groups())
    return Result(count, micros / 1e6, p50 / 1000, p99 / 1000, errors)


async def run_asyncio(request: Request, *, connections: int, seconds: float) -> Result:
    parts = urlsplit(request.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    head = [f"{request.method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
    head += [f"{k}: {v}" for k, v in request.headers]
    head.append(f"Content-Length: {len(request.body)}")
    raw = ("\r\n".join(head) + "\r\n\r\n").encode() + request.body
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while time.perf_counter() < deadline and len(latencies) < MAX_REQUESTS:
                began = time.perf_counter()
                writer.write(raw)
                status = await read_response(reader)
                latencies.append(time.perf_counter() - began)
                errors += not 200 <= status < 400
        finally:
            writer.close()

    began = time.perf_counter()
    results = await asyncio.gather(*(worker() for _ in range(connections)), return_exceptions=True)
    elapsed = time.perf_counter() - began
    errors += sum(isinstance(r, BaseException) for r in results)
    latencies.sort()
    if not latencies:
        return Result(0, elapsed, 0.0, 0.0, errors)
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return Result(len(latencies), elapsed, pick(0.50), pick(0.99), errors)


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response (Content-Length or chunked); answer its status."""
    header = await reader.readuntil(b"\r\n\r\n")
    lines = header.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    if fields.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(int(fields.get("content-length", "0")))
    return status

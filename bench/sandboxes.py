"""What sandboxes cost: memory of 1,000 empty ones, and requests through one vs the default.

In process, over `httpx.ASGITransport` (no sockets, no load generator), so the figures are the
mock's own cost; the GET and POST timings alternate rounds between the default world and a
sandbox (prefix form) in one run, and the ratio is what to read.

    python -m bench.sandboxes
"""

from __future__ import annotations

import asyncio
import base64
import gc
import statistics
import time
import tracemalloc
from dataclasses import dataclass

import httpx

from events_mock.app import EventsMock, MockConfig
from events_mock.sandboxes import SandboxSettings

AUTH = {"Authorization": "Basic " + base64.b64encode(b"demo:demo").decode()}
EVENT = {
    "customer": "BARCHART",
    "product": "ALERT",
    "type": "ALERT-CREATED",
    "timestamp": 1571073900000,
    "context": ["u1", "alert-1", "ESZ19"],
}


@dataclass(frozen=True)
class SandboxCost:
    sandboxes: int
    kib_each: float
    get_ratio: float
    """Sandbox / default seconds per `GET /service/version` (1.0: the same)."""
    post_ratio: float
    """The same for `POST /events` (one event)."""


def memory(count: int = 1000) -> float:
    """KiB per empty sandbox (tracemalloc, after the server and its default world exist)."""
    mock = EventsMock(MockConfig(sandboxes=SandboxSettings(max_sandboxes=count)))
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(count):
        mock.sandboxes.create()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / count / 1024


async def _timed(client: httpx.AsyncClient, method: str, url: str, n: int, **kw: object) -> float:
    started = time.perf_counter()
    for _ in range(n):
        response = await client.request(method, url, **kw)  # type: ignore[arg-type]
        assert response.status_code < 300, response.text
    return (time.perf_counter() - started) / n


async def timing(n: int = 2000, rounds: int = 5) -> tuple[float, float]:
    mock = EventsMock()
    transport = httpx.ASGITransport(app=mock.app, client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        box = (await client.post("/__mock/sandboxes", json={})).json()["url"]
        ratios: dict[str, list[float]] = {"get": [], "post": []}
        body = {"events": [EVENT]}
        for _ in range(rounds):
            for name, method, path, kw in (
                ("get", "GET", "/service/version", {}),
                ("post", "POST", "/events", {"json": body, "headers": AUTH}),
            ):
                plain = await _timed(client, method, path, n, **kw)
                sandboxed = await _timed(client, method, box + path, n, **kw)
                ratios[name].append(sandboxed / plain)
                mock.barchart.store.clear()
                mock.sandboxes.all()[0].world.barchart.store.clear()
    return statistics.median(ratios["get"]), statistics.median(ratios["post"])


def measure() -> SandboxCost:
    kib = memory()
    get_ratio, post_ratio = asyncio.run(timing())
    return SandboxCost(1000, kib, get_ratio, post_ratio)


if __name__ == "__main__":
    cost = measure()
    print(f"empty sandbox: {cost.kib_each:.1f} KiB each ({cost.sandboxes} measured)")
    print(f"GET  /service/version through a sandbox: {cost.get_ratio:.3f}x the default world")
    print(f"POST /events (1 event) through a sandbox: {cost.post_ratio:.3f}x the default world")

"""What recording coverage costs a request on the Redis store: recording on against off.

`bench/coverage.py`'s way (the mock's ASGI app called directly, no client, no HTTP parsing),
with `--store redis://...` on a throw-away `redis-server` (`bench.scale.redis_server`). On
Redis the count is an increment the journal entry's script applies
(`stores/redis_coverage.py`), so the figure that matters is Redis round trips per request
(every pipeline the batcher sends and every synchronous `RedisConnection.run`), which must not
grow; beside it
the request's wall time and the event loop thread's CPU time, medians over rounds that
alternate which goes first (noisy on a shared machine: compare them with the spread).

    python -m bench.coverage_redis
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from typing import Any

import httpx

from bench.coverage import AUTH, Off, _scope
from bench.scale import redis_server
from events_mock.app import EventsMock, MockConfig
from events_mock.clock import MockClock
from events_mock.stores import StoreLocation
from events_mock.stores.redis_batch import batcher_for

T0 = 1_571_073_977_278


@dataclass(frozen=True)
class Side:
    round_trips: float
    wall_us: float
    loop_cpu_us: float


async def _timed(app: Any, scope: dict[str, Any], n: int) -> tuple[float, float]:
    """Wall and event-loop-thread CPU microseconds per request."""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 200, message

    wall, cpu = time.perf_counter(), time.thread_time()
    for _ in range(n):
        await app(dict(scope), receive, send)
    return (time.perf_counter() - wall) / n * 1e6, (time.thread_time() - cpu) / n * 1e6


async def timing(url: str, n: int = 100, rounds: int = 40) -> dict[str, dict[bool, Side]]:
    mock = EventsMock(MockConfig(clock=MockClock.frozen(T0), store=StoreLocation(url, "bench")))
    on, off = mock.control.coverage, Off()
    transport = httpx.ASGITransport(app=mock.app, client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        report = {"filter": {"customer": "BARCHART", "product": "ALERT"}}
        source = (await client.post("/reports", json=report, headers=AUTH)).json()["source"]
    scenarios = {
        "GET /service/version": _scope("GET", "/service/version", {}, b""),
        "GET /reports/{source}/availability": _scope(
            "GET", f"/reports/{source}/availability", AUTH, b""
        ),
    }
    connection = mock.store_connection
    assert connection is not None
    run, trips = connection.run, [0]
    batcher = batcher_for(connection)
    execute = batcher._execute

    def counted(call: Any) -> Any:
        trips[0] += 1
        return run(call)

    async def pipelined(client: Any, batch: Any) -> Any:
        trips[0] += 1
        return await execute(client, batch)

    connection.run = counted  # type: ignore[method-assign]
    batcher._execute = pipelined  # type: ignore[method-assign]
    results: dict[str, dict[bool, Side]] = {}
    try:
        for name, scope in scenarios.items():
            seen: dict[bool, list[tuple[float, float, float]]] = {True: [], False: []}
            for number in range(rounds):
                for recorder in (on, off) if number % 2 else (off, on):
                    mock.control.coverage = recorder
                    trips[0] = 0
                    wall, cpu = await _timed(mock.app, scope, n)
                    seen[recorder is on].append((trips[0] / n, wall, cpu))
            results[name] = {
                side: Side(*(statistics.median(column) for column in zip(*rows, strict=True)))
                for side, rows in seen.items()
            }
    finally:
        connection.run = run  # type: ignore[method-assign]
        batcher._execute = execute  # type: ignore[method-assign]
        mock.control.coverage = on
        mock.close()
    return results


def report(results: dict[str, dict[bool, Side]]) -> str:
    lines = [
        "| request | round trips on / off | wall us on / off | loop CPU us on / off |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, sides in results.items():
        on, off = sides[True], sides[False]
        lines.append(
            f"| {name} | {on.round_trips:.2f} / {off.round_trips:.2f} | "
            f"{on.wall_us:.0f} / {off.wall_us:.0f} | {on.loop_cpu_us:.0f} / {off.loop_cpu_us:.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    with redis_server() as redis_url:
        print(report(asyncio.run(timing(redis_url))))

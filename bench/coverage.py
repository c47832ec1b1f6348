"""What recording coverage costs a request: the mock with its recorder against the same mock
with recording switched off, request by request.

In process, the ASGI app called as a server calls it (no sockets, no client, no HTTP
parsing), so the difference is the recorder's own and the request's time is the mock's work
alone: the recorder's share is larger than under a real server. CPU time of this process.
Four requests, one per path of the recorder: a literal path (`GET /service/version`), a
templated one whose answer is read for its job status (`GET /reports/{source}/availability`),
a POST (`POST /events`, one event) and an error array read for its code (`GET
/reports/{source}` while the job runs, 409). Rounds alternate on and off (the A/B ratio,
noisy on a busy machine); each round also times the recorder alone on that request's very
exchange, whose share of the request's time is the steadier figure. Medians over the rounds.

    python -m bench.coverage
"""

from __future__ import annotations

import asyncio
import base64
import json
import statistics
import time
from dataclasses import dataclass
from typing import Any

import httpx

from events_mock.app import EventsMock
from events_mock.coverage import CoverageRecorder

AUTH = {"Authorization": "Basic " + base64.b64encode(b"demo:demo").decode()}
EVENT = {
    "customer": "BARCHART",
    "product": "ALERT",
    "type": "ALERT-CREATED",
    "timestamp": 1571073900000,
    "context": ["u1", "alert-1", "ESZ19"],
}


@dataclass(frozen=True)
class CoverageCost:
    ratios: dict[str, float]
    """Scenario -> seconds per request with recording / without (1.0: the same): the A/B
    figure, noisy on a busy machine."""
    shares: dict[str, float]
    """Scenario -> the recorder's own time for that request's exchange over the request's
    time without recording: the steadier figure (both measured in the same run)."""
    request_us: dict[str, float]
    record_us: dict[str, float]


class Off(CoverageRecorder):
    """A recorder that records nothing: the mock as it was before coverage."""

    def record_exchange(self, *args: Any, **kwargs: Any) -> None:
        return None


class Capture(CoverageRecorder):
    """Records as usual and keeps the last call's arguments, to time that very call alone."""

    last: tuple[Any, ...] = ()

    def record_exchange(self, *args: Any, **kwargs: Any) -> None:
        self.last = args
        super().record_exchange(*args, **kwargs)


# CPU time of this process, not wall time: the figures hold on a machine other work shares.


def _scope(method: str, path: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if body:
        raw += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"127.0.0.1"), *raw],
        "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
    }  # fmt: skip


async def _timed(app: Any, scope: dict[str, Any], body: bytes, n: int) -> float:
    """Seconds of CPU per request, the app called as a server calls it (no client, no HTTP
    parsing: what is left is the mock's own work, the recorder's share of it the larger)."""
    statuses = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.process_time()
    for _ in range(n):
        await app(dict(scope), receive, send)
    elapsed = time.process_time() - started
    assert set(statuses) <= {200, 409}, statuses
    return elapsed / n


def _per_call(recorder: CoverageRecorder, args: tuple[Any, ...], n: int = 20_000) -> float:
    started = time.process_time()
    for _ in range(n):
        recorder.record_exchange(*args)
    return (time.process_time() - started) / n


async def timing(n: int = 300, rounds: int = 21) -> CoverageCost:
    mock = EventsMock()
    on, off = mock.control.coverage, Off()
    app = mock.app
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        job = await client.post(
            "/reports", json={"filter": {"customer": "BARCHART", "product": "ALERT"}}, headers=AUTH
        )
        source = job.json()["source"]
    post = json.dumps({"events": [EVENT]}).encode()
    scenarios = (
        ("GET /service/version", _scope("GET", "/service/version", {}, b""), b""),
        ("GET /reports/{source}/availability",
         _scope("GET", f"/reports/{source}/availability", AUTH, b""), b""),
        ("POST /events (1 event)", _scope("POST", "/events", AUTH, post), post),
        ("GET /reports/{source} (409)", _scope("GET", f"/reports/{source}", AUTH, b""), b""),
    )  # fmt: skip
    ratios: dict[str, list[float]] = {name: [] for name, *_ in scenarios}
    plain: dict[str, list[float]] = {name: [] for name, *_ in scenarios}
    recording: dict[str, list[float]] = {name: [] for name, *_ in scenarios}
    for round_number in range(rounds):
        for name, scope, body in scenarios:
            times = {}
            # Alternate which goes first, so warming up favours neither.
            for recorder in (on, off) if round_number % 2 else (off, on):
                mock.control.coverage = recorder
                times[recorder is on] = await _timed(app, scope, body, n)
            ratios[name].append(times[True] / times[False])
            plain[name].append(times[False])
            capture = Capture()
            mock.control.coverage = capture
            await _timed(app, scope, body, 1)
            recording[name].append(_per_call(CoverageRecorder(), capture.last))
        mock.barchart.store.clear()
    mock.control.coverage = on
    request_us = {name: statistics.median(v) * 1e6 for name, v in plain.items()}
    record_us = {name: statistics.median(v) * 1e6 for name, v in recording.items()}
    return CoverageCost(
        ratios={name: statistics.median(values) for name, values in ratios.items()},
        shares={name: record_us[name] / request_us[name] for name in request_us},
        request_us=request_us,
        record_us=record_us,
    )


def measure(n: int = 300, rounds: int = 21) -> CoverageCost:
    return asyncio.run(timing(n, rounds))


def report(cost: CoverageCost) -> str:
    """A Markdown table: the recorder's share of each request (target <= 2%)."""
    lines = [
        "| request | recorder us | request us | share | target | A/B with/without |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in cost.ratios:
        lines.append(
            f"| {name} | {cost.record_us[name]:.2f} | {cost.request_us[name]:.1f} | "
            f"{cost.shares[name] * 100:.2f}% | <= 2% | {cost.ratios[name]:.3f}x |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(measure()))

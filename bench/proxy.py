"""What `events-mock proxy` adds to a request: p50 through the proxy minus p50 direct.

Both measured in the same run against the same live mock (one uvicorn server on loopback, the
proxy another, both in this process's threads), one request at a time over a kept-alive
connection, direct and proxied requests interleaved so load on the machine hits both alike.

    python -m bench.proxy [--requests 1000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import httpx

from events_mock.app import EventsMock, MockConfig
from events_mock.clock import MockClock
from events_mock.framework.live_server import LiveServer
from events_mock.proxy import ProxyApp, ProxyConfig

EVENT = {
    "customer": "BARCHART",
    "product": "PORTFOLIO",
    "type": "PORTFOLIO-CREATED",
    "timestamp": 1571029300000,
    "context": ["user-1", "portfolio-9"],
}
TARGET_MS = 1.0


def scenarios(source: str) -> dict[str, Callable[[httpx.Client], httpx.Response]]:
    return {
        "GET /service/version": lambda c: c.get("/service/version"),
        "GET /reports/{source}/availability (Basic)": lambda c: c.get(
            f"/reports/{source}/availability", auth=("demo", "demo")
        ),
        "POST /events x1": lambda c: c.post("/events", json={"events": [EVENT]}),
    }


def measure(requests: int) -> list[tuple[str, float, float]]:
    """(scenario, p50 direct ms, p50 through the proxy ms)."""
    mock = EventsMock(MockConfig(clock=MockClock.frozen(MockClock().now_ms())))
    results = []
    with LiveServer(mock.app) as upstream:
        proxy = ProxyApp(ProxyConfig(upstream=upstream.url, api="barchart"))
        with (
            LiveServer(proxy) as proxied,
            httpx.Client(base_url=upstream.url) as direct,
            httpx.Client(base_url=proxied.url) as through,
        ):
            job = direct.post(
                "/reports",
                auth=("demo", "demo"),
                json={"filter": {"customer": "BARCHART", "product": "PORTFOLIO"}},
            ).json()
            for name, call in scenarios(job["source"]).items():
                times: dict[str, list[float]] = {"direct": [], "proxy": []}
                for _ in range(50):  # warm up both paths
                    call(direct), call(through)
                for _ in range(requests):
                    for side, client in (("direct", direct), ("proxy", through)):
                        started = time.perf_counter()
                        answer = call(client)
                        times[side].append((time.perf_counter() - started) * 1000)
                        assert answer.status_code == 200, answer.text
                results.append(
                    (name, statistics.median(times["direct"]), statistics.median(times["proxy"]))
                )
            assert proxy.tally.violations == 0, proxy.summary()
    return results


def report(results: list[tuple[str, float, float]]) -> str:
    lines = [
        "| scenario | direct p50 ms | proxy p50 ms | added p50 ms | target |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, direct, proxied in results:
        lines.append(
            f"| {name} | {direct:.2f} | {proxied:.2f} | {proxied - direct:.2f} | <= {TARGET_MS:g} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="per scenario and side")
    args = parser.parse_args()
    print(report(measure(args.requests)))


if __name__ == "__main__":
    main()

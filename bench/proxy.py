"""What `events-mock proxy` adds to a request: p50 through the proxy minus p50 direct.

Both measured in the same run against the same mock: `events-mock serve` and `events-mock
proxy` each their own process on loopback, as users run them; one request at a time over a
kept-alive connection, direct and proxied requests interleaved so load on the machine hits
both alike.

    python -m bench.proxy [--requests 1000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import httpx

from bench.servers import HOST, USER, Server, free_port, mock_command

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


def proxy_command(port: int, upstream: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "events_mock",
        "proxy",
        "--upstream",
        upstream,
        "--host",
        HOST,
        "--port",
        str(port),
    ]


def measure(requests: int) -> list[tuple[str, float, float]]:
    """(scenario, p50 direct ms, p50 through the proxy ms)."""
    mock = Server("mock", mock_command(free_port()), 0)
    mock.port = int(mock.command[mock.command.index("--port") + 1])
    mock.start()
    port = free_port()
    proxy = Server("proxy", proxy_command(port, mock.url), port)
    results = []
    try:
        proxy.start()
        with (
            httpx.Client(base_url=mock.url) as direct,
            httpx.Client(base_url=proxy.url) as through,
        ):
            report = {"filter": {"customer": "BARCHART", "product": "PORTFOLIO"}}
            job = direct.post("/reports", auth=USER, json=report).json()
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
            journal = through.get("/__mock/journal").json()["entries"]
            seen = [v for entry in journal for v in entry["violations"]]
            assert not seen, seen
    finally:
        proxy.stop()
        mock.stop()
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

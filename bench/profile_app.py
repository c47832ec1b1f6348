"""Profile the mock in-process: each scenario's requests straight into the ASGI app.

No sockets, no HTTP parsing: what is left is the time the app itself spends per request, which
is what the optimisations change. Prints microseconds per request, then (with `--profile`) the
functions that take the time.

    python bench/profile_app.py --scenario post --requests 2000 --profile
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from bench import payloads  # noqa: E402
from bench.servers import AUTHORIZATION  # noqa: E402


def make_app(validate_responses: bool):
    from events_mock.app import EventsMock, MockConfig
    from events_mock.barchart.jobs import JobSettings

    settings = JobSettings(base_seconds=0, seconds_per_1000_events=0)
    return EventsMock(MockConfig(jobs=settings, validate_responses=validate_responses))


async def call(app, method: str, path: str, headers=(), body: bytes = b"") -> tuple[int, bytes]:
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers]
        + [(b"host", b"127.0.0.1:8080"), (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 1234),
        "server": ("127.0.0.1", 8080),
    }
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    status, chunks = 0, []

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        else:
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def scenario_requests(app, name: str):
    """(method, path, headers, body) of one request of the scenario, after any set-up."""
    if name == "version":
        return "GET", "/service/version", (), b""
    if name == "post":
        body = json.dumps(payloads.post_body()).encode()
        return "POST", "/events", (("Content-Type", "application/json"),), body
    auth = (("Authorization", AUTHORIZATION),)
    json_headers = (("Content-Type", "application/json"),)
    for i in range(0, 20_000, 1000):
        body = json.dumps({"events": payloads.events(1000, seed=i)}).encode()
        await call(app, "POST", "/events", json_headers, body)
    report = json.dumps({"filter": {"customer": "BARCHART", "product": "PORTFOLIO"}}).encode()
    status, answer = await call(app, "POST", "/reports", auth + json_headers, report)
    source = json.loads(answer)["source"]
    if name == "availability":
        return "GET", f"/reports/{source}/availability", auth, b""
    status, answer = await call(app, "GET", f"/reports/{source}", auth)
    link = json.loads(answer)["link"].split("8080", 1)[1]
    return "GET", link, (), b""


async def run(args: argparse.Namespace) -> None:
    mock = make_app(args.validate_responses)
    app = mock.app
    method, path, headers, body = await scenario_requests(app, args.scenario)
    for _ in range(50):  # warm-up; builds Connexion's middleware stack
        status, answer = await call(app, method, path, headers, body)
    assert status == 200, (status, answer[:300])
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    timings = []
    for _ in range(args.repeats):  # the best of several: other load on the machine only adds
        began = time.process_time()  # CPU time: less swayed by other processes than wall time
        for _ in range(args.requests):
            await call(app, method, path, headers, body)
        timings.append((time.process_time() - began) / args.requests)
    if profiler:
        profiler.disable()
    print(f"{args.scenario}: {min(timings) * 1e6:.0f} us of CPU per request")
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats(args.sort).print_stats(args.top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scenario", choices=["version", "availability", "post", "download"], default="post"
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--validate-responses", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=30)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

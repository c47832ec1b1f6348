"""The yardstick: a bare Starlette app doing the mock's work with nothing in between.

It parses the events, stamps batch and sequence, stores them and answers; checks Basic
credentials in constant time for the report routes; starts a report (select + sort) that is
immediately complete; and streams the export with `csv.writer`. It does not validate requests
against the spec and has no middleware, so it is the fastest Python can serve the same answers
on the same server (uvicorn, one worker): the mock's figures are reported as ratios to it.

Self-contained on purpose (it reads the catalog file but imports nothing from `events_mock`):
optimising the mock must never move the yardstick.

    python bench/baseline.py --port 8181
"""

from __future__ import annotations

import argparse
import base64
import binascii
import csv
import hmac
import io
import json
import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from events_mock.barchart.catalog import DOCUMENTED_COLUMNS

CATALOG = Path(__file__).resolve().parent.parent / "src/events_mock/data/barchart-catalog.json"
USERS = {b"demo": b"demo"}
# The same answer and columns as the mock, so both do the same work. (SERVICE is a copy, not
# imported: importing events_mock.barchart.handlers would load Connexion into the bare baseline.)
SERVICE = {
    "service": {
        "version": "2.0.0",
        "name": "@barchart/events-private-main",
        "description": "System for collecting and reporting usage statistics",
        "environment": "mock",
    }
}
COLUMNS = {"PORTFOLIO": DOCUMENTED_COLUMNS["PORTFOLIO"]}  # the bench only exports PORTFOLIO
ROWS_PER_CHUNK = 2000
UNAUTHORIZED = {"message": "Unauthorized"}


def load_positions(product: str) -> dict[str, list[int | None]]:
    catalog = json.loads(CATALOG.read_text())
    positions = {}
    for entry in catalog["eventTypes"]:
        keys = entry["contextKeys"]
        positions[entry["code"]] = [
            keys.index(c) if c in keys else None for c in COLUMNS.get(product, ())
        ]
    return positions


class State:
    def __init__(self) -> None:
        self.events: dict[tuple[str, str], list[tuple]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.links: dict[str, str] = {}
        self.positions = load_positions("PORTFOLIO")


state = State()


def authorized(request: Request) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        name, sep, password = base64.b64decode(encoded, validate=True).partition(b":")
    except (binascii.Error, ValueError):
        return False
    matched = False
    for user, expected in USERS.items():
        matched |= hmac.compare_digest(user, name) and hmac.compare_digest(expected, password)
    return matched and bool(sep) and bool(name)


def denied() -> JSONResponse:
    return JSONResponse(UNAUTHORIZED, 401, {"WWW-Authenticate": 'Basic realm="baseline"'})


async def version(request: Request) -> JSONResponse:
    return JSONResponse(SERVICE)


async def create_events(request: Request) -> Response:
    try:
        events = json.loads(await request.body())["events"]
    except (ValueError, KeyError, TypeError):
        return JSONResponse([{"value": {"code": "REQUEST_INVALID"}, "children": []}], 400)
    batch = str(uuid.uuid4())
    answer = []
    for n, e in enumerate(events, start=1):
        stored = (
            e["customer"],
            e["product"],
            e["type"],
            e["timestamp"],
            tuple(e["context"]),
            e.get("version"),
            batch,
            n,
        )
        state.events.setdefault((stored[0], stored[1]), []).append(stored)
        answer.append({**e, "sequence": n, "batch": batch})
    return JSONResponse(answer)


async def start_report(request: Request) -> Response:
    if not authorized(request):
        return denied()
    wanted = json.loads(await request.body())["filter"]
    start, end = int(wanted.get("start", 0)), int(wanted.get("end", 2**63))
    matches = [
        e
        for e in state.events.get((wanted["customer"], wanted["product"]), ())
        if start <= e[3] <= end
    ]
    matches.sort(key=lambda e: e[3])
    job = str(uuid.uuid4())
    now = int(datetime.now(UTC).timestamp() * 1000)
    state.jobs[f"JOB-{job}"] = {"job": job, "filter": wanted, "events": matches, "start": now}
    return JSONResponse(status_json(f"JOB-{job}"))


def status_json(source: str) -> dict[str, Any]:
    job = state.jobs[source]
    day = datetime.fromtimestamp(job["start"] / 1000, tz=UTC).date().isoformat()
    return {
        "job": job["job"],
        "source": source,
        "status": "COMPLETE",
        "filter": job["filter"],
        "timing": {"day": day, "start": job["start"], "end": job["start"]},
    }


async def availability(request: Request) -> Response:
    if not authorized(request):
        return denied()
    source = request.path_params["source"]
    if source not in state.jobs:
        return JSONResponse([{"value": {"code": "EVENT_JOB_GET_FAILED_NO_JOB"}}], 404)
    return JSONResponse(status_json(source))


async def link(request: Request) -> Response:
    if not authorized(request):
        return denied()
    token = secrets.token_urlsafe(32)
    source = request.path_params["source"]
    state.links[token] = source
    base = str(request.base_url).rstrip("/")
    return JSONResponse({"link": f"{base}/exports/{source}.csv?token={token}"})


def render(events: list[tuple], product: str) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="|", lineterminator="\n")
    writer.writerow(("timestamp", "type", *COLUMNS[product]))
    for rows, e in enumerate(events, start=1):
        context = e[4]
        writer.writerow(
            (
                e[3],
                e[2],
                *(
                    context[i] if i is not None and i < len(context) else ""
                    for i in state.positions[e[2]]
                ),
            )
        )
        if rows % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


async def download(request: Request) -> Response:
    source = state.links.get(request.query_params.get("token", ""))
    if source is None or source != request.path_params["source"]:
        return Response("<Error><Code>AccessDenied</Code></Error>", 403)
    job = state.jobs[source]
    return StreamingResponse(
        render(job["events"], job["filter"]["product"]), media_type="text/csv; charset=utf-8"
    )


app = Starlette(
    routes=[
        Route("/service/version", version),
        Route("/events", create_events, methods=["POST"]),
        Route("/reports", start_report, methods=["POST"]),
        Route("/reports/{source}/availability", availability),
        Route("/reports/{source}", link),
        Route("/exports/{source}.csv", download),
    ]
)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8181)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()

"""Servers that each break exactly one contract rule: the proof that the suite can fail.

Every one is the real mock with one thing changed: an ASGI middleware rewriting one kind of
answer, a patched method, other job settings, or a spec copy with one constraint dropped. Each
carries `evidence`, text the verify report must contain, so a server counts as caught only when
the rule it breaks is the one reported, not when something else happens to fail.

Like the control plane, every server here also answers `POST /__mock/clock/advance`, so the suite
finishes its jobs by moving the mock's clock instead of waiting.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import json
import secrets
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml

from events_mock.app import EventsMock, MockConfig, build_app
from events_mock.barchart.jobs import (
    LINK_LIFETIME_MS,
    NO_OUTPUT,
    JobSettings,
    JobStatus,
    Link,
    LinkRefused,
    ReportJob,
)
from events_mock.barchart.store import Selection, StoredEvent
from events_mock.clock import MockClock
from events_mock.control.plane import ControlSettings
from events_mock.framework.security import basic_security
from tests.contract.breaking import (
    BILLING_EVENTS,
    BILLING_TOKENS,
    OTHER_USER,
    VERIFY_CREDENTIALS,
    VERIFY_TENANTS,
    ASGIApp,
    BrokenServer,
    Exchange,
    Rewrite,
    edit_json,
    on,
    query_of,
    with_clock_control,
)
from tests.contract.broken_billing import BILLING_SERVERS
from tests.contract.broken_collector import COLLECTOR_SERVERS
from tests.contract.broken_control import CONTROL_SERVERS

__all__ = ["BROKEN_SERVERS", "BrokenServer", "build", "healthy_mock", "with_clock_control"]

START_MS = 1_790_000_000_000


def healthy_mock(
    jobs: JobSettings | None = None,
    users: dict[str, str] | None = None,
    control_token: str | None = None,
) -> tuple[EventsMock, MockClock]:
    """The mock every server starts from: one Barchart user, two collector tenants, a small
    Billing Care data set (`VERIFY_CREDENTIALS` are what `verify` is given for them); its
    control plane open to loopback callers, or to `control_token`'s holders."""
    clock = MockClock.frozen(START_MS)
    config = MockConfig(
        jobs=jobs or JobSettings(),
        clock=clock,
        tenants=dict(VERIFY_TENANTS),
        billing_tokens=dict(BILLING_TOKENS),
        billing_events=BILLING_EVENTS,
        control=ControlSettings(token=control_token),
    )
    config.users = users if users is not None else {**config.users, OTHER_USER[0]: OTHER_USER[1]}
    return EventsMock(config), clock


def build(server: BrokenServer | None = None) -> tuple[EventsMock, ASGIApp]:
    """The mock, broken by `server` (healthy if None), with the clock control in front."""
    mock, clock = healthy_mock(
        server.jobs if server else None, control_token=server.control_token if server else None
    )
    app: ASGIApp = mock.app
    if server is not None:
        app = server.breaks(mock, app)
    if server is not None and server.api == "control":
        return mock, app  # the real control plane is what it breaks: none stands in front
    return mock, with_clock_control(app, clock)


def verify_args(api: str, server: BrokenServer | None = None) -> tuple[str, ...]:
    """`--api NAME` and the credentials these servers are configured with (and `server`'s
    control token); in the server's own world (`--no-sandbox`): a break rewrites the paths of
    that world, not a sandbox's."""
    token = ("--token", server.control_token) if server and server.control_token else ()
    return ("--api", api, *VERIFY_CREDENTIALS[api], *token, "--no-sandbox")


def is_link(exchange: Exchange) -> bool:
    parts = exchange.path.strip("/").split("/")
    return exchange.method == "GET" and len(parts) == 2 and parts[0] == "reports"


# ---------------------------------------------------------------------------------------------
# Barchart


def _status_201(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 200:
            exchange.status = 201

    return Rewrite(app, on("POST", "/events"), rewrite)


def _sequences_reversed(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(events: list) -> list:
        return [{**e, "sequence": len(events) - i} for i, e in enumerate(events)]

    return Rewrite(app, on("POST", "/events"), edit_json(edit))


def _batch_per_event(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(events: list) -> list:
        return [{**e, "batch": str(uuid.uuid4())} for e in events]

    return Rewrite(app, on("POST", "/events"), edit_json(edit))


def _timestamps_in_seconds(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(events: list) -> list:
        return [{**e, "timestamp": e["timestamp"] // 1000} for e in events]

    return Rewrite(app, on("POST", "/events"), edit_json(edit))


def _accepts_unknown_types(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A spec copy whose event type is any string, and a service that stores any type: the
    implementation forgot the catalog altogether."""
    service = mock.barchart
    service.add_events_async = service.store.add_batch_async  # type: ignore[method-assign]
    api = mock.apis[0]
    spec = yaml.safe_load(api.spec.read_text())
    spec["components"]["schemas"]["EventTypeCode"].pop("enum")
    path = Path(tempfile.mkdtemp(prefix="broken-spec-")) / api.spec.name
    path.write_text(yaml.safe_dump(spec))
    return build_app([dataclasses.replace(api, spec=path)])


def _empty_batch_500(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def before(exchange: Exchange) -> bool:
        try:
            empty = json.loads(exchange.request_body).get("events") == []
        except (ValueError, AttributeError):
            return False
        if empty:
            exchange.status = 500
            exchange.set_json(
                [
                    {
                        "value": {
                            "code": "REQUEST_GENERAL_FAILURE",
                            "message": "list index out of range",
                        },
                        "children": [],
                    }
                ]
            )
        return empty

    return Rewrite(app, on("POST", "/events"), before=before)


def _reports_text_plain(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 200:
            exchange.response_headers["content-type"] = "text/plain"

    return Rewrite(app, on("POST", "/reports"), rewrite)


def _reports_without_timing(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(job: dict) -> dict:
        return {k: v for k, v in job.items() if k != "timing"}

    return Rewrite(app, on("POST", "/reports"), edit_json(edit))


def _times_echoed_as_strings(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Still valid for the schema (FilterTime accepts digit strings), wrong for the contract."""

    def edit(job: dict) -> dict:
        times = {k: str(v) for k, v in job["filter"].items() if k in ("start", "end")}
        return {**job, "filter": {**job["filter"], **times}}

    return Rewrite(app, on("POST", "/reports"), edit_json(edit))


def _options_echoed_in_the_filter(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """The mock's answer before the vendor's SDK 6.0.0 was followed: the export options inside
    the echoed filter, which that SDK refuses (it then discards the whole answer)."""

    def edit(job: dict) -> dict:
        output = job.pop("output", None)
        return {**job, "filter": {**job["filter"], "output": output}} if output else job

    return Rewrite(app, on("POST", "/reports"), edit_json(edit))


def _options_not_answered(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """The job forgets the export options it was started with: no top-level `output`."""

    def edit(job: dict) -> dict:
        return {k: v for k, v in job.items() if k != "output"}

    return Rewrite(app, on("POST", "/reports"), edit_json(edit))


def _reports_ignore_auth(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Starting a report works without credentials: as if they were always the demo user's."""

    def before(exchange: Exchange) -> bool:
        demo = base64.b64encode(b"demo:demo").decode()
        exchange.headers.setdefault("authorization", f"Basic {demo}")
        return False

    return Rewrite(app, on("POST", "/reports"), before=before)


def _job_goes_back_to_running(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    finished: set[str] = set()

    def rewrite(exchange: Exchange) -> None:
        if exchange.status != 200:
            return
        job = exchange.json()
        if job["status"] == "RUNNING":
            return
        if job["source"] in finished:
            job["status"] = "RUNNING"
            job["timing"].pop("end", None)
            exchange.set_json(job)
        finished.add(job["source"])

    return Rewrite(app, on("GET", "/reports/", "/availability"), rewrite)


def _finished_without_end(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(job: dict) -> dict:
        job["timing"].pop("end", None)
        return job

    return Rewrite(app, on("GET", "/reports/", "/availability"), edit_json(edit))


def _unknown_job_wrong_code(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 404:
            exchange.set_json(
                [{"value": {"code": "EVENT_JOB_GET_FAILED", "message": "?"}, "children": []}]
            )

    return Rewrite(app, on("GET", "/reports/", "/availability"), rewrite)


def _link_while_running(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    jobs = mock.barchart.jobs
    issue_link = jobs.issue_link

    def lenient(source: str) -> Link:
        job = jobs.get(source)
        if job.status is not JobStatus.RUNNING:
            return issue_link(source)
        link = Link(secrets.token_urlsafe(32), source, jobs.clock.now_ms() + LINK_LIFETIME_MS)
        jobs._links[link.token] = link
        return link

    jobs.issue_link = lenient  # type: ignore[method-assign]
    return app


def _link_missing(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    return Rewrite(app, is_link, edit_json(lambda body: {}))


def _link_unknown_source_500(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 404:
            exchange.status = 500
            exchange.set_json(
                [
                    {
                        "value": {"code": "REQUEST_GENERAL_FAILURE", "message": "KeyError"},
                        "children": [],
                    }
                ]
            )

    return Rewrite(app, is_link, rewrite)


def _download_needs_credentials(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def before(exchange: Exchange) -> bool:
        if "authorization" in exchange.headers:
            return False
        exchange.status = 401
        exchange.set_json({"message": "Unauthorized"})
        return True

    return Rewrite(app, on("GET", "/exports/"), before=before)


def _export_drops_last_row(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        lines = exchange.body.decode().splitlines(keepends=True)
        if exchange.status == 200 and len(lines) > 1:
            exchange.body = "".join(lines[:-1]).encode()

    return Rewrite(app, on("GET", "/exports/"), rewrite)


def _export_ignores_types(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    store = mock.barchart.store
    selection = store.selection  # what downloads select with (and `select` too)

    def all_types(
        customer: str,
        product: str,
        types: Any = None,
        start: Any = None,
        end: Any = None,
        **window: Any,
    ) -> Any:
        return selection(customer, product, None, start, end, **window)

    store.selection = all_types  # type: ignore[method-assign]
    return app


def _export_comma_delimited(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 200:
            exchange.body = exchange.body.replace(b"|", b",")

    return Rewrite(app, on("GET", "/exports/"), rewrite)


def _version_without_name(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(body: dict) -> dict:
        body["service"].pop("name")
        return body

    return Rewrite(app, on("GET", "/service/version"), edit_json(edit))


def _any_password(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Checks that the user exists, not the password."""
    users = set(mock.config.users)
    api = mock.apis[0]
    check = basic_security(lambda name, password: {"sub": name} if name in users else None)
    return build_app([dataclasses.replace(api, security_map={"basic": check})])


def _malformed_credentials_500(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def before(exchange: Exchange) -> bool:
        scheme, _, token = exchange.headers.get("authorization", "").partition(" ")
        if scheme != "Basic" or not token:
            return False
        try:
            base64.b64decode(token, validate=True)
        except binascii.Error:
            exchange.status = 500
            exchange.set_json(
                [
                    {
                        "value": {
                            "code": "REQUEST_GENERAL_FAILURE",
                            "message": "Incorrect padding",
                        },
                        "children": [],
                    }
                ]
            )
            return True
        return False

    return Rewrite(app, lambda e: True, before=before)


# -- the rules the inventory added (events_mock.contract.rules.barchart) ------------------------


def _error(code: str, message: str) -> list[dict[str, Any]]:
    return [{"value": {"code": code, "message": message}, "children": []}]


def _null_echoed_as_text(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(events: list) -> list:
        return [{**e, "context": ["" if v is None else v for v in e["context"]]} for e in events]

    return Rewrite(app, on("POST", "/events"), edit_json(edit))


def _version_dropped(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(events: list) -> list:
        return [{k: v for k, v in e.items() if k != "version"} for e in events]

    return Rewrite(app, on("POST", "/events"), edit_json(edit))


def _batch_id_reused(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Every request's events get the first request's batch id."""
    first: list[str] = []

    def edit(events: list) -> list:
        if events and not first:
            first.append(events[0]["batch"])
        return [{**e, "batch": first[0]} for e in events] if first else events

    return Rewrite(app, on("POST", "/events"), edit_json(edit))


def _invalid_batch_422(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 400:
            exchange.status = 422

    return Rewrite(app, on("POST", "/events"), rewrite)


def _rejected_batch_partly_stored(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A refused batch's valid events are stored all the same (the answer is still 400)."""
    catalog = mock.barchart.catalog

    def valid(event: Any) -> bool:
        return (
            isinstance(event, dict)
            and event.get("customer") in catalog.customers
            and catalog.product_of.get(event.get("type")) == event.get("product")
            and isinstance(event.get("timestamp"), int)
            and isinstance(event.get("context"), list)
        )

    def rewrite(exchange: Exchange) -> None:
        if exchange.status != 400:
            return
        try:
            events = json.loads(exchange.request_body).get("events")
        except (ValueError, AttributeError):
            return
        kept = [e for e in events if valid(e)] if isinstance(events, list) else []
        if kept:
            mock.barchart.store.add_batch(kept)

    return Rewrite(app, on("POST", "/events"), rewrite)


def _any_product_type(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Stores an event whatever product its type is of."""
    service = mock.barchart
    service.add_events_async = service.store.add_batch_async  # type: ignore[method-assign]
    return app


def _identical_events_deduplicated(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Identical events of one batch are stored once (every one is still echoed)."""
    store = mock.barchart.store
    add_batch = store.add_batch

    def deduplicated(events: Any) -> list[StoredEvent]:
        events = list(events)
        keys = [json.dumps(e, sort_keys=True) for e in events]
        unique = dict(zip(keys, events, strict=True))
        stored = dict(zip(unique, add_batch(list(unique.values())), strict=True))
        return [stored[key]._replace(sequence=n) for n, key in enumerate(keys, start=1)]

    store.add_batch = deduplicated  # type: ignore[method-assign]
    return app


def _text_plain_accepted(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def before(exchange: Exchange) -> bool:
        if exchange.headers.get("content-type", "").startswith("text/plain"):
            exchange.headers["content-type"] = "application/json"
        return False

    return Rewrite(app, on("POST", "/events"), before=before)


def _repeated_keys_accepted(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Reads JSON as `json.loads` does: a repeated key's last value wins."""

    def before(exchange: Exchange) -> bool:
        with contextlib.suppress(ValueError):
            exchange.request_body = json.dumps(json.loads(exchange.request_body)).encode()
        return False

    return Rewrite(app, on("POST", "/events"), before=before)


def _errors_as_object(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 404:
            exchange.set_json({"message": exchange.json()[0]["value"]["message"]})

    return Rewrite(app, on("GET", "/reports/", "/availability"), rewrite)


def _errors_with_charset(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        if exchange.status >= 400:
            exchange.response_headers["content-type"] = "application/json; charset=utf-8"

    return Rewrite(app, lambda e: True, rewrite)


def _born_complete(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(job: dict) -> dict:
        return {
            **job,
            "status": "COMPLETE",
            "timing": {**job["timing"], "end": job["timing"]["start"]},
        }

    return Rewrite(app, on("POST", "/reports"), edit_json(edit))


def _unwrapped_filter_accepted(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Takes the guide's prose body too: a body without `filter` is the filter."""

    def before(exchange: Exchange) -> bool:
        try:
            body = json.loads(exchange.request_body)
        except ValueError:
            return False
        if isinstance(body, dict) and "filter" not in body and "customer" in body:
            exchange.request_body = json.dumps({"filter": body}).encode()
        return False

    return Rewrite(app, on("POST", "/reports"), before=before)


def _string_times_refused(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def before(exchange: Exchange) -> bool:
        try:
            sent = json.loads(exchange.request_body).get("filter") or {}
        except (ValueError, AttributeError):
            return False
        if any(isinstance(sent.get(bound), str) for bound in ("start", "end")):
            exchange.status = 400
            exchange.set_json(_error("REQUEST_INVALID", "'1' is not of type 'integer'"))
            return True
        return False

    return Rewrite(app, on("POST", "/reports"), before=before)


def _conflicting_options_accepted(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Takes the top-level options when both places give one: the older place is dropped."""

    def before(exchange: Exchange) -> bool:
        try:
            body = json.loads(exchange.request_body)
        except ValueError:
            return False
        if isinstance(body, dict) and isinstance(body.get("filter"), dict) and "output" in body:
            body["filter"].pop("output", None)
            exchange.request_body = json.dumps(body).encode()
        return False

    return Rewrite(app, on("POST", "/reports"), before=before)


def _day_off_by_one(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """`timing.day` a day early, as a server computing it in a zone west of UTC at night."""

    def edit(job: dict) -> dict:
        start = datetime.fromtimestamp(job["timing"]["start"] / 1000, tz=UTC)
        day = (start - timedelta(days=1)).date().isoformat()
        return {**job, "timing": {**job["timing"], "day": day}}

    return Rewrite(app, on("POST", "/reports"), edit_json(edit))


def _short_id_as_source(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(job: dict) -> dict:
        return {**job, "source": job["job"]}

    return Rewrite(app, on("GET", "/reports/", "/availability"), edit_json(edit))


def _start_moves(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(job: dict) -> dict:
        return {**job, "timing": {**job["timing"], "start": job["timing"]["start"] - 1000}}

    return Rewrite(app, on("GET", "/reports/", "/availability"), edit_json(edit))


def _bad_filter_completes(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A product asked for another product's types: the job runs over none of its own types
    (an empty file) instead of failing. The echo still shows the types asked for."""
    product_of = mock.barchart.catalog.product_of
    asked: dict[str, list[str]] = {}
    none_of_these = "PORTFOLIO-DELETED"

    def before(exchange: Exchange) -> bool:
        try:
            body = json.loads(exchange.request_body)
            sent = body["filter"]
            foreign = [t for t in sent.get("types") or [] if product_of.get(t) != sent["product"]]
        except (ValueError, KeyError, TypeError, AttributeError):
            return False
        if foreign:
            exchange.headers["x-asked-types"] = json.dumps(sent["types"])
            sent["types"] = [none_of_these]
            exchange.request_body = json.dumps(body).encode()
        return False

    def rewrite(exchange: Exchange) -> None:
        if exchange.status != 200:
            return
        job = exchange.json()
        if "x-asked-types" in exchange.headers:
            asked[job["source"]] = json.loads(exchange.headers["x-asked-types"])
        if job.get("source") in asked:
            job["filter"]["types"] = asked[job["source"]]
            exchange.set_json(job)

    reports = Rewrite(app, on("POST", "/reports"), rewrite, before=before)
    return Rewrite(reports, on("GET", "/reports/", "/availability"), rewrite)


def _overlong_source_404(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def before(exchange: Exchange) -> bool:
        source = exchange.path.split("/")[2]
        if len(source) <= 200:
            return False
        exchange.status = 404
        exchange.set_json(_error("EVENT_JOB_GET_FAILED_NO_JOB", f"No report job has {source}."))
        return True

    return Rewrite(app, on("GET", "/reports/"), before=before)


def _failed_job_running_code(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 409 and b'"EVENT_JOB_GET_FAILED"' in exchange.body:
            exchange.set_json(_error("EVENT_JOB_GET_FAILED_RUNNING", "Try again later."))

    return Rewrite(app, is_link, rewrite)


def _timed_out_job_unknown(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A job that ended TIMEOUT has no file, so its link answers as for no job at all."""
    jobs = mock.barchart.jobs

    def rewrite(exchange: Exchange) -> None:
        source = exchange.path.split("/")[2]
        if exchange.status == 409 and jobs.get(source).status is JobStatus.TIMEOUT:
            exchange.status = 404
            exchange.set_json(_error("EVENT_JOB_GET_FAILED_NO_JOB", f"No file for {source}."))

    return Rewrite(app, is_link, rewrite)


def _link_not_csv(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(body: dict) -> dict:
        return {"link": body["link"].replace(".csv?", ".txt?")}

    return Rewrite(app, is_link, edit_json(edit))


def _second_download_empty(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A job's file is handed out once: later downloads get the header only."""
    downloaded: set[str] = set()

    def rewrite(exchange: Exchange) -> None:
        if exchange.status != 200:
            return
        if exchange.path in downloaded:
            exchange.body = exchange.body.split(b"\n", 1)[0] + b"\n"
        downloaded.add(exchange.path)

    return Rewrite(app, on("GET", "/exports/"), rewrite)


def _new_link_revokes_old(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    jobs = mock.barchart.jobs
    issue_link = jobs.issue_link

    def only_the_latest(source: str) -> Link:
        link = issue_link(source)
        for token, other in list(jobs._links.items()):
            if other.source == source and token != link.token:
                del jobs._links[token]
        return link

    jobs.issue_link = only_the_latest  # type: ignore[method-assign]
    return app


def _link_token_unchecked(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Any token downloads the file the path names, as long as the job has a link."""
    jobs = mock.barchart.jobs

    def before(exchange: Exchange) -> bool:
        source = exchange.path.rsplit("/", 1)[-1].removesuffix(".csv")
        token = query_of(exchange).get("token", [""])[0]
        if token in jobs._links:
            return False
        for valid, link in jobs._links.items():
            if link.source == source:
                exchange.query = urlencode({"token": valid})
        return False

    return Rewrite(app, on("GET", "/exports/"), before=before)


def _link_path_ignored(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """The token alone picks the file: whatever report the path names, its job's is sent."""
    jobs = mock.barchart.jobs

    def before(exchange: Exchange) -> bool:
        link = jobs._links.get(query_of(exchange).get("token", [""])[0])
        if link is not None:
            exchange.path = f"/exports/{link.source}.csv"
        return False

    return Rewrite(app, on("GET", "/exports/"), before=before)


def _links_never_expire(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    jobs = mock.barchart.jobs

    def redeem(token: str) -> ReportJob:
        link = jobs._links.get(token)
        if link is None:
            raise LinkRefused("The link is not valid.")
        return jobs.get(link.source)

    jobs.redeem = redeem  # type: ignore[method-assign]
    return app


def _exports_as(mock: EventsMock, change: Any) -> None:
    """Downloads of each job through `change(job, events) -> events`."""
    jobs = mock.barchart.jobs
    redeem = jobs.redeem

    def changed(token: str) -> ReportJob:
        job = redeem(token)
        events = job.export_events
        job.export_events = lambda: change(job, list(events()))  # type: ignore[method-assign]
        return job

    jobs.redeem = changed  # type: ignore[method-assign]


def _null_exported_as_text(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def change(job: ReportJob, events: list[StoredEvent]) -> list[StoredEvent]:
        return [
            e._replace(context=tuple("null" if v is None else v for v in e.context)) for e in events
        ]

    _exports_as(mock, change)
    return app


def _bucket_empties_file(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """With a bucket named, the file goes there: the link's file holds no rows."""

    def change(job: ReportJob, events: list[StoredEvent]) -> list[StoredEvent]:
        return [] if job.filter.output.bucket_name else events

    _exports_as(mock, change)
    return app


def _sdk_delimiter_ignored(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Writes the file with `filter.output`'s delimiter only: the one in the SDK's place,
    the top-level `output`, is echoed but not used."""
    jobs = mock.barchart.jobs
    redeem = jobs.redeem
    sdk_placed: set[str] = set()

    def before(exchange: Exchange) -> bool:
        try:
            output = json.loads(exchange.request_body).get("output")
        except (ValueError, AttributeError):
            return False
        if isinstance(output, dict) and "delimiter" in output:
            exchange.headers["x-sdk-delimiter"] = "1"
        return False

    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 200 and "x-sdk-delimiter" in exchange.headers:
            sdk_placed.add(exchange.json()["source"])

    def legacy_only(token: str) -> ReportJob:
        job = redeem(token)
        if job.source not in sdk_placed:
            return job
        return dataclasses.replace(job, filter=dataclasses.replace(job.filter, output=NO_OUTPUT))

    jobs.redeem = legacy_only  # type: ignore[method-assign]
    return Rewrite(app, on("POST", "/reports"), rewrite, before=before)


def _end_exclusive(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    store = mock.barchart.store
    selection = store.selection

    def exclusive(
        customer: str,
        product: str,
        types: Any = None,
        start: Any = None,
        end: Any = None,
        **window: Any,
    ) -> Any:
        return selection(
            customer, product, types, start, None if end is None else end - 1, **window
        )

    store.selection = exclusive  # type: ignore[method-assign]
    return app


def _customer_ignored(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    store = mock.barchart.store
    selection = store.selection
    customers = sorted(mock.barchart.catalog.customers)

    def every_customer(customer: str, product: str, *args: Any, **window: Any) -> Any:
        records = [r for c in customers for r in selection(c, product, *args, **window).records]
        return Selection(customer, product, records)

    store.selection = every_customer  # type: ignore[method-assign]
    return app


def _version_needs_credentials(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def before(exchange: Exchange) -> bool:
        if "authorization" in exchange.headers:
            return False
        exchange.status = 401
        exchange.response_headers["www-authenticate"] = 'Basic realm="events-mock", charset="UTF-8"'
        exchange.set_json({"message": "Unauthorized"})
        return True

    return Rewrite(app, on("GET", "/service/version"), before=before)


def _constant_user(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Answers the reference's example user, whoever asks."""

    def edit(body: dict) -> dict:
        return {**body, "user": {**body["user"], "id": "1234567"}}

    return Rewrite(app, on("GET", "/service/authenticate"), edit_json(edit))


def _challenge(value: str | None) -> Any:
    def breaks(mock: EventsMock, app: ASGIApp) -> ASGIApp:
        def rewrite(exchange: Exchange) -> None:
            if exchange.status != 401:
                return
            exchange.response_headers.pop("www-authenticate", None)
            if value is not None:
                exchange.response_headers["www-authenticate"] = value

        return Rewrite(app, lambda e: True, rewrite)

    return breaks


def _head_405(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def before(exchange: Exchange) -> bool:
        exchange.status = 405
        exchange.response_headers["allow"] = "GET"
        exchange.set_json(_error("REQUEST_METHOD_NOT_ALLOWED", "HEAD is not allowed."))
        return True

    return Rewrite(app, lambda e: e.method == "HEAD", before=before)


def _echo_deduplicated(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Stores every event but echoes identical ones once."""

    def edit(events: list) -> list:
        seen: set[str] = set()
        kept = []
        for event in events:
            key = json.dumps({k: v for k, v in event.items() if k != "sequence"}, sort_keys=True)
            if key not in seen:
                seen.add(key)
                kept.append(event)
        return kept

    return Rewrite(app, on("POST", "/events"), edit_json(edit))


def _malformed_json_500(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def before(exchange: Exchange) -> bool:
        try:
            json.loads(exchange.request_body)
        except ValueError as error:
            exchange.status = 500
            exchange.set_json(_error("REQUEST_GENERAL_FAILURE", str(error)))
            return True
        return False

    return Rewrite(app, lambda e: e.method == "POST", before=before)


def _link_reissued_stale(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Asked again, answers the job's live link as it is: its 15 minutes are not renewed."""
    jobs = mock.barchart.jobs
    issue_link = jobs.issue_link

    def the_same(source: str) -> Link:
        now = jobs.clock.now_ms()
        for link in jobs._links.values():
            if link.source == source and link.expires_ms > now:
                jobs.get(source)
                return link
        return issue_link(source)

    jobs.issue_link = the_same  # type: ignore[method-assign]
    return app


def _405_without_allow(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 405:
            exchange.response_headers.pop("allow", None)

    return Rewrite(app, lambda e: True, rewrite)


def _default_options_echoed(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A job started without options answers the defaults it will use."""

    def edit(job: dict) -> dict:
        return job if "output" in job else {**job, "output": {"delimiter": "|"}}

    return Rewrite(app, on("POST", "/reports"), edit_json(edit))


def _missing_start_from_end(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A filter without `start` starts at its `end`."""
    store = mock.barchart.store
    selection = store.selection

    def from_end(
        customer: str,
        product: str,
        types: Any = None,
        start: Any = None,
        end: Any = None,
        **window: Any,
    ) -> Any:
        return selection(customer, product, types, end if start is None else start, end, **window)

    store.selection = from_end  # type: ignore[method-assign]
    return app


BARCHART_SERVERS = [
    BrokenServer(
        "events-status-201",
        "POST /events",
        "POST /events answers 201, not the documented 200",
        "Undocumented status code",
        _status_201,
        rule_id="barchart.events.answered-200",
        select="test_conformance and POST and /events",
    ),
    BrokenServer(
        "events-sequences-reversed",
        "POST /events",
        "sequences run n..1 instead of 1..n",
        "[batch_assigned] sequences must be 1..",
        _sequences_reversed,
        rule_id="barchart.events.sequence-is-position",
        select="test_batch_comes_back_with_one_id_and_sequences",
    ),
    BrokenServer(
        "events-batch-per-event",
        "POST /events",
        "each event of a request gets its own batch id",
        "[batch_assigned] one batch id expected",
        _batch_per_event,
        rule_id="barchart.events.one-batch-id",
        select="test_batch_comes_back_with_one_id_and_sequences",
    ),
    BrokenServer(
        "events-timestamps-changed",
        "POST /events",
        "echoed timestamps are in seconds",
        "[batch_assigned] event 1 came back changed (timestamp",
        _timestamps_in_seconds,
        rule_id="barchart.events.echo-unchanged",
        select="test_batch_comes_back_with_one_id_and_sequences",
    ),
    BrokenServer(
        "events-accept-unknown-types",
        "POST /events",
        "events of unknown types are accepted",
        "Schema-violating request accepted",
        _accepts_unknown_types,
        rule_id="barchart.events.closed-codes",
        select="test_conformance and POST and /events",
    ),
    BrokenServer(
        "events-empty-batch-500",
        "POST /events",
        "an empty batch crashes the server (500)",
        "[answered_with] an empty batch (documented: stores nothing): expected 200, got 500",
        _empty_batch_500,
        rule_id="barchart.events.empty-batch-accepted",
        select="test_empty_batch_is_accepted",
    ),
    BrokenServer(
        "reports-text-plain",
        "POST /reports",
        "POST /reports answers with Content-Type text/plain",
        "Undocumented Content-Type",
        _reports_text_plain,
        rule_id="barchart.http.documented-content-type",
        select="test_new_jobs_run_and_echo_their_filter",
    ),
    BrokenServer(
        "reports-without-timing",
        "POST /reports",
        "the new job has no `timing`",
        '"timing" is a required property',
        _reports_without_timing,
        rule_id="barchart.service.schema",
        select="test_new_jobs_run_and_echo_their_filter",
    ),
    BrokenServer(
        "reports-times-as-strings",
        "POST /reports",
        "the echoed filter has start/end as strings",
        "[filter_echoed] the filter is not echoed as sent (start",
        _times_echoed_as_strings,
        rule_id="barchart.reports.filter-echoed-as-integers",
        select="test_new_jobs_run_and_echo_their_filter",
    ),
    BrokenServer(
        "reports-options-in-filter",
        "POST /reports",
        "the echoed filter holds the export options (`output`)",
        "'output' was unexpected",
        _options_echoed_in_the_filter,
        rule_id="barchart.reports.filter-echo-own-members",
        select="test_new_jobs_run_and_echo_their_filter or test_delimiter_option",
    ),
    BrokenServer(
        "reports-options-not-answered",
        "POST /reports",
        "the job does not answer the export options it was started with",
        "[filter_echoed] the job must answer the export options sent",
        _options_not_answered,
        rule_id="barchart.reports.options-echoed",
        select="test_new_jobs_run_and_echo_their_filter",
    ),
    BrokenServer(
        "reports-ignore-auth",
        "POST /reports",
        "POST /reports works without credentials",
        "[credentials_rejected] POST /reports with no credentials answered 200, expected 401",
        _reports_ignore_auth,
        rule_id="barchart.auth.credentials-required",
        select="test_bad_credentials_rejected and POST",
    ),
    BrokenServer(
        "job-never-finishes",
        "GET /reports/{source}/availability",
        "a report job stays RUNNING past the 15 minutes",
        "[finishes_in_time] the window",
        lambda mock, app: app,
        JobSettings(base_seconds=10**7, max_seconds=10**7),
        rule_id="barchart.jobs.finishes-within-15-minutes",
        select="test_job_finishes_once_and_stays_finished",
    ),
    BrokenServer(
        "job-goes-back-to-running",
        "GET /reports/{source}/availability",
        "a finished job reads RUNNING again",
        "[status_moves_once] the job's status left its terminal status",
        _job_goes_back_to_running,
        rule_id="barchart.jobs.moves-exactly-once",
        select="test_job_finishes_once_and_stays_finished",
    ),
    BrokenServer(
        "job-finished-without-end",
        "GET /reports/{source}/availability",
        "a finished job has no timing.end",
        "[timing_consistent] the job is COMPLETE but timing.end is missing",
        _finished_without_end,
        rule_id="barchart.jobs.timing-end-when-finished",
        select="test_job_finishes_once_and_stays_finished",
    ),
    BrokenServer(
        "job-unknown-wrong-code",
        "GET /reports/{source}/availability",
        "an unknown job's 404 carries EVENT_JOB_GET_FAILED",
        "[refused_with] a report refused as unknown: expected 404 "
        "EVENT_JOB_GET_FAILED_NO_JOB, got 404 ['EVENT_JOB_GET_FAILED']",
        _unknown_job_wrong_code,
        rule_id="barchart.jobs.unknown-source-404",
        select="test_unknown_source_refused",
    ),
    BrokenServer(
        "link-while-running",
        "GET /reports/{source}",
        "a link is given before the job has finished",
        "[refused_with] a link asked for while the job runs: expected 409",
        _link_while_running,
        rule_id="barchart.links.refused-while-running",
        select="test_link_refused_while_running",
    ),
    BrokenServer(
        "link-missing",
        "GET /reports/{source}",
        "the link answer has no `link`",
        '"link" is a required property',
        _link_missing,
        rule_id="barchart.service.schema",
        select="test_report_holds_exactly_the_runs_events",
    ),
    BrokenServer(
        "link-unknown-source-500",
        "GET /reports/{source}",
        "the link of an unknown source crashes (500)",
        "Server error",
        _link_unknown_source_500,
        rule_id="barchart.http.no-server-error",
        select="test_unknown_source_refused",
    ),
    BrokenServer(
        "download-needs-credentials",
        "the report link",
        "the export link asks for credentials",
        "[downloads_without_credentials] the link must download without credentials",
        _download_needs_credentials,
        rule_id="barchart.links.no-credentials-needed",
        select="test_report_holds_exactly_the_runs_events",
    ),
    BrokenServer(
        "export-drops-last-row",
        "the report link",
        "the export file misses its last row",
        "[export_exactly]",
        _export_drops_last_row,
        rule_id="barchart.export.exactly-the-selected-events",
        select="test_report_holds_exactly_the_runs_events",
    ),
    BrokenServer(
        "export-ignores-types",
        "the report link",
        "the export holds every type, not the filter's",
        "[export_exactly] the export should hold exactly",
        _export_ignores_types,
        rule_id="barchart.export.types-filter",
        select="test_types_filter_and_times_sent_as_strings",
    ),
    BrokenServer(
        "export-comma-delimited",
        "the report link",
        "the export is comma-delimited",
        "[export_delimited] the export must start with the header",
        _export_comma_delimited,
        rule_id="barchart.export.delimited-with-header",
        select="test_report_holds_exactly_the_runs_events",
    ),
    BrokenServer(
        "version-without-name",
        "GET /service/version",
        "GET /service/version has no service.name",
        '"name" is a required property',
        _version_without_name,
        rule_id="barchart.service.schema",
        select="test_conformance and /service/version",
    ),
    BrokenServer(
        "auth-any-password",
        "every secured operation",
        "a known user gets in with any password",
        "[credentials_rejected] GET /service/authenticate with a wrong password answered 200, "
        "expected 401",
        _any_password,
        rule_id="barchart.auth.password-checked",
        select="test_bad_credentials_rejected",
    ),
    BrokenServer(
        "auth-malformed-500",
        "every operation",
        "a Basic token that is not base64 crashes (500)",
        "[credentials_rejected] GET /service/authenticate with a Basic token that is not base64 "
        "answered 500, expected 401",
        _malformed_credentials_500,
        rule_id="barchart.auth.malformed-token-401",
        select="test_bad_credentials_rejected",
    ),
    BrokenServer(
        "events-null-echoed-as-text",
        "POST /events",
        "a `null` context value is echoed as an empty string",
        "[batch_assigned] event 2 came back changed (context",
        _null_echoed_as_text,
        rule_id="barchart.events.null-context-echoed",
        select="test_batch_comes_back_with_one_id_and_sequences",
    ),
    BrokenServer(
        "events-version-dropped",
        "POST /events",
        "the echo drops an event's `version`",
        "[batch_assigned] event 1 came back changed (version",
        _version_dropped,
        rule_id="barchart.events.version-echoed",
        select="test_batch_comes_back_with_one_id_and_sequences",
    ),
    BrokenServer(
        "events-batch-id-reused",
        "POST /events",
        "every request gets the first request's batch id",
        "[batches_distinct] two requests got the same batch id",
        _batch_id_reused,
        rule_id="barchart.events.batches-distinct",
        select="test_batch_comes_back_with_one_id_and_sequences",
    ),
    BrokenServer(
        "events-invalid-batch-422",
        "POST /events",
        "a batch with an invalid event is refused with 422, not 400",
        "[answered_with] a batch with the unknown type NOT-AN-EVENT-TYPE: expected 400, got 422",
        _invalid_batch_422,
        rule_id="barchart.events.invalid-batch-refused",
        select="test_batch_with_an_invalid_event_is_refused",
    ),
    BrokenServer(
        "events-refused-batch-partly-stored",
        "POST /events",
        "a refused batch's valid events are stored anyway",
        "[export_exactly] the export should hold exactly",
        _rejected_batch_partly_stored,
        rule_id="barchart.events.invalid-batch-stores-nothing",
        select="test_report_holds_exactly_the_runs_events",
    ),
    BrokenServer(
        "events-any-product-type",
        "POST /events",
        "an event of another product's type is stored",
        "[barchart_valid_requests_accepted] events[1] has a type of another product",
        _any_product_type,
        rule_id="barchart.events.type-of-its-product",
        select="test_batch_of_another_products_type_is_refused",
    ),
    BrokenServer(
        "events-identical-deduplicated",
        "POST /events",
        "identical events of one batch are stored once",
        "[export_exactly] the export should hold exactly",
        _identical_events_deduplicated,
        rule_id="barchart.events.every-item-exported",
        select="test_report_holds_exactly_the_runs_events",
    ),
    BrokenServer(
        "requests-text-plain-accepted",
        "POST /events",
        "a JSON body sent as text/plain is read as JSON",
        "[refused_with] createEvents: a JSON body sent as text/plain: expected 415",
        _text_plain_accepted,
        rule_id="barchart.requests.json-media-type",
        select="test_body_must_be_json",
    ),
    BrokenServer(
        "requests-repeated-keys-accepted",
        "POST /events",
        "a key repeated in one object is read as its last value",
        "[refused_with] a body with a key repeated in one object: expected 400",
        _repeated_keys_accepted,
        rule_id="barchart.requests.strict-json",
        select="test_json_no_reader_can_carry_is_refused",
    ),
    BrokenServer(
        "errors-as-object",
        "GET /reports/{source}/availability",
        "the 404 is an object, not the error array",
        "Response violates schema",
        _errors_as_object,
        rule_id="barchart.requests.error-array",
        select="test_unknown_source_refused",
    ),
    BrokenServer(
        "errors-with-charset",
        "every operation",
        "error answers are `application/json; charset=utf-8`",
        "[error_media_type_exact]",
        _errors_with_charset,
        rule_id="barchart.requests.error-media-type",
        select="test_unknown_source_refused",
    ),
    BrokenServer(
        "reports-born-complete",
        "POST /reports",
        "a new job answers COMPLETE at once",
        "[job_started_running] a new job must be RUNNING",
        _born_complete,
        rule_id="barchart.reports.starts-running",
        select="test_new_jobs_run_and_echo_their_filter",
    ),
    BrokenServer(
        "reports-unwrapped-filter-accepted",
        "POST /reports",
        "the guide's body without `filter` starts a job",
        "[refused_with] a filter sent without its wrapper: expected 400",
        _unwrapped_filter_accepted,
        rule_id="barchart.reports.filter-wrapped",
        select="test_filter_without_its_wrapper_is_refused",
    ),
    BrokenServer(
        "reports-string-times-refused",
        "POST /reports",
        "filter times sent as strings are refused",
        "[answered_with] a filter with types and times as strings: expected 200, got 400",
        _string_times_refused,
        rule_id="barchart.reports.times-as-strings-accepted",
        select="test_types_filter_and_times_sent_as_strings",
    ),
    BrokenServer(
        "reports-conflicting-options-accepted",
        "POST /reports",
        "an option with two different values is taken from `output`",
        "[barchart_valid_requests_accepted] output.delimiter and filter.output.delimiter differ",
        _conflicting_options_accepted,
        rule_id="barchart.reports.conflicting-options-refused",
        select="test_options_given_two_values_are_refused",
    ),
    BrokenServer(
        "reports-day-off-by-one",
        "POST /reports",
        "`timing.day` is the day before the job started",
        "[timing_consistent] timing.day",
        _day_off_by_one,
        rule_id="barchart.reports.timing-day",
        select="test_new_jobs_run_and_echo_their_filter",
    ),
    BrokenServer(
        "job-source-is-short-id",
        "GET /reports/{source}/availability",
        "the status answers the short `job` id as its `source`",
        "[job_is_the_one_asked] asked for job",
        _short_id_as_source,
        rule_id="barchart.jobs.status-is-the-asked-job",
        select="test_job_finishes_once_and_stays_finished",
    ),
    BrokenServer(
        "job-start-moves",
        "GET /reports/{source}/availability",
        "`timing.start` differs from the one the job was created with",
        "[job_unchanged] timing.start changed",
        _start_moves,
        rule_id="barchart.jobs.unchanged-between-reads",
        select="test_job_finishes_once_and_stays_finished",
    ),
    BrokenServer(
        "job-small-report-times-out",
        "GET /reports/{source}/availability",
        "a report over a handful of events ends TIMEOUT",
        "[job_completed] a report over a handful of events ended TIMEOUT",
        lambda mock, app: app,
        JobSettings(timeout_events=2),
        rule_id="barchart.jobs.small-report-completes",
        select="test_job_finishes_once_and_stays_finished",
    ),
    BrokenServer(
        "job-bad-filter-completes",
        "GET /reports/{source}/availability",
        "a product asked for another product's types ends COMPLETE",
        "[job_failed] a report asking a product for another product's types ended COMPLETE",
        _bad_filter_completes,
        rule_id="barchart.jobs.bad-filter-fails",
        select="test_report_no_export_can_satisfy_fails",
    ),
    BrokenServer(
        "job-overlong-source-404",
        "GET /reports/{source}/availability",
        "a source over 200 characters is answered 404, not 400",
        "[refused_with] getReportAvailability of a source of 201 characters: expected 400",
        _overlong_source_404,
        rule_id="barchart.jobs.overlong-source-400",
        select="test_unknown_source_refused",
    ),
    BrokenServer(
        "link-failed-job-running-code",
        "GET /reports/{source}",
        "a FAILED job's link is refused as still running",
        "[refused_with] the link of a job that ended FAILED: expected 409 EVENT_JOB_GET_FAILED, "
        "got 409 ['EVENT_JOB_GET_FAILED_RUNNING']",
        _failed_job_running_code,
        rule_id="barchart.links.refused-after-failure",
        select="test_report_no_export_can_satisfy_fails",
    ),
    BrokenServer(
        "link-timed-out-job-unknown",
        "GET /reports/{source}",
        "a TIMEOUT job's link answers 404 as for no job",
        "[refused_with] the link of a job that ended TIMEOUT: expected 409",
        _timed_out_job_unknown,
        rule_id="barchart.links.refused-after-timeout",
        select="test_job_that_timed_out_gives_no_link",
    ),
    BrokenServer(
        "link-not-csv",
        "GET /reports/{source}",
        "the link names a `.txt` file",
        "[link_is_download_url] the export is a .csv file",
        _link_not_csv,
        rule_id="barchart.links.link-for-complete-job",
        select="test_report_holds_exactly_the_runs_events",
    ),
    BrokenServer(
        "link-second-download-empty",
        "the report link",
        "a job's file is whole only on its first download",
        "[export_exactly] the export should hold exactly",
        _second_download_empty,
        rule_id="barchart.links.fresh-link-any-time",
        select="test_new_link_can_be_asked_for_at_any_time",
    ),
    BrokenServer(
        "link-new-revokes-old",
        "GET /reports/{source}",
        "a new link retires the job's earlier ones",
        "[link_still_valid] a link issued before the latest one: the download answered 403",
        _new_link_revokes_old,
        rule_id="barchart.links.earlier-link-still-good",
        select="test_link_grants_its_report_and_nothing_else",
    ),
    BrokenServer(
        "link-token-unchecked",
        "the report link",
        "any token downloads the file the path names",
        "[forged_link_refused] the link with its 'token' altered downloaded",
        _link_token_unchecked,
        rule_id="barchart.links.altered-link-refused",
        select="test_link_grants_its_report_and_nothing_else",
    ),
    BrokenServer(
        "link-path-ignored",
        "the report link",
        "the token alone picks the file, whatever report the path names",
        "[foreign_link_refused] the window report's file with the typed report's token downloaded",
        _link_path_ignored,
        rule_id="barchart.links.link-grants-its-report-only",
        select="test_link_grants_its_report_and_nothing_else",
    ),
    BrokenServer(
        "link-never-expires",
        "the report link",
        "a link still downloads after its 15 minutes",
        "[link_expires] a link 15 minutes after it was issued answered 200",
        _links_never_expire,
        rule_id="barchart.links.good-for-15-minutes",
        select="test_link_is_good_for_15_minutes",
    ),
    BrokenServer(
        "export-sdk-delimiter-ignored",
        "the report link",
        "the delimiter in the top-level `output` is echoed, not used",
        "[export_delimited] the export must start with the header",
        _sdk_delimiter_ignored,
        rule_id="barchart.export.delimiter-where-the-sdk-sends-it",
        select="test_delimiter_option and output",
    ),
    BrokenServer(
        "export-ignores-customer",
        "the report link",
        "the export holds every customer's events",
        "[export_exactly] the export should hold exactly",
        _customer_ignored,
        rule_id="barchart.export.exactly-the-selected-events",
        select="test_report_holds_exactly_the_runs_events",
    ),
    BrokenServer(
        "export-end-exclusive",
        "the report link",
        "events at the filter's `end` are left out",
        "[export_exactly] the export should hold exactly",
        _end_exclusive,
        rule_id="barchart.export.bounds-inclusive",
        select="test_report_holds_exactly_the_runs_events",
    ),
    BrokenServer(
        "export-null-as-text",
        "the report link",
        "a `null` context value is exported as `null`",
        "[export_exactly] the export should hold exactly",
        _null_exported_as_text,
        rule_id="barchart.export.null-is-empty-column",
        select="test_report_holds_exactly_the_runs_events",
    ),
    BrokenServer(
        "export-bucket-empties-file",
        "the report link",
        "with a bucket named, the link's file has no rows",
        "[export_exactly] the export should hold exactly",
        _bucket_empties_file,
        rule_id="barchart.export.bucket-options-change-nothing",
        select="test_delimiter_option and output",
    ),
    BrokenServer(
        "version-needs-credentials",
        "GET /service/version",
        "GET /service/version asks for credentials",
        "[answered_with] GET /service/version without credentials: expected 200, got 401",
        _version_needs_credentials,
        rule_id="barchart.service.version-without-credentials",
        select="test_version_needs_no_credentials",
    ),
    BrokenServer(
        "authenticate-constant-user",
        "GET /service/authenticate",
        "every user is answered the same user id",
        "[authenticate_answers_caller] two users were both answered",
        _constant_user,
        rule_id="barchart.service.authenticate-answers-the-caller",
        select="test_authenticate_answers_the_caller",
    ),
    BrokenServer(
        "auth-no-challenge",
        "every secured operation",
        "a 401 carries no `WWW-Authenticate`",
        "[basic_challenge_sent] a 401 must carry a Basic challenge",
        _challenge(None),
        rule_id="barchart.auth.basic-challenge",
        select="test_bad_credentials_rejected and authenticate",
    ),
    BrokenServer(
        "auth-challenge-without-charset",
        "every secured operation",
        "the Basic challenge does not say its charset",
        '[basic_challenge_sent] the Basic challenge must say charset="UTF-8"',
        _challenge('Basic realm="events-mock"'),
        rule_id="barchart.auth.challenge-charset",
        select="test_bad_credentials_rejected and authenticate",
    ),
    BrokenServer(
        "http-head-405",
        "every GET operation",
        "HEAD is answered 405",
        "[head_like_get] HEAD answered 405, GET 200",
        _head_405,
        rule_id="barchart.http.head-like-get",
        select="test_head_answers_like_get",
    ),
    BrokenServer(
        "events-echo-deduplicated",
        "POST /events",
        "identical events of one batch are echoed once (all are stored)",
        "[batch_assigned] 6 events were posted, the answer holds 5",
        _echo_deduplicated,
        rule_id="barchart.events.every-item-echoed",
        select="test_batch_comes_back_with_one_id_and_sequences",
    ),
    BrokenServer(
        "requests-malformed-json-500",
        "POST /events, POST /reports",
        "a body that is not JSON crashes the server (500)",
        "[refused_with] createEvents: JSON cut short: expected 400",
        _malformed_json_500,
        rule_id="barchart.requests.malformed-json-400",
        select="test_malformed_json_is_refused",
    ),
    BrokenServer(
        "link-reissued-stale",
        "GET /reports/{source}",
        "a link asked for again is the first one, its 15 minutes not renewed",
        "[link_still_valid] a fresh link asked for 15 minutes after the first",
        _link_reissued_stale,
        rule_id="barchart.links.fresh-link-restarts-15-minutes",
        select="test_link_is_good_for_15_minutes",
    ),
    BrokenServer(
        "http-405-without-allow",
        "every operation",
        "a 405 carries no `Allow`",
        "without required `Allow` header",
        _405_without_allow,
        rule_id="barchart.http.405-with-allow",
        select="test_conformance and /service/version",
    ),
    BrokenServer(
        "reports-default-options-echoed",
        "POST /reports",
        "a job started without options answers `output` with the default delimiter",
        "[filter_echoed] the job must answer the export options sent (none)",
        _default_options_echoed,
        rule_id="barchart.reports.options-echoed",
        select="test_new_jobs_run_and_echo_their_filter",
    ),
    BrokenServer(
        "export-missing-start-from-end",
        "the report link",
        "a filter without `start` starts at its `end`",
        "[export_includes] the export lacks",
        _missing_start_from_end,
        rule_id="barchart.export.open-start",
        select="test_report_without_start_is_unbounded_before",
    ),
]


BROKEN_SERVERS = [*BARCHART_SERVERS, *COLLECTOR_SERVERS, *BILLING_SERVERS, *CONTROL_SERVERS]

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
import dataclasses
import json
import secrets
import tempfile
import uuid
from pathlib import Path
from typing import Any

import yaml

from events_mock.app import EventsMock, MockConfig, build_app
from events_mock.barchart.jobs import LINK_LIFETIME_MS, JobSettings, JobStatus, Link
from events_mock.clock import MockClock
from events_mock.framework.security import basic_security
from tests.contract.breaking import (
    BILLING_EVENTS,
    BILLING_TOKENS,
    VERIFY_CREDENTIALS,
    VERIFY_TENANTS,
    ASGIApp,
    BrokenServer,
    Exchange,
    Rewrite,
    edit_json,
    on,
    with_clock_control,
)
from tests.contract.broken_billing import BILLING_SERVERS
from tests.contract.broken_collector import COLLECTOR_SERVERS
from tests.contract.broken_control import CONTROL_SERVERS

__all__ = ["BROKEN_SERVERS", "BrokenServer", "build", "healthy_mock", "with_clock_control"]

START_MS = 1_790_000_000_000


def healthy_mock(
    jobs: JobSettings | None = None, users: dict[str, str] | None = None
) -> tuple[EventsMock, MockClock]:
    """The mock every server starts from: one Barchart user, two collector tenants, a small
    Billing Care data set (`VERIFY_CREDENTIALS` are what `verify` is given for them)."""
    clock = MockClock.frozen(START_MS)
    config = MockConfig(
        jobs=jobs or JobSettings(),
        clock=clock,
        tenants=dict(VERIFY_TENANTS),
        billing_tokens=dict(BILLING_TOKENS),
        billing_events=BILLING_EVENTS,
    )
    if users is not None:
        config.users = users
    return EventsMock(config), clock


def build(server: BrokenServer | None = None) -> tuple[EventsMock, ASGIApp]:
    """The mock, broken by `server` (healthy if None), with the clock control in front."""
    mock, clock = healthy_mock(server.jobs if server else None)
    app: ASGIApp = mock.app
    if server is not None:
        app = server.breaks(mock, app)
    if server is not None and server.api == "control":
        return mock, app  # the real control plane is what it breaks: none stands in front
    return mock, with_clock_control(app, clock)


def verify_args(api: str) -> tuple[str, ...]:
    """`--api NAME` and the credentials these servers are configured with; in the server's own
    world (`--no-sandbox`): a break rewrites the paths of that world, not a sandbox's."""
    return ("--api", api, *VERIFY_CREDENTIALS[api], "--no-sandbox")


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
    service.add_events = service.store.add_batch  # type: ignore[method-assign]
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


BARCHART_SERVERS = [
    BrokenServer(
        "events-status-201",
        "POST /events",
        "POST /events answers 201, not the documented 200",
        "Undocumented status code",
        _status_201,
        select="test_conformance and POST and /events",
    ),
    BrokenServer(
        "events-sequences-reversed",
        "POST /events",
        "sequences run n..1 instead of 1..n",
        "[batch_assigned] sequences must be 1..",
        _sequences_reversed,
        select="test_batch_comes_back_with_one_id_and_sequences",
    ),
    BrokenServer(
        "events-batch-per-event",
        "POST /events",
        "each event of a request gets its own batch id",
        "[batch_assigned] one batch id expected",
        _batch_per_event,
        select="test_batch_comes_back_with_one_id_and_sequences",
    ),
    BrokenServer(
        "events-timestamps-changed",
        "POST /events",
        "echoed timestamps are in seconds",
        "[batch_assigned] event 1 came back changed (timestamp",
        _timestamps_in_seconds,
        select="test_batch_comes_back_with_one_id_and_sequences",
    ),
    BrokenServer(
        "events-accept-unknown-types",
        "POST /events",
        "events of unknown types are accepted",
        "Schema-violating request accepted",
        _accepts_unknown_types,
        select="test_conformance and POST and /events",
    ),
    BrokenServer(
        "events-empty-batch-500",
        "POST /events",
        "an empty batch crashes the server (500)",
        "an empty batch (documented: stores nothing): expected 200, got 500",
        _empty_batch_500,
        select="test_empty_batch_is_accepted",
    ),
    BrokenServer(
        "reports-text-plain",
        "POST /reports",
        "POST /reports answers with Content-Type text/plain",
        "Undocumented Content-Type",
        _reports_text_plain,
        select="test_new_jobs_run_and_echo_their_filter",
    ),
    BrokenServer(
        "reports-without-timing",
        "POST /reports",
        "the new job has no `timing`",
        '"timing" is a required property',
        _reports_without_timing,
        select="test_new_jobs_run_and_echo_their_filter",
    ),
    BrokenServer(
        "reports-times-as-strings",
        "POST /reports",
        "the echoed filter has start/end as strings",
        "[filter_echoed] the filter is not echoed as sent (start",
        _times_echoed_as_strings,
        select="test_new_jobs_run_and_echo_their_filter",
    ),
    BrokenServer(
        "reports-options-in-filter",
        "POST /reports",
        "the echoed filter holds the export options (`output`)",
        "'output' was unexpected",
        _options_echoed_in_the_filter,
        select="test_new_jobs_run_and_echo_their_filter or test_delimiter_option",
    ),
    BrokenServer(
        "reports-options-not-answered",
        "POST /reports",
        "the job does not answer the export options it was started with",
        "[filter_echoed] the job must answer the export options sent",
        _options_not_answered,
        select="test_new_jobs_run_and_echo_their_filter",
    ),
    BrokenServer(
        "reports-ignore-auth",
        "POST /reports",
        "POST /reports works without credentials",
        "POST /reports with no credentials answered 200, expected 401",
        _reports_ignore_auth,
        select="test_bad_credentials_rejected and POST",
    ),
    BrokenServer(
        "job-never-finishes",
        "GET /reports/{source}/availability",
        "a report job stays RUNNING past the 15 minutes",
        "the job is still RUNNING after 900 s",
        lambda mock, app: app,
        JobSettings(base_seconds=10**7, max_seconds=10**7),
        select="test_job_finishes_once_and_stays_finished",
    ),
    BrokenServer(
        "job-goes-back-to-running",
        "GET /reports/{source}/availability",
        "a finished job reads RUNNING again",
        "[status_moves_once] the job's status left its terminal status",
        _job_goes_back_to_running,
        select="test_job_finishes_once_and_stays_finished",
    ),
    BrokenServer(
        "job-finished-without-end",
        "GET /reports/{source}/availability",
        "a finished job has no timing.end",
        "[timing_consistent] the job is COMPLETE but timing.end is missing",
        _finished_without_end,
        select="test_job_finishes_once_and_stays_finished",
    ),
    BrokenServer(
        "job-unknown-wrong-code",
        "GET /reports/{source}/availability",
        "an unknown job's 404 carries EVENT_JOB_GET_FAILED",
        "expected 404 EVENT_JOB_GET_FAILED_NO_JOB, got 404 ['EVENT_JOB_GET_FAILED']",
        _unknown_job_wrong_code,
        select="test_unknown_source_refused",
    ),
    BrokenServer(
        "link-while-running",
        "GET /reports/{source}",
        "a link is given before the job has finished",
        "a link asked for while the job runs: expected 409",
        _link_while_running,
        select="test_link_refused_while_running",
    ),
    BrokenServer(
        "link-missing",
        "GET /reports/{source}",
        "the link answer has no `link`",
        '"link" is a required property',
        _link_missing,
        select="test_report_holds_exactly_the_runs_events",
    ),
    BrokenServer(
        "link-unknown-source-500",
        "GET /reports/{source}",
        "the link of an unknown source crashes (500)",
        "Server error",
        _link_unknown_source_500,
        select="test_unknown_source_refused",
    ),
    BrokenServer(
        "download-needs-credentials",
        "the report link",
        "the export link asks for credentials",
        "[downloads_without_credentials] the link must download without credentials",
        _download_needs_credentials,
        select="test_report_holds_exactly_the_runs_events",
    ),
    BrokenServer(
        "export-drops-last-row",
        "the report link",
        "the export file misses its last row",
        "[export_exactly]",
        _export_drops_last_row,
        select="test_report_holds_exactly_the_runs_events",
    ),
    BrokenServer(
        "export-ignores-types",
        "the report link",
        "the export holds every type, not the filter's",
        "      extra:   ",
        _export_ignores_types,
        select="test_types_filter_and_times_sent_as_strings",
    ),
    BrokenServer(
        "export-comma-delimited",
        "the report link",
        "the export is comma-delimited",
        "[export_delimited] the export must start with the header",
        _export_comma_delimited,
        select="test_report_holds_exactly_the_runs_events",
    ),
    BrokenServer(
        "version-without-name",
        "GET /service/version",
        "GET /service/version has no service.name",
        '"name" is a required property',
        _version_without_name,
        select="test_conformance and /service/version",
    ),
    BrokenServer(
        "auth-any-password",
        "every secured operation",
        "a known user gets in with any password",
        "with a wrong password answered 200, expected 401",
        _any_password,
        select="test_bad_credentials_rejected",
    ),
    BrokenServer(
        "auth-malformed-500",
        "every operation",
        "a Basic token that is not base64 crashes (500)",
        "with a Basic token that is not base64 answered 500, expected 401",
        _malformed_credentials_500,
        select="test_bad_credentials_rejected",
    ),
]


BROKEN_SERVERS = [*BARCHART_SERVERS, *COLLECTOR_SERVERS, *BILLING_SERVERS, *CONTROL_SERVERS]


def detection_table(argv: list[str]) -> str:
    """Run `verify` against each broken server: the README's tables and detection rates."""
    import io

    from events_mock.cli import build_parser
    from events_mock.contract.command import verify_command
    from events_mock.framework.live_server import LiveServer

    sections = []
    for api in dict.fromkeys(server.api for server in BROKEN_SERVERS):
        servers = [server for server in BROKEN_SERVERS if server.api == api]
        rows, caught = [], 0
        for server in servers:
            mock, app = build(server)
            with LiveServer(app) as live:
                argv_ = ["verify", "--base-url", live.url, *verify_args(api), *argv]
                out = io.StringIO()
                verdict = verify_command(build_parser().parse_args(argv_), out=out)
            found = verdict.exit_code == 1 and server.evidence in out.getvalue()
            caught += found
            tests = sorted({f"`{failure.name.split('[')[0]}`" for failure in verdict.failures})
            verdict_text = ("caught by " + ", ".join(tests)) if found else "**MISSED**"
            rows.append(
                f"| `{server.name}` | {server.operation} | {server.rule} | {verdict_text} |"
            )
        header = "| server | operation | the one rule it breaks | verdict |\n|---|---|---|---|"
        total = f"{caught} of {len(servers)} {api} broken servers caught."
        sections.append(f"### {api}\n\n{header}\n" + "\n".join(rows) + f"\n\n{total}")
    return "\n\n".join(sections)


if __name__ == "__main__":
    import sys

    print(detection_table(sys.argv[1:] or ["--max-examples", "5", "--seed", "1"]))

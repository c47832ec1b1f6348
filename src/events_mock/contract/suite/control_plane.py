"""The control plane: what its operations promise beyond their schema.

Every flow works inside a sandbox it makes (`X-Mock-Sandbox`), with a frozen clock and
credentials of its own, so the target's own clock, faults, journal and state stay as they were;
the sandbox is deleted at the end. The mocked APIs' answers the flows read (a fault firing, a
journaled request) are the Event Collector's and Barchart's, reached in that sandbox.
"""

from __future__ import annotations

import base64
import copy
import secrets
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from schemathesis import Response

from events_mock.contract.checks import control as rules
from events_mock.contract.checks.common import answered_with, json_body
from events_mock.contract.run import REQUEST_TIMEOUT, ContractRun

pytestmark = pytest.mark.api("control")
writes = pytest.mark.writes
"""Every flow but the index's makes a sandbox: stored on the target, so not `--read-only`."""
SANDBOX = "X-Mock-Sandbox"
START = 1_571_029_200_000
TENANT, USER = "contract", "contract"


class Sandbox:
    """The flows' sandbox: its id, its credentials, and requests made in it."""

    def __init__(self, contract: ContractRun, sandbox_id: str, token: str, password: str) -> None:
        self.contract = contract
        self.id = sandbox_id
        self.token = token
        """The sandbox's Event Collector tenant's bearer token."""
        self.password = password
        """The sandbox's Barchart user's password."""
        self.headers = {SANDBOX: self.id}

    def call(self, operation_id: str, **kwargs: Any) -> Response:
        """A control call in the sandbox, held to every check on the way."""
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.contract.call(operation_id, headers=headers, **kwargs)

    def judged(self, operation_id: str, judge: Callable[[Response], None], **kwargs: Any) -> None:
        """A control call judged by `judge` first, then by every check (an answer the rule
        forbids may also be one no operation documents)."""
        headers = {**self.headers, **kwargs.pop("headers", {})}
        case, response = self.contract.send(operation_id, headers=headers, **kwargs)
        judge(response)
        self.contract.validate(case, response)

    def json(self, operation_id: str, **kwargs: Any) -> Any:
        return json_body(self.call(operation_id, expect=kwargs.pop("expect", 200), **kwargs))

    def collector_read(self, event_id: str | None = None) -> Response:
        """`GET /api/v1/events/{unknown id}` as the sandbox's tenant: 404 unless a fault fires."""
        return self.api_get(
            f"/api/v1/events/{event_id or uuid.uuid4()}",
            {"Authorization": f"Bearer {self.token}", "X-TWC-Tenant": TENANT},
        )

    def with_rule(self, rule: dict[str, Any]) -> None:
        """Only this fault rule in the sandbox."""
        self.call("clearFaults", expect=204)
        self.call("addFault", body=rule, expect=201)

    def api_get(self, path: str, headers: dict[str, str]) -> Response:
        return self.api("GET", path, headers)

    def api(self, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> Response:
        """A request to a mocked API (not the control plane) in the sandbox."""
        raw = self.contract.session.request(
            method,
            self.contract.target + path,
            headers={**headers, **self.headers},
            timeout=REQUEST_TIMEOUT,
            **kwargs,
        )
        return Response.from_requests(raw, verify=True)

    def raw_control(self, method: str, path: str, **kwargs: Any) -> Response:
        """A control call no Schemathesis case makes (no `X-Mock-Control`, no content type),
        with the run's control token if it has one."""
        headers = {**self.contract.identity.headers(), **self.headers, **kwargs.pop("headers", {})}
        raw = self.contract.session.request(
            method, self.contract.base_url + path, headers=headers, timeout=REQUEST_TIMEOUT,
            **kwargs,
        )  # fmt: skip
        return Response.from_requests(raw, verify=True)


@pytest.fixture(scope="session")
def sandbox(contract: ContractRun) -> Iterator[Sandbox]:
    token, password = secrets.token_hex(12), secrets.token_hex(12)
    body = {
        "name": contract.tag,
        "clock": {"now": START, "frozen": True},
        "tenants": {TENANT: token},
        "users": {USER: password},
    }
    response = contract.call("createSandbox", body=body, expect=201, why="making a sandbox")
    made = Sandbox(contract, str(response.json()["id"]), token, password)
    yield made
    url = f"{contract.base_url}/sandboxes/{made.id}"
    contract.session.delete(url, headers=contract.identity.headers(), timeout=REQUEST_TIMEOUT)


@writes
def test_clock_moves_exactly_as_told(contract: ContractRun, sandbox: Sandbox) -> None:
    ctx = contract.context
    before = sandbox.json("getClock")["now"]
    rules.clock_advanced(
        ctx, before, 90, sandbox.call("advanceClock", body={"seconds": 90}, expect=200)
    )
    for now in (START + 10**9, START - 10**6):  # forward, then back: both allowed
        rules.clock_set(
            ctx, now, 0, sandbox.call("setClock", body={"now": now, "rate": 0}, expect=200)
        )
    sandbox.call("setClockRate", body={"rate": 60}, expect=200)
    frozen = sandbox.call("freezeClock", expect=200)
    rules.clock_frozen(ctx, [frozen, sandbox.call("getClock", expect=200)])


@writes
def test_fault_rules_fire_as_written(contract: ContractRun, sandbox: Sandbox) -> None:
    ctx = contract.context
    rule = {"method": "GET", "path": "/api/v1/events/*", "status": 503, "times": 1,
            "retry_after": 7}  # fmt: skip
    first = rules.fault_as_added(ctx, rule, sandbox.call("addFault", body=rule))
    other = {"path": f"/{contract.tag}/**"}
    second = rules.fault_as_added(ctx, other, sandbox.call("addFault", body=other))
    rules.fault_rules_listed(ctx, [first, second], sandbox.call("listFaults", expect=200))
    rules.fault_fired(ctx, sandbox.collector_read(), 503, 7, "the first read under the rule")
    rules.fault_spent(ctx, sandbox.collector_read(), "the read after the rule's one firing")
    counted = sandbox.call("getFault", path_parameters={"id": first}, expect=200)
    rules.fault_counted(ctx, counted, {"matched": 2, "fired": 1, "remaining": 0})
    control_rule = {"path": "/__mock/clock", "status": 500}
    rules.fault_as_added(ctx, control_rule, sandbox.call("addFault", body=control_rule))
    sandbox.judged("getClock", lambda response: rules.faults_spare_control(ctx, response))
    answered_with(ctx, sandbox.call("removeFault", path_parameters={"id": first}), 204,
                  "removing a rule")  # fmt: skip
    rules.gone(ctx, sandbox.call("getFault", path_parameters={"id": first}), f"fault {first}")
    answered_with(ctx, sandbox.call("clearFaults"), 204, "clearing the rules")
    listed = sandbox.call("listFaults", expect=200)
    rules.emptied(ctx, listed, "GET /faults", json_body(listed))


@writes
def test_journal_records_the_mocked_apis_redacted(contract: ContractRun, sandbox: Sandbox) -> None:
    ctx = contract.context
    answered_with(ctx, sandbox.call("clearJournal"), 204, "clearing the journal")
    basic = "Basic " + base64.b64encode(f"{USER}:{sandbox.password}".encode()).decode()
    sent = [sandbox.collector_read(), sandbox.api_get("/service/version", {"Authorization": basic}),
            sandbox.collector_read()]  # fmt: skip
    paths = [r.request.path_url for r in sent]
    journal = sandbox.call("getJournal", expect=200)
    entries = json_body(journal)["entries"]
    rules.journal_in_order(ctx, entries, paths, journal)
    rules.journal_redacted(ctx, journal, [sandbox.token, sandbox.password, basic.split()[1]])
    by_api = sandbox.call("getJournal", query={"api": "event-collector"}, expect=200)
    rules.journal_filtered(ctx, json_body(by_api)["entries"], "api", "event-collector", by_api)
    by_status = sandbox.call("getJournal", query={"status": 404}, expect=200)
    rules.journal_filtered(ctx, json_body(by_status)["entries"], "status", 404, by_status)
    latest = sandbox.call("getJournal", query={"limit": 2}, expect=200)
    rules.journal_limit_keeps_latest(ctx, json_body(latest)["entries"], entries[-2:], latest)
    answered_with(ctx, sandbox.call("clearJournal"), 204, "clearing the journal")
    after = sandbox.call("getJournal", expect=200)
    rules.emptied(ctx, after, "the journal", json_body(after)["entries"])


PAD_HEADER = "x-contract-pad"
OVER_VALUE = 8 * 1024 + 1
"""The journal keeps the first 8 KiB of a path, query string or header value."""
OVER_BODY = 64 * 1024 + 1
"""... and the first 64 KiB of a body."""
DROPS_CHECKED_UP_TO = 100
"""A journal holding at most this many entries is filled past its capacity (that many cheap
requests); a bigger one (the default 1000) has its bounds of one entry checked only."""


@writes
def test_journal_keeps_what_is_bounded(contract: ContractRun, sandbox: Sandbox) -> None:
    ctx = contract.context
    answered_with(ctx, sandbox.call("clearJournal"), 204, "clearing the journal")
    collector = {"Authorization": f"Bearer {sandbox.token}", "X-TWC-Tenant": TENANT}
    read = "/api/v1/events/"
    long_path = read + "p" * OVER_VALUE
    header_path, query_path = (f"{read}{uuid.uuid4()}" for _ in range(2))
    bounds = {"value": OVER_VALUE - 1, "body": OVER_BODY - 1}
    oversized: list[tuple[str, tuple[str, str], Callable[[], Response]]] = [
        ("body", ("POST", "/api/v1/events"), lambda: sandbox.api(
            "POST", "/api/v1/events", {**collector, "Content-Type": "application/json"},
            data=b'{"pad": "' + b"b" * OVER_BODY + b'"}')),
        ("path", ("GET", long_path[: bounds["value"]]),
         lambda: sandbox.api_get(long_path, collector)),
        (PAD_HEADER, ("GET", header_path),
         lambda: sandbox.api_get(header_path, {**collector, PAD_HEADER: "h" * OVER_VALUE})),
        ("query", ("GET", query_path),
         lambda: sandbox.api("GET", query_path, collector, params={"pad": "q" * OVER_VALUE})),
    ]  # fmt: skip
    for part, sent, send in oversized:  # one at a time: the newest entry is always kept
        send()
        rules.journal_bounded(ctx, sandbox.call("getJournal", expect=200), bounds, {part: sent})
    capacity = sandbox.json("getJournal", query={"limit": 1})["capacity"]
    if isinstance(capacity, int) and capacity <= DROPS_CHECKED_UP_TO:
        for _ in range(capacity):
            sandbox.collector_read()
        full = sandbox.call("getJournal", expect=200)
        recorded = json_body(full)["recorded"]
        rules.journal_bounded(ctx, full, bounds, {}, range(recorded - capacity + 1, recorded + 1))
    answered_with(ctx, sandbox.call("clearJournal"), 204, "clearing the journal")


@writes
def test_calls_without_the_control_token_are_401(contract: ContractRun, sandbox: Sandbox) -> None:
    if "token" not in contract.met_needs(()):
        pytest.skip("no control token: pass --token TOKEN for a mock run with --control-token")
    ctx = contract.context
    wrong = f"Bearer {secrets.token_hex(16)}"
    for authorization, why in ((None, "without the control token"), (wrong, "with another token")):
        rules.control_token_required(
            ctx, sandbox.call("getClock", authorization=authorization), f"GET /clock {why}"
        )
        advanced = sandbox.call("advanceClock", body={"seconds": 60}, authorization=authorization)
        rules.control_token_required(ctx, advanced, f"POST /clock/advance {why}")


@writes
def test_reset_gives_a_fresh_mock(contract: ContractRun, sandbox: Sandbox) -> None:
    ctx = contract.context
    sandbox.call("addFault", body={"path": f"/{contract.tag}"}, expect=201)
    sandbox.collector_read()
    answered_with(ctx, sandbox.call("reset"), 204, "resetting the sandbox")
    faults = sandbox.call("listFaults", expect=200)
    rules.emptied(ctx, faults, "GET /faults after a reset", json_body(faults))
    journal = sandbox.call("getJournal", expect=200)
    rules.emptied(ctx, journal, "the journal after a reset", json_body(journal)["entries"])


@writes
def test_state_round_trips_and_refuses_contradictions(
    contract: ContractRun, sandbox: Sandbox
) -> None:
    ctx = contract.context
    event = {"entity_id": contract.tag, "event_payload": {}, "event_source": "ORDER",
             "event_type": "FAULT"}  # fmt: skip
    headers = {"Authorization": f"Bearer {sandbox.token}", "X-TWC-Tenant": TENANT}
    created = sandbox.api("POST", "/api/v1/events", headers, json=event)
    answered_with(ctx, created, 201, "creating an event in the sandbox")
    exported = sandbox.json("exportState")
    answered_with(ctx, sandbox.call("importState", body=exported), 204, "importing the export")
    rules.state_round_trip(ctx, exported, sandbox.call("exportState", expect=200))
    contradicting = copy.deepcopy(exported)
    events = contradicting["apis"]["event-collector"]["tenants"][TENANT]
    events.append(copy.deepcopy(events[0]))
    refused = sandbox.call("importState", body=contradicting)
    after = sandbox.json("exportState")
    same = rules.without_offset(after) == rules.without_offset(exported)
    rules.state_conflict_refused(ctx, refused, same)


@writes
def test_sandboxes_are_isolated_and_deleted_for_good(
    contract: ContractRun, sandbox: Sandbox
) -> None:
    ctx = contract.context
    marker = f"/{contract.tag}/sandboxed"
    sandbox.call("addFault", body={"path": marker}, expect=201)
    outside = contract.call("listFaults", expect=200)
    rules.sandbox_isolated(ctx, outside, marker, "the default world")
    rules.sandbox_listed(ctx, contract.call("listSandboxes", expect=200), sandbox.id)
    nested = sandbox.call("createSandbox", body={})
    rules.refused(ctx, nested, 409, "making a sandbox from inside one")
    second = contract.call("createSandbox", body={"name": contract.tag}, expect=201).json()
    rules.sandbox_isolated(ctx, contract.call("listFaults", headers={SANDBOX: second["id"]}),
                           marker, "another sandbox")  # fmt: skip
    answered_with(ctx, contract.call("deleteSandbox", path_parameters={"id": second["id"]}), 204,
                  "deleting a sandbox")  # fmt: skip
    rules.gone(ctx, contract.call("getSandbox", path_parameters={"id": second["id"]}),
               f"sandbox {second['id']}")  # fmt: skip
    # No operation lists this 404 (the sandbox description does): read, not validated.
    in_deleted = contract.session.get(
        f"{contract.base_url}/clock",
        headers={**contract.identity.headers(), SANDBOX: second["id"]},
        timeout=REQUEST_TIMEOUT,
    )
    rules.gone(ctx, Response.from_requests(in_deleted, verify=True),
               f"a call in sandbox {second['id']}")  # fmt: skip


@writes
def test_changes_need_the_control_header_or_json(contract: ContractRun, sandbox: Sandbox) -> None:
    ctx = contract.context
    sandbox.call("addFault", body={"path": f"/{contract.tag}/kept"}, expect=201)
    before = json_body(sandbox.call("listFaults", expect=200))
    refused = sandbox.raw_control("DELETE", "/faults", headers={"X-Mock-Control": None})
    rules.refused(ctx, refused, 403, "DELETE /faults without X-Mock-Control")
    same = json_body(sandbox.call("listFaults", expect=200)) == before
    rules.unchanged_after_refusal(ctx, refused, "DELETE /faults without X-Mock-Control", same)
    clock = sandbox.json("getClock")
    untyped = sandbox.raw_control("POST", "/clock/advance", data=b'{"seconds": 60}')
    rules.refused(ctx, untyped, 415, "a body without Content-Type")
    nan = sandbox.raw_control(
        "POST", "/clock/rate", data=b'{"rate": NaN}', headers={"Content-Type": "application/json"}
    )
    rules.refused(ctx, nan, 400, "a clock rate of NaN")
    rules.unchanged_after_refusal(ctx, nan, "a clock rate of NaN",
                                  sandbox.json("getClock") == clock)  # fmt: skip


def test_index_lists_every_operation(contract: ContractRun) -> None:
    paths = contract.schema().raw_schema["paths"]
    operations = [
        (method.upper(), f"/__mock{path}" if path != "/" else "/__mock/", item["summary"])
        for path, methods in paths.items()
        for method, item in methods.items()
        if isinstance(item, dict) and "operationId" in item
    ]
    rules.index_lists_operations(
        contract.context, contract.call("getIndex", expect=200), operations
    )


@writes
def test_jobs_end_as_forced_and_never_go_back(contract: ContractRun, sandbox: Sandbox) -> None:
    ctx = contract.context
    basic = "Basic " + base64.b64encode(f"{USER}:{sandbox.password}".encode()).decode()
    started = sandbox.api(
        "POST", "/reports", {"Authorization": basic},
        json={"filter": {"customer": "BARCHART", "product": "PORTFOLIO"}},
    )  # fmt: skip
    answered_with(ctx, started, 200, "starting a report in the sandbox")
    source = started.json()["source"]
    later = sandbox.api(
        "POST", "/reports", {"Authorization": basic},
        json={"filter": {"customer": "BARCHART", "product": "WATCHLIST"}},
    )  # fmt: skip
    answered_with(ctx, later, 200, "starting a second report in the sandbox")
    rules.jobs_listed(ctx, sandbox.call("listJobs", expect=200),
                      [source, later.json()["source"]])  # fmt: skip
    job = {"source": source}
    message = f"narrow the range ({contract.tag})"
    forced = sandbox.call("setJobStatus", path_parameters=job,
                          body={"status": "TIMEOUT", "message": message})  # fmt: skip
    rules.job_forced(ctx, forced, "TIMEOUT", message)
    again = sandbox.call("setJobStatus", path_parameters=job,
                         body={"status": "TIMEOUT", "message": message})  # fmt: skip
    rules.job_forced(ctx, again, "TIMEOUT", message)
    other = sandbox.call("setJobStatus", path_parameters=job, body={"status": "COMPLETE"})
    rules.refused(ctx, other, 409, "forcing an ended job to another status")
    remaining = sandbox.call("setJobRemaining", path_parameters=job, body={"seconds": 5})
    rules.refused(ctx, remaining, 409, "setting the remaining time of an ended job")
    unknown = sandbox.call("getJob", path_parameters={"source": f"JOB-{uuid.uuid4()}"})
    rules.refused(ctx, unknown, 404, "an unknown job")
    # Ten years of mock time, the most one call moves: past any `--job-ttl`.
    sandbox.call("advanceClock", body={"seconds": 315_360_000}, expect=200)
    rules.gone(ctx, sandbox.call("getJob", path_parameters=job), f"job {source}, expired")
    rules.jobs_listed(ctx, sandbox.call("listJobs", expect=200), [])


READS = "/api/v1/events/*"


@writes
def test_fault_effects_combine_as_documented(contract: ContractRun, sandbox: Sandbox) -> None:
    ctx = contract.context
    sandbox.with_rule({"method": "GET", "path": READS, "status": 502, "after": 1, "times": 1})
    rules.fault_sequence(ctx, [sandbox.collector_read() for _ in range(3)], [404, 502, 404],
                         "a rule with after 1, times 1")  # fmt: skip
    event_id = str(uuid.uuid4())
    whole = sandbox.collector_read(event_id)
    sandbox.with_rule({"path": READS, "malformed": True, "times": 1})
    rules.fault_malformed(ctx, sandbox.collector_read(event_id), whole)
    sandbox.with_rule({"path": READS, "drop": True, "times": 1})
    try:
        dropped: Response | None = sandbox.collector_read()
    except requests.RequestException:
        dropped = None
    rules.fault_dropped(ctx, dropped)
    sandbox.with_rule({"path": READS, "latency_ms": 300, "times": 1})
    rules.fault_delayed(ctx, sandbox.collector_read(), 0.3)
    sandbox.with_rule({"path": READS, "status": 503, "times": 1})
    sandbox.call("addFault", body={"path": READS, "status": 502, "times": 1}, expect=201)
    rules.fault_sequence(ctx, [sandbox.collector_read()], [503], "two rules: the first decides")
    sequences = []
    for _ in range(2):
        sandbox.with_rule({"path": READS, "status": 502, "probability": 0.5, "seed": 7})
        sequences.append([sandbox.collector_read() for _ in range(16)])
    rules.fault_reproducible(ctx, sequences)
    sandbox.call("clearFaults", expect=204)

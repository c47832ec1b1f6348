"""The named contract checks on hand-made answers: each one passes the right thing and names
what is wrong with the wrong one."""

from __future__ import annotations

import base64
import inspect
import json

import pytest
import requests
from schemathesis import Response

from events_mock.contract.checks import barchart as checks
from events_mock.contract.clocks import JobTimedOut, WallClock, poll_steps, wait_for_job
from events_mock.contract.context import RunContext
from events_mock.contract.curl import curl_command
from events_mock.contract.flows import barchart
from events_mock.contract.registry import CheckSet
from events_mock.contract.run import PrivateWindow, without_transport_headers
from events_mock.contract.targets import CONTRACT_APIS
from events_mock.contract.violations import ContractViolation, Violation, fail

WINDOW = PrivateWindow(1_000_000_000_000, 1_000_003_599_999)


@pytest.fixture
def ctx() -> RunContext:
    """A run's context of its own for each test: checks count in its ledger."""
    return RunContext()


def answer(
    status: int,
    body: object,
    *,
    method: str = "GET",
    url: str = "http://target/x",
    headers: dict[str, str] | None = None,
    text: str | None = None,
) -> Response:
    request = requests.Request(method, url, headers=headers or {}).prepare()
    content = text.encode() if text is not None else json.dumps(body).encode()
    return Response(
        status_code=status,
        headers={"content-type": ["application/json"]},
        content=content,
        request=request,
        elapsed=0.0,
        verify=True,
    )


def echoed(events: list[dict], batch: str = "b-1") -> list[dict]:
    return [{**event, "batch": batch, "sequence": n} for n, event in enumerate(events, start=1)]


EVENTS = barchart.batch_events("tag", WINDOW, count=3)


def test_batch_assigned_accepts_one_id_and_sequences_in_order(ctx: RunContext) -> None:
    checks.batch_assigned(ctx, EVENTS, answer(200, echoed(EVENTS)))
    assert ctx.ledger.passed["batch_assigned"] == 1


@pytest.mark.parametrize(
    ("answered", "message"),
    [
        (echoed(EVENTS)[:2], "3 events were posted, the answer holds 2"),
        ([{**e, "batch": f"b-{i}"} for i, e in enumerate(echoed(EVENTS))], "one batch id"),
        ([{**e, "sequence": 4 - e["sequence"]} for e in echoed(EVENTS)], "sequences must be 1..3"),
        ([{**e, "context": []} for e in echoed(EVENTS)], "event 1 came back changed (context"),
    ],
)
def test_batch_assigned_names_what_is_wrong(answered: list, message: str, ctx: RunContext) -> None:
    with pytest.raises(ContractViolation, match=r"\[batch_assigned\]") as caught:
        checks.batch_assigned(ctx, EVENTS, answer(200, answered))
    assert message in str(caught.value)
    assert ctx.ledger.failed["batch_assigned"] == 1


def test_status_moves_once(ctx: RunContext) -> None:
    checks.status_moves_once(ctx, ["RUNNING", "RUNNING", "COMPLETE", "COMPLETE"])
    checks.status_moves_once(ctx, ["FAILED"])
    with pytest.raises(ContractViolation, match="RUNNING x2 -> COMPLETE -> RUNNING"):
        checks.status_moves_once(ctx, ["RUNNING", "RUNNING", "COMPLETE", "RUNNING"])
    with pytest.raises(ContractViolation, match="COMPLETE -> FAILED"):
        checks.status_moves_once(ctx, ["COMPLETE", "FAILED"])
    with pytest.raises(ContractViolation, match="unknown job status 'DONE'"):
        checks.status_moves_once(ctx, ["RUNNING", "DONE"])


def test_filter_echoed_wants_integer_times_and_documented_members(ctx: RunContext) -> None:
    sent = {
        "customer": "BARCHART",
        "product": "ALERT",
        "start": "12",
        "end": 34,
        "output": {},
        "extra": 1,
    }
    job = {"filter": {"customer": "BARCHART", "product": "ALERT", "start": 12, "end": 34}}
    checks.filter_echoed(ctx, sent, job, answer(200, job))
    job["filter"]["start"] = "12"
    with pytest.raises(ContractViolation, match="start: sent '12', echoed '12'"):
        checks.filter_echoed(ctx, sent, job, answer(200, job))


def test_filter_echoed_wants_the_options_at_the_top_level_never_in_the_filter(
    ctx: RunContext,
) -> None:
    sent = {"customer": "BARCHART", "product": "ALERT", "output": {"delimiter": ";"}}
    own = {"customer": "BARCHART", "product": "ALERT"}
    good = {"filter": own, "output": {"delimiter": ";", "bucketKey": "k"}}
    checks.filter_echoed(ctx, sent, good, answer(200, good), {"bucketKey": "k"})
    old_echo = {"filter": sent, "output": {"delimiter": ";"}}
    with pytest.raises(ContractViolation, match="the echoed filter holds `output`"):
        checks.filter_echoed(ctx, sent, old_echo, answer(200, old_echo))
    unanswered = {"filter": own}
    with pytest.raises(ContractViolation, match="export options sent .* top-level `output`"):
        checks.filter_echoed(ctx, own, unanswered, answer(200, unanswered), {"delimiter": ","})
    invented = {"filter": own, "output": {"delimiter": ","}}
    with pytest.raises(ContractViolation, match="answered \\{'delimiter': ','\\}"):
        checks.filter_echoed(ctx, own, invented, answer(200, invented))


def test_timing_consistent(ctx: RunContext) -> None:
    start = 1_571_073_977_278
    running = {"status": "RUNNING", "timing": {"day": "2019-10-14", "start": start}}
    checks.timing_consistent(ctx, running, answer(200, running))
    done = {
        "status": "COMPLETE",
        "timing": {"day": "2019-10-14T00:00:00.000Z", "start": start, "end": start + 5},
    }
    checks.timing_consistent(ctx, done, answer(200, done))
    for status, message in [
        ({**done, "timing": {"day": "2019-10-14", "start": start}}, "timing.end is missing"),
        ({**running, "timing": {**done["timing"]}}, "set while the job is still RUNNING"),
        ({**done, "timing": {**done["timing"], "day": "2019-10-15"}}, "not the day the job"),
        ({**done, "timing": {**done["timing"], "end": start - 1}}, "is before timing.start"),
    ]:
        with pytest.raises(ContractViolation, match=message):
            checks.timing_consistent(ctx, status, answer(200, status))


def test_export_delimited_and_exactly(ctx: RunContext) -> None:
    columns = barchart.export_columns(barchart.PRODUCT)
    inside, _ = barchart.report_events("tag", WINDOW)
    rows = [barchart.export_row(event, barchart.PRODUCT) for event in inside]
    text = "\n".join("|".join(row) for row in [columns, *rows]) + "\n"
    export = answer(200, None, text=text)
    parsed = checks.export_delimited(ctx, export, columns)
    checks.export_exactly(ctx, parsed, rows, export)
    with pytest.raises(ContractViolation, match="missing: "):
        checks.export_exactly(ctx, parsed[1:], rows, export)
    with pytest.raises(ContractViolation, match="must start with the header"):
        checks.export_delimited(ctx, answer(200, None, text=text.replace("|", ",")), columns)


def test_export_row_follows_the_documented_columns() -> None:
    event = barchart.event("PORTFOLIO-TRANSACTION-CREATED", 5, "u", "p", "pos", "AAPL")
    assert barchart.export_row(event, "PORTFOLIO") == [
        "5",
        "PORTFOLIO-TRANSACTION-CREATED",
        "u",
        "p",
        "pos",
        "",
        "",
        "",
        "",
        "",
    ]


def test_refused_with_wants_the_status_and_the_code(ctx: RunContext) -> None:
    refusal = [{"value": {"code": checks.NO_JOB, "message": "no"}, "children": []}]
    checks.refused_with(ctx, answer(404, refusal), 404, checks.NO_JOB, "unknown")
    with pytest.raises(ContractViolation, match="expected 409 EVENT_JOB_GET_FAILED_RUNNING"):
        checks.refused_with(ctx, answer(200, {"link": "x"}), 409, checks.STILL_RUNNING, "early")


def basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def test_curl_never_prints_a_password() -> None:
    response = answer(
        401,
        {"message": "Unauthorized"},
        method="POST",
        headers={"Authorization": basic("alice:s3cret"), "X-Trace": "1"},
    )
    line = curl_command(response.request)
    assert "s3cret" not in line and basic("alice:s3cret") not in line
    assert "-u 'alice:***'" in line and "-H 'X-Trace: 1'" in line


def test_curl_shows_credentials_the_suite_made_wrong_on_purpose(ctx: RunContext) -> None:
    wrong = ctx.reveal(basic("alice:not-the-password"))
    line = curl_command(
        answer(200, {}, headers={"Authorization": wrong}).request, revealed=ctx.revealed
    )
    assert "-u alice:not-the-password" in line
    hidden = curl_command(answer(200, {}, headers={"Authorization": "Bearer t0k"}).request)
    assert "t0k" not in hidden


def test_violation_message_carries_the_reproduction() -> None:
    violation = ContractViolation(
        "some_rule", "broken", [answer(500, {"boom": 1}, url="http://t/y")]
    )
    assert "[some_rule] broken" in str(violation)
    assert "curl -X GET http://t/y" in str(violation)


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_wall_clock_polling_is_bounded_by_the_job_timeout() -> None:
    fake = FakeTime()
    clock = WallClock(sleep=fake.sleep, monotonic=lambda: fake.now)
    with pytest.raises(JobTimedOut, match="still RUNNING after 100 s"):
        wait_for_job(lambda: {"status": "RUNNING"}, clock, timeout=100)
    assert sum(fake.sleeps) == 100
    assert max(fake.sleeps) <= clock.max_step


def test_polling_stops_at_the_terminal_status() -> None:
    fake = FakeTime()
    clock = WallClock(sleep=fake.sleep, monotonic=lambda: fake.now)
    statuses = iter(["RUNNING", "RUNNING", "COMPLETE"])
    history = wait_for_job(lambda: {"status": next(statuses)}, clock, timeout=900)
    assert [s["status"] for s in history] == ["RUNNING", "RUNNING", "COMPLETE"]
    assert fake.sleeps == [1.0, 2.0]


def test_poll_steps_double_up_to_the_longest_pause() -> None:
    steps = poll_steps(WallClock())
    assert [next(steps) for _ in range(7)] == [1, 2, 4, 8, 15, 15, 15]


def test_jobs_started_together_share_one_deadline() -> None:
    fake = FakeTime()
    clock = WallClock(sleep=fake.sleep, monotonic=lambda: fake.now)
    for _ in range(3):
        with pytest.raises(JobTimedOut):
            wait_for_job(lambda: {"status": "RUNNING"}, clock, timeout=100, started=0.0)
    assert sum(fake.sleeps) == 100


def test_generated_transport_headers_are_not_sent() -> None:
    """A web server refuses `Transfer-Encoding: Io` itself; the API is not to blame for it."""
    generated = {"X-TWC-Tenant": "demo", "transfer-encoding": "Io", "Content-Length": "7"}
    assert without_transport_headers(None, generated) == {"X-TWC-Tenant": "demo"}
    assert without_transport_headers(None, None) is None


# ---------------------------------------------------------------------------------------------
# The check registry


def test_a_check_is_named_by_its_function() -> None:
    rules = CheckSet("example")

    @rules.flow_check
    def status_is_teapot(ctx: RunContext, response: object) -> None:
        fail("not a teapot")

    ctx = RunContext(revealed={"Bearer wrong"})
    with pytest.raises(ContractViolation, match=r"^\[status_is_teapot\] not a teapot") as caught:
        status_is_teapot(ctx, None)
    assert caught.value.check == "status_is_teapot"
    assert caught.value.revealed == {"Bearer wrong"}
    assert ctx.ledger.failed["status_is_teapot"] == 1
    assert list(rules.flow_checks()) == ["status_is_teapot"]


def test_fail_outside_a_named_check_is_the_suites_bug_not_a_verdict() -> None:
    with pytest.raises(Violation) as caught:
        fail("no check")
    assert not isinstance(caught.value, AssertionError)


def test_runs_do_not_share_what_their_checks_remember() -> None:
    first, second = RunContext(), RunContext()
    first.memory(checks.SeenJobs).jobs[("http://t", "JOB-1")] = checks.JobRecord(None, 1)
    assert second.memory(checks.SeenJobs).jobs == {}
    assert first.memory(checks.SeenJobs) is first.memory(checks.SeenJobs)


def test_each_api_runs_its_own_response_checks() -> None:
    names = {
        name: [check.name for check in api.checks().response_checks()]
        for name, api in CONTRACT_APIS.items()
    }
    assert names == {
        "barchart": [
            "barchart_events_echoed",
            "barchart_valid_requests_accepted",
            "barchart_report_started",
            "barchart_job_progress",
            "barchart_job_refusals",
            "barchart_link_follows_job",
            "basic_challenge_sent",
            "error_media_type_exact",
        ],
        "event-collector": [
            "collector_event_created",
            "collector_event_read",
            "collector_error_answered",
        ],
        "billing-care": [
            "billing_search_answered",
            "billing_records_consistent",
            "billing_error_answered",
            "billing_valid_search_accepted",
        ],
        "control": ["control_clock_answered", "control_problem_answered"],
    }
    billing = CONTRACT_APIS["billing-care"].checks()
    assert billing.replaced_builtins() == [
        ("positive_data_acceptance", "billing_valid_search_accepted")
    ]
    history = [c.name for c in CONTRACT_APIS["barchart"].checks().response_checks() if c.history]
    assert history == ["barchart_job_progress", "barchart_link_follows_job"]


def test_a_response_check_reads_as_its_message_to_schemathesis() -> None:
    rules = CheckSet("example")

    @rules.response_check
    def answers_teapot(ctx: RunContext, checking: object, response: object, case: object) -> None:
        fail("not a teapot")

    (check,) = rules.bind(RunContext())
    assert check.__name__ == "answers_teapot"
    assert list(inspect.signature(check).parameters) == ["checking", "response", "case"]
    with pytest.raises(AssertionError, match=r"^\[answers_teapot\] not a teapot$"):
        check(None, None, None)  # type: ignore[arg-type]

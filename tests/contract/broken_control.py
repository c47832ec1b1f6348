"""Control planes that each break exactly one rule of `spec/control.yaml`.

Each rewrites the control plane's answers (or the request before it sees it) in front of the
real mock, in every world: the suite's control flows work in a sandbox of their own.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from events_mock.app import EventsMock
from tests.contract.breaking import (
    ASGIApp,
    BrokenServer,
    Exchange,
    Rewrite,
    _read_body,
    _replay,
    edit_query,
)

CONTROL = "/__mock"
SANDBOX = "x-mock-sandbox"
FLOWS = "control_plane"


def on_control(method: str, path: str) -> Any:
    return lambda e: e.method == method and e.path == CONTROL + path


def on_prefix(method: str, prefix: str) -> Any:
    return lambda e: e.method == method and e.path.startswith(CONTROL + prefix)


def answer(exchange: Exchange, status: int, body: Any = None) -> bool:
    exchange.status = status
    exchange.body = b"" if body is None else json.dumps(body).encode()
    return True


def _edit_body(exchange: Exchange, edit: Any) -> None:
    if 200 <= exchange.status < 300 and exchange.body:
        exchange.set_json(edit(exchange.json()))


def _control_header_optional(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def before(exchange: Exchange) -> bool:
        exchange.headers.setdefault("x-mock-control", "1")
        return False

    return Rewrite(app, lambda e: e.path.startswith(CONTROL), before=before)


def _faults_reach_control(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A rule on `/__mock/clock` makes the clock answer its status."""
    armed: set[str] = set()

    def before(exchange: Exchange) -> bool:
        world = exchange.headers.get(SANDBOX, "")
        if exchange.method == "POST" and exchange.path == f"{CONTROL}/faults":
            if json.loads(exchange.request_body or b"{}").get("path") == f"{CONTROL}/clock":
                armed.add(world)
        elif exchange.method == "GET" and exchange.path == f"{CONTROL}/clock" and world in armed:
            return answer(exchange, 500, {"type": "about:blank", "title": "Internal Server Error",
                                          "status": 500, "detail": "injected"})  # fmt: skip
        return False

    return Rewrite(app, lambda e: e.path.startswith(CONTROL), before=before)


def _journal_records_control(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(journal: dict) -> dict:
        if journal["entries"]:
            extra = {**copy.deepcopy(journal["entries"][-1]), "path": f"{CONTROL}/clock"}
            extra["id"] += 1
            journal["entries"].append(extra)
        return journal

    return Rewrite(app, on_control("GET", "/journal"), lambda e: _edit_body(e, edit))


def _problem_status_400(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        if exchange.status >= 400 and exchange.body:
            exchange.set_json({**exchange.json(), "status": 400})

    return Rewrite(app, lambda e: e.path.startswith(CONTROL), rewrite)


def _untyped_body_as_json(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def before(exchange: Exchange) -> bool:
        if exchange.request_body:
            exchange.headers.setdefault("content-type", "application/json")
        return False

    return Rewrite(app, lambda e: e.path.startswith(CONTROL), before=before)


def _nan_rate_taken_as_zero(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Reads the body with `json.loads`, which takes NaN, and a NaN rate as 0."""

    def before(exchange: Exchange) -> bool:
        body = json.loads(exchange.request_body or b"{}")
        rate = body.get("rate")
        if isinstance(rate, float) and rate != rate:
            exchange.request_body = json.dumps({**body, "rate": 0}).encode()
        return False

    return _with_body(app, on_control("POST", "/clock/rate"), before)


def _index_missing_last(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(index: dict) -> dict:
        index["endpoints"] = index["endpoints"][:-1]
        return index

    def rewrite(exchange: Exchange) -> None:
        if "json" in exchange.response_headers.get("content-type", ""):
            _edit_body(exchange, edit)

    return Rewrite(app, on_control("GET", "/"), rewrite)


def _index_without_vary(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        exchange.response_headers.pop("vary", None)

    return Rewrite(app, on_control("GET", "/"), rewrite)


def _advance_one_second_more(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def before(exchange: Exchange) -> bool:
        body = json.loads(exchange.request_body or b"{}")
        if isinstance(body.get("seconds"), int | float):
            exchange.request_body = json.dumps({**body, "seconds": body["seconds"] + 1}).encode()
        return False

    return _with_body(app, on_control("POST", "/clock/advance"), before)


def _set_never_back(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Setting the clock back leaves it where it is (answered as it is)."""

    def before(exchange: Exchange) -> bool:
        body = json.loads(exchange.request_body or b"{}")
        if isinstance(body.get("now"), int) and body["now"] < 1_571_029_200_000:
            exchange.request_body = json.dumps({**body, "now": 1_571_029_200_000}).encode()
        return False

    return _with_body(app, on_control("POST", "/clock/set"), before)


def _freeze_ignored(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Freezing does nothing: the clock keeps its rate (answered as `GET /clock` would)."""
    return _rerouted(app, on_control("POST", "/clock/freeze"), "GET", f"{CONTROL}/clock")


def _iso_an_hour_off(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(clock: dict) -> dict:
        return {**clock, "iso": clock["iso"].replace("Z", "+01:00")}

    return Rewrite(app, lambda e: e.path.startswith(CONTROL + "/clock"),
                   lambda e: _edit_body(e, edit))  # fmt: skip


def _never_frozen(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(clock: dict) -> dict:
        return {**clock, "frozen": False}

    return Rewrite(app, lambda e: e.path.startswith(CONTROL + "/clock"),
                   lambda e: _edit_body(e, edit))  # fmt: skip


def _forced_message_lost(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(job: dict) -> dict:
        return {**job, "failure": None}

    return Rewrite(app, on_prefix("POST", "/jobs/"), lambda e: _edit_body(e, edit))


def _ended_job_answered(path_suffix: str) -> Any:
    """A 409 for an ended job becomes 200 with the job as its last forcing answered it."""

    def breaks(mock: EventsMock, app: ASGIApp) -> ASGIApp:
        jobs: dict[tuple[str, str], bytes] = {}

        def rewrite(exchange: Exchange) -> None:
            key = (exchange.headers.get(SANDBOX, ""), exchange.path.split("/")[3])
            if exchange.status == 200 and exchange.path.endswith("/status"):
                jobs[key] = exchange.body
            elif exchange.status == 409 and exchange.path.endswith(path_suffix) and key in jobs:
                exchange.status, exchange.body = 200, jobs[key]
                exchange.response_headers["content-type"] = "application/json"

        return Rewrite(app, on_prefix("POST", "/jobs/"), rewrite)

    return breaks


def _unknown_job_400(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 404:
            exchange.status = 400
            exchange.set_json({**exchange.json(), "status": 400, "title": "Bad Request"})

    return Rewrite(app, on_prefix("GET", "/jobs/"), rewrite)


def _fault_after_one(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 201:
            exchange.set_json({**exchange.json(), "after": 1})

    return Rewrite(app, on_control("POST", "/faults"), rewrite)


def _faults_listed_newest_first(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    return Rewrite(app, on_control("GET", "/faults"),
                   lambda e: _edit_body(e, lambda rules: list(reversed(rules))))  # fmt: skip


def _fault_without_retry_after(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        exchange.response_headers.pop("retry-after", None)

    return Rewrite(app, lambda e: not e.path.startswith(CONTROL), rewrite)


def _fault_fires_once_more(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A rule that fired its last time answers the next matching request too."""
    last: dict[str, Exchange] = {}

    def rewrite(exchange: Exchange) -> None:
        world = exchange.headers.get(SANDBOX, "")
        if exchange.status == 503:
            last[world] = copy.copy(exchange)
        elif world in last:
            spent = last.pop(world)
            exchange.status, exchange.body = spent.status, spent.body
            exchange.response_headers = dict(spent.response_headers)

    return Rewrite(app, lambda e: e.path.startswith("/api/v1/events/"), rewrite)


def _counters_swapped(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(rule: dict) -> dict:
        return {**rule, "matched": rule["fired"]}

    return Rewrite(app, on_prefix("GET", "/faults/"), lambda e: _edit_body(e, edit))


def _removal_ignored(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    return Rewrite(app, on_prefix("DELETE", "/faults/"), before=lambda e: answer(e, 204))


def _clear_ignored(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def before(exchange: Exchange) -> bool:
        if exchange.headers.get("x-mock-control") or exchange.headers.get("content-type"):
            return answer(exchange, 204)
        return False

    return Rewrite(app, on_control("DELETE", "/faults"), before=before)


def _journal_newest_first(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(journal: dict) -> dict:
        return {**journal, "entries": list(reversed(journal["entries"]))}

    return Rewrite(app, on_control("GET", "/journal"), lambda e: _edit_body(e, edit))


def _journal_shows_tokens(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """The journal keeps the last `Authorization` seen, unredacted."""
    seen: dict[str, str] = {}

    def watch(exchange: Exchange) -> None:
        if "authorization" in exchange.headers:
            seen["authorization"] = exchange.headers["authorization"]

    def edit(journal: dict) -> dict:
        for entry in journal["entries"]:
            if "authorization" in entry["headers"] and seen:
                entry["headers"]["authorization"] = seen["authorization"]
        return journal

    watched = Rewrite(app, lambda e: not e.path.startswith(CONTROL), watch)
    return Rewrite(watched, on_control("GET", "/journal"), lambda e: _edit_body(e, edit))


def _journal_filters_ignored(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(query: Any) -> Any:
        return {k: v for k, v in query.items() if k not in ("api", "status", "method")}

    return Rewrite(app, on_control("GET", "/journal"), before=edit_query(edit))


def _journal_limit_keeps_oldest(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    limits: dict[str, int] = {}

    def edit(query: Any) -> Any:
        if "limit" in query:
            limits["limit"] = int(query.pop("limit")[0])
        else:
            limits.pop("limit", None)
        return query

    def rewrite(exchange: Exchange) -> None:
        if "limit" in limits:
            n = limits["limit"]
            _edit_body(exchange, lambda j: {**j, "entries": j["entries"][:n]})

    return Rewrite(app, on_control("GET", "/journal"), rewrite, before=edit_query(edit))


def _journal_clear_ignored(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    return Rewrite(app, on_control("DELETE", "/journal"), before=lambda e: answer(e, 204))


def _reset_ignored(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    return Rewrite(app, on_control("POST", "/reset"), before=lambda e: answer(e, 204))


def _import_moves_clock(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def before(exchange: Exchange) -> bool:
        state = json.loads(exchange.request_body or b"{}")
        if isinstance(state.get("clock"), dict):
            state["clock"]["now"] += 1000
            exchange.request_body = json.dumps(state).encode()
        return False

    return _with_body(app, on_control("PUT", "/state"), before)


def _import_dedupes(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Events with one id are merged on import instead of refused."""

    def before(exchange: Exchange) -> bool:
        state = json.loads(exchange.request_body or b"{}")
        tenants = state.get("apis", {}).get("event-collector", {}).get("tenants", {})
        for name, events in tenants.items():
            tenants[name] = list({e["id"]: e for e in events}.values())
        exchange.request_body = json.dumps(state).encode()
        return False

    return _with_body(app, on_control("PUT", "/state"), before)


def _faults_of_every_world(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """The default world's `GET /faults` lists the rules added in sandboxes too."""
    added: list[dict] = []

    def rewrite(exchange: Exchange) -> None:
        if exchange.method == "POST" and exchange.status == 201:
            added.append(exchange.json())
        elif exchange.method == "GET" and SANDBOX not in exchange.headers:
            _edit_body(exchange, lambda rules: [*rules, *added])

    return Rewrite(app, lambda e: e.path == f"{CONTROL}/faults", rewrite)


def _sandboxes_unlisted(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    return Rewrite(app, on_control("GET", "/sandboxes"), lambda e: _edit_body(e, lambda _: []))


def _sandboxes_nest(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def before(exchange: Exchange) -> bool:
        exchange.headers.pop(SANDBOX, None)
        return False

    return Rewrite(app, on_control("POST", "/sandboxes"), before=before)


def _deletion_ignored(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    return Rewrite(app, on_prefix("DELETE", "/sandboxes/"), before=lambda e: answer(e, 204))


def _rule_member_dropped(member: str) -> Any:
    """New fault rules lose `member` (as if the server did not know it)."""

    def breaks(mock: EventsMock, app: ASGIApp) -> ASGIApp:
        def before(exchange: Exchange) -> bool:
            rule = json.loads(exchange.request_body or b"{}")
            if isinstance(rule, dict) and member in rule:
                rule.pop(member)
                exchange.request_body = json.dumps(rule).encode()
            return False

        return _with_body(app, on_control("POST", "/faults"), before)

    return breaks


def _seed_ignored(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A rule's `seed` is replaced by a fresh one each time."""
    seeds = iter(range(1000, 10**6))

    def before(exchange: Exchange) -> bool:
        rule = json.loads(exchange.request_body or b"{}")
        if isinstance(rule, dict) and "seed" in rule:
            rule["seed"] = next(seeds)
            exchange.request_body = json.dumps(rule).encode()
        return False

    return _with_body(app, on_control("POST", "/faults"), before)


def _drop_answers_502(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def before(exchange: Exchange) -> bool:
        rule = json.loads(exchange.request_body or b"{}")
        if isinstance(rule, dict) and rule.pop("drop", False):
            rule["status"] = 502
            exchange.request_body = json.dumps(rule).encode()
        return False

    return _with_body(app, on_control("POST", "/faults"), before)


def _last_rule_decides(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Of several rules that fire, the last added decides the status."""
    statuses: dict[str, list[int]] = {}

    def watch(exchange: Exchange) -> None:
        world = exchange.headers.get(SANDBOX, "")
        if exchange.method == "DELETE" and exchange.path == f"{CONTROL}/faults":
            statuses.pop(world, None)
        elif exchange.method == "POST" and exchange.status == 201:
            status = exchange.json().get("status")
            if isinstance(status, int):
                statuses.setdefault(world, []).append(status)

    def several(exchange: Exchange) -> bool:
        """Only requests under several rules (a dropped connection has no answer to change)."""
        world = exchange.headers.get(SANDBOX, "")
        return exchange.path.startswith("/api/v1/events/") and len(statuses.get(world, [])) > 1

    def rewrite(exchange: Exchange) -> None:
        known = statuses[exchange.headers.get(SANDBOX, "")]
        if exchange.status == known[0]:
            exchange.status = known[-1]
            exchange.set_json({**exchange.json(), "code": known[-1]})

    watched = Rewrite(app, lambda e: e.path == f"{CONTROL}/faults", watch)
    return Rewrite(watched, several, rewrite)


def _jobs_newest_first(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    return Rewrite(app, on_control("GET", "/jobs"),
                   lambda e: _edit_body(e, lambda jobs: list(reversed(jobs))))  # fmt: skip


def _jobs_never_expire(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """An expired job is still answered, as it last was."""
    seen: dict[tuple[str, str], bytes] = {}

    def rewrite(exchange: Exchange) -> None:
        key = (exchange.headers.get(SANDBOX, ""), exchange.path.split("/")[3])
        if exchange.status == 200:
            seen[key] = exchange.body
        elif exchange.status == 404 and key in seen:
            exchange.status, exchange.body = 200, seen[key]
            exchange.response_headers["content-type"] = "application/json"

    return Rewrite(app, lambda e: e.path.startswith(f"{CONTROL}/jobs/"), rewrite)


CONTROL_TOKEN = "broken-control-token"
"""The `--control-token` of the server that breaks the token rule (and `verify --token`)."""


def _token_not_required(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A control call without the token (or with another) is served as if it had it."""

    def before(exchange: Exchange) -> bool:
        exchange.headers["authorization"] = f"Bearer {CONTROL_TOKEN}"
        return False

    return Rewrite(app, lambda e: e.path.startswith(CONTROL), before=before)


def _journal_cuts_unflagged(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A body the journal cut at 64 KiB is answered as if whole (`body_truncated: false`)."""

    def edit(journal: dict) -> dict:
        for entry in journal["entries"]:
            entry["body_truncated"] = False
        return journal

    return Rewrite(app, on_control("GET", "/journal"), lambda e: _edit_body(e, edit))


# ---------------------------------------------------------------------------------------------
# Helpers


def _with_body(app: ASGIApp, when: Any, before: Callable[[Exchange], bool]) -> ASGIApp:
    """Like `Rewrite(before=...)`, but `before` may change the request body the app reads."""

    async def rewritten(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not when(Exchange(scope["method"], scope["path"], {}, b"")):
            await app(scope, receive, send)
            return
        exchange = Exchange(scope["method"], scope["path"], {}, await _read_body(receive))
        before(exchange)
        body = exchange.request_body
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await app({**scope, "headers": headers}, _replay(body), send)

    return rewritten


def _rerouted(app: ASGIApp, when: Any, method: str, path: str) -> ASGIApp:
    """Requests `when` picks are served as `method path` instead."""

    async def rerouted(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and when(Exchange(scope["method"], scope["path"], {}, b"")):
            scope = {**scope, "method": method, "path": path, "raw_path": path.encode()}
        await app(scope, receive, send)

    return rerouted


def _server(
    name: str, operation: str, rule: str, evidence: str, breaks: Any, *, rule_id: str,
    select: str = FLOWS, control_token: str | None = None,
) -> BrokenServer:  # fmt: skip
    return BrokenServer(
        name, operation, rule, evidence, breaks, api="control", select=select,
        rule_id=f"control.{rule_id}", control_token=control_token,
    )  # fmt: skip


FAULTS = "test_fault_rules_fire_as_written"
JOURNAL = "test_journal_records_the_mocked_apis_redacted"
ACCESS = "test_changes_need_the_control_header_or_json"
CLOCK = "test_clock_moves_exactly_as_told"
JOBS = "test_jobs_end_as_forced_and_never_go_back"
STATE = "test_state_round_trips_and_refuses_contradictions"
SANDBOXES = "test_sandboxes_are_isolated_and_deleted_for_good"
INDEX = "test_index_lists_every_operation"
EFFECTS = "test_fault_effects_combine_as_documented"

CONTROL_SERVERS = [
    _server("control-token-not-required", "every operation",
            "with --control-token, a call without the token is served",
            "[control_token_required] GET /clock without the control token: answered 200, "
            "expected 401", _token_not_required, rule_id="access.token-401",
            select="test_calls_without_the_control_token_are_401", control_token=CONTROL_TOKEN),
    _server("control-header-optional", "every changing call",
            "a change without X-Mock-Control or a JSON body is carried out",
            "[refused] DELETE /faults without X-Mock-Control: answered 204, expected 403",
            _control_header_optional, rule_id="access.control-header", select=ACCESS),
    _server("control-faults-reach-control", "POST /faults",
            "a fault rule on /__mock/clock fires on the control plane",
            "[faults_spare_control]", _faults_reach_control, rule_id="faults.never-control",
            select=FAULTS),
    _server("control-journal-records-control", "GET /journal",
            "the journal lists a control call", "[journal_in_order] the journal records "
            "control calls", _journal_records_control, rule_id="journal.never-control",
            select=JOURNAL),
    _server("control-problem-status-400", "every operation",
            "every problem says status 400", "[problem_status_is_status]",
            _problem_status_400, rule_id="errors.problem-status", select=FAULTS),
    _server("control-untyped-body-as-json", "POST /clock/advance",
            "a body without Content-Type is read as JSON",
            "[refused] a body without Content-Type: answered 200, expected 415",
            _untyped_body_as_json, rule_id="body.untyped-415", select=ACCESS),
    _server("control-nan-rate-accepted", "POST /clock/rate",
            "a clock rate of NaN is taken (and freezes the clock)",
            "[refused] a clock rate of NaN: answered 200, expected 400",
            _nan_rate_taken_as_zero, rule_id="json.strict", select=ACCESS),
    _server("control-index-missing-last", "GET /", "the index leaves out the last operation",
            "[index_lists_operations]", _index_missing_last, rule_id="index.every-operation",
            select=INDEX),
    _server("control-index-without-vary", "GET /", "the index does not say Vary: Accept",
            "[index_lists_operations] the index answers JSON or HTML by Accept",
            _index_without_vary, rule_id="index.vary", select=INDEX),
    _server("control-advance-one-second-more", "POST /clock/advance",
            "the clock advances one second more than asked", "[clock_advanced]",
            _advance_one_second_more, rule_id="clock.advance-exact", select=CLOCK),
    _server("control-set-never-back", "POST /clock/set",
            "setting the clock back leaves it where it is", "[clock_set]",
            _set_never_back, rule_id="clock.set", select=CLOCK),
    _server("control-freeze-ignored", "POST /clock/freeze", "freezing does nothing",
            "[clock_frozen]", _freeze_ignored, rule_id="clock.freeze", select=CLOCK),
    _server("control-iso-an-hour-off", "every clock operation",
            "the clock's iso is an hour off its now", "[clock_consistent] the clock's iso",
            _iso_an_hour_off, rule_id="clock.iso-is-now", select=CLOCK),
    _server("control-never-frozen", "every clock operation",
            "the clock says frozen: false at rate 0", "[clock_consistent] the clock says "
            "frozen=False at rate 0", _never_frozen, rule_id="clock.frozen-is-rate-0",
            select=CLOCK),
    _server("control-forced-message-lost", "POST /jobs/{source}/status",
            "a forced TIMEOUT loses its message", "[job_forced]", _forced_message_lost,
            rule_id="jobs.forced", select=JOBS),
    _server("control-ended-job-reforced", "POST /jobs/{source}/status",
            "an ended job asked for another status answers 200",
            "[refused] forcing an ended job to another status: answered 200, expected 409",
            _ended_job_answered("/status"), rule_id="jobs.status-final", select=JOBS),
    _server("control-remaining-of-ended-job", "POST /jobs/{source}/remaining",
            "setting an ended job's remaining time answers 200",
            "[refused] setting the remaining time of an ended job: answered 200",
            _ended_job_answered("/remaining"), rule_id="jobs.remaining-ended-409", select=JOBS),
    _server("control-unknown-job-400", "GET /jobs/{source}", "an unknown job is 400",
            "[refused] an unknown job: answered 400, expected 404", _unknown_job_400,
            rule_id="jobs.unknown-404", select=JOBS),
    _server("control-fault-after-one", "POST /faults",
            "a new rule answers after: 1 where none was given", "[fault_as_added]",
            _fault_after_one, rule_id="faults.defaults", select=FAULTS),
    _server("control-faults-newest-first", "GET /faults", "rules are listed newest first",
            "[fault_rules_listed]", _faults_listed_newest_first,
            rule_id="faults.listed-in-order", select=FAULTS),
    _server("control-fault-without-retry-after", "the mocked APIs",
            "a firing rule's Retry-After is left out", "[fault_fired] the first read under "
            "the rule: Retry-After is None", _fault_without_retry_after,
            rule_id="faults.fire", select=FAULTS),
    _server("control-fault-fires-once-more", "the mocked APIs",
            "a rule fires once more than its times", "[fault_spent]",
            _fault_fires_once_more, rule_id="faults.times", select=FAULTS),
    _server("control-fault-counters-wrong", "GET /faults/{id}",
            "matched reports the firings", "[fault_counted]", _counters_swapped,
            rule_id="faults.counters", select=FAULTS),
    _server("control-fault-removal-ignored", "DELETE /faults/{id}",
            "a removed rule stays", "[gone] fault", _removal_ignored,
            rule_id="faults.removed", select=FAULTS),
    _server("control-fault-clear-ignored", "DELETE /faults", "clearing leaves the rules",
            "[emptied] GET /faults still holds", _clear_ignored, rule_id="faults.cleared",
            select=FAULTS),
    _server("control-journal-newest-first", "GET /journal", "the journal is newest first",
            "[journal_in_order]", _journal_newest_first, rule_id="journal.oldest-first",
            select=JOURNAL),
    _server("control-journal-shows-tokens", "GET /journal",
            "the journal shows Authorization unredacted", "[journal_redacted]",
            _journal_shows_tokens, rule_id="journal.redacted", select=JOURNAL),
    _server("control-journal-filters-ignored", "GET /journal",
            "the journal's api and status filters are ignored", "[journal_filtered]",
            _journal_filters_ignored, rule_id="journal.filters-narrow", select=JOURNAL),
    _server("control-journal-limit-keeps-oldest", "GET /journal",
            "limit keeps the oldest entries", "[journal_limit_keeps_latest]",
            _journal_limit_keeps_oldest, rule_id="journal.limit-latest", select=JOURNAL),
    _server("control-journal-cuts-unflagged", "GET /journal",
            "a body cut at 64 KiB is not flagged body_truncated",
            "[journal_bounded] a body over 65536 bytes is journaled with body_truncated=False",
            _journal_cuts_unflagged, rule_id="journal.bounded",
            select="test_journal_keeps_what_is_bounded"),
    _server("control-journal-clear-ignored", "DELETE /journal",
            "clearing leaves the journal as it was", "[emptied] the journal still holds",
            _journal_clear_ignored, rule_id="journal.cleared", select=JOURNAL),
    _server("control-reset-ignored", "POST /reset", "a reset changes nothing",
            "[emptied] GET /faults after a reset", _reset_ignored, rule_id="reset.fresh",
            select="test_reset_gives_a_fresh_mock"),
    _server("control-import-moves-clock", "PUT /state",
            "importing a state moves its clock a second", "[state_round_trip]",
            _import_moves_clock, rule_id="state.round-trip", select=STATE),
    _server("control-import-dedupes", "PUT /state",
            "a state with two events of one id is merged, not refused",
            "[state_conflict_refused]", _import_dedupes, rule_id="state.conflict-409",
            select=STATE),
    _server("control-faults-of-every-world", "GET /faults",
            "the default world lists the sandboxes' rules", "[sandbox_isolated]",
            _faults_of_every_world, rule_id="sandboxes.isolated", select=SANDBOXES),
    _server("control-sandboxes-unlisted", "GET /sandboxes", "no sandbox is listed",
            "[sandbox_listed]", _sandboxes_unlisted, rule_id="sandboxes.listed",
            select=SANDBOXES),
    _server("control-sandboxes-nest", "POST /sandboxes",
            "a sandbox made from inside one is made (in the default world)",
            "[refused] making a sandbox from inside one: answered 201, expected 409",
            _sandboxes_nest, rule_id="sandboxes.no-nesting", select=SANDBOXES),
    _server("control-sandbox-deletion-ignored", "DELETE /sandboxes/{id}",
            "a deleted sandbox lives on", "[gone] sandbox", _deletion_ignored,
            rule_id="sandboxes.deleted", select=SANDBOXES),
    _server("control-fault-after-ignored", "POST /faults", "a rule's after is ignored",
            "[fault_sequence] a rule with after 1, times 1", _rule_member_dropped("after"),
            rule_id="faults.after", select=EFFECTS),
    _server("control-fault-malformed-ignored", "POST /faults", "malformed does nothing",
            "[fault_malformed]", _rule_member_dropped("malformed"),
            rule_id="faults.malformed", select=EFFECTS),
    _server("control-fault-drop-answers", "POST /faults", "a drop rule answers 502 instead",
            "[fault_dropped] a drop rule answered 502", _drop_answers_502,
            rule_id="faults.drop", select=EFFECTS),
    _server("control-fault-latency-ignored", "POST /faults", "latency_ms is ignored",
            "[fault_delayed]", _rule_member_dropped("latency_ms"),
            rule_id="faults.latency", select=EFFECTS),
    _server("control-fault-last-decides", "the mocked APIs",
            "of two rules that fire, the last added decides",
            "[fault_sequence] two rules: the first decides", _last_rule_decides,
            rule_id="faults.first-decides", select=EFFECTS),
    _server("control-fault-seed-ignored", "POST /faults",
            "a rule's seed is ignored (a fresh one each time)", "[fault_reproducible]",
            _seed_ignored, rule_id="faults.seeded", select=EFFECTS),
    _server("control-jobs-newest-first", "GET /jobs", "jobs are listed newest first",
            "[jobs_listed]", _jobs_newest_first, rule_id="jobs.listed", select=JOBS),
    _server("control-jobs-never-expire", "GET /jobs/{source}",
            "an expired job is still answered", "[gone] job", _jobs_never_expire,
            rule_id="jobs.expire", select=JOBS),
]  # fmt: skip

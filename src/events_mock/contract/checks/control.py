"""Control plane rules no schema can express, as named checks (see `registry` for the kinds).

The control plane is what a test moves the mock with: a clock that does not move by exactly
what it was told, a fault that fires once too often or a journal that leaks a token makes
every test built on it wrong. These checks judge the answers against the calls that were made
(the flows in `suite/control_plane.py`, all inside a sandbox of their own).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from schemathesis import Case, CheckContext, Response

from events_mock.contract.checks.common import COMMON, json_body, operation_id_of
from events_mock.contract.context import RunContext
from events_mock.contract.registry import CheckSet
from events_mock.contract.violations import fail, snippet

__all__ = ["CONTROL", "FAULT_DEFAULTS", "without_offset"]

CONTROL = CheckSet("control", includes=[COMMON])
TRUNCATED_MARK = " [TRUNCATED]"
"""How the journal ends a value it cut (`GET /journal` description)."""
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CLOCK_OPERATIONS = ("getClock", "advanceClock", "setClock", "freezeClock", "setClockRate")
FAULT_DEFAULTS = {
    "method": "*",
    "after": 0,
    "probability": 1,
    "latency_ms": 0,
    "drop": False,
    "malformed": False,
    "matched": 0,
    "fired": 0,
}
"""What a new rule answers for what it was not given (the spec's `FaultRuleInput` defaults)."""


# ---------------------------------------------------------------------------------------------
# The clock


@CONTROL.flow_check
def clock_consistent(ctx: RunContext, clock: Any, response: Response) -> None:
    """A clock's `iso` is its `now` as an ISO 8601 UTC date-time, and `frozen` is `rate` 0."""
    if not isinstance(clock, Mapping):
        return
    now, iso, rate, frozen = (clock.get(k) for k in ("now", "iso", "rate", "frozen"))
    if isinstance(now, int) and isinstance(iso, str):
        try:
            parsed = datetime.fromisoformat(iso.replace("Z", "+00:00"))
        except ValueError:
            fail(f"the clock's iso {iso!r} is no ISO 8601 date-time", response)
        # Integer arithmetic: a float timestamp is a millisecond off near year 9999.
        if parsed.tzinfo is None or (parsed - EPOCH) // timedelta(milliseconds=1) != now:
            fail(f"the clock's iso {iso!r} is not its now {now} ({_iso(now)})", response)
    if isinstance(rate, int | float) and isinstance(frozen, bool) and frozen != (rate == 0):
        fail(f"the clock says frozen={frozen} at rate {rate}: frozen is rate 0", response)


@CONTROL.flow_check
def clock_advanced(ctx: RunContext, before: int, seconds: float, response: Response) -> None:
    """A frozen clock advanced by N seconds reads exactly N * 1000 ms later."""
    now = _field(response, "now")
    if now != before + round(seconds * 1000):
        fail(
            f"the clock at {before} advanced by {seconds} s reads {now}, expected "
            f"{before + round(seconds * 1000)}",
            response,
        )


@CONTROL.flow_check
def clock_set(ctx: RunContext, now: int, rate: float, response: Response) -> None:
    """Setting the clock (back as well as forward) answers exactly that instant and rate."""
    got = (_field(response, "now"), _field(response, "rate"))
    if got != (now, rate):
        fail(f"the clock set to now={now}, rate={rate} answers now={got[0]}, rate={got[1]}",
             response)  # fmt: skip


@CONTROL.flow_check
def clock_frozen(ctx: RunContext, responses: Sequence[Response]) -> None:
    """A frozen clock (rate 0) stands still: only explicit changes move it."""
    readings = [_field(r, "now") for r in responses]
    if len(set(readings)) != 1 or any(_field(r, "rate") != 0 for r in responses):
        fail(f"the frozen clock reads {readings}", *responses)


# ---------------------------------------------------------------------------------------------
# Faults


@CONTROL.flow_check
def fault_as_added(ctx: RunContext, sent: Mapping[str, Any], response: Response) -> str:
    """A new rule answers what it was given, the spec's defaults for the rest, fresh counters
    and `remaining` equal to `times` (null for unlimited); its id is returned."""
    body = json_body(response)
    if response.status_code != 201 or not isinstance(body, Mapping):
        fail(f"adding the fault rule {dict(sent)} answered {response.status_code}", response)
    expected = {**FAULT_DEFAULTS, **sent, "remaining": sent.get("times")}
    wrong = {k: body.get(k) for k, v in expected.items() if body.get(k) != v}
    if wrong:
        fail(f"the rule as added differs from {expected}: {wrong}", response)
    return str(body.get("id"))


@CONTROL.flow_check
def fault_rules_listed(ctx: RunContext, added: Sequence[str], response: Response) -> None:
    """`GET /faults` lists every rule, in the order they are tried (the order added)."""
    body = json_body(response)
    ids = [r.get("id") for r in body if isinstance(r, Mapping)] if isinstance(body, list) else []
    if [i for i in ids if i in added] != list(added):
        fail(f"the rules added were {list(added)}; GET /faults lists {ids}", response)


@CONTROL.flow_check
def fault_fired(
    ctx: RunContext, response: Response, status: int, retry_after: int | None, why: str
) -> None:
    """A firing rule answers its status, in the mocked API's own error shape, with its
    `Retry-After`."""
    if response.status_code != status:
        fail(f"{why}: answered {response.status_code}, expected {status}", response)
    body = json_body(response)
    if not isinstance(body, Mapping) or body.get("code") != status or "message" not in body:
        fail(f"{why}: the answer is not the Event Collector's error shape: {snippet(response)}",
             response)  # fmt: skip
    if retry_after is not None:
        values = response.headers.get("retry-after") or []
        got = values[0] if values else None
        if got != str(retry_after):
            fail(f"{why}: Retry-After is {got!r}, expected {retry_after}", response)


@CONTROL.flow_check
def fault_spent(ctx: RunContext, response: Response, why: str) -> None:
    """A rule that fired its `times` lets the next request through to the API."""
    if response.status_code != 404:
        fail(f"{why}: answered {response.status_code}, expected the API's own 404", response)


@CONTROL.flow_check
def fault_counted(ctx: RunContext, response: Response, expected: Mapping[str, Any]) -> None:
    """`matched`, `fired` and `remaining` count what the rule saw and did."""
    body = json_body(response)
    got = {k: body.get(k) for k in expected} if isinstance(body, Mapping) else {}
    if got != dict(expected):
        fail(f"the rule's counters are {got}, expected {dict(expected)}", response)


@CONTROL.flow_check
def faults_spare_control(ctx: RunContext, response: Response) -> None:
    """Fault rules never apply to `/__mock/` itself."""
    if response.status_code != 200:
        fail(
            f"a fault rule on /__mock/clock made GET /__mock/clock answer "
            f"{response.status_code}: rules never apply to the control plane",
            response,
        )


@CONTROL.flow_check
def gone(ctx: RunContext, response: Response, what: str) -> None:
    """What was removed (a rule, a sandbox) is 404 from then on."""
    if response.status_code != 404:
        fail(f"{what}, removed, answers {response.status_code}, expected 404", response)


@CONTROL.flow_check
def emptied(ctx: RunContext, response: Response, what: str, items: Any) -> None:
    """After a clear or a reset, nothing of it is left."""
    if items:
        fail(f"{what} still holds {len(items)} after being emptied: {snippet(response)}",
             response)  # fmt: skip


@CONTROL.flow_check
def fault_sequence(
    ctx: RunContext, responses: Sequence[Response], statuses: Sequence[int], why: str
) -> None:
    """Requests under rules answer as `after`, `times` and the first rule that fires say."""
    got = [r.status_code for r in responses]
    if got != list(statuses):
        fail(f"{why}: the requests answered {got}, expected {list(statuses)}", *responses)


@CONTROL.flow_check
def fault_malformed(ctx: RunContext, response: Response, whole: Response) -> None:
    """`malformed` lets the request through and cuts the answer's body in half."""
    cut, full = response.content, whole.content
    if response.status_code != whole.status_code or cut != full[: len(full) // 2]:
        fail(f"a malformed rule answered {response.status_code} {cut[:80]!r}, expected the "
             f"first half of {full[:80]!r}", response)  # fmt: skip


@CONTROL.flow_check
def fault_dropped(ctx: RunContext, response: Response | None) -> None:
    """`drop` closes the connection without any answer."""
    if response is not None:
        fail(f"a drop rule answered {response.status_code} instead of closing", response)


@CONTROL.flow_check
def fault_delayed(ctx: RunContext, response: Response, seconds: float) -> None:
    """`latency_ms` waits that long (real time) before answering."""
    if response.elapsed < seconds:
        fail(f"a rule with latency {seconds} s answered after {response.elapsed:.3f} s", response)


@CONTROL.flow_check
def fault_reproducible(ctx: RunContext, sequences: Sequence[Sequence[Response]]) -> None:
    """A `probability` with a `seed` fires in the same sequence every time."""
    patterns = [[r.status_code for r in sequence] for sequence in sequences]
    if any(pattern != patterns[0] for pattern in patterns):
        fail(f"the same seeded rule fired as {patterns}", *[s[-1] for s in sequences])


@CONTROL.flow_check
def jobs_listed(ctx: RunContext, response: Response, sources: Sequence[str]) -> None:
    """`GET /jobs` lists every live job in the order started; an expired one is gone."""
    body = json_body(response)
    listed = (
        [j.get("source") for j in body if isinstance(j, Mapping)] if isinstance(body, list) else []
    )
    if listed != list(sources):
        fail(f"GET /jobs lists {listed}, expected {list(sources)}", response)


# ---------------------------------------------------------------------------------------------
# The journal


@CONTROL.flow_check
def journal_in_order(
    ctx: RunContext, entries: Sequence[Any], sent: Sequence[str], response: Response
) -> None:
    """The journal holds the requests to the mocked APIs, oldest first, ids increasing, and
    none to `/__mock/`."""
    entries = [e for e in entries if isinstance(e, Mapping)]
    ids = [e.get("id") for e in entries]
    numbers = [i for i in ids if isinstance(i, int)]
    if len(numbers) != len(ids) or numbers != sorted(set(numbers)):
        fail(f"journal ids are not increasing: {ids}", response)
    paths = [e.get("path") for e in entries]
    if any(isinstance(p, str) and p.startswith("/__mock") for p in paths):
        fail(f"the journal records control calls: {paths}", response)
    if [p for p in paths if p in sent] != list(sent):
        fail(f"the requests sent were {list(sent)}, oldest first; the journal has {paths}",
             response)  # fmt: skip


@CONTROL.flow_check
def journal_redacted(ctx: RunContext, response: Response, secrets: Sequence[str]) -> None:
    """No credential appears in the journal: `Authorization` (and any token) is redacted."""
    for secret in secrets:
        if secret in response.text:
            fail("a credential the journaled requests carried appears in the journal", response)
    body = json_body(response)
    entries = body.get("entries", []) if isinstance(body, Mapping) else []
    for entry in entries:
        auth = (
            (entry.get("headers") or {}).get("authorization")
            if isinstance(entry, Mapping)
            else None
        )
        if auth is not None and "[REDACTED]" not in auth:
            fail(f"a journaled Authorization is {auth!r}, not redacted", response)


@CONTROL.flow_check
def journal_filtered(
    ctx: RunContext, entries: Sequence[Any], field: str, value: Any, response: Response
) -> None:
    """Every filter narrows the journal: each entry answered has the value asked for."""
    others = [e.get(field) for e in entries if isinstance(e, Mapping) and e.get(field) != value]
    if others or not entries:
        fail(f"the journal filtered by {field}={value!r} holds {field}s {others or 'nothing'}",
             response)  # fmt: skip


@CONTROL.flow_check
def journal_limit_keeps_latest(
    ctx: RunContext, entries: Sequence[Any], latest: Sequence[Any], response: Response
) -> None:
    """`limit` keeps the most recent entries."""
    got = [e.get("id") for e in entries if isinstance(e, Mapping)]
    want = [e.get("id") for e in latest if isinstance(e, Mapping)]
    if got != want:
        fail(f"limit={len(want)} answered entries {got}, the most recent are {want}", response)


@CONTROL.flow_check
def journal_bounded(
    ctx: RunContext,
    response: Response,
    bounds: Mapping[str, int],
    sent: Mapping[str, tuple[str, str]],
    latest: Sequence[int] | None = None,
) -> None:
    """What an entry keeps is bounded and each cut flagged: a body its first `body` bytes
    (`body_truncated`), the path, the query string and each header value their first `value`
    bytes (ending ` [TRUNCATED]`, `headers_truncated`); the journal keeps at most `capacity`
    entries and `max_bytes` (the newest always). `sent`: which part of a request was over
    its bound (`body`, `path`, `query` or a header's name) -> that request's method and the
    start of its path. `latest`: the ids of the most recent entries, for a journal filled past
    its capacity: exactly those are kept, the oldest dropped."""
    body = json_body(response)
    if not isinstance(body, Mapping):
        fail("the journal is no JSON object", response)
    entries = [e for e in body.get("entries", []) if isinstance(e, Mapping)]
    capacity, max_bytes, kept = body.get("capacity"), body.get("max_bytes"), body.get("bytes")
    if isinstance(capacity, int) and len(entries) > capacity:
        fail(f"the journal holds {len(entries)} entries, its capacity is {capacity}", response)
    over = isinstance(max_bytes, int) and isinstance(kept, int) and kept > max_bytes
    if over and len(entries) > 1:  # the newest entry is kept whatever its size
        fail(f"the journal holds {kept} bytes in {len(entries)} entries, over its max_bytes "
             f"{max_bytes}", response)  # fmt: skip
    ids = [e.get("id") for e in entries]
    if latest is not None and ids != list(latest):
        fail(f"the journal of capacity {capacity}, filled past it, holds ids {ids[:2]}..."
             f"{ids[-2:]} ({len(ids)}); the most recent are {list(latest)[:2]}..."
             f"{list(latest)[-2:]}", response)  # fmt: skip
    value_limit, body_limit = bounds["value"], bounds["body"]
    mark = TRUNCATED_MARK
    for part, (method, prefix) in sent.items():
        entry = next(
            (e for e in entries
             if e.get("method") == method and str(e.get("path", "")).startswith(prefix)),
            None,
        )  # fmt: skip
        if entry is None:
            fail(f"the request with an oversized {part} is not in the journal", response)
        if part == "body":
            kept_body = entry.get("body")
            size = len(kept_body.encode()) if isinstance(kept_body, str) else None
            if entry.get("body_truncated") is not True or size is None or size > body_limit:
                fail(f"a body over {body_limit} bytes is journaled with body_truncated="
                     f"{entry.get('body_truncated')}, {size} bytes kept", response)  # fmt: skip
            continue
        if part == "path":
            values = [str(entry.get("path", ""))]
        elif part == "query":
            values = [v for vs in (entry.get("query") or {}).values() for v in vs]
        else:
            values = [str((entry.get("headers") or {}).get(part, ""))]
        longest = max(values, key=len, default="")
        if (
            entry.get("headers_truncated") is not True
            or not longest.endswith(mark)
            or len(longest.removesuffix(mark).encode()) > value_limit
        ):
            fail(f"a {part} over {value_limit} bytes is journaled with headers_truncated="
                 f"{entry.get('headers_truncated')}, as {len(longest)} characters ending "
                 f"{longest[-16:]!r}", response)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# State, sandboxes, access, the index, jobs


@CONTROL.flow_check
def state_round_trip(ctx: RunContext, exported: Any, response: Response) -> None:
    """Importing an exported state restores it: exported again, it is the same document (a
    frozen clock's `offset_ms`, now minus real time, aside: real time has moved)."""
    if without_offset(json_body(response)) != without_offset(exported):
        fail("the state exported, imported and exported again differs", response)


@CONTROL.flow_check
def state_conflict_refused(ctx: RunContext, response: Response, unchanged: bool) -> None:
    """A state that contradicts itself (two events with one id) is 409 and changes nothing."""
    if response.status_code != 409:
        fail(f"a state with two events of one id answered {response.status_code}, expected 409",
             response)  # fmt: skip
    if not unchanged:
        fail("a refused state import changed the state", response)


@CONTROL.flow_check
def sandbox_isolated(ctx: RunContext, response: Response, marker: str, where: str) -> None:
    """What is made in a sandbox is not seen outside it (nor in another sandbox)."""
    if marker in response.text:
        fail(f"a fault rule added in a sandbox is listed by {where}", response)


@CONTROL.flow_check
def sandbox_listed(ctx: RunContext, response: Response, sandbox_id: str) -> None:
    """`GET /sandboxes` lists every live sandbox."""
    body = json_body(response)
    ids = [s.get("id") for s in body if isinstance(s, Mapping)] if isinstance(body, list) else []
    if sandbox_id not in ids:
        fail(f"the live sandbox {sandbox_id} is not listed: {ids}", response)


@CONTROL.flow_check
def refused(ctx: RunContext, response: Response, status: int, why: str) -> None:
    """A call the spec refuses is refused with its status, and changes nothing (the caller
    checks that next)."""
    if response.status_code != status:
        fail(f"{why}: answered {response.status_code}, expected {status}", response)


@CONTROL.flow_check
def control_token_required(ctx: RunContext, response: Response, why: str) -> None:
    """With a control token, a call without it (or with another) is 401 with a Bearer
    challenge (RFC 6750 section 3: `WWW-Authenticate: Bearer ...`)."""
    if response.status_code != 401:
        fail(f"{why}: answered {response.status_code}, expected 401", response)
    challenge = ", ".join(response.headers.get("www-authenticate") or [])
    if challenge.split(" ", 1)[0].lower() != "bearer":
        fail(f"{why}: the 401 challenges {challenge!r}, not Bearer (RFC 6750 section 3)",
             response)  # fmt: skip


@CONTROL.flow_check
def unchanged_after_refusal(ctx: RunContext, response: Response, why: str, same: bool) -> None:
    """A refused call changes nothing."""
    if not same:
        fail(f"{why} was refused, yet it changed the mock", response)


@CONTROL.flow_check
def index_lists_operations(
    ctx: RunContext, response: Response, operations: Sequence[tuple[str, str, str]]
) -> None:
    """The index lists every operation, in the spec's order: method, full path, summary; and
    says `Vary: Accept`."""
    body = json_body(response)
    endpoints = body.get("endpoints", []) if isinstance(body, Mapping) else []
    got = [
        (e.get("method"), e.get("path"), e.get("summary"))
        for e in endpoints
        if isinstance(e, Mapping)
    ]
    if got != list(operations):
        missing = [op for op in operations if op not in got][:3]
        fail(f"the index lists {len(got)} endpoints, the spec {len(operations)} (missing "
             f"{missing}, or another order)", response)  # fmt: skip
    vary = ",".join(response.headers.get("vary") or []).lower()
    if "accept" not in vary:
        fail(f"the index answers JSON or HTML by Accept but says Vary: {vary!r}", response)


@CONTROL.flow_check
def job_forced(ctx: RunContext, response: Response, status: str, message: str | None) -> None:
    """`POST /jobs/{source}/status` ends the job now with that status (and its message)."""
    body = json_body(response) if response.status_code == 200 else None
    got = (body.get("status"), body.get("failure")) if isinstance(body, Mapping) else None
    if got != (status, message):
        fail(f"forcing the job to {status} answered {response.status_code} {got}", response)


# ---------------------------------------------------------------------------------------------
# Response checks: run by Schemathesis on every response of the control plane


@CONTROL.response_check
def control_clock_answered(
    ctx: RunContext, checking: CheckContext, response: Response, case: Case
) -> bool | None:
    """Every clock answer: `iso` is `now`, `frozen` is rate 0."""
    if operation_id_of(case) not in CLOCK_OPERATIONS or response.status_code != 200:
        return True
    clock_consistent(ctx, json_body(response), response)
    return None


@CONTROL.flow_check
def problem_status_is_status(ctx: RunContext, response: Response) -> None:
    """A problem's `status` is the HTTP status of the answer (RFC 9457 section 3.1.2)."""
    body = json_body(response)
    status = body.get("status") if isinstance(body, Mapping) else None
    if isinstance(status, int) and status != response.status_code:
        fail(f"the {response.status_code} problem says status {status}", response)


@CONTROL.response_check
def control_problem_answered(
    ctx: RunContext, checking: CheckContext, response: Response, case: Case
) -> bool | None:
    if response.status_code < 400:
        return True
    problem_status_is_status(ctx, response)
    return None


def without_offset(state: Any) -> Any:
    if isinstance(state, Mapping) and isinstance(state.get("clock"), Mapping):
        clock = {k: v for k, v in state["clock"].items() if k != "offset_ms"}
        return {**state, "clock": clock}
    return state


def _field(response: Response, name: str) -> Any:
    body = json_body(response)
    return body.get(name) if isinstance(body, Mapping) else None


def _iso(millis: int) -> str:
    return (EPOCH + timedelta(milliseconds=millis)).isoformat(timespec="milliseconds")

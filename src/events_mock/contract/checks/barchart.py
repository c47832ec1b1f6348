"""Barchart's contract rules no schema can express (see `events_mock.contract.registry`).

A report is only useful if the job reports what it was asked, moves RUNNING -> one terminal
status once, and its link downloads exactly the events the filter selects; the schema says what
each answer looks like, these say that the answers agree with each other and with what was sent.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeGuard, TypeVar
from urllib.parse import urlsplit

from schemathesis import Case, CheckContext, Response
from schemathesis.specs.openapi.checks import positive_data_acceptance

from events_mock.barchart.catalog import load_catalog
from events_mock.contract.checks.common import (
    COMMON,
    applies,
    has_negative_body,
    is_negative,
    json_body,
    negative_case_refused,
    operation_id_of,
    sent_path_parameter,
    sent_url,
)
from events_mock.contract.clocks import JobTimedOut
from events_mock.contract.context import RunContext
from events_mock.contract.registry import CheckSet
from events_mock.contract.violations import fail, snippet

__all__ = [
    "BARCHART",
    "INVALID",
    "JOB_FAILED",
    "NO_JOB",
    "STILL_RUNNING",
    "UNSUPPORTED_MEDIA_TYPE",
    "JobRecord",
    "SeenJobs",
]

BARCHART = CheckSet("barchart", includes=[COMMON])
TERMINAL = frozenset({"COMPLETE", "TIMEOUT", "FAILED"})
STATUSES = TERMINAL | {"RUNNING"}
EVENT_FIELDS = ("customer", "product", "type", "timestamp", "context", "version")
FILTER_FIELDS = ("customer", "product", "types", "start", "end")
OUTPUT_FIELDS = ("delimiter", "bucketName", "bucketKey")
NO_JOB = "EVENT_JOB_GET_FAILED_NO_JOB"
STILL_RUNNING = "EVENT_JOB_GET_FAILED_RUNNING"
JOB_FAILED = "EVENT_JOB_GET_FAILED"
INVALID = "REQUEST_INVALID"
UNSUPPORTED_MEDIA_TYPE = "REQUEST_UNSUPPORTED_MEDIA_TYPE"
T = TypeVar("T")


@dataclass
class JobRecord:
    """What the suite has seen of one report job, to judge the next answer against it."""

    filter: Any
    start: Any
    statuses: list[str] = field(default_factory=list)


@dataclass
class SeenJobs:
    """The report jobs this run started, by (origin, source): the checks only judge those."""

    jobs: dict[tuple[str, str], JobRecord] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Flow checks: events


@BARCHART.flow_check
def batch_assigned(
    ctx: RunContext, sent: Sequence[Mapping[str, Any]], response: Response
) -> list[dict]:
    """Every event comes back once, in order, unchanged, with one batch id and sequences 1..n."""
    body = json_body(response)
    if not isinstance(body, list) or len(body) != len(sent):
        count = len(body) if isinstance(body, list) else type(body).__name__
        fail(f"{len(sent)} events were posted, the answer holds {count}", response)
    batches = {event.get("batch") for event in body if isinstance(event, dict)}
    if sent and (len(batches) != 1 or not all(isinstance(b, str) and b for b in batches)):
        fail(
            f"one batch id expected for the whole request, got {sorted(map(str, batches))}",
            response,
        )
    sequences = [event.get("sequence") for event in body]
    if sequences != list(range(1, len(sent) + 1)):
        fail(f"sequences must be 1..{len(sent)} in posting order, got {sequences}", response)
    for position, (posted, echoed) in enumerate(zip(sent, body, strict=True), start=1):
        changed = [f for f in EVENT_FIELDS if posted.get(f) != echoed.get(f)]
        if changed:
            detail = ", ".join(
                f"{f}: sent {posted.get(f)!r}, got {echoed.get(f)!r}" for f in changed
            )
            fail(f"event {position} came back changed ({detail})", response)
    return body


@BARCHART.flow_check
def batches_distinct(ctx: RunContext, first: Response, second: Response) -> None:
    """Two requests are two batches: their events do not share a batch id."""
    ids = [
        {e.get("batch") for e in json_body(r) or [] if isinstance(e, dict)} for r in (first, second)
    ]
    if ids[0] & ids[1]:
        fail(
            f"two requests got the same batch id {ids[0] & ids[1]}",
            first,
            second,
        )


# ---------------------------------------------------------------------------------------------
# Flow checks: report jobs


@BARCHART.flow_check
def job_started_running(ctx: RunContext, status: Mapping[str, Any], response: Response) -> None:
    """RUNNING is the only initial status: a job is never born finished."""
    if status.get("status") != "RUNNING":
        fail(
            f"a new job must be RUNNING, got {status.get('status')!r}",
            response,
        )


@BARCHART.flow_check
def filter_echoed(
    ctx: RunContext,
    sent: Mapping[str, Any],
    status: Mapping[str, Any],
    response: Response,
    output: Any = None,
) -> None:
    """The job repeats the filter as sent, with the filter's own members only (never `output`,
    which the vendor's JavaScript SDK refuses inside a filter), times as integers whichever
    form was sent; and it answers the export options sent (`output` beside the filter, or the
    older `filter.output`) in a top-level `output`."""
    echoed = status.get("filter")
    if not isinstance(echoed, Mapping):
        fail(f"the job carries no filter object: {echoed!r}", response)
        return
    if "output" in echoed:
        fail(
            f"the echoed filter holds `output` ({echoed['output']!r}): it must hold the "
            "filter's own members only, the options belong in the job's top-level `output`",
            response,
        )
    expected = normalized_filter(sent)
    wrong = [f for f in FILTER_FIELDS if echoed.get(f) != expected.get(f)]
    if wrong:
        detail = ", ".join(f"{f}: sent {sent.get(f)!r}, echoed {echoed.get(f)!r}" for f in wrong)
        fail(f"the filter is not echoed as sent ({detail})", response)
    options = sent_options(sent, output)
    answered = status.get("output")
    members = _documented_output(answered) if isinstance(answered, Mapping) else {}
    if members != options or (answered is not None and not isinstance(answered, Mapping)):
        fail(
            f"the job must answer the export options sent ({options or 'none'}) in its "
            f"top-level `output`, it answered {answered!r}",
            response,
        )


@BARCHART.flow_check
def timing_consistent(ctx: RunContext, status: Mapping[str, Any], response: Response) -> None:
    """`timing` says when the job started (day and instant) and, once finished, when it ended."""
    timing = status.get("timing")
    if not isinstance(timing, Mapping) or not _is_int(timing.get("start")):
        fail(f"timing must carry the start instant, got {timing!r}", response)
        return
    start = timing["start"]
    day = timing.get("day")
    started_on = datetime.fromtimestamp(start / 1000, tz=UTC).date().isoformat()
    if not isinstance(day, str) or day[:10] != started_on:
        fail(f"timing.day {day!r} is not the day the job started ({started_on})", response)
    finished = status.get("status") in TERMINAL
    if finished and not _is_int(timing.get("end")):
        fail(f"the job is {status.get('status')} but timing.end is missing", response)
    if finished and timing["end"] < start:
        fail(f"timing.end {timing['end']} is before timing.start {start}", response)
    if not finished and "end" in timing:
        fail(f"timing.end {timing['end']} is set while the job is still RUNNING", response)


@BARCHART.flow_check
def status_moves_once(
    ctx: RunContext, statuses: Sequence[str | None], *responses: Response
) -> None:
    """RUNNING, then exactly one terminal status, which then never changes (None: a status
    read without one, never a known status)."""
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        fail(f"unknown job status {unknown[0]!r}", *responses[-1:])
    terminal = [i for i, s in enumerate(statuses) if s in TERMINAL]
    if terminal and any(s != statuses[terminal[0]] for s in statuses[terminal[0] :]):
        fail(
            f"the job's status left its terminal status: {' -> '.join(_runs(statuses))}",
            *responses[-2:],
        )


@BARCHART.flow_check
def job_completed(ctx: RunContext, final: str | None, response: Response) -> None:
    """A report over a handful of events ends COMPLETE (TIMEOUT is for too many records)."""
    if final != "COMPLETE":
        fail(f"a report over a handful of events ended {final}", response)


@BARCHART.flow_check
def job_is_the_one_asked(
    ctx: RunContext, source: str, status: Mapping[str, Any], response: Response
) -> None:
    """The status read for a job is that job's."""
    if status.get("source") != source:
        fail(
            f"asked for job {source!r}, got {status.get('source')!r}",
            response,
        )


@BARCHART.flow_check
def job_unchanged(
    ctx: RunContext, record: JobRecord, status: Mapping[str, Any], response: Response
) -> None:
    """Reading a job again gives the same filter and start it was created with."""
    if status.get("filter") != record.filter:
        fail(
            f"the job's filter changed from {record.filter!r} to {status.get('filter')!r}",
            response,
        )
    timing = status.get("timing")
    start = timing.get("start") if isinstance(timing, Mapping) else None
    if start != record.start:
        fail(f"timing.start changed from {record.start} to {start}", response)


@BARCHART.flow_check
def refused_with(ctx: RunContext, response: Response, status: int, code: str, why: str) -> None:
    """A documented refusal: this status, and this failure code in the error array."""
    codes = error_codes(response)
    if response.status_code != status or code not in codes:
        got = f"{response.status_code} {codes or snippet(response)}"
        fail(f"{why}: expected {status} {code}, got {got}", response)


@BARCHART.flow_check
def link_is_download_url(ctx: RunContext, response: Response) -> str:
    """The link is an absolute http(s) URL of a `.csv` file."""
    body = json_body(response)
    link = body.get("link") if isinstance(body, Mapping) else None
    if not isinstance(link, str) or not _is_absolute_http(link):
        fail(f"expected an absolute http(s) link, got {link!r}", response)
    if not urlsplit(link).path.endswith(".csv"):
        fail(f"the export is a .csv file, the link is {link!r}", response)
    return link


@BARCHART.flow_check
def link_matches_job(ctx: RunContext, record: JobRecord, response: Response) -> None:
    """A link only for a COMPLETE job; a finished job's answer does not go back to RUNNING."""
    last = record.statuses[-1] if record.statuses else None
    codes = error_codes(response)
    if last == "COMPLETE" and response.status_code != 200:
        fail(f"the job is COMPLETE, yet its link was refused: {codes}", response)
    if last in ("FAILED", "TIMEOUT") and response.status_code == 200:
        fail(f"the job ended {last}, yet a link to its file was given", response)


@BARCHART.flow_check
def downloads_without_credentials(ctx: RunContext, response: Response) -> str:
    """Anyone holding the link can download: no credentials are sent and none are asked for."""
    sent = {k.lower() for k in response.request.headers}
    if "authorization" in sent:
        fail("the download was sent with credentials", response)
    if response.status_code != 200:
        fail(
            f"the link must download without credentials, got {response.status_code}",
            response,
        )
    return response.text


@BARCHART.flow_check
def export_delimited(
    ctx: RunContext, response: Response, columns: Sequence[str], delimiter: str = "|"
) -> list:
    """A header row of the documented columns, then rows of as many fields, split by one char."""
    text = response.text
    lines = text.splitlines()
    expected_header = delimiter.join(columns)
    if not lines or lines[0] != expected_header:
        header = lines[0] if lines else ""
        fail(
            f"the export must start with the header {expected_header!r}, got {header!r}",
            response,
        )
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))[1:]
    for number, row in enumerate(rows, start=2):
        if len(row) != len(columns):
            fail(
                f"line {number} has {len(row)} {delimiter!r}-delimited fields, expected "
                f"{len(columns)}: {delimiter.join(row)!r}",
                response,
            )
    return rows


@BARCHART.flow_check
def export_exactly(
    ctx: RunContext,
    rows: Sequence[Sequence[str]],
    expected: Sequence[Sequence[str]],
    response: Response,
) -> None:
    """The export holds exactly the events the report selects: none missing, none added."""
    got, want = Counter(map(tuple, rows)), Counter(map(tuple, expected))
    missing, extra = want - got, got - want
    if missing or extra:
        detail = "".join(f"\n      missing: {'|'.join(r)}" for r in sorted(missing.elements()))
        detail += "".join(f"\n      extra:   {'|'.join(r)}" for r in sorted(extra.elements()))
        fail(
            f"the export should hold exactly {len(expected)} rows of this run's events, it "
            f"holds {len(rows)}:{detail}",
            response,
        )


@BARCHART.flow_check
def finishes_in_time(ctx: RunContext, name: str, wait: Callable[[], T]) -> T:
    """A job leaves RUNNING within its deadline (15 minutes, or `--job-timeout`)."""
    try:
        return wait()
    except JobTimedOut as timed_out:
        fail(f"the {name} report: {timed_out}")


@BARCHART.flow_check
def job_failed(ctx: RunContext, final: str | None, response: Response) -> None:
    """A report no export can satisfy (a product asked for another product's types) ends
    FAILED: not COMPLETE with an empty file, not TIMEOUT."""
    if final != "FAILED":
        fail(f"a report asking a product for another product's types ended {final}", response)


@BARCHART.flow_check
def link_still_valid(ctx: RunContext, why: str, response: Response) -> None:
    """A link within its 15 minutes downloads, whatever was asked for since."""
    if response.status_code != 200:
        fail(f"{why}: the download answered {response.status_code}", response)


@BARCHART.flow_check
def forged_link_refused(ctx: RunContext, kind: str, response: Response) -> None:
    """A link is the capability to its file: one altered or cut short grants nothing."""
    if 200 <= response.status_code < 300:
        fail(f"{kind} downloaded ({response.status_code}); it must be refused", response)


@BARCHART.flow_check
def foreign_link_refused(ctx: RunContext, kind: str, response: Response) -> None:
    """A link grants its own report only: its token opens no other report's file."""
    if 200 <= response.status_code < 300:
        fail(f"{kind} downloaded ({response.status_code}); it must be refused", response)


@BARCHART.flow_check
def link_expires(ctx: RunContext, response: Response) -> None:
    """A link is good for 15 minutes: once they have passed its download answers 403."""
    if response.status_code != 403:
        fail(
            f"a link 15 minutes after it was issued answered {response.status_code}, "
            "expected 403 (expired)",
            response,
        )


@BARCHART.flow_check
def authenticate_answers_caller(
    ctx: RunContext, mine: Response, again: Response, theirs: Response
) -> None:
    """`GET /service/authenticate` answers who the caller is: one user's id every time, and
    another user's differs."""
    ids = [_user_id(r) for r in (mine, again, theirs)]
    if ids[0] != ids[1]:
        fail(f"one user was answered two ids: {ids[0]!r}, then {ids[1]!r}", mine, again)
    if ids[0] == ids[2]:
        fail(f"two users were both answered the user id {ids[0]!r}", mine, theirs)


@BARCHART.flow_check
def head_like_get(ctx: RunContext, head: Response, get: Response) -> None:
    """HEAD answers what GET would, without a body (RFC 9110 9.3.2)."""
    if head.status_code != get.status_code:
        fail(f"HEAD answered {head.status_code}, GET {get.status_code}", head, get)
    media = [(r.headers.get("content-type") or [""])[0] for r in (head, get)]
    if media[0] != media[1]:
        fail(f"HEAD answered Content-Type {media[0]!r}, GET {media[1]!r}", head, get)
    if head.content:
        fail(f"HEAD answered a body of {len(head.content)} bytes", head)


@BARCHART.flow_check
def export_includes(
    ctx: RunContext,
    rows: Sequence[Sequence[str]],
    expected: Sequence[Sequence[str]],
    response: Response,
) -> None:
    """The export holds at least these rows, each as often as expected (a range open on one
    side may hold other runs' events too)."""
    missing = Counter(map(tuple, expected)) - Counter(map(tuple, rows))
    if missing:
        detail = "".join(f"\n      missing: {'|'.join(r)}" for r in sorted(missing.elements()))
        fail(f"the export lacks {sum(missing.values())} of this run's events:{detail}", response)


# ---------------------------------------------------------------------------------------------
# Response checks: run by Schemathesis on every response of the Barchart API


@BARCHART.response_check
def barchart_events_echoed(
    ctx: RunContext, checking: CheckContext, response: Response, case: Case
) -> bool | None:
    """POST /events: the batch comes back with its id and sequences, otherwise unchanged; a
    batch that does not fit the spec is not stored."""
    if operation_id_of(case) == "createEvents" and has_negative_body(case):
        negative_case_refused(ctx, response, 200)
        return None
    events = case.body.get("events") if isinstance(case.body, dict) else None
    if not applies(case, "createEvents", response, 200) or not _all_dicts(events):
        return True
    batch_assigned(ctx, events, response)
    return None


@BARCHART.response_check(replaces="positive_data_acceptance")
def barchart_valid_requests_accepted(
    ctx: RunContext, checking: CheckContext, response: Response, case: Case
) -> bool | None:
    """Schemathesis' "valid data is accepted", but for the rules the schema cannot say, each
    refused with 400: an event whose type belongs to another product (the vendor's catalog),
    and a report whose export option has different values in its two places."""
    refusal = None if is_negative(case) else _refused_by_rule(case)
    if refusal is not None:
        if response.status_code != 400:
            fail(
                f"{refusal}, which the spec refuses with 400; got {response.status_code}", response
            )
    elif not checking.config.positive_data_acceptance.enabled:
        positive_data_acceptance(checking, response, case)
    return None


def _refused_by_rule(case: Case) -> str | None:
    """Why a request that fits the schema must still be refused, if it must."""
    body: dict[str, Any] = case.body if isinstance(case.body, dict) else {}
    operation = operation_id_of(case)
    events = body.get("events")
    if operation == "createEvents" and isinstance(events, list) and _all_dicts(events):
        mismatched = _of_another_product(events)
        if mismatched is not None:
            return f"events[{mismatched}] has a type of another product than its own"
    report_filter = body.get("filter")
    if operation == "startReport" and isinstance(report_filter, dict):
        legacy, top = report_filter.get("output"), body.get("output")
        if isinstance(legacy, dict) and isinstance(top, dict):
            differ = [n for n in OUTPUT_FIELDS if n in legacy and n in top and legacy[n] != top[n]]
            if differ:
                return f"output.{differ[0]} and filter.output.{differ[0]} differ"
    return None


@BARCHART.response_check
def barchart_report_started(
    ctx: RunContext, checking: CheckContext, response: Response, case: Case
) -> bool | None:
    """POST /reports: a RUNNING job echoing the filter and the options, timing consistent."""
    sent = case.body.get("filter") if isinstance(case.body, dict) else None
    status = json_body(response)
    if not applies(case, "startReport", response, 200) or not isinstance(sent, dict):
        return True
    if not isinstance(status, dict):
        return True
    job_started_running(ctx, status, response)
    body: dict[str, Any] = case.body if isinstance(case.body, dict) else {}
    filter_echoed(ctx, sent, status, response, body.get("output"))
    timing_consistent(ctx, status, response)
    source = status.get("source")
    if isinstance(source, str):
        timing = status.get("timing") or {}
        ctx.memory(SeenJobs).jobs[_job_key(response, source)] = JobRecord(
            filter=status.get("filter"), start=timing.get("start"), statuses=["RUNNING"]
        )
    return None


@BARCHART.response_check(history=True)
def barchart_job_progress(
    ctx: RunContext, checking: CheckContext, response: Response, case: Case
) -> bool | None:
    """GET availability: the asked-for job, timing consistent, status moving forward only."""
    status = json_body(response)
    if not applies(case, "getReportAvailability", response, 200) or not isinstance(status, dict):
        return True
    source = sent_path_parameter(case, response, "source")
    if source is None:
        return True
    job_is_the_one_asked(ctx, source, status, response)
    timing_consistent(ctx, status, response)
    record = ctx.memory(SeenJobs).jobs.get(_job_key(response, source))
    if record is not None:
        job_unchanged(ctx, record, status, response)
        record.statuses.append(str(status.get("status")))
        status_moves_once(ctx, record.statuses, response)
    return None


@BARCHART.response_check
def barchart_job_refusals(
    ctx: RunContext, checking: CheckContext, response: Response, case: Case
) -> bool | None:
    """Report refusals use the documented failure codes: 404 NO_JOB, 409 RUNNING or FAILED."""
    operation = operation_id_of(case)
    if operation not in ("getReportAvailability", "getReportLink"):
        return True
    source = sent_path_parameter(case, response, "source")
    if source is None or not _routable(source) or is_negative(case):
        return True
    codes = error_codes(response)
    if response.status_code == 404:
        refused_with(ctx, response, 404, NO_JOB, "a report refused as unknown")
    if response.status_code == 409:
        expected = JOB_FAILED if JOB_FAILED in codes else STILL_RUNNING
        refused_with(ctx, response, 409, expected, "a report link refused")
    if operation == "getReportLink" and response.status_code == 200:
        link_is_download_url(ctx, response)
    return None


@BARCHART.response_check(history=True)
def barchart_link_follows_job(
    ctx: RunContext, checking: CheckContext, response: Response, case: Case
) -> bool | None:
    """GET link: given for a COMPLETE job only, as far as this run has seen the job."""
    if operation_id_of(case) != "getReportLink" or is_negative(case):
        return True
    source = sent_path_parameter(case, response, "source")
    jobs = ctx.memory(SeenJobs).jobs
    record = jobs.get(_job_key(response, source)) if source is not None else None
    if record is None or response.status_code not in (200, 409):
        return True
    link_matches_job(ctx, record, response)
    return None


@BARCHART.response_check
def basic_challenge_sent(
    ctx: RunContext, checking: CheckContext, response: Response, case: Case
) -> bool | None:
    """A 401 carries the Basic challenge (RFC 7235 3.1: a 401 MUST send `WWW-Authenticate`;
    RFC 7617 2: `realm` is required), saying `charset="UTF-8"` (the spec, RFC 7617 2.1)."""
    if response.status_code != 401:
        return True
    challenges = response.headers.get("www-authenticate") or []
    basic = [c for c in challenges if c.split(" ", 1)[0].lower() == "basic"]
    if not basic:
        fail(f"a 401 must carry a Basic challenge (WWW-Authenticate), got {challenges}", response)
    if not any("realm=" in c.lower() for c in basic):
        fail(f"the Basic challenge must name its realm, got {basic}", response)
    if not any(_charset_utf8(c) for c in basic):
        fail(f'the Basic challenge must say charset="UTF-8", got {basic}', response)
    return None


@BARCHART.response_check
def error_media_type_exact(
    ctx: RunContext, checking: CheckContext, response: Response, case: Case
) -> bool | None:
    """An error answer's Content-Type is exactly `application/json`: the vendor's SDK reads
    an error only then (a `; charset=` parameter, or `+json`, and it sees no error)."""
    if response.status_code < 400:
        return True
    media = (response.headers.get("content-type") or [""])[0]
    if "json" in media.lower() and media.strip() != "application/json":
        fail(
            f"a {response.status_code} answer's Content-Type is {media!r}; the vendor's SDK "
            "reads error answers only as exactly 'application/json'",
            response,
        )
    return None


# ---------------------------------------------------------------------------------------------
# Helpers


def normalized_filter(sent: Mapping[str, Any]) -> dict[str, Any]:
    """The filter as the service must echo it: its own members only, times as integers."""
    expected = {f: sent[f] for f in ("customer", "product", "types") if f in sent}
    for bound in ("start", "end"):
        if bound in sent:
            try:
                expected[bound] = int(sent[bound])
            except (TypeError, ValueError):
                expected[bound] = sent[bound]
    return expected


def sent_options(sent_filter: Mapping[str, Any], output: Any = None) -> dict[str, Any]:
    """The export options a request gave, from both places (`filter.output`, `output`)."""
    legacy = sent_filter.get("output")
    return {
        **(_documented_output(legacy) if isinstance(legacy, Mapping) else {}),
        **(_documented_output(output) if isinstance(output, Mapping) else {}),
    }


def _documented_output(output: Mapping[str, Any]) -> dict[str, Any]:
    """`output` reduced to its documented members."""
    return {name: output[name] for name in OUTPUT_FIELDS if name in output}


def error_codes(response: Response) -> list[str]:
    """The failure codes of an error-array answer (`[{"value": {"code"}}]`), if it is one."""
    body = json_body(response)
    if not isinstance(body, list):
        return []
    return [
        str(item["value"].get("code"))
        for item in body
        if isinstance(item, Mapping) and isinstance(item.get("value"), Mapping)
    ]


def _routable(source: str) -> bool:
    """A source that is one plain path segment once decoded. Others (a `/`, a dot segment, a
    control character) miss the route in many frameworks, so any 404 will do for them."""
    return (
        bool(source)
        and source not in (".", "..")
        and not any(c == "/" or ord(c) < 32 or ord(c) == 127 for c in source)
    )


def _job_key(response: Response, source: str) -> tuple[str, str]:
    parts = urlsplit(sent_url(response))
    return (f"{parts.scheme}://{parts.netloc}", source)


def _user_id(response: Response) -> Any:
    body = json_body(response)
    user = body.get("user") if isinstance(body, Mapping) else None
    return user.get("id") if isinstance(user, Mapping) else None


def _charset_utf8(challenge: str) -> bool:
    params = challenge.lower().replace(" ", "")
    return 'charset="utf-8"' in params or "charset=utf-8" in params


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_absolute_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _of_another_product(events: Sequence[Any]) -> int | None:
    """The index of the first event whose type the catalog gives to another product."""
    product_of = load_catalog().product_of
    for index, event in enumerate(events):
        owner = product_of.get(event.get("type"))
        if owner is not None and owner != event.get("product"):
            return index
    return None


def _all_dicts(value: Any) -> TypeGuard[list[dict[str, Any]]]:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _runs(statuses: Sequence[str | None]) -> list[str]:
    """RUNNING, RUNNING, COMPLETE, RUNNING -> RUNNING x2, COMPLETE, RUNNING."""
    runs: list[list[Any]] = []
    for status in statuses:
        if runs and runs[-1][0] == status:
            runs[-1][1] += 1
        else:
            runs.append([status, 1])
    return [s if n == 1 else f"{s} x{n}" for s, n in runs]

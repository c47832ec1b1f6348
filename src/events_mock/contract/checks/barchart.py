"""Contract rules no schema can express, one small named function each.

Two kinds, as in Schemathesis:

- flow checks take what one or several requests returned (a batch, a job's history, an export
  file) and are called by the suite's flow tests;
- response checks `(ctx, response, case)` are registered with Schemathesis, so they run on every
  response the suite receives, generated, stateful or sent by a flow. They only pick the
  responses they apply to and hand them to flow checks.

Every check raises `ContractViolation` under its own name, and counts in the current `Ledger`
each time it runs, so `verify` can say which rules a run covered and which ones broke.
"""

from __future__ import annotations

import base64
import binascii
import csv
import functools
import io
import json
import shlex
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import schemathesis
from schemathesis import Case, CheckContext, Response

BARCHART_TITLE = "Barchart Event Tracking API"
TERMINAL = frozenset({"COMPLETE", "TIMEOUT", "FAILED"})
STATUSES = TERMINAL | {"RUNNING"}
EVENT_FIELDS = ("customer", "product", "type", "timestamp", "context", "version")
FILTER_FIELDS = ("customer", "product", "types", "start", "end", "output")
NO_JOB = "EVENT_JOB_GET_FAILED_NO_JOB"
STILL_RUNNING = "EVENT_JOB_GET_FAILED_RUNNING"
JOB_FAILED = "EVENT_JOB_GET_FAILED"


class ContractViolation(AssertionError):
    """A broken contract rule: which check, what was wrong, and the requests that show it."""

    def __init__(self, check: str, message: str, responses: Sequence[Response] = ()) -> None:
        self.check = check
        self.message = message
        self.responses = tuple(responses)
        super().__init__(self.render())

    def render(self) -> str:
        text = f"[{self.check}] {self.message}"
        for response in self.responses:
            text += f"\n\n    [{response.status_code}] {snippet(response)}"
            text += f"\n\n    Reproduce with:\n\n        {curl_command(response.request)}"
        return text


@dataclass
class Ledger:
    """How often each named check ran and failed during one run."""

    passed: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)

    def names(self) -> list[str]:
        return sorted(set(self.passed) | set(self.failed))


@dataclass
class JobRecord:
    """What the suite has seen of one report job, to judge the next answer against it."""

    filter: Any
    start: Any
    statuses: list[str] = field(default_factory=list)


@dataclass
class CheckState:
    ledger: Ledger = field(default_factory=Ledger)
    jobs: dict[tuple[str, str], JobRecord] = field(default_factory=dict)
    revealed: set[str] = field(default_factory=set)
    """Authorization values that are deliberately wrong and so safe to print in full."""
    created: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    """Event Collector events as created, by (origin, tenant, id): what a read must give back."""


STATE = CheckState()


def reset(*, revealed: Iterable[str] = ()) -> Ledger:
    """Start a run: a fresh ledger, no job history (the checks only judge this run's jobs)."""
    STATE.ledger = Ledger()
    STATE.jobs.clear()
    STATE.created.clear()
    STATE.revealed = set(revealed)
    return STATE.ledger


def reveal(authorization: str) -> str:
    """Mark a deliberately wrong Authorization value as printable in reproduction lines."""
    STATE.revealed.add(authorization)
    return authorization


F = TypeVar("F", bound=Callable[..., Any])


def contract_check(func: F) -> F:
    """Name a flow check: count each run in the ledger and tag its failures with the name."""
    name = func.__name__

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            result = func(*args, **kwargs)
        except ContractViolation:
            STATE.ledger.failed[name] += 1
            raise
        STATE.ledger.passed[name] += 1
        return result

    run.check_name = name  # type: ignore[attr-defined]
    return run  # type: ignore[return-value]


def fail(check: str, message: str, *responses: Response) -> None:
    raise ContractViolation(check, message, responses)


# ---------------------------------------------------------------------------------------------
# Flow checks: any operation


@contract_check
def answered_with(response: Response, status: int, why: str) -> None:
    """The documented status for this situation."""
    if response.status_code != status:
        fail("answered_with", f"{why}: expected {status}, got {response.status_code}", response)


# ---------------------------------------------------------------------------------------------
# Flow checks: events


@contract_check
def batch_assigned(sent: Sequence[Mapping[str, Any]], response: Response) -> list[dict]:
    """Every event comes back once, in order, unchanged, with one batch id and sequences 1..n."""
    body = json_body(response)
    name = "batch_assigned"
    if not isinstance(body, list) or len(body) != len(sent):
        count = len(body) if isinstance(body, list) else type(body).__name__
        fail(name, f"{len(sent)} events were posted, the answer holds {count}", response)
    batches = {event.get("batch") for event in body if isinstance(event, dict)}
    if sent and (len(batches) != 1 or not all(isinstance(b, str) and b for b in batches)):
        fail(
            name,
            f"one batch id expected for the whole request, got {sorted(map(str, batches))}",
            response,
        )
    sequences = [event.get("sequence") for event in body]
    if sequences != list(range(1, len(sent) + 1)):
        fail(name, f"sequences must be 1..{len(sent)} in posting order, got {sequences}", response)
    for position, (posted, echoed) in enumerate(zip(sent, body, strict=True), start=1):
        changed = [f for f in EVENT_FIELDS if posted.get(f) != echoed.get(f)]
        if changed:
            detail = ", ".join(
                f"{f}: sent {posted.get(f)!r}, got {echoed.get(f)!r}" for f in changed
            )
            fail(name, f"event {position} came back changed ({detail})", response)
    return body


@contract_check
def batches_distinct(first: Response, second: Response) -> None:
    """Two requests are two batches: their events do not share a batch id."""
    ids = [
        {e.get("batch") for e in json_body(r) or [] if isinstance(e, dict)} for r in (first, second)
    ]
    if ids[0] & ids[1]:
        fail(
            "batches_distinct",
            f"two requests got the same batch id {ids[0] & ids[1]}",
            first,
            second,
        )


# ---------------------------------------------------------------------------------------------
# Flow checks: report jobs


@contract_check
def job_started_running(status: Mapping[str, Any], response: Response) -> None:
    """RUNNING is the only initial status: a job is never born finished."""
    if status.get("status") != "RUNNING":
        fail(
            "job_started_running",
            f"a new job must be RUNNING, got {status.get('status')!r}",
            response,
        )


@contract_check
def filter_echoed(sent: Mapping[str, Any], status: Mapping[str, Any], response: Response) -> None:
    """The job repeats the filter as sent; times come back as integers whichever form was sent."""
    echoed = status.get("filter")
    if not isinstance(echoed, Mapping):
        fail("filter_echoed", f"the job carries no filter object: {echoed!r}", response)
        return
    expected = normalized_filter(sent)
    actual = {**echoed, "output": _documented_output(echoed.get("output"))}
    wrong = [f for f in FILTER_FIELDS if actual.get(f) != expected.get(f)]
    if wrong:
        detail = ", ".join(f"{f}: sent {sent.get(f)!r}, echoed {echoed.get(f)!r}" for f in wrong)
        fail("filter_echoed", f"the filter is not echoed as sent ({detail})", response)


@contract_check
def timing_consistent(status: Mapping[str, Any], response: Response) -> None:
    """`timing` says when the job started (day and instant) and, once finished, when it ended."""
    name = "timing_consistent"
    timing = status.get("timing")
    if not isinstance(timing, Mapping) or not _is_int(timing.get("start")):
        fail(name, f"timing must carry the start instant, got {timing!r}", response)
        return
    start = timing["start"]
    day = timing.get("day")
    started_on = datetime.fromtimestamp(start / 1000, tz=timezone.utc).date().isoformat()
    if not isinstance(day, str) or day[:10] != started_on:
        fail(name, f"timing.day {day!r} is not the day the job started ({started_on})", response)
    finished = status.get("status") in TERMINAL
    if finished and not _is_int(timing.get("end")):
        fail(name, f"the job is {status.get('status')} but timing.end is missing", response)
    if finished and timing["end"] < start:
        fail(name, f"timing.end {timing['end']} is before timing.start {start}", response)
    if not finished and "end" in timing:
        fail(name, f"timing.end {timing['end']} is set while the job is still RUNNING", response)


@contract_check
def status_moves_once(statuses: Sequence[str], *responses: Response) -> None:
    """RUNNING, then exactly one terminal status, which then never changes."""
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        fail("status_moves_once", f"unknown job status {unknown[0]!r}", *responses[-1:])
    terminal = [i for i, s in enumerate(statuses) if s in TERMINAL]
    if terminal and any(s != statuses[terminal[0]] for s in statuses[terminal[0] :]):
        fail(
            "status_moves_once",
            f"the job's status left its terminal status: {' -> '.join(_runs(statuses))}",
            *responses[-2:],
        )


@contract_check
def job_completed(final: str, response: Response) -> None:
    """A report over a handful of events ends COMPLETE (TIMEOUT is for too many records)."""
    if final != "COMPLETE":
        fail("job_completed", f"a report over a handful of events ended {final}", response)


@contract_check
def job_is_the_one_asked(source: str, status: Mapping[str, Any], response: Response) -> None:
    """The status read for a job is that job's."""
    if status.get("source") != source:
        fail(
            "job_is_the_one_asked",
            f"asked for job {source!r}, got {status.get('source')!r}",
            response,
        )


@contract_check
def job_unchanged(record: JobRecord, status: Mapping[str, Any], response: Response) -> None:
    """Reading a job again gives the same filter and start it was created with."""
    if status.get("filter") != record.filter:
        fail(
            "job_unchanged",
            f"the job's filter changed from {record.filter!r} to {status.get('filter')!r}",
            response,
        )
    timing = status.get("timing")
    start = timing.get("start") if isinstance(timing, Mapping) else None
    if start != record.start:
        fail("job_unchanged", f"timing.start changed from {record.start} to {start}", response)


@contract_check
def refused_with(response: Response, status: int, code: str, why: str) -> None:
    """A documented refusal: this status, and this failure code in the error array."""
    codes = error_codes(response)
    if response.status_code != status or code not in codes:
        got = f"{response.status_code} {codes or snippet(response)}"
        fail("refused_with", f"{why}: expected {status} {code}, got {got}", response)


@contract_check
def link_is_download_url(response: Response) -> str:
    """The link is an absolute http(s) URL of a `.csv` file."""
    body = json_body(response)
    link = body.get("link") if isinstance(body, Mapping) else None
    parts = urlsplit(link) if isinstance(link, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        fail("link_is_download_url", f"expected an absolute http(s) link, got {link!r}", response)
    if not parts.path.endswith(".csv"):
        fail("link_is_download_url", f"the export is a .csv file, the link is {link!r}", response)
    return link


@contract_check
def link_matches_job(record: JobRecord, response: Response) -> None:
    """A link only for a COMPLETE job; a finished job's answer does not go back to RUNNING."""
    last = record.statuses[-1] if record.statuses else None
    codes = error_codes(response)
    if last == "COMPLETE" and response.status_code != 200:
        fail(
            "link_matches_job", f"the job is COMPLETE, yet its link was refused: {codes}", response
        )
    if last in ("FAILED", "TIMEOUT") and response.status_code == 200:
        fail(
            "link_matches_job", f"the job ended {last}, yet a link to its file was given", response
        )


@contract_check
def downloads_without_credentials(response: Response) -> str:
    """Anyone holding the link can download: no credentials are sent and none are asked for."""
    sent = {k.lower() for k in response.request.headers}
    if "authorization" in sent:
        fail("downloads_without_credentials", "the download was sent with credentials", response)
    if response.status_code != 200:
        fail(
            "downloads_without_credentials",
            f"the link must download without credentials, got {response.status_code}",
            response,
        )
    return response.text


@contract_check
def export_delimited(response: Response, columns: Sequence[str], delimiter: str = "|") -> list:
    """A header row of the documented columns, then rows of as many fields, split by one char."""
    text = response.text
    lines = text.splitlines()
    expected_header = delimiter.join(columns)
    if not lines or lines[0] != expected_header:
        header = lines[0] if lines else ""
        fail(
            "export_delimited",
            f"the export must start with the header {expected_header!r}, got {header!r}",
            response,
        )
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))[1:]
    for number, row in enumerate(rows, start=2):
        if len(row) != len(columns):
            fail(
                "export_delimited",
                f"line {number} has {len(row)} {delimiter!r}-delimited fields, expected "
                f"{len(columns)}: {delimiter.join(row)!r}",
                response,
            )
    return rows


@contract_check
def export_exactly(
    rows: Sequence[Sequence[str]], expected: Sequence[Sequence[str]], response: Response
) -> None:
    """The export holds exactly the events the report selects: none missing, none added."""
    got, want = Counter(map(tuple, rows)), Counter(map(tuple, expected))
    missing, extra = want - got, got - want
    if missing or extra:
        detail = "".join(f"\n      missing: {'|'.join(r)}" for r in sorted(missing.elements()))
        detail += "".join(f"\n      extra:   {'|'.join(r)}" for r in sorted(extra.elements()))
        fail(
            "export_exactly",
            f"the export should hold exactly {len(expected)} rows of this run's events, it "
            f"holds {len(rows)}:{detail}",
            response,
        )


# ---------------------------------------------------------------------------------------------
# Flow checks: credentials


@contract_check
def credentials_rejected(kind: str, response: Response) -> None:
    """A secured operation answers 401 to missing, malformed or wrong credentials."""
    _refused_with_status("credentials_rejected", 401, kind, response)


@contract_check
def tenant_forbidden(kind: str, response: Response) -> None:
    """A valid token used for another tenant is 403: the caller is known, not allowed there."""
    _refused_with_status("tenant_forbidden", 403, kind, response)


def _refused_with_status(check: str, status: int, kind: str, response: Response) -> None:
    if response.status_code != status:
        fail(
            check,
            f"{response.request.method} {urlsplit(response.request.url).path} with {kind} "
            f"answered {response.status_code}, expected {status}",
            response,
        )


# ---------------------------------------------------------------------------------------------
# Response checks: run by Schemathesis on every response of the Barchart API


def response_check(func: F) -> F:
    """Register with Schemathesis; a violation reads as its message only, since Schemathesis
    prints the response and the cURL line itself."""

    @functools.wraps(func)
    def check(ctx: CheckContext, response: Response, case: Case) -> bool | None:
        try:
            return func(ctx, response, case)
        except ContractViolation as violation:
            raise AssertionError(f"[{violation.check}] {violation.message}") from None

    return schemathesis.check(check)


@response_check
def barchart_events_echoed(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """POST /events: the batch comes back with its id and sequences, otherwise unchanged."""
    events = case.body.get("events") if isinstance(case.body, dict) else None
    if not _applies(case, "createEvents", response, 200) or not _all_dicts(events):
        return True
    batch_assigned(events, response)
    return None


@response_check
def barchart_report_started(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """POST /reports: a RUNNING job echoing the filter, timing consistent."""
    sent = case.body.get("filter") if isinstance(case.body, dict) else None
    status = json_body(response)
    if not _applies(case, "startReport", response, 200) or not isinstance(sent, dict):
        return True
    if not isinstance(status, dict):
        return True
    job_started_running(status, response)
    filter_echoed(sent, status, response)
    timing_consistent(status, response)
    source = status.get("source")
    if isinstance(source, str):
        timing = status.get("timing") or {}
        STATE.jobs[_job_key(response, source)] = JobRecord(
            filter=status.get("filter"), start=timing.get("start"), statuses=["RUNNING"]
        )
    return None


@response_check
def barchart_job_progress(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """GET availability: the asked-for job, timing consistent, status moving forward only."""
    status = json_body(response)
    if not _applies(case, "getReportAvailability", response, 200) or not isinstance(status, dict):
        return True
    source = sent_path_parameter(case, response, "source")
    if source is None:
        return True
    job_is_the_one_asked(source, status, response)
    timing_consistent(status, response)
    record = STATE.jobs.get(_job_key(response, source))
    if record is not None:
        job_unchanged(record, status, response)
        record.statuses.append(str(status.get("status")))
        status_moves_once(record.statuses, response)
    return None


@response_check
def barchart_job_refusals(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Report refusals use the documented failure codes: 404 NO_JOB, 409 RUNNING or FAILED."""
    operation = operation_id_of(case)
    if operation not in ("getReportAvailability", "getReportLink") or not _is_barchart(case):
        return True
    source = sent_path_parameter(case, response, "source")
    if source is None or not _routable(source) or is_negative(case):
        return True
    codes = error_codes(response)
    if response.status_code == 404:
        refused_with(response, 404, NO_JOB, "a report refused as unknown")
    if response.status_code == 409:
        expected = JOB_FAILED if JOB_FAILED in codes else STILL_RUNNING
        refused_with(response, 409, expected, "a report link refused")
    if operation == "getReportLink" and response.status_code == 200:
        link_is_download_url(response)
    return None


@response_check
def barchart_link_follows_job(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """GET link: given for a COMPLETE job only, as far as this run has seen the job."""
    if operation_id_of(case) != "getReportLink" or not _is_barchart(case) or is_negative(case):
        return True
    source = sent_path_parameter(case, response, "source")
    record = STATE.jobs.get(_job_key(response, source)) if source is not None else None
    if record is None or response.status_code not in (200, 409):
        return True
    link_matches_job(record, response)
    return None


# ---------------------------------------------------------------------------------------------
# Helpers


def normalized_filter(sent: Mapping[str, Any]) -> dict[str, Any]:
    """The filter as the service must echo it: documented members only, times as integers."""
    expected = {f: sent[f] for f in ("customer", "product", "types") if f in sent}
    output = _documented_output(sent.get("output"))
    if output is not None:
        expected["output"] = output
    for bound in ("start", "end"):
        if bound in sent:
            try:
                expected[bound] = int(sent[bound])
            except (TypeError, ValueError):
                expected[bound] = sent[bound]
    return expected


def _documented_output(output: Any) -> Any:
    """`output` reduced to its one documented member; without a delimiter it says nothing."""
    if isinstance(output, Mapping):
        return {"delimiter": output["delimiter"]} if "delimiter" in output else None
    return output


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


def curl_command(request: Any) -> str:
    """A cURL line for a sent request. Credentials are never printed, unless deliberately wrong."""
    parts = ["curl", "-X", str(request.method)]
    skip = {"user-agent", "accept-encoding", "connection", "content-length", "accept"}
    for name, value in request.headers.items():
        if name.lower() in skip:
            continue
        if name.lower() == "authorization":
            parts += _authorization_args(str(value))
            continue
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    body = request.body
    if body:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        parts += ["-d", shlex.quote(text)]
    parts.append(shlex.quote(str(request.url)))
    return " ".join(parts)


def _authorization_args(value: str) -> list[str]:
    """`-u NAME:***` for credentials; wrong ones the suite made up on purpose are shown whole."""
    revealed = value in STATE.revealed
    scheme, _, token = value.partition(" ")
    credentials = None
    if scheme.lower() == "basic":
        try:
            credentials = base64.b64decode(token, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            credentials = None
    if credentials is not None and ":" in credentials:
        name, _, password = credentials.partition(":")
        return ["-u", shlex.quote(f"{name}:{password if revealed else '***'}")]
    if revealed:
        return ["-H", shlex.quote(f"Authorization: {value}")]
    return ["-H", shlex.quote(f"Authorization: {scheme} ***")]


def _applies(case: Case, operation_id: str, response: Response, status: int) -> bool:
    return applies(case, BARCHART_TITLE, operation_id, response, status)


def applies(case: Case, title: str, operation_id: str, response: Response, status: int) -> bool:
    """This operation of this API (by its spec's title) answered this status to input that fits
    the spec (negative input that is accepted is `negative_data_rejection`'s business)."""
    return (
        operation_id_of(case) == operation_id
        and case.operation.schema.title == title
        and response.status_code == status
        and not is_negative(case)
    )


def is_negative(case: Case) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_negative


def sent_path_parameter(case: Case, response: Response, name: str) -> str | None:
    """A path parameter as the request carried it (phases differ in how they keep it)."""
    template = case.operation.path.strip("/").split("/")
    sent = urlsplit(response.request.url).path.strip("/").split("/")
    sent = sent[len(sent) - len(template) :] if len(sent) >= len(template) else []
    if len(sent) != len(template) or "{" + name + "}" not in template:
        return None
    return unquote(sent[template.index("{" + name + "}")])


def _routable(source: str) -> bool:
    """A source that is one plain path segment once decoded. Others (a `/`, a dot segment, a
    control character) miss the route in many frameworks, so any 404 will do for them."""
    return (
        bool(source)
        and source not in (".", "..")
        and not any(c == "/" or ord(c) < 32 or ord(c) == 127 for c in source)
    )


def _is_barchart(case: Case) -> bool:
    return case.operation.schema.title == BARCHART_TITLE


def operation_id_of(case: Case) -> str | None:
    return case.operation.definition.raw.get("operationId")


def _job_key(response: Response, source: str) -> tuple[str, str]:
    parts = urlsplit(response.request.url)
    return (f"{parts.scheme}://{parts.netloc}", source)


def json_body(response: Response) -> Any:
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError, UnicodeDecodeError):
        return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _all_dicts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _runs(statuses: Sequence[str]) -> list[str]:
    """RUNNING, RUNNING, COMPLETE, RUNNING -> RUNNING x2, COMPLETE, RUNNING."""
    runs: list[list[Any]] = []
    for status in statuses:
        if runs and runs[-1][0] == status:
            runs[-1][1] += 1
        else:
            runs.append([status, 1])
    return [s if n == 1 else f"{s} x{n}" for s, n in runs]


def snippet(response: Response, limit: int = 300) -> str:
    try:
        text = response.text
    except Exception:  # noqa: BLE001 - a body that cannot be read is shown as such
        return "<unreadable body>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + " ..."

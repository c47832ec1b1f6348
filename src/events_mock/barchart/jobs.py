"""Report jobs: the asynchronous export the real service runs, simulated on the mock's clock.

A job selects its events when it starts and knows from then on how it will end and when. Its
status is settled lazily against the clock on every read, so advancing the clock (tests, the
control plane) moves every job at once with no background thread, and a settled status is
stored, so it never goes backwards even if the clock is set back.
"""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from events_mock.barchart.catalog import Catalog
from events_mock.barchart.store import EventStore, StoredEvent
from events_mock.clock import MockClock

LINK_LIFETIME_MS = 15 * 60 * 1000


class JobStatus(str, Enum):
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    TIMEOUT = "TIMEOUT"
    FAILED = "FAILED"


TERMINAL = frozenset({JobStatus.COMPLETE, JobStatus.TIMEOUT, JobStatus.FAILED})


@dataclass(frozen=True)
class JobSettings:
    """How long simulated jobs take and when they give up."""

    base_seconds: float = 3.0
    seconds_per_1000_events: float = 0.5
    max_seconds: float = 15 * 60
    """The service promises an answer within 15 minutes."""
    timeout_events: int = 100_000
    """More matching events than this ends the job TIMEOUT."""

    def duration_ms(self, matching_events: int) -> int:
        seconds = self.base_seconds + self.seconds_per_1000_events * matching_events / 1000
        return int(min(seconds, self.max_seconds) * 1000)


OUTPUT_MEMBERS = {"delimiter": "delimiter", "bucketName": "bucket_name", "bucketKey": "bucket_key"}
"""The export options' JSON names -> `ReportOutput`'s fields."""


class ConflictingOptions(ValueError):
    """The request gives one export option two different values (at the top level and in the
    older place, `filter.output`)."""


@dataclass(frozen=True)
class ReportOutput:
    """The export options. The mock writes the file with `delimiter`; `bucket_name` and
    `bucket_key` (where the real service would put the file) are only kept and echoed."""

    delimiter: str | None = None
    bucket_name: str | None = None
    bucket_key: str | None = None

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None) -> ReportOutput:
        raw = raw or {}
        return cls(**{field: raw[name] for name, field in OUTPUT_MEMBERS.items() if name in raw})

    @classmethod
    def from_request(cls, body: dict[str, Any]) -> ReportOutput:
        """The options of a `POST /reports` body: at the top level (`output`, as the vendor's
        JavaScript SDK sends them), or in `filter.output` (the reference's place), or both
        when they agree."""
        top = body.get("output") or {}
        legacy = (body.get("filter") or {}).get("output") or {}
        for name in OUTPUT_MEMBERS:
            if name in top and name in legacy and top[name] != legacy[name]:
                raise ConflictingOptions(
                    f"output.{name} ({json.dumps(top[name])}) and filter.output.{name} "
                    f"({json.dumps(legacy[name])}) differ; give it once, or the same in both"
                )
        return cls.from_json({**legacy, **top})

    def to_json(self) -> dict[str, Any] | None:
        """The options given, by their JSON names; None when none were."""
        given = {
            name: getattr(self, field)
            for name, field in OUTPUT_MEMBERS.items()
            if getattr(self, field) is not None
        }
        return given or None


NO_OUTPUT = ReportOutput()


@dataclass(frozen=True)
class ReportFilter:
    customer: str
    product: str
    types: tuple[str, ...] | None = None
    start: int | None = None
    end: int | None = None
    output: ReportOutput = NO_OUTPUT
    """The export options, whichever place of the request they came from."""

    @property
    def delimiter(self) -> str | None:
        return self.output.delimiter

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ReportFilter:
        """From a filter already validated against the spec (times may be digit strings),
        with the export options in its `output` (the older place, and the state's)."""
        return cls(
            customer=raw["customer"],
            product=raw["product"],
            types=tuple(raw["types"]) if "types" in raw else None,
            start=int(raw["start"]) if "start" in raw else None,
            end=int(raw["end"]) if "end" in raw else None,
            output=ReportOutput.from_json(raw.get("output")),
        )

    @classmethod
    def from_request(cls, body: dict[str, Any]) -> ReportFilter:
        """From a `POST /reports` body (see `ReportOutput.from_request` for its options).

        Raises `ConflictingOptions`.
        """
        return replace(cls.from_json(body["filter"]), output=ReportOutput.from_request(body))

    def echoed(self) -> dict[str, Any]:
        """The filter as the service echoes it: its own members only (never `output`, which
        the vendor's SDK refuses inside a filter), times as integers, absent ones left out."""
        echoed: dict[str, Any] = {"customer": self.customer, "product": self.product}
        if self.types is not None:
            echoed["types"] = list(self.types)
        if self.start is not None:
            echoed["start"] = self.start
        if self.end is not None:
            echoed["end"] = self.end
        return echoed

    def to_json(self) -> dict[str, Any]:
        """The filter with its export options in `output`: what `from_json` reads back (the
        state document's form)."""
        output = self.output.to_json()
        return self.echoed() if output is None else {**self.echoed(), "output": output}

    def problem(self, catalog: Catalog) -> str | None:
        """Why no export can satisfy this filter, if so (the job then ends FAILED)."""
        if self.start is not None and self.end is not None and self.start > self.end:
            return f"start ({self.start}) is after end ({self.end})"
        for code in self.types or ():
            if catalog.product_of.get(code) != self.product:
                return f"event type {code} does not belong to product {self.product}"
        return None


@dataclass
class ReportJob:
    job: str
    filter: ReportFilter
    started_ms: int
    finishes_ms: int
    outcome: JobStatus
    """The terminal status the job reaches at `finishes_ms`."""
    events: Sequence[StoredEvent] = field(default_factory=list)
    failure: str | None = None
    status: JobStatus = JobStatus.RUNNING
    ended_ms: int | None = None

    @property
    def source(self) -> str:
        return f"JOB-{self.job}"

    def settle(self, now_ms: int) -> None:
        if self.status is JobStatus.RUNNING and now_ms >= self.finishes_ms:
            self.status = self.outcome
            self.ended_ms = self.finishes_ms

    def to_state(self, links: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "job": self.job,
            "filter": self.filter.to_json(),
            "started": self.started_ms,
            "finishes": self.finishes_ms,
            "outcome": self.outcome.value,
            "status": self.status.value,
            "ended": self.ended_ms,
            "failure": self.failure,
            "events": [event.to_json() for event in self.events],
            "links": links,
        }

    @classmethod
    def from_state(cls, raw: dict[str, Any]) -> ReportJob:
        status = JobStatus(raw["status"])
        ended_ms: int | None = None
        if status is not JobStatus.RUNNING:
            ended = raw.get("ended")
            ended_ms = int(raw["finishes"] if ended is None else ended)
        return cls(
            job=raw["job"],
            filter=ReportFilter.from_json(raw["filter"]),
            started_ms=int(raw["started"]),
            finishes_ms=int(raw["finishes"]),
            outcome=JobStatus(raw["outcome"]),
            events=[StoredEvent.from_json(event) for event in raw["events"]],
            failure=raw.get("failure"),
            status=status,
            ended_ms=ended_ms,
        )

    def to_json(self) -> dict[str, Any]:
        day = datetime.fromtimestamp(self.started_ms / 1000, tz=UTC).date().isoformat()
        timing: dict[str, Any] = {"day": day, "start": self.started_ms}
        if self.ended_ms is not None:
            timing["end"] = self.ended_ms
        answer: dict[str, Any] = {
            "job": self.job,
            "source": self.source,
            "status": self.status.value,
            "filter": self.filter.echoed(),
            "timing": timing,
        }
        output = self.filter.output.to_json()
        if output is not None:
            answer["output"] = output
        return answer


class JobError(Exception):
    """A report operation that cannot be done; `code` is the service's documented error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Link:
    token: str
    source: str
    expires_ms: int


class LinkRefused(Exception):
    """The download link is unknown or has expired."""


class ReportJobs:
    def __init__(
        self,
        store: EventStore,
        clock: MockClock,
        catalog: Catalog,
        settings: JobSettings | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.catalog = catalog
        self.settings = settings or JobSettings()
        self._lock = threading.Lock()
        self._jobs: dict[str, ReportJob] = {}
        self._links: dict[str, Link] = {}

    def start(self, report_filter: ReportFilter) -> ReportJob:
        now = self.clock.now_ms()
        failure = report_filter.problem(self.catalog)
        events: Sequence[StoredEvent] = []
        if failure is not None:
            outcome = JobStatus.FAILED
        else:
            events = self.store.selection(  # kept as long as the job: compact, GC-free
                report_filter.customer,
                report_filter.product,
                frozenset(report_filter.types) if report_filter.types is not None else None,
                report_filter.start,
                report_filter.end,
            )
            outcome = JobStatus.COMPLETE
            if len(events) > self.settings.timeout_events:
                outcome = JobStatus.TIMEOUT
                failure = (
                    f"{len(events)} events match, more than the {self.settings.timeout_events} "
                    "one export can hold: narrow the time range"
                )
                events = []
        job = ReportJob(
            job=str(uuid.uuid4()),
            filter=report_filter,
            started_ms=now,
            finishes_ms=now + self.settings.duration_ms(len(events)),
            outcome=outcome,
            events=events,
            failure=failure,
        )
        with self._lock:
            self._jobs[job.source] = job
        return job

    def get(self, source: str) -> ReportJob:
        with self._lock:
            return self._settled(source)

    def _settled(self, source: str) -> ReportJob:
        job = self._jobs.get(source)
        if job is None:
            raise JobError(
                404, "EVENT_JOB_GET_FAILED_NO_JOB", f"No report job has the source {source}."
            )
        job.settle(self.clock.now_ms())
        return job

    def force(self, source: str, status: JobStatus | str, message: str | None = None) -> ReportJob:
        """End a running job now with `status` (the control plane's "make it fail now").

        A status never goes backwards or sideways: forcing an ended job to the status it
        already has changes nothing, forcing it to another one is refused.
        """
        status = JobStatus(status)
        if status not in TERMINAL:
            raise ValueError(f"a job can only be forced to end: {status.value}")
        with self._lock:
            job = self._settled(source)
            if job.status is status:
                return job
            if job.status is not JobStatus.RUNNING:
                raise JobError(409, "JOB_ALREADY_ENDED", _ended(job))
            now = self.clock.now_ms()
            job.outcome = status
            job.finishes_ms = now
            if status is not JobStatus.COMPLETE:
                job.failure = message or f"forced to end {status.value} by the mock's control plane"
                job.events = []
            job.settle(now)
            return job

    def set_remaining(self, source: str, seconds: float) -> ReportJob:
        """Make a running job end `seconds` of mock time from now, with its planned status."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        with self._lock:
            job = self._settled(source)
            if job.status is not JobStatus.RUNNING:
                raise JobError(409, "JOB_ALREADY_ENDED", _ended(job))
            now = self.clock.now_ms()
            job.finishes_ms = now + int(round(seconds * 1000))
            job.settle(now)
            return job

    def all(self) -> list[ReportJob]:
        now = self.clock.now_ms()
        with self._lock:
            for job in self._jobs.values():
                job.settle(now)
            return list(self._jobs.values())

    def issue_link(self, source: str) -> Link:
        """A fresh download link for a COMPLETE job, valid for 15 minutes of mock time."""
        job = self.get(source)
        if job.status is JobStatus.RUNNING:
            raise JobError(
                409,
                "EVENT_JOB_GET_FAILED_RUNNING",
                f"The report {source} is still being generated; try again later.",
            )
        if job.status is not JobStatus.COMPLETE:
            raise JobError(
                409,
                "EVENT_JOB_GET_FAILED",
                f"The report {source} ended {job.status.value}: {job.failure}",
            )
        now = self.clock.now_ms()
        link = Link(secrets.token_urlsafe(32), source, now + LINK_LIFETIME_MS)
        with self._lock:
            self._links = {t: lk for t, lk in self._links.items() if lk.expires_ms > now}
            self._links[link.token] = link
        return link

    def redeem(self, token: str) -> ReportJob:
        """The job a download link points to, if the link exists and has not expired."""
        with self._lock:
            link = self._links.get(token)
        if link is None:
            raise LinkRefused("The link is not valid.")
        if self.clock.now_ms() >= link.expires_ms:
            raise LinkRefused("The link has expired: ask for a new one.")
        return self.get(link.source)

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()
            self._links.clear()

    def export_state(self) -> list[dict[str, Any]]:
        """Every job with its events and live links, for the control plane's state export.

        A job carries its own events (the export file's content is fixed when the job
        starts), so a state file never has references to resolve.
        """
        with self._lock:
            links: dict[str, list[dict[str, Any]]] = {}
            for link in self._links.values():
                links.setdefault(link.source, []).append(
                    {"token": link.token, "expires": link.expires_ms}
                )
            return [job.to_state(links.get(job.source, [])) for job in self._jobs.values()]

    @staticmethod
    def parse_state(jobs: list[dict[str, Any]]) -> tuple[dict[str, ReportJob], dict[str, Link]]:
        """Jobs and links from `export_state`'s shape (already checked against the schema)."""
        parsed: dict[str, ReportJob] = {}
        links: dict[str, Link] = {}
        for raw in jobs:
            job = ReportJob.from_state(raw)
            parsed[job.source] = job
            for link in raw.get("links", ()):
                links[link["token"]] = Link(link["token"], job.source, int(link["expires"]))
        return parsed, links

    def replace(self, jobs: dict[str, ReportJob], links: dict[str, Link]) -> None:
        with self._lock:
            self._jobs = dict(jobs)
            self._links = dict(links)

    def export_job(self, job: ReportJob) -> dict[str, Any]:
        """One job in `export_state`'s shape, with its live links (a write log's record)."""
        with self._lock:
            links = [
                {"token": link.token, "expires": link.expires_ms}
                for link in self._links.values()
                if link.source == job.source
            ]
            return job.to_state(links)

    def restore(self, raw_jobs: list[dict[str, Any]]) -> None:
        """Put back jobs (and their links) in `export_state`'s shape, replacing any job with
        the same source and leaving the others (a write log's replay)."""
        jobs, links = self.parse_state(raw_jobs)
        with self._lock:
            self._jobs.update(jobs)
            self._links.update(links)


def _ended(job: ReportJob) -> str:
    return f"The report {job.source} already ended {job.status.value}."

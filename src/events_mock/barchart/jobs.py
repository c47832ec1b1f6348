"""Report jobs: the asynchronous export the real service runs, simulated on the mock's clock.

A job fixes its events when it starts and knows from then on how it will end and when. Its
status is settled lazily against the clock on every read, so advancing the clock (tests, the
control plane) moves every job at once with no background thread, and a settled status is
stored, so it never goes backwards even if the clock is set back.

A job holds no events: a client may start thousands of jobs over a large store, and each
holding its matches cost 700 KB over 90k events. It keeps a `JobWindow` (its filter and a mark
of the store), and its export is selected from the store when downloaded. Jobs are bounded
too: finished ones expire after `JobSettings.ttl_seconds` of mock time, at most
`JobSettings.max_jobs` live at once, and at most `JobSettings.max_links` download links.
"""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar, overload

from events_mock.barchart.catalog import Catalog
from events_mock.barchart.store import EventStore, Selection, StoredEvent, Window
from events_mock.clock import MockClock
from events_mock.limits import (
    DEFAULT_JOB_TTL_SECONDS,
    DEFAULT_MAX_JOBS,
    DEFAULT_MAX_LINKS,
    JobsFull,
)
from events_mock.seam import StateConflict

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
    ttl_seconds: float = DEFAULT_JOB_TTL_SECONDS
    """A finished job is forgotten this long after it ended (mock time): unknown from then."""
    max_jobs: int = DEFAULT_MAX_JOBS
    """Live jobs (running, or finished and not expired); starting one more is refused."""
    max_links: int = DEFAULT_MAX_LINKS
    """Live download links over all jobs; issuing one more retires the oldest."""

    @property
    def ttl_ms(self) -> int:
        return int(self.ttl_seconds * 1000)

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


class JobWindow(Sequence[StoredEvent]):
    """A report job's events, as a window over the store rather than a copy of them.

    What a job exports is fixed when it starts: the events then stored that match its filter.
    The store only appends to a (customer, product) until it is cleared or replaced whole, so
    those are exactly the matches among its first `window.mark` events; they are selected
    again from the store when read (a download), in the same order (timestamp, ties in arrival
    order). A job keeps only the mark and how many matched (`len`), whatever it matched.

    A window taken before the store was cleared or replaced reads nothing (`len` 0): the
    events it marked are gone. Reset and state imports replace the jobs with the store, so
    only a caller clearing the store in-process, behind the jobs' back, meets one.
    """

    __slots__ = ("_filter", "_store", "matched", "window")

    def __init__(
        self,
        report_filter: ReportFilter,
        window: Window,
        matched: int,
        store: EventStore | None = None,
    ) -> None:
        self._filter = report_filter
        self.window = window
        self.matched = matched
        """How many events matched when the job started."""
        self._store = store
        """None: not (yet) over a store (an empty window, or one read from a state document
        before `bound` puts it over the store the document was imported into)."""

    @property
    def report_filter(self) -> ReportFilter:
        return self._filter

    @property
    def store(self) -> EventStore | None:
        return self._store

    @classmethod
    def empty(cls, report_filter: ReportFilter) -> JobWindow:
        """The events of a job that exports nothing (TIMEOUT, FAILED)."""
        return cls(report_filter, Window(-1, 0), 0)

    @classmethod
    def over(cls, store: EventStore, report_filter: ReportFilter) -> JobWindow:
        """A window over what `store` holds now: counted, not copied."""
        window, matched = store.window(*_selection_args(report_filter))
        return cls(report_filter, window, matched, store)

    def bound(self, store: EventStore) -> JobWindow:
        """This window over `store` as it is now (its events just imported)."""
        if self.matched == 0:
            return self
        return JobWindow(
            self._filter, Window(store.generation, self.window.mark), self.matched, store
        )

    def selection(self) -> Selection:
        """The events, selected from the store now (held compactly: see `Selection`)."""
        f = self._filter
        if self._store is None or self.matched == 0:
            return Selection(f.customer, f.product, ())
        return self._store.selection(*_selection_args(f), window=self.window)

    def __len__(self) -> int:
        if self._store is not None and self._store.generation != self.window.generation:
            return 0
        return self.matched

    @overload
    def __getitem__(self, index: int) -> StoredEvent: ...
    @overload
    def __getitem__(self, index: slice) -> Selection: ...
    def __getitem__(self, index: int | slice) -> StoredEvent | Selection:
        return self.selection()[index]

    def __iter__(self) -> Iterator[StoredEvent]:
        return iter(self.selection())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (JobWindow, Selection, list, tuple)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"JobWindow(mark={self.window.mark}, matched={self.matched})"


def _selection_args(
    f: ReportFilter,
) -> tuple[str, str, frozenset[str] | None, int | None, int | None]:
    types = frozenset(f.types) if f.types is not None else None
    return f.customer, f.product, types, f.start, f.end


@dataclass
class ReportJob:
    job: str
    filter: ReportFilter
    started_ms: int
    finishes_ms: int
    outcome: JobStatus
    """The terminal status the job reaches at `finishes_ms`."""
    events: Sequence[StoredEvent] = field(default_factory=list)
    """What the export holds: a `JobWindow` over the store in a mock (an `EventCount` in the
    test kit's remote jobs, which only give their number)."""
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

    def expired(self, now_ms: int, ttl_ms: int) -> bool:
        """Whether the job ended at least `ttl_ms` ago (running jobs never expire)."""
        return self.ended_ms is not None and now_ms >= self.ended_ms + ttl_ms

    def export_events(self) -> Sequence[StoredEvent]:
        """The export's events, selected now: what a download renders."""
        events = self.events
        return events.selection() if isinstance(events, JobWindow) else events

    def to_state(self, links: list[dict[str, Any]]) -> dict[str, Any]:
        """The job for a state document: its window's mark and count, never its events."""
        events = self.events
        mark = events.window.mark if isinstance(events, JobWindow) and len(events) else 0
        return {
            "job": self.job,
            "filter": self.filter.to_json(),
            "started": self.started_ms,
            "finishes": self.finishes_ms,
            "outcome": self.outcome.value,
            "status": self.status.value,
            "ended": self.ended_ms,
            "failure": self.failure,
            "mark": mark,
            "matched": len(events) if mark else 0,
            "links": links,
        }

    @classmethod
    def from_state(cls, raw: Mapping[str, Any], events: Sequence[StoredEvent]) -> ReportJob:
        """From `to_state`'s shape; `events` as `ReportJobs.parse_state` resolved them."""
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
            events=events,
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
    """The live report jobs and their download links, both bounded (see `JobSettings`).

    The rules (how a job starts, settles, ends when forced, expires; which links are valid)
    are here, once; where the jobs and links are kept is a handful of storage primitives
    (`_insert`, `_update`, `_live`, `_add_link`, ...). These keep them in this process, under
    one lock; `events_mock.stores.redis_jobs` overrides only the primitives, to keep them on
    Redis with the same rules.

    Expired jobs are forgotten when read, and all at once when the live jobs reach their
    bound or are listed. Links are kept in the order they were issued, which is the order
    they expire in while the clock moves forward, so issuing one drops the expired ones from
    the front: no pass over the table, never a copy of it.
    """

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
        self._links: OrderedDict[str, Link] = OrderedDict()

    # The rules

    def start(self, report_filter: ReportFilter) -> ReportJob:
        """Start a job over the events stored now.

        Raises `events_mock.limits.JobsFull` when `JobSettings.max_jobs` jobs are live.
        """
        now = self.clock.now_ms()
        self._check_room(now)  # refuse before counting: a refused flood costs no scan
        job = self.new_job(report_filter, now)
        self._insert(job, now)
        return job

    def new_job(self, report_filter: ReportFilter, now: int) -> ReportJob:
        """A job starting at `now`: its outcome, end and window decided here, once."""
        failure = report_filter.problem(self.catalog)
        events = JobWindow.empty(report_filter)
        if failure is not None:
            outcome = JobStatus.FAILED
        else:
            events = JobWindow.over(self.store, report_filter)
            outcome = JobStatus.COMPLETE
            if events.matched > self.settings.timeout_events:
                outcome = JobStatus.TIMEOUT
                failure = (
                    f"{events.matched} events match, more than the "
                    f"{self.settings.timeout_events} one export can hold: narrow the time range"
                )
                events = JobWindow.empty(report_filter)
        return ReportJob(
            job=str(uuid.uuid4()),
            filter=report_filter,
            started_ms=now,
            finishes_ms=now + self.settings.duration_ms(events.matched),
            outcome=outcome,
            events=events,
            failure=failure,
        )

    def jobs_full(self, live: int) -> JobsFull:
        limit = self.settings.max_jobs
        return JobsFull(
            f"{live} report jobs are live, at most {limit} may be; a finished "
            f"job is kept {self.settings.ttl_seconds:g} s of mock time after it ends"
        )

    def get(self, source: str) -> ReportJob:
        return self._update(source, _unchanged)

    async def get_async(self, source: str) -> ReportJob:
        """`get` for a handler: a store that must ask Redis awaits it with other requests'
        calls (`stores/redis_batch.py`); here, nothing to wait for."""
        return await self._update_async(source, _unchanged)

    def force(self, source: str, status: JobStatus | str, message: str | None = None) -> ReportJob:
        """End a running job now with `status` (the control plane's "make it fail now").

        A status never goes backwards or sideways: forcing an ended job to the status it
        already has changes nothing, forcing it to another one is refused.
        """
        status = JobStatus(status)
        if status not in TERMINAL:
            raise ValueError(f"a job can only be forced to end: {status.value}")

        def forced(job: ReportJob, now: int) -> ReportJob:
            if job.status is status:
                return job
            if job.status is not JobStatus.RUNNING:
                raise JobError(409, "JOB_ALREADY_ENDED", _ended(job))
            job.outcome = status
            job.finishes_ms = now
            if status is not JobStatus.COMPLETE:
                job.failure = message or f"forced to end {status.value} by the mock's control plane"
                job.events = JobWindow.empty(job.filter)
            job.settle(now)
            return job

        return self._update(source, forced)

    def set_remaining(self, source: str, seconds: float) -> ReportJob:
        """Make a running job end `seconds` of mock time from now, with its planned status."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")

        def remaining(job: ReportJob, now: int) -> ReportJob:
            if job.status is not JobStatus.RUNNING:
                raise JobError(409, "JOB_ALREADY_ENDED", _ended(job))
            job.finishes_ms = now + int(round(seconds * 1000))
            job.settle(now)
            return job

        return self._update(source, remaining)

    def all(self) -> list[ReportJob]:
        """The live jobs, settled (expired ones are forgotten)."""
        return self._live(self.clock.now_ms())

    def issue_link(self, source: str) -> Link:
        """A fresh download link for a COMPLETE job, valid for 15 minutes of mock time.

        Expired links are dropped first; past `JobSettings.max_links` live links the oldest
        is retired. Both from the front of the issue-ordered table: O(1) amortized.
        """
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
        self._add_link(link, now)
        return link

    def redeem(self, token: str) -> ReportJob:
        """The job a download link points to, if the link exists and has not expired."""
        link = self._link(token)
        if link is None:
            raise LinkRefused("The link is not valid.")
        if self.clock.now_ms() >= link.expires_ms:
            raise LinkRefused("The link has expired: ask for a new one.")
        try:
            return self.get(link.source)
        except JobError:  # the job expired (a TTL shorter than a link's 15 minutes)
            raise LinkRefused("The link is not valid: its report no longer exists.") from None

    def export_state(self) -> list[dict[str, Any]]:
        """Every live job with its window (a mark of the store, not its events) and live links,
        for the control plane's state export."""
        now = self.clock.now_ms()
        jobs, all_links = self._snapshot(now)
        links: dict[str, list[dict[str, Any]]] = {}
        for link in all_links:
            if link.expires_ms > now and link.source in jobs:
                links.setdefault(link.source, []).append(
                    {"token": link.token, "expires": link.expires_ms}
                )
        return [job.to_state(links.get(job.source, [])) for job in jobs.values()]

    @staticmethod
    def parse_state(
        jobs: list[dict[str, Any]],
        events: Sequence[StoredEvent] = (),
        sizes: Mapping[tuple[str, str], int] | None = None,
    ) -> tuple[dict[str, ReportJob], dict[str, Link]]:
        """Jobs and links from `export_state`'s shape (already checked against the schema),
        over `events`, the store's events of the same document, in their order.

        A job's `mark` counts events of its customer and product in that order, so it must not
        reach past them (ValueError). A job of an older document carries its events instead
        (one copy per job): its mark becomes the position of the last of them in `events`,
        each of which must be there, and its count their number. `sizes` (events per
        customer and product) stands in for `events` where only marks are read (the mock's own
        snapshots and write log).
        """
        if sizes is None:
            sizes = Counter((event.customer, event.product) for event in events)
        positions: dict[tuple[str, str, str, int], int] | None = None
        parsed: dict[str, ReportJob] = {}
        links: dict[str, Link] = {}
        for raw in jobs:
            report_filter = ReportFilter.from_json(raw["filter"])
            key = (report_filter.customer, report_filter.product)
            if "mark" in raw and "matched" in raw:  # else `events` (the schema's anyOf)
                mark, matched = int(raw["mark"]), int(raw["matched"])
                if mark > sizes.get(key, 0):
                    raise StateConflict(
                        f"job {raw['job']}: mark {mark} is past the {sizes.get(key, 0)} stored "
                        f"events of {key[0]} {key[1]}"
                    )
                if matched > mark:
                    raise StateConflict(
                        f"job {raw['job']}: matched {matched} is more than mark {mark}"
                    )
            else:  # an older document: the job's own copies of its events
                if positions is None:
                    positions = _positions(events)
                mark, matched = 0, len(raw["events"])
                for n, old in enumerate(raw["events"]):
                    where = (old["customer"], old["product"], old["batch"], int(old["sequence"]))
                    position = positions.get(where)
                    if position is None or where[:2] != key:
                        raise StateConflict(
                            f"job {raw['job']}: events[{n}] (batch {where[2]}, sequence "
                            f"{where[3]}) is not a stored event of {key[0]} {key[1]}"
                        )
                    mark = max(mark, position + 1)
            window = JobWindow(report_filter, Window(-1, mark), matched)
            job = ReportJob.from_state(raw, window if matched else JobWindow.empty(report_filter))
            parsed[job.source] = job
            for link in raw.get("links", ()):
                links[link["token"]] = Link(link["token"], job.source, int(link["expires"]))
        return parsed, links

    def replace(self, jobs: Mapping[str, ReportJob], links: Mapping[str, Link]) -> None:
        """Take `parse_state`'s jobs and links, their windows over the store as it is now:
        call it right after the store took the same document's events."""
        self._bind(jobs.values())
        self._replace(jobs, sorted(links.values(), key=lambda link: link.expires_ms))

    def export_job(self, job: ReportJob) -> dict[str, Any]:
        """One job in `export_state`'s shape, with its live links (a write log's record)."""
        links = [
            {"token": link.token, "expires": link.expires_ms} for link in self._links_of(job.source)
        ]
        return job.to_state(links)

    def restore(self, raw_jobs: list[dict[str, Any]]) -> None:
        """Put back jobs (and their links) in `export_state`'s shape, replacing any job with
        the same source and leaving the others (a write log's replay)."""
        jobs, links = self.parse_state(raw_jobs, sizes=self.store.sizes())
        self._bind(jobs.values())
        self._restore(jobs, links)

    def _bind(self, jobs: Iterable[ReportJob]) -> None:
        for job in jobs:
            if isinstance(job.events, JobWindow):
                job.events = job.events.bound(self.store)

    # Storage primitives: in this process, under one lock

    def _check_room(self, now: int) -> None:
        """Raise `JobsFull` if no job can start now (expired jobs forgotten first)."""
        with self._lock:
            self._make_room(now)

    def _insert(self, job: ReportJob, now: int) -> None:
        """Add a new job if there is room, atomically with the check."""
        with self._lock:
            self._make_room(now)
            self._jobs[job.source] = job

    def _make_room(self, now: int) -> None:
        """Forget expired jobs if the live ones are at their bound; raise `JobsFull` if that
        leaves no room. Holds the lock."""
        limit = self.settings.max_jobs
        if len(self._jobs) < limit:
            return
        self._forget_expired(now)
        if len(self._jobs) >= limit:
            raise self.jobs_full(len(self._jobs))

    def _forget_expired(self, now: int) -> None:
        """Settle every job and forget the expired ones. Holds the lock."""
        ttl = self.settings.ttl_ms
        expired = []
        for source, job in self._jobs.items():
            job.settle(now)
            if job.expired(now, ttl):
                expired.append(source)
        for source in expired:
            del self._jobs[source]

    def _update(self, source: str, change: Change[T]) -> T:
        """`change(job, now)` on the job settled now, atomically; 404 `JobError` if it does
        not exist or expired (then it is forgotten). `change` may raise `JobError`."""
        with self._lock:
            job = self._jobs.get(source)
            now = self.clock.now_ms()
            if job is not None:
                job.settle(now)
                if job.expired(now, self.settings.ttl_ms):
                    del self._jobs[source]
                    job = None
            if job is None:
                raise no_job(source)
            return change(job, now)

    async def _update_async(self, source: str, change: Change[T]) -> T:
        return self._update(source, change)

    def _live(self, now: int) -> list[ReportJob]:
        with self._lock:
            self._forget_expired(now)
            return list(self._jobs.values())

    def _add_link(self, link: Link, now: int) -> None:
        with self._lock:
            links = self._links
            while links and next(iter(links.values())).expires_ms <= now:
                links.popitem(last=False)
            while links and len(links) >= self.settings.max_links:
                links.popitem(last=False)
            links[link.token] = link

    def _link(self, token: str) -> Link | None:
        with self._lock:
            return self._links.get(token)

    def links(self) -> int:
        """How many download links the table holds (live, or expired and not yet dropped)."""
        with self._lock:
            return len(self._links)

    def _links_of(self, source: str) -> list[Link]:
        with self._lock:
            return [link for link in self._links.values() if link.source == source]

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()
            self._links.clear()

    def _snapshot(self, now: int) -> tuple[dict[str, ReportJob], list[Link]]:
        """The live jobs (settled, expired ones forgotten) and every link, together."""
        with self._lock:
            self._forget_expired(now)
            return dict(self._jobs), list(self._links.values())

    def _replace(self, jobs: Mapping[str, ReportJob], links: Sequence[Link]) -> None:
        """`links` in the order they expire."""
        with self._lock:
            self._jobs = dict(jobs)
            self._links = OrderedDict((link.token, link) for link in links)

    def _restore(self, jobs: Mapping[str, ReportJob], links: Mapping[str, Link]) -> None:
        with self._lock:
            self._jobs.update(jobs)
            self._links.update(links)


T = TypeVar("T")
Change = Callable[[ReportJob, int], T]
"""What `ReportJobs._update` does to a job settled at the instant it is given."""


def _unchanged(job: ReportJob, now: int) -> ReportJob:
    return job


def no_job(source: str) -> JobError:
    return JobError(404, "EVENT_JOB_GET_FAILED_NO_JOB", f"No report job has the source {source}.")


def _positions(events: Sequence[StoredEvent]) -> dict[tuple[str, str, str, int], int]:
    """(customer, product, batch, sequence) -> position among its customer and product's."""
    counts: dict[tuple[str, str], int] = {}
    positions = {}
    for event in events:
        key = (event.customer, event.product)
        position = counts.get(key, 0)
        counts[key] = position + 1
        positions[(event.customer, event.product, event.batch, event.sequence)] = position
    return positions


def _ended(job: ReportJob) -> str:
    return f"The report {job.source} already ended {job.status.value}."

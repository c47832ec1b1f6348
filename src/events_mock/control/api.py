"""The control plane over HTTP (spec/control.yaml): thin handlers over `ControlPlane`.

Who may call it is decided before Connexion sees the request (`control.middleware`), because
the rule depends on the caller's address, which security handlers never see. The spec still
declares the optional bearer token, so clients and the contract suite know about it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any

import anyio.to_thread
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionResponse

from events_mock.barchart.jobs import JobError, JobStatus, ReportJob, ReportJobs
from events_mock.control.dashboard import DASHBOARD_PATH, redirect_to_dashboard, serve_dashboard
from events_mock.control.faults import TooManyFaultRules, UnknownFault
from events_mock.control.index import get_index, redirect_to_index
from events_mock.control.plane import CONTROL_PREFIX, ClockOutOfRange, ControlPlane
from events_mock.control.state import CONTROL_SPEC
from events_mock.framework.security import bearer_security
from events_mock.seam import MockApi, StateConflict, StateError, getter, load_spec, spec_path

JSON = {"Content-Type": "application/json"}
"""Named on every answer: the spec documents problem+json too, so Connexion cannot guess."""

Answer = tuple[Any, int, dict[str, str]]


def ok(body: Any, status: int = 200) -> Answer:
    return body, status, JSON


def no_content() -> ConnexionResponse:
    return ConnexionResponse(status_code=204)


def render_problem(status: int, message: str) -> ConnexionResponse:
    """Errors of the control API: RFC 9457 problem details."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = {"type": "about:blank", "title": title, "status": status, "detail": message}
    return ConnexionResponse(
        status_code=status, body=json.dumps(body), content_type="application/problem+json"
    )


def problem(status: int, detail: str) -> ProblemException:
    return ProblemException(status=status, title=HTTPStatus(status).phrase, detail=detail)


class ControlHandlers:
    def __init__(
        self,
        control: ControlPlane | Callable[[], ControlPlane],
        jobs: ReportJobs | None | Callable[[], ReportJobs | None],
    ) -> None:
        self._control_of = getter(control)
        self._jobs_of: Callable[[], ReportJobs | None] = jobs if callable(jobs) else lambda: jobs

    @property
    def control(self) -> ControlPlane:
        """The current world's (`events_mock.world`): one handler object serves them all."""
        return self._control_of()

    @property
    def jobs(self) -> ReportJobs | None:
        return self._jobs_of()

    get_index = staticmethod(get_index)  # GET /__mock/: control/index.py
    redirect_to_index = staticmethod(redirect_to_index)  # /__mock, outside the spec
    serve_dashboard = staticmethod(serve_dashboard)  # /__mock/ui/: control/dashboard.py
    redirect_to_dashboard = staticmethod(redirect_to_dashboard)  # /__mock/ui

    # Clock

    async def get_clock(self) -> Answer:
        return ok(self.control.clock_json())

    async def advance_clock(self, body: dict[str, Any]) -> Answer:
        try:
            self.control.advance(body["seconds"])
        except ClockOutOfRange as error:
            raise problem(409, str(error)) from None
        return ok(self.control.clock_json())

    async def set_clock(self, body: dict[str, Any]) -> Answer:
        try:
            self.control.set_clock(body["now"], body.get("rate"))
        except ClockOutOfRange as error:
            raise problem(400, str(error)) from None
        return ok(self.control.clock_json())

    async def freeze_clock(self) -> Answer:
        self.control.set_rate(0)
        return ok(self.control.clock_json())

    async def set_clock_rate(self, body: dict[str, Any]) -> Answer:
        self.control.set_rate(body["rate"])
        return ok(self.control.clock_json())

    # Jobs

    async def list_jobs(self) -> Answer:
        jobs = self.jobs.all() if self.jobs is not None else []
        now = self.control.clock.now_ms()
        return ok([job_json(job, now) for job in jobs])

    async def get_job(self, source: str) -> Answer:
        return self._job(lambda jobs: jobs.get(source), changes=False)

    async def set_job_status(self, source: str, body: dict[str, Any]) -> Answer:
        return self._job(lambda jobs: jobs.force(source, body["status"], body.get("message")))

    async def set_job_remaining(self, source: str, body: dict[str, Any]) -> Answer:
        return self._job(lambda jobs: jobs.set_remaining(source, body["seconds"]))

    def _job(self, change: Callable[[ReportJobs], ReportJob], changes: bool = True) -> Answer:
        if self.jobs is None:
            raise problem(404, "This mock runs no report jobs.")
        try:
            job = change(self.jobs)
        except JobError as error:
            raise problem(error.status, error.message) from None
        if changes:
            self.control.on_write("barchart.job", job)
        return ok(job_json(job, self.control.clock.now_ms()))

    # Faults

    async def list_faults(self) -> Answer:
        return ok(self.control.faults.to_json())

    async def add_fault(self, body: dict[str, Any]) -> Answer:
        try:
            rule = self.control.faults.add(**body)
        except TooManyFaultRules as error:
            raise problem(507, str(error)) from None
        except (TypeError, ValueError) as error:
            raise problem(400, str(error)) from None
        return ok(rule.to_json(), 201)

    async def clear_faults(self) -> ConnexionResponse:
        self.control.faults.clear()
        return no_content()

    async def get_fault(self, id: str) -> Answer:
        try:
            return ok(self.control.faults.get(id).to_json())
        except UnknownFault:
            raise problem(404, f"No fault rule has the id {id}.") from None

    async def remove_fault(self, id: str) -> ConnexionResponse:
        try:
            self.control.faults.remove(id)
        except UnknownFault:
            raise problem(404, f"No fault rule has the id {id}.") from None
        return no_content()

    # Journal

    async def get_journal(
        self,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        api: str | None = None,
        tenant: str | None = None,
        since: int | None = None,
        limit: int | None = None,
    ) -> Answer:
        journal = self.control.journal
        entries = journal.entries(
            method=method,
            path=path,
            status=status,
            api=api,
            tenant=tenant,
            since=since,
            limit=limit,
        )
        return ok(journal.to_json(entries))

    async def clear_journal(self) -> ConnexionResponse:
        self.control.journal.clear()
        return no_content()

    # Coverage

    async def get_coverage(self) -> Answer:
        return ok(self.control.coverage_document())

    async def clear_coverage(self) -> ConnexionResponse:
        self.control.coverage.clear()
        return no_content()

    # State

    async def reset(self) -> ConnexionResponse:
        self.control.reset()
        return no_content()

    async def export_state(self) -> Answer:
        return ok(self.control.export_state())

    async def import_state(self, body: Any) -> ConnexionResponse:
        return await replaced(lambda: self.control.prepare_import(body))

    # One API's part of the state: one pair of handlers for every API (`state_part_operations`)

    async def export_api_state(self, api: str) -> Answer:
        try:
            return ok(self.control.export_api_state(api))
        except LookupError as error:
            raise problem(404, f"{error}.") from None

    async def import_api_state(self, api: str, body: Any) -> ConnexionResponse:
        return await replaced(lambda: self.control.prepare_api_import(api, body))


STATE_PART = re.compile(r"/state/(?P<api>[a-z0-9][a-z0-9-]*)")
"""A path of one API's part of the state, named after the API (`MockApi.name`)."""


def state_part_operations(
    handlers: ControlHandlers, spec: Mapping[str, Any]
) -> dict[str, Callable[..., Awaitable[Any]]]:
    """The handlers of every `/state/<api>` operation of the spec, by operationId.

    The spec gives each API's part its own path, operationIds and schema, so every part is
    documented in its own shape; the code behind them is one: GET is
    `handlers.export_api_state(<api>)`, PUT `handlers.import_api_state(<api>, body)`. An API
    added to the mock needs its path in spec/control.yaml and nothing here.
    """
    operations: dict[str, Callable[..., Awaitable[Any]]] = {}
    for path, methods in spec.get("paths", {}).items():
        match = STATE_PART.fullmatch(path)
        if match is None:
            continue
        api = match["api"]
        if "get" in methods:
            operations[methods["get"]["operationId"]] = _exporter(handlers, api)
        if "put" in methods:
            operations[methods["put"]["operationId"]] = _importer(handlers, api)
    return operations


def _exporter(handlers: ControlHandlers, api: str) -> Callable[[], Awaitable[Answer]]:
    async def export_api_state() -> Answer:
        return await handlers.export_api_state(api)

    return export_api_state


def _importer(handlers: ControlHandlers, api: str) -> Callable[[Any], Awaitable[ConnexionResponse]]:
    async def import_api_state(body: Any) -> ConnexionResponse:
        return await handlers.import_api_state(api, body)

    return import_api_state


async def replaced(prepare: Callable[[], Callable[[], None]]) -> ConnexionResponse:
    """204 once a state import took effect; 400 or 409 (`StateConflict`) when it changed nothing.

    `prepare` (checking a document of megabytes against the schema takes seconds) runs in a
    worker thread, so other clients are answered meanwhile; its swap, which cannot fail, runs
    here on the event loop, so the import is still all or nothing and ordered with every
    other write.
    """
    try:
        commit = await anyio.to_thread.run_sync(prepare)
        commit()
    except LookupError as error:
        raise problem(404, f"{error}.") from None
    except StateConflict as error:
        raise problem(409, str(error)) from None
    except StateError as error:
        raise problem(400, str(error)) from None
    return no_content()


def job_json(job: ReportJob, now_ms: int) -> dict[str, Any]:
    running = job.status is JobStatus.RUNNING
    output = job.filter.output.to_json()
    return {
        **({"output": output} if output is not None else {}),
        "source": job.source,
        "job": job.job,
        "status": job.status.value,
        "outcome": job.outcome.value,
        "filter": job.filter.echoed(),
        "started": job.started_ms,
        "finishes": job.finishes_ms,
        "ended": job.ended_ms,
        "remaining_seconds": max(job.finishes_ms - now_ms, 0) / 1000 if running else 0,
        "events": len(job.events),
        "failure": job.failure,
    }


def checked_in_middleware(token: str) -> dict[str, str]:
    """The token was already checked by the middleware; here any bearer token passes."""
    return {"sub": "control"}


def create_api(
    control: ControlPlane | Callable[[], ControlPlane],
    jobs: ReportJobs | None | Callable[[], ReportJobs | None] = None,
    extra_operations: Mapping[str, Callable[..., Awaitable[Any]]] | None = None,
) -> MockApi:
    """`extra_operations`: handlers by operationId served beside the plane's own (the
    sandboxes' management, which belongs to the server rather than to one world)."""
    spec = spec_path(CONTROL_SPEC)
    handlers = ControlHandlers(control, jobs)
    return MockApi(
        name="control",
        spec=spec,
        handlers=handlers,
        operations={**state_part_operations(handlers, load_spec(spec)), **(extra_operations or {})},
        render_error=render_problem,
        path_prefixes=(CONTROL_PREFIX,),
        security_map={"bearer": bearer_security(checked_in_middleware)},
        extra_routes=(
            (CONTROL_PREFIX, "redirect_to_index"),
            (DASHBOARD_PATH.rstrip("/"), "redirect_to_dashboard"),
            (DASHBOARD_PATH, "serve_dashboard"),
            (DASHBOARD_PATH + "{asset}", "serve_dashboard"),
        ),
    )

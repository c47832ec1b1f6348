"""The Barchart API over HTTP: thin handlers over `BarchartService`.

Connexion has checked credentials, parameters and bodies against the spec before a handler
runs; a handler turns the call into one on the service and the outcome into the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from connexion import request as current_request
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from events_mock.barchart.errors import error_list
from events_mock.barchart.export import render_export
from events_mock.barchart.jobs import ConflictingOptions, JobError, LinkRefused, ReportFilter
from events_mock.barchart.service import BarchartService, EventOfAnotherProduct, TooManyEvents
from events_mock.limits import JobsFull, StoreFull
from events_mock.seam import getter

__all__ = ["EXPORTS_PATH", "SERVICE", "BarchartHandlers"]

SERVICE = {
    "service": {
        "version": "2.0.0",
        "name": "@barchart/events-private-main",
        "description": "System for collecting and reporting usage statistics",
        "environment": "mock",
    }
}
EXPORTS_PATH = "/exports"
"""Where report links point: served outside the spec, like the real service's file store."""


class BarchartHandlers:
    def __init__(self, service: BarchartService | Callable[[], BarchartService]) -> None:
        self._service_of = getter(service)

    @property
    def service(self) -> BarchartService:
        """The current world's (`events_mock.world`): one handler object serves them all."""
        return self._service_of()

    async def create_events(self, body: dict[str, Any]) -> Any:
        try:
            stored = await self.service.add_events_async(body["events"])
        except TooManyEvents as too_many:
            return error_list("REQUEST_TOO_LARGE", str(too_many)), 413
        except EventOfAnotherProduct as mismatch:
            return error_list("REQUEST_INVALID", str(mismatch)), 400
        except StoreFull as full:
            return error_list("EVENT_STORE_FULL", f"Nothing was stored: {full}."), 507
        return [event.to_json() for event in stored]

    async def start_report(self, body: dict[str, Any]) -> Any:
        try:
            report_filter = ReportFilter.from_request(body)
        except ConflictingOptions as conflict:
            return error_list("REQUEST_INVALID", str(conflict)), 400
        try:
            job = self.service.jobs.start(report_filter)
        except JobsFull as full:
            return error_list("EVENT_JOBS_FULL", f"No job was started: {full}."), 507
        self.service.on_write("barchart.job", job)
        return job.to_json()

    async def get_report_availability(self, source: str) -> Any:
        try:
            return (await self.service.jobs.get_async(source)).to_json()
        except JobError as error:
            return error_list(error.code, error.message), error.status

    async def get_report_link(self, source: str) -> Any:
        try:
            link = self.service.jobs.issue_link(source)
        except JobError as error:
            return error_list(error.code, error.message), error.status
        self.service.on_write("barchart.link", link)
        base = str(current_request.base_url).rstrip("/")
        return {"link": f"{base}{EXPORTS_PATH}/{link.source}.csv?token={link.token}"}

    async def get_service_version(self) -> dict[str, Any]:
        return SERVICE

    async def authenticate(self, context_: Mapping[str, Any]) -> dict[str, Any]:
        user = {"id": context_["user"], "context": "events-mock", "permissions": None}
        return {"service": SERVICE, "user": user}

    async def download_export(self, request: Request) -> Response:
        """The link target: outside the spec, like the real service's file store."""
        try:
            job = self.service.jobs.redeem(request.query_params.get("token", ""))
        except LinkRefused as refused:
            return _access_denied(str(refused))
        if request.path_params["source"] != job.source:
            return _access_denied("The link is not valid.")
        rows = render_export(
            job.export_events(), job.filter.product, self.service.catalog, job.filter.delimiter
        )
        return StreamingResponse(
            rows,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{job.source}.csv"'},
        )


def _access_denied(message: str) -> Response:
    """Refused downloads answer like the object store behind real report links."""
    body = f"<Error><Code>AccessDenied</Code><Message>{message}</Message></Error>"
    return Response(body, status_code=403, media_type="application/xml")

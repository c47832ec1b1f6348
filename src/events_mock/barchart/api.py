"""The Barchart API as served by the mock: thin handlers over the store and the report jobs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connexion import request as current_request
from connexion.lifecycle import ConnexionResponse
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from events_mock.apis import MockApi, spec_path
from events_mock.barchart.catalog import Catalog
from events_mock.barchart.export import render_export
from events_mock.barchart.jobs import JobError, LinkRefused, ReportFilter, ReportJobs
from events_mock.barchart.security import Users
from events_mock.barchart.state import BarchartState
from events_mock.barchart.store import EventStore
from events_mock.framework.security import basic_security
from events_mock.limits import StoreFull

SERVICE = {
    "service": {
        "version": "2.0.0",
        "name": "@barchart/events-private-main",
        "description": "System for collecting and reporting usage statistics",
        "environment": "mock",
    }
}
EXPORTS_PATH = "/exports"
ERROR_CODES = {
    400: "REQUEST_INVALID",
    404: "REQUEST_NOT_FOUND",
    405: "REQUEST_METHOD_NOT_ALLOWED",
    413: "REQUEST_TOO_LARGE",
    415: "REQUEST_UNSUPPORTED_MEDIA_TYPE",
}


@dataclass
class BarchartService:
    """Everything the Barchart mock holds."""

    store: EventStore
    jobs: ReportJobs
    catalog: Catalog
    max_events_per_request: int | None = None


def error_list(code: str, message: str) -> list[dict[str, Any]]:
    return [{"value": {"code": code, "message": message}, "children": []}]


def render_error(status: int, message: str) -> ConnexionResponse:
    """Errors in the reference's shapes: `{"message"}` for 401, the error array otherwise."""
    if status == 401:
        body: Any = {"message": "Unauthorized"}
        headers = {"WWW-Authenticate": 'Basic realm="events-mock", charset="UTF-8"'}
    else:
        body = error_list(ERROR_CODES.get(status, "REQUEST_GENERAL_FAILURE"), message)
        headers = {}
    return ConnexionResponse(
        status_code=status,
        body=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


class BarchartHandlers:
    def __init__(self, service: BarchartService) -> None:
        self.service = service

    async def create_events(self, body: dict[str, Any]) -> Any:
        events = body["events"]
        limit = self.service.max_events_per_request
        if limit is not None and len(events) > limit:
            message = f"{len(events)} events in one request; at most {limit} are accepted."
            return error_list("REQUEST_TOO_LARGE", message), 413
        try:
            stored = self.service.store.add_batch(events)
        except StoreFull as full:
            return error_list("EVENT_STORE_FULL", f"Nothing was stored: {full}."), 507
        return [event.to_json() for event in stored]

    async def start_report(self, body: dict[str, Any]) -> dict[str, Any]:
        job = self.service.jobs.start(ReportFilter.from_json(body["filter"]))
        return job.to_json()

    async def get_report_availability(self, source: str) -> Any:
        try:
            return self.service.jobs.get(source).to_json()
        except JobError as error:
            return error_list(error.code, error.message), error.status

    async def get_report_link(self, source: str) -> Any:
        try:
            link = self.service.jobs.issue_link(source)
        except JobError as error:
            return error_list(error.code, error.message), error.status
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
            job.events, job.filter.product, self.service.catalog, job.filter.delimiter
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


def create_api(service: BarchartService, users: Mapping[str, str]) -> MockApi:
    return MockApi(
        name="barchart",
        spec=spec_path("barchart-events.yaml"),
        handlers=BarchartHandlers(service),
        render_error=render_error,
        security_map={"basic": basic_security(Users(users).check)},
        extra_routes=((EXPORTS_PATH + "/{source}.csv", "download_export"),),
        state=BarchartState(service),
    )

"""Connexion handlers for Billing Care "Get Events", and the `MockApi` that mounts them.

Connexion has already checked credentials and the parameters' types and ranges against the
spec when `get_events` runs; what is left is the part the spec cannot express (windows whose
start is after their end), content negotiation, the no-criterion 204, and the search itself,
which lives in `search`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from connexion import request
from connexion.lifecycle import ConnexionResponse

from events_mock.apis import MockApi, spec_path
from events_mock.billing.dataset import BillingDataset, generate
from events_mock.billing.render import JSON, XML, choose_media_type, events_to_xml
from events_mock.billing.search import EventQuery, SearchError, search
from events_mock.billing.security import BearerTokens
from events_mock.billing.spec import SPEC_FILE
from events_mock.billing.state import BillingState
from events_mock.framework.security import bearer_security

NAME = "billing-care"
PATH_PREFIXES = ("/bcws/",)
OFFERED = (JSON, XML)


def render_error(status: int, message: str) -> ConnexionResponse:
    """The spec's `Error` shape: `{"title", "status", "detail"}`, always JSON."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    body = json.dumps({"title": title, "status": status, "detail": message})
    return ConnexionResponse(status_code=status, content_type=JSON, body=body, headers=headers)


class BillingCareHandlers:
    """Serves searches over `data`; a control plane may assign a new data set at any time."""

    def __init__(self, data: BillingDataset) -> None:
        self.data = data

    async def get_events(self, **params: Any) -> Any:
        try:
            query = EventQuery.from_params(params)
        except SearchError as exc:
            return render_error(400, str(exc))
        accept = request.headers.get("accept")
        media_type = choose_media_type(accept, OFFERED)
        if media_type is None:
            return render_error(406, f"Cannot produce {accept}; acceptable: {', '.join(OFFERED)}")
        if not query.has_criteria():
            return ConnexionResponse(status_code=204)
        events = search(self.data, query)
        if media_type == XML:
            return events_to_xml(events), 200, {"Content-Type": XML}
        return events, 200, {"Content-Type": JSON}


def create_api(dataset: BillingDataset | None, tokens: Mapping[str, str]) -> MockApi:
    """The Billing Care API over `dataset` (None: `generate()`, seed 4, 2000 events).

    `tokens` maps client names to the bearer tokens they present.
    """
    handlers = BillingCareHandlers(dataset if dataset is not None else generate())
    return MockApi(
        name=NAME,
        spec=spec_path(SPEC_FILE),
        handlers=handlers,
        render_error=render_error,
        path_prefixes=PATH_PREFIXES,
        security_map={"bearer": bearer_security(BearerTokens(tokens).check)},
        state=BillingState(handlers),
    )

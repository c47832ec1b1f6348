"""Connexion handlers for Billing Care "Get Events": thin, over `BillingService`.

Connexion has already checked credentials and the parameters' types and ranges against the
spec when `get_events` runs; what is left is the part the spec cannot express (windows whose
start is after their end), content negotiation, the no-criterion 204, and the search itself,
which lives in `search`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connexion import request
from connexion.lifecycle import ConnexionResponse

from events_mock.billing.errors import render_error
from events_mock.billing.render import JSON, XML, choose_media_type, events_to_xml
from events_mock.billing.search import EventQuery, SearchError
from events_mock.billing.service import BillingService
from events_mock.seam import getter

__all__ = ["OFFERED", "BillingCareHandlers"]

OFFERED = (JSON, XML)


class BillingCareHandlers:
    """Serves searches over the service's current data set."""

    def __init__(self, service: BillingService | Callable[[], BillingService]) -> None:
        self._service_of = getter(service)

    @property
    def service(self) -> BillingService:
        """The current world's (`events_mock.world`): one handler object serves them all."""
        return self._service_of()

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
        events = self.service.search(query)
        if media_type == XML:
            return events_to_xml(events), 200, {"Content-Type": XML}
        return events, 200, {"Content-Type": JSON}

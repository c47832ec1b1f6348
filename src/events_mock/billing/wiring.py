"""Billing Care "Get Events" as a `MockApi`: what `events_mock.app` needs to serve it."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from events_mock.billing.errors import render_error
from events_mock.billing.handlers import BillingCareHandlers
from events_mock.billing.security import BearerTokens
from events_mock.billing.service import BillingService
from events_mock.billing.spec import SPEC_FILE
from events_mock.billing.state import BillingState
from events_mock.framework.security import bearer_security
from events_mock.seam import MockApi, getter, spec_path

__all__ = ["NAME", "PATH_PREFIXES", "create_api"]

NAME = "billing-care"
PATH_PREFIXES = ("/bcws/",)


def create_api(
    service: BillingService | Callable[[], BillingService],
    tokens: Mapping[str, str] | Callable[[], BearerTokens],
) -> MockApi:
    """Serve `service` to the clients in `tokens` (client name -> the bearer token it presents),
    each given or found per request (the current world's, `events_mock.world`)."""
    tokens_of = getter(BearerTokens(tokens) if isinstance(tokens, Mapping) else tokens)
    return MockApi(
        name=NAME,
        spec=spec_path(SPEC_FILE),
        handlers=BillingCareHandlers(service),
        render_error=render_error,
        path_prefixes=PATH_PREFIXES,
        security_map={"bearer": bearer_security(lambda token: tokens_of().check(token))},
        state=BillingState(service),
    )

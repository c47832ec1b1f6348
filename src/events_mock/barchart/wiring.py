"""The Barchart API as a `MockApi`: what `events_mock.app` needs to serve it."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from events_mock.barchart.errors import render_error
from events_mock.barchart.handlers import EXPORTS_PATH, BarchartHandlers
from events_mock.barchart.security import Users
from events_mock.barchart.service import BarchartService
from events_mock.barchart.state import BarchartState
from events_mock.framework.security import basic_security
from events_mock.seam import MockApi, getter, spec_path

__all__ = ["NAME", "SPEC_FILE", "create_api"]

NAME = "barchart"
SPEC_FILE = "barchart-events.yaml"


def create_api(
    service: BarchartService | Callable[[], BarchartService],
    users: Mapping[str, str] | Callable[[], Users],
) -> MockApi:
    """Serve `service` to the Basic-auth `users` (name -> password), each given or found per
    request (the current world's, `events_mock.world`)."""
    users_of = getter(Users(users) if isinstance(users, Mapping) else users)
    return MockApi(
        name=NAME,
        spec=spec_path(SPEC_FILE),
        handlers=BarchartHandlers(service),
        render_error=render_error,
        security_map={
            "basic": basic_security(lambda name, password: users_of().check(name, password))
        },
        extra_routes=((EXPORTS_PATH + "/{source}.csv", "download_export"),),
        state=BarchartState(service),
    )

"""Billing Care's error shape, the spec's `Error`: `{"title", "status", "detail"}`, always JSON."""

from __future__ import annotations

import json
from http import HTTPStatus

from connexion.lifecycle import ConnexionResponse

from events_mock.billing.render import JSON

__all__ = ["render_error"]


def render_error(status: int, message: str) -> ConnexionResponse:
    """The spec's `Error` shape; a 401 carries the `Bearer` challenge."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    body = json.dumps({"title": title, "status": status, "detail": message})
    return ConnexionResponse(status_code=status, content_type=JSON, body=body, headers=headers)

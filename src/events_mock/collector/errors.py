"""The Event Collector's single error shape, `{"code": <HTTP status>, "message": <text>}`."""

from __future__ import annotations

import json

from connexion.lifecycle import ConnexionResponse


def error_body(status: int, message: str) -> dict[str, object]:
    return {"code": status, "message": message}


def render_error(status: int, message: str) -> ConnexionResponse:
    """Used for framework errors too (401 from security, 400 from validation), via `MockApi`.

    A 401 carries `WWW-Authenticate: Bearer` as RFC 6750 asks, so OAuth client libraries
    recognise it as "get a new token" rather than a generic failure.
    """
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    return ConnexionResponse(
        status_code=status,
        mimetype="application/json",
        content_type="application/json",
        body=json.dumps(error_body(status, message)),
        headers=headers,
    )

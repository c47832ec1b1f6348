"""The Barchart API's error shapes, as its reference documents them.

401 answers `{"message": "Unauthorized"}` with a Basic challenge; every other error is the
reference's error array, `[{"value": {"code", "message"}, "children": []}]`.
"""

from __future__ import annotations

import json
from typing import Any

from connexion.lifecycle import ConnexionResponse

__all__ = ["ERROR_CODES", "error_list", "render_error"]

ERROR_CODES = {
    400: "REQUEST_INVALID",
    404: "REQUEST_NOT_FOUND",
    405: "REQUEST_METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    413: "REQUEST_TOO_LARGE",
    415: "REQUEST_UNSUPPORTED_MEDIA_TYPE",
    431: "REQUEST_HEADERS_TOO_LARGE",
}
"""The reference's code for each status the framework answers on its own."""


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

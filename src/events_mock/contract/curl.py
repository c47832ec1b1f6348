"""cURL lines for the requests a failure shows, with the run's credentials never printed.

A CI log is read by people who must not learn the credentials it ran with; the wrong ones the
suite made up on purpose (an unknown token, a wrong password) are shown whole, since they are
what the reader needs to see.
"""

from __future__ import annotations

import base64
import binascii
import shlex
from collections.abc import Collection
from typing import Any

__all__ = ["curl_command"]

SKIPPED_HEADERS = frozenset(
    {"user-agent", "accept-encoding", "connection", "content-length", "accept"}
)


def curl_command(request: Any, *, revealed: Collection[str] = ()) -> str:
    """A cURL line for a sent request. Credentials are never printed, unless `revealed`
    (deliberately wrong)."""
    parts = ["curl", "-X", str(request.method)]
    for name, value in request.headers.items():
        if name.lower() in SKIPPED_HEADERS:
            continue
        if name.lower() == "authorization":
            parts += _authorization_args(str(value), str(value) in revealed)
            continue
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    body = request.body
    if body:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        parts += ["-d", shlex.quote(text)]
    parts.append(shlex.quote(str(request.url)))
    return " ".join(parts)


def _authorization_args(value: str, revealed: bool) -> list[str]:
    """`-u NAME:***` for credentials; wrong ones the suite made up on purpose are shown whole."""
    scheme, _, token = value.partition(" ")
    credentials = None
    if scheme.lower() == "basic":
        try:
            credentials = base64.b64decode(token, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            credentials = None
    if credentials is not None and ":" in credentials:
        name, _, password = credentials.partition(":")
        return ["-u", shlex.quote(f"{name}:{password if revealed else '***'}")]
    if revealed:
        return ["-H", shlex.quote(f"Authorization: {value}")]
    return ["-H", shlex.quote(f"Authorization: {scheme} ***")]

"""Who may call the control plane, decided from the ASGI scope alone.

The control plane exports every tenant's data and can break every client's requests, so it
answers only the operator. Without a control token that means a loopback peer *and* a
loopback host name: a web page the operator has open can make the browser send requests to
127.0.0.1, and DNS rebinding can even make them same-origin for the page, but it cannot make
the browser send `Host: 127.0.0.1`. A request a browser sends on behalf of another origin
carries that `Origin` (or `Sec-Fetch-Site: cross-site`) and is refused whatever the token,
unless the operator trusts that origin (`serve --cors-control`).

The peer is the socket's (`scope["client"]`): the CLI runs uvicorn without proxy-header
rewriting, so `X-Forwarded-For` cannot make a remote caller look local.

A browser that omits `Origin` can still send a CORS "simple request" (a form post, a
`fetch(..., {mode: "no-cors"})`) without asking first. So every state-changing control
request must carry what no simple request can: a JSON content type or the `X-Mock-Control`
header. A page elsewhere can only add either after a preflight, and the control plane grants
no preflight to another origin. The rule holds for every caller, in-process ones included, so
a test written against the in-process app behaves the same against a live server.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "CONTROL_HEADER",
    "Refusal",
    "is_local",
    "is_loopback_host",
    "is_simple_state_change",
    "refusal",
]

CONTROL_HEADER = "X-Mock-Control"
"""The header (any value; `1` by convention) that marks a state-changing control request as not
a browser's simple request, for requests without a JSON body."""
STATE_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

IN_PROCESS_CLIENTS = frozenset({"testclient", "events-mock-kit"})
"""Client names in-process callers put in the ASGI scope (Starlette's TestClient, the kit)."""


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str


def is_local(client: Any) -> bool:
    """Loopback or in-process; a missing client (in-process, Unix socket) counts as local."""
    if not client:
        return True
    host = str(client[0])
    if host in IN_PROCESS_CLIENTS:
        return True
    return _is_loopback_address(host)


def is_loopback_host(host: str) -> bool:
    """`localhost`, `*.localhost` (RFC 6761), or a loopback address, with or without a port."""
    name = _host_name(host)
    return name == "localhost" or name.endswith(".localhost") or _is_loopback_address(name)


def refusal(
    scope: MutableMapping[str, Any],
    token_given: bool,
    allowed_hosts: Iterable[str] = (),
    trusted_origin: Callable[[str], bool] | None = None,
) -> Refusal | None:
    """Why this control request is refused, or None. `token_given`: a valid token was sent;
    `trusted_origin`: other origins whose pages the operator lets in (`serve --cors-control`)."""
    headers = _headers(scope)
    host = headers.get("host", "")
    origin = headers.get("origin")
    trusted = origin is not None and trusted_origin is not None and trusted_origin(origin)
    if origin is not None and not (trusted or _same_origin(origin, host)):
        return Refusal(403, f"The control plane refuses requests from other origins ({origin}).")
    if headers.get("sec-fetch-site") == "cross-site" and not trusted:
        return Refusal(403, "The control plane refuses cross-site requests.")
    refused = None if token_given else _caller_refusal(scope, host, allowed_hosts)
    if refused is None and is_simple_state_change(str(scope.get("method", "GET")), headers):
        return Refusal(
            403,
            f"A state-changing control request must send the header '{CONTROL_HEADER}: 1' (or "
            "a JSON body with 'Content-Type: application/json'): a web page on another origin "
            "cannot send either without asking first.",
        )
    return refused


def is_simple_state_change(method: str, headers: dict[str, str]) -> bool:
    """A state-changing request a browser could have sent from another origin without a
    preflight: neither a JSON content type (`application/json`, `*/*+json`) nor the
    `X-Mock-Control` header. `headers`: lower-cased names."""
    if method.upper() not in STATE_CHANGING_METHODS or CONTROL_HEADER.lower() in headers:
        return False
    media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
    is_json = media_type == "application/json" or (
        media_type.endswith("+json") and media_type.count("/") == 1
    )
    return not is_json


def _caller_refusal(
    scope: MutableMapping[str, Any], host: str, allowed_hosts: Iterable[str]
) -> Refusal | None:
    """Without a token: the peer must be loopback and the host name a loopback or allowed one."""
    client = scope.get("client")
    if not client or str(client[0]) in IN_PROCESS_CLIENTS:
        return None  # in-process: no socket, so no browser and no rebinding either
    if not is_local(client):
        return Refusal(
            403,
            "The control plane only answers loopback callers unless a control token is set "
            "(serve --control-token).",
        )
    allowed = {_host_name(name) for name in allowed_hosts}
    if not (is_loopback_host(host) or _host_name(host) in allowed):
        return Refusal(
            403,
            "The control plane only answers requests addressed to a loopback host name "
            "(localhost, 127.0.0.1, [::1]) unless the host is allowed (serve --allowed-host) "
            "or a control token is set.",
        )
    return None


def _headers(scope: MutableMapping[str, Any]) -> dict[str, str]:
    """The first value of each header, lower-cased names."""
    found: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        found.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return found


def _same_origin(origin: str, host: str) -> bool:
    """The page making the request was served by this very host (the mock's own pages)."""
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower() != ""


def _host_name(host: str) -> str:
    """`[::1]:8080` -> `::1`, `Localhost:80` -> `localhost`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    if host.count(":") == 1:
        return host.partition(":")[0]
    return host


def _is_loopback_address(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False

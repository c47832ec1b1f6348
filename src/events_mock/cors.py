"""CORS for the mocked APIs: a browser app on a dev server's origin may call the mock.

A web app under development (`http://localhost:5173`, say) calls the mock from another origin,
so the browser asks first (a preflight `OPTIONS`) and reads an answer only if it carries
`Access-Control-Allow-Origin`. Starlette's `CORSMiddleware` gives those answers; this module
decides which requests it sees:

- Every path but the control plane's, unless `serve --cors-control` opts it in: the control
  plane exports every tenant's data, and its access rules (`control/access.py`) refuse other
  origins, preflights included.
- Only requests that carry an `Origin`: scripts and SDKs send none, and their answers stay
  byte for byte what they were.
- A preflight from an origin not allowed goes on to the API, which answers it as a server
  without CORS does (405 in its own error shape, no `Access-Control-*`), rather than
  Starlette's plain-text 400.

It wraps the control middleware, so an allowed preflight is answered before faults and the
journal see it (a browser's preflights are not calls of the API: the journal shows the same
requests whichever client made them), and the answers that faults and `Prefer` shape get the
CORS headers too, so a browser app can read an injected 503.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from starlette.middleware.cors import CORSMiddleware

from events_mock.seam import route_path

__all__ = ["LOCAL_ORIGINS", "CorsSettings", "MockedApiCors"]

LOCAL_ORIGINS = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?"
"""The default: a page served from this machine, on any port (a dev server's origin)."""

ALLOWED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
EXPOSED_HEADERS = ("Location", "Retry-After", "WWW-Authenticate", "X-Events-Mock-Fault")
"""Response headers a page's script may read besides the safelisted ones: where a created
event is, how long to wait (faults), why a request was refused, which fault rule answered."""

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class CorsSettings:
    origins: tuple[str, ...] = ()
    """Origins allowed to call the mocked APIs (`serve --cors-origin`), `*` for any; none
    given: `LOCAL_ORIGINS`."""
    control: bool = False
    """Whether the allowed origins may use the control plane too (`serve --cors-control`)."""

    def middleware(self, app: ASGIApp) -> CORSMiddleware:
        """Starlette's middleware with this policy. Credentials are allowed (Basic and Bearer
        are how every API authenticates), and every request header a preflight asks for
        (`Authorization`, `Content-Type`, `X-TWC-Tenant`, `Prefer`...) is granted."""
        return CORSMiddleware(
            app,
            allow_origins=self.origins,
            allow_origin_regex=None if self.origins else LOCAL_ORIGINS,
            allow_methods=ALLOWED_METHODS,
            allow_headers=["*"],
            allow_credentials=True,
            expose_headers=EXPOSED_HEADERS,
        )

    def allows(self, origin: str) -> bool:
        """Whether a page of `origin` may call the mocked APIs (Starlette's own verdict)."""
        return self._policy.is_allowed_origin(origin)

    @cached_property
    def _policy(self) -> CORSMiddleware:
        return self.middleware(_no_app)


class MockedApiCors:
    """The ASGI middleware: `CorsSettings.middleware` around the app, for the requests the
    module docstring names; every other request goes straight to the app."""

    def __init__(
        self, app: ASGIApp, settings: CorsSettings, is_control_path: Callable[[str], bool]
    ) -> None:
        self.app = app
        self.settings = settings
        self.cors = settings.middleware(app)
        self.is_control_path = is_control_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = _origin(scope) if scope["type"] == "http" else None
        if (
            origin is None
            or (not self.settings.control and self.is_control_path(route_path(scope)))
            or _is_preflight(scope)
            and not self.cors.is_allowed_origin(origin)
        ):
            await self.app(scope, receive, send)
        else:
            await self.cors(scope, receive, send)


async def _no_app(scope: Scope, receive: Receive, send: Send) -> None:
    raise AssertionError("only asked which origins are allowed")


def _origin(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"origin":
            return value.decode("latin-1")
    return None


def _is_preflight(scope: Scope) -> bool:
    return scope["method"] == "OPTIONS" and any(
        name.lower() == b"access-control-request-method" for name, _ in scope.get("headers", ())
    )

"""`/__mock/ui/`: the dashboard, a page in the browser over the control API.

The page is plain files shipped in the package (`control/ui/`: HTML, CSS, JS; no build step,
nothing fetched from elsewhere, so it works offline). It calls only the control API's own
endpoints, from the same origin, so every protection of the control plane holds for it: the
access middleware (`control.middleware`) gates these files as it gates every `/__mock` path,
and the page sends `X-Mock-Control: 1` and the control token (kept in `sessionStorage`).

The files are served outside spec/control.yaml (like the `/__mock` redirect): they are not
part of the API a client or the contract suite talks to. The answers forbid framing and
scripts from elsewhere (`Content-Security-Policy`), so another site cannot overlay the page
and have the operator click its buttons.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events_mock.control.plane import CONTROL_PREFIX

__all__ = ["DASHBOARD_PATH", "UI_FILES", "redirect_to_dashboard", "serve_dashboard"]

DASHBOARD_PATH = f"{CONTROL_PREFIX}/ui/"

UI_FILES = {
    "index.html": "text/html; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
}
"""Every file the page is made of, with its media type; any other name is 404."""

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@cache
def ui_file(name: str) -> bytes:
    return resources.files("events_mock.control").joinpath("ui", name).read_bytes()


async def serve_dashboard(request: Request) -> Response:
    """`GET /__mock/ui/` (the page) and `GET /__mock/ui/<file>` (its script and styles)."""
    name = request.path_params.get("asset", "index.html")
    media_type = UI_FILES.get(name)
    if media_type is None:
        return Response(
            '{"type": "about:blank", "title": "Not Found", "status": 404, '
            '"detail": "The dashboard has no such file."}',
            status_code=404,
            media_type="application/problem+json",
        )
    return Response(ui_file(name), media_type=media_type, headers=SECURITY_HEADERS)


async def redirect_to_dashboard(request: Request) -> RedirectResponse:
    """`/__mock/ui` without the slash: the page's relative links need the slash."""
    return RedirectResponse(request.url.path + "/", status_code=308)

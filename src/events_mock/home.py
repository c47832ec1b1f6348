"""The mock's home page (`/`): what this server serves and where to go from here.

Whoever opens the URL the banner prints should learn, without reading anything else, which
APIs answer here (each spec's title, base path and credentials), where the Swagger UI, the
specs and the control plane are, and where the documentation lives. Everything on it is read
from the `MockApi` list and the specs, so a new API appears here as it appears in the UI.
The page is self-contained (no scripts, styles or fonts from elsewhere): the mock must work
offline and send nothing anywhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from events_mock.control.dashboard import DASHBOARD_PATH
from events_mock.control.plane import CONTROL_PREFIX
from events_mock.seam import MockApi, base_path, load_spec
from events_mock.version import package_version

__all__ = [
    "DOCS",
    "ROUTED_METHODS",
    "ServedApi",
    "describe_auth",
    "home_page",
    "render_home",
    "served_apis",
]

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})

ROUTED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
"""The methods `/` is routed for. Only GET and HEAD are answered; routing the others here too
makes them 405 (as the APIs' paths answer), where the router would fall through to the APIs
mounted at the root and answer 404."""

DOCS = (
    ("README.md", "what events-mock is, the two commands, a tour"),
    ("docs/mock.md", "each mocked API's behaviour and the options of `events-mock serve`"),
    ("docs/test-kit.md", "testing client code: `mock_api()` and the pytest fixtures"),
    ("docs/contract-suite.md", "`events-mock verify` against a deployment, in CI"),
    ("docs/control-plane.md", "clock, jobs, faults, journal and state under /__mock/"),
    ("docs/dashboard.md", "the dashboard at /__mock/ui/: the control plane in the browser"),
    ("docs/limits.md", "the limits the mock guarantees, and the tests that hold them"),
    ("ARCHITECTURE.md", "how the code is laid out, and how to add an API"),
)
"""The documentation, in the events-mock repository (it is not served: plain names)."""


@dataclass(frozen=True)
class ServedApi:
    """One row of the home page: an API as its spec and the mock describe it."""

    name: str
    title: str
    version: str
    base_path: str
    auth: str
    spec_url: str


def served_apis(apis: Sequence[MockApi], spec_url: Callable[[MockApi], str]) -> list[ServedApi]:
    rows = []
    for api in apis:
        spec = load_spec(api.spec)
        info = spec.get("info", {})
        rows.append(
            ServedApi(
                name=api.name,
                title=str(info.get("title", api.name)),
                version=str(info.get("version", "")),
                base_path=base_path(spec) or "/",
                auth=describe_auth(spec),
                spec_url=spec_url(api),
            )
        )
    return rows


def describe_auth(spec: Mapping[str, Any]) -> str:
    """The credentials the spec's operations take, in words: `HTTP Basic`, `Bearer token
    (optional)`; `none` when no operation needs any."""
    schemes: Mapping[str, Mapping[str, Any]] = spec.get("components", {}).get("securitySchemes", {})
    default = spec.get("security")
    used: dict[str, None] = {}
    open_operations = 0
    operations = 0
    for path_item in spec.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            operations += 1
            requirements = operation.get("security", default) or [{}]
            if any(not requirement for requirement in requirements):
                open_operations += 1
            for requirement in requirements:
                used.update(dict.fromkeys(requirement))
    if not used:
        return "none"
    described = " or ".join(_scheme_label(schemes.get(name, {}), name) for name in used)
    if open_operations == operations:
        return f"{described} (optional)"
    if open_operations:
        return f"{described} (some operations need none)"
    return described


def _scheme_label(scheme: Mapping[str, Any], name: str) -> str:
    kind = scheme.get("type")
    if kind == "http":
        http = str(scheme.get("scheme", "")).lower()
        return {"basic": "HTTP Basic", "bearer": "Bearer token"}.get(http, f"HTTP {http}")
    if kind == "apiKey":
        return f"API key ({scheme.get('in')} {scheme.get('name')})"
    return {"oauth2": "OAuth 2.0", "openIdConnect": "OpenID Connect"}.get(str(kind), name)


def render_home(served: Sequence[ServedApi], version: str) -> str:
    rows = "\n".join(
        "<tr>"
        f"<td><code>{escape(api.name)}</code></td>"
        f"<td>{escape(api.title)} <small>{escape(api.version)}</small></td>"
        f"<td><code>{escape(api.base_path)}</code></td>"
        f"<td>{escape(api.auth)}</td>"
        f'<td><a href="{escape(api.spec_url)}">{escape(api.spec_url)}</a></td>'
        "</tr>"
        for api in served
    )
    docs = "\n".join(f"<li><code>{escape(name)}</code>: {escape(what)}</li>" for name, what in DOCS)
    control = f"{CONTROL_PREFIX}/"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>events-mock {escape(version)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem;
       padding: 0 1rem; line-height: 1.4; }}
table {{ border-collapse: collapse; }}
th, td {{ text-align: left; padding: .3rem .8rem .3rem 0; border-bottom: 1px solid #ddd; }}
code {{ font-size: .95em; }}
</style>
</head>
<body>
<h1>events-mock <small>{escape(version)}</small></h1>
<p>A stateful mock of event-tracking HTTP APIs, for testing their clients. It talks to no real
service: every answer comes from this process.</p>
<h2>Served here</h2>
<table>
<tr><th>API</th><th>Spec</th><th>Base path</th><th>Credentials</th><th>OpenAPI document</th></tr>
{rows}
</table>
<h2>Start here</h2>
<ul>
<li><a href="/ui/">/ui/</a>: the Swagger UI, every spec above, with "Try it out" calling
this mock</li>
<li><a href="{escape(control)}">{escape(control)}</a>: the control plane (the mock's clock,
report jobs, faults, journal and state): an index of its endpoints</li>
<li><a href="{escape(DASHBOARD_PATH)}">{escape(DASHBOARD_PATH)}</a>: the dashboard, the control
plane in the browser: move the clock, finish jobs, inject faults, watch the journal</li>
</ul>
<h2>Documentation</h2>
<p>In the events-mock repository:</p>
<ul>
{docs}
</ul>
</body>
</html>
"""


def home_page(
    apis: Sequence[MockApi], spec_url: Callable[[MockApi], str]
) -> Callable[[Request], Awaitable[HTMLResponse]]:
    """The `/` endpoint, to be routed for `ROUTED_METHODS`. The page is rendered once: nothing
    on it changes while the server runs."""
    page = render_home(served_apis(apis, spec_url), package_version())

    async def endpoint(request: Request) -> HTMLResponse:
        if request.method not in ("GET", "HEAD"):
            raise HTTPException(405, headers={"Allow": "GET, HEAD"})
        return HTMLResponse(page)

    return endpoint

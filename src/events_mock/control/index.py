"""`GET /__mock/`: the index of the control endpoints, as JSON or as a page for a browser.

The banner prints `/__mock/`, so that URL must answer something useful: every operation of
the control API with its method, path and summary. They are read from spec/control.yaml's
`paths` (the spec the control API is served from), never kept by hand, so the index cannot
miss an endpoint. The operation is in the spec itself (`getIndex`): its access rule is the
rest of the control plane's (`control.middleware` gates every `/__mock` path), and response
validation and the contract suite know its answer.

JSON is the default (scripts, `curl`); a request that prefers `text/html` over JSON in its
`Accept` header (a browser's) gets the same as a page, self-contained like the home page.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from html import escape
from typing import Any

from connexion import request
from connexion.lifecycle import ConnexionResponse
from starlette.requests import Request
from starlette.responses import RedirectResponse

from events_mock.control.dashboard import DASHBOARD_PATH
from events_mock.control.plane import CONTROL_PREFIX
from events_mock.seam import load_spec, spec_path

__all__ = [
    "SPEC_URL",
    "Endpoint",
    "control_endpoints",
    "get_index",
    "index_json",
    "prefers_html",
    "redirect_to_index",
    "render_index",
]

SPEC = spec_path("control.yaml")
SPEC_URL = "/openapi/control.json"
"""Where `events_mock.app` serves this spec (`spec_url`); `tests/test_home.py` checks it does."""

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    summary: str

    def to_json(self) -> dict[str, str]:
        return {"method": self.method, "path": self.path, "summary": self.summary}


def control_endpoints(spec: Mapping[str, Any]) -> list[Endpoint]:
    """Every operation in `spec`, in its order, its path under `CONTROL_PREFIX`."""
    endpoints = []
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method in METHODS:
                endpoints.append(
                    Endpoint(
                        method=method.upper(),
                        path=CONTROL_PREFIX + path,
                        summary=str(operation.get("summary", "")),
                    )
                )
    return endpoints


@cache
def index_json() -> dict[str, Any]:
    spec = load_spec(SPEC)
    return {
        "title": str(spec["info"]["title"]),
        "version": str(spec["info"]["version"]),
        "spec": SPEC_URL,
        "endpoints": [endpoint.to_json() for endpoint in control_endpoints(spec)],
    }


def prefers_html(accept: str | None) -> bool:
    """Whether an `Accept` header ranks `text/html` above `application/json` (RFC 9110
    12.5.1: the most specific matching range gives a type its q; ties go to JSON)."""
    if not accept:
        return False
    return _quality(accept, "text", "html") > _quality(accept, "application", "json")


def _quality(accept: str, kind: str, subtype: str) -> float:
    best_specificity, quality = -1, 0.0
    for item in accept.split(","):
        media_range, *params = (part.strip() for part in item.split(";"))
        range_kind, _, range_subtype = media_range.lower().partition("/")
        if range_kind == kind and range_subtype == subtype:
            specificity = 2
        elif range_kind == kind and range_subtype == "*":
            specificity = 1
        elif range_kind == "*" and range_subtype == "*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best_specificity, quality = specificity, _q(params)
    return quality


def _q(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def render_index(index: Mapping[str, Any]) -> str:
    rows = "\n".join(
        "<tr>"
        f"<td><code>{escape(endpoint['method'])}</code></td>"
        f"<td><code>{_path_cell(endpoint)}</code></td>"
        f"<td>{escape(endpoint['summary'])}</td>"
        "</tr>"
        for endpoint in index["endpoints"]
    )
    title = escape(index["title"])
    spec = escape(index["spec"])
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem;
       padding: 0 1rem; line-height: 1.4; }}
table {{ border-collapse: collapse; }}
th, td {{ text-align: left; padding: .3rem .8rem .3rem 0; border-bottom: 1px solid #ddd; }}
</style>
</head>
<body>
<h1>{title} <small>{escape(index["version"])}</small></h1>
<p>The mock's own controls. The same index as JSON: ask without <code>Accept: text/html</code>.
The whole API: <a href="{spec}">{spec}</a>, or try it in the <a href="/ui/">Swagger UI</a>.
Or steer the mock from the <a href="{escape(DASHBOARD_PATH)}">dashboard</a>.
Back to <a href="/">the home page</a>.</p>
<table>
<tr><th>Method</th><th>Path</th><th>What it does</th></tr>
{rows}
</table>
</body>
</html>
"""


def _path_cell(endpoint: Mapping[str, str]) -> str:
    """A GET without path parameters is a link; the others only a path."""
    path = escape(endpoint["path"])
    if endpoint["method"] == "GET" and "{" not in endpoint["path"]:
        return f'<a href="{path}">{path}</a>'
    return path


async def get_index() -> ConnexionResponse:
    """The handler of `getIndex` (`ControlHandlers.get_index`)."""
    index = index_json()
    if prefers_html(request.headers.get("accept")):
        return ConnexionResponse(
            status_code=200,
            body=render_index(index),
            content_type="text/html; charset=utf-8",
            headers={"Vary": "Accept"},
        )
    return ConnexionResponse(
        status_code=200,
        body=json.dumps(index),
        content_type="application/json",
        headers={"Vary": "Accept"},
    )


async def redirect_to_index(request: Request) -> RedirectResponse:
    """`/__mock` without the slash (served outside the spec, as the APIs' paths are all under
    it): a permanent redirect to the index, query kept."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"{CONTROL_PREFIX}/{query}", status_code=308)

"""The contract between the server and each API it serves.

Every API the mock serves (Barchart events, the event collector, Billing Care search, the
control plane) is described by one `MockApi`: the spec file that Connexion loads, the object
whose methods handle the spec's operations, the security handlers that check its credentials,
and how it renders an error in its own documented shape. `events_mock.app` only ever talks to
this interface, so adding an API means writing one of these and listing it in `app.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from connexion.lifecycle import ConnexionResponse

SPEC_DIR = Path(__file__).parent / "specs"

ErrorRenderer = Callable[[int, str], ConnexionResponse]
"""(HTTP status, human-readable message) -> a response in the API's documented error shape."""


@dataclass(frozen=True)
class MockApi:
    name: str
    spec: Path
    handlers: object
    """Methods named after the spec's operationIds, in snake_case: createEvents -> create_events."""
    render_error: ErrorRenderer
    path_prefixes: tuple[str, ...] = ("/",)
    """Request paths that belong to this API, used to pick the error shape for framework errors."""
    security_map: Mapping[str, type] = field(default_factory=dict)
    """Connexion security handler classes by scheme (`basic`, `bearer`), see `events_mock.auth`."""
    extra_routes: tuple[tuple[str, str], ...] = ()
    """(path, handler method) pairs served outside the spec, e.g. the export download links.
    The method takes a Starlette request and returns a Starlette response."""

    def resolve(self, operation_id: str) -> Callable:
        return getattr(self.handlers, snake_case(operation_id))


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def spec_path(filename: str) -> Path:
    return SPEC_DIR / filename


@cache
def load_spec(path: Path) -> dict[str, Any]:
    """Parsed once, with libyaml where installed (15x faster than the pure-Python parser)."""
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def base_path(spec: Mapping[str, Any]) -> str:
    """The path part of the spec's first server URL ('' for root), variables at their defaults.

    Servers may carry a base path (Billing Care's `/bcws/webresources/v1.0`); a client given a
    host only must append it to reach the spec's paths.
    """
    servers = spec.get("servers") or [{"url": "/"}]
    url = servers[0]["url"]
    for name, variable in servers[0].get("variables", {}).items():
        url = url.replace("{" + name + "}", str(variable["default"]))
    return urlparse(url).path.rstrip("/")

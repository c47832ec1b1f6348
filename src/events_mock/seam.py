"""The contract between the server and each API it serves.

Every API the mock serves (Barchart events, the event collector, Billing Care search, the
control plane) is described by one `MockApi`: the spec file that Connexion loads, the object
whose methods handle the spec's operations, the security handlers that check its credentials,
how it renders an error in its own documented shape, and its state for the control plane.
`events_mock.app` only ever talks to this interface, so adding an API means writing one of
these (each API's `wiring.create_api`) and listing it in `app.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlparse

import yaml
from connexion.lifecycle import ConnexionResponse

__all__ = [
    "ApiState",
    "ErrorRenderer",
    "MockApi",
    "StateConflict",
    "StateError",
    "TenantOf",
    "api_for_path",
    "base_path",
    "getter",
    "load_spec",
    "route_path",
    "snake_case",
    "spec_path",
]

SPEC_DIR = Path(__file__).parent / "specs"

T = TypeVar("T")


def getter(source: T | Callable[[], T]) -> Callable[[], T]:
    """A thing, or how to find it per request: the server serves many worlds (sandboxes) with
    one set of handlers, so handlers reach their service through a getter of the current
    world's; a plain object (one world, tests) becomes a getter that returns it."""
    if callable(source):
        return source
    return lambda: source


ErrorRenderer = Callable[[int, str], ConnexionResponse]
"""(HTTP status, human-readable message) -> a response in the API's documented error shape."""


class StateError(ValueError):
    """An imported state is invalid; nothing was changed."""


class StateConflict(StateError):
    """An imported state matches its schema but contradicts itself (say, two events with one
    id): a rule no schema expresses. The control API answers 409 rather than 400 for it."""


class ApiState(Protocol):
    """How the control plane exports, imports and resets one API's data (`/__mock/state`).

    Import is two-phase so that a state covering several APIs is applied all or nothing:
    `prepare` checks and converts everything (raising `StateError`) without touching the live
    data, and the function it returns swaps the prepared data in and cannot fail.
    """

    def export(self) -> dict[str, Any]: ...

    def prepare(self, data: Mapping[str, Any]) -> Callable[[], None]: ...

    def reset(self) -> None: ...


TenantOf = Callable[[Mapping[str, str]], "str | None"]
"""Lower-cased request headers -> the tenant the request belongs to (multi-tenant APIs)."""


@dataclass(frozen=True)
class MockApi:
    name: str
    spec: Path
    handlers: object
    """Methods named after the spec's operationIds, in snake_case: createEvents -> create_events."""
    render_error: ErrorRenderer
    operations: Mapping[str, Callable] = field(default_factory=dict)
    """Handlers by operationId for operations that are not methods of `handlers`: one function
    may serve several operations (the control plane's `/state/<api>` paths)."""
    path_prefixes: tuple[str, ...] = ("/",)
    """Request paths that belong to this API, used to pick the error shape for framework errors."""
    security_map: Mapping[str, type] = field(default_factory=dict)
    """Connexion security handler classes by scheme (`basic`, `bearer`), made by
    `events_mock.framework.security`."""
    extra_routes: tuple[tuple[str, str], ...] = ()
    """(path, handler method) pairs served outside the spec, e.g. the export download links.
    The method takes a Starlette request and returns a Starlette response."""
    state: ApiState | None = None
    """The API's data for the control plane's export, import and reset; None if it has none."""
    tenant_of: TenantOf | None = None
    """Names each request's tenant in the journal, so it can be filtered by tenant."""

    def resolve(self, operation_id: str) -> Callable:
        operation = self.operations.get(operation_id)
        if operation is not None:
            return operation
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


def api_for_path(apis: Sequence[MockApi], path: str) -> MockApi:
    """The API a request path belongs to: the longest matching prefix, else the first API."""
    best: MockApi | None = None
    best_length = -1
    for api in apis:
        for prefix in api.path_prefixes:
            if len(prefix) > best_length and path.startswith(prefix):
                best, best_length = api, len(prefix)
    return best or apis[0]


def route_path(scope: Mapping[str, Any]) -> str:
    """The request's path below its `root_path`: what the APIs' paths are matched against.

    A sandbox's path prefix (`/sandboxes/<id>`) is the request's `root_path` (ASGI), so links
    the sandbox answers keep it, while its APIs see the paths of their specs.
    """
    path: str = scope["path"]
    root = scope.get("app_root_path", scope.get("root_path", ""))  # Starlette mounts: the app's
    if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("/", ""):
        return path[len(root) :] or "/"
    return path

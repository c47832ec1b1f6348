"""Sandboxes from the test side: a fresh, isolated mock inside a shared running one.

`sandbox(base_url)` makes one (`POST /__mock/sandboxes`), yields a handle whose `url` carries
the sandbox's path prefix (give it to the client under test) and whose `control` acts on the
sandbox only, and deletes it on exit, whatever the test did.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from events_mock.testing.client import ControlClient, ControlError

__all__ = ["SandboxHandle", "sandbox"]


@dataclass(frozen=True)
class SandboxHandle:
    id: str
    url: str
    """The server's base URL with `/sandboxes/<id>`: every API and `/__mock/` below it."""
    control: ControlClient
    """The control plane of this sandbox: its clock, faults, journal, jobs and state."""
    info: dict[str, Any]
    """What `POST /__mock/sandboxes` answered (`expires`, `clock`, ...)."""


@contextmanager
def sandbox(base_url: str, token: str | None = None, **options: Any) -> Iterator[SandboxHandle]:
    """`options` as the body of `POST /__mock/sandboxes` takes them: `name`, `clock`,
    `state`, `users`, `tenants`, `billing_tokens`."""
    with ControlClient(base_url, token) as admin:
        created = admin.call("POST", "/sandboxes", json=options)
        try:
            with ControlClient(created["url"], token) as control:
                yield SandboxHandle(created["id"], created["url"], control, created)
        finally:
            try:
                admin.call("DELETE", f"/sandboxes/{created['id']}")
            except ControlError as error:
                if error.status != 404:  # expired meanwhile: gone is what was wanted
                    raise

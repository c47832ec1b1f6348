"""The sandboxes of one server: creating, finding, expiring and deleting them.

A sandbox is a `World` of its own with an id. It expires after `ttl_seconds` of REAL time
without a request (mock clocks may be frozen or racing; idleness is about the client that
forgot to delete it). Expiry is swept lazily, when sandboxes are listed, created or used, so
no timer thread runs; deleting a sandbox drops its world at once.

This registry keeps its sandboxes in this process (the in-memory store's); with
`--store redis://` the server uses `sandboxes.redis_registry.RedisSandboxes`, the same
interface over a registry on Redis that every worker shares.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from events_mock.limits import DEFAULT_MAX_STORED_EVENTS
from events_mock.world import CURRENT, World

__all__ = ["SANDBOX_HEADER", "Sandbox", "SandboxError", "SandboxSettings", "Sandboxes"]

SANDBOX_HEADER = "X-Mock-Sandbox"
SANDBOX_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What an id may look like: it travels in a header and a path segment unescaped."""
DEFAULT_MAX_SANDBOXES = 100
DEFAULT_SANDBOX_TTL = 3600.0
SWEEP_INTERVAL = 1.0
"""Seconds between sweeps on the request path: finding one sandbox checks only that one."""


@dataclass(frozen=True)
class SandboxSettings:
    max_sandboxes: int = DEFAULT_MAX_SANDBOXES
    ttl_seconds: float = DEFAULT_SANDBOX_TTL
    """Idle time (real seconds, no request) after which a sandbox is gone."""
    max_total_events: int = DEFAULT_MAX_STORED_EVENTS
    """Barchart and Event Collector events held by all sandboxes together (`budget`)."""


class SandboxError(Exception):
    """A sandbox call that cannot be honoured: `status` is its HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Sandbox:
    id: str
    name: str | None
    world: World
    created: float
    """Real time (seconds since the epoch)."""
    last_used: float = field(default=0.0)
    """`time.monotonic()` of the last request."""

    def to_json(self, url: str, ttl: float, monotonic_now: float) -> dict[str, Any]:
        idle = max(monotonic_now - self.last_used, 0.0)
        return {
            "id": self.id,
            "name": self.name,
            "url": url,
            "created": _iso(self.created),
            "expires": _iso(time.time() + max(ttl - idle, 0.0)),
            "idle_seconds": round(idle, 3),
            "ttl_seconds": ttl,
            "stored_events": self.world.stored_events(),
            "clock": self.world.control.clock_json(),
        }


WorldFactory = Callable[..., World]


class Sandboxes:
    """The default world and the sandboxes beside it, by id."""

    def __init__(
        self,
        settings: SandboxSettings | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings or SandboxSettings()
        self.default: World | None = None
        """Set once the server's APIs exist (`EventsMock`): the world's copies need them."""
        self.make_world: WorldFactory | None = None
        """`make_world(**options)`: a fresh world; `options` as `create` takes them."""
        self._by_id: dict[str, Sandbox] = {}
        self._lock = threading.Lock()
        self.monotonic = monotonic
        self._last_sweep = monotonic()

    def current(self) -> World:
        """The world of the request being served (`CURRENT`), else the default world."""
        entered = CURRENT.get()
        if entered is not None and entered[0] is self:
            return entered[1]
        assert self.default is not None, "the default world is made before any request"
        return self.default

    def in_default_world(self) -> bool:
        return self.current() is self.default

    # Finding

    def use(self, sandbox_id: str) -> Sandbox | None:
        """The live sandbox with this id, marked used now; None if unknown or expired."""
        now = self.monotonic()
        if now - self._last_sweep >= SWEEP_INTERVAL:
            self.sweep()
        with self._lock:
            sandbox = self._by_id.get(sandbox_id)
            if sandbox is None:
                return None
            if self._expired(sandbox, now):
                del self._by_id[sandbox_id]
                return None
            sandbox.last_used = now
            return sandbox

    async def use_async(self, sandbox_id: str) -> Sandbox | None:
        """`use`, for the request path: a shared registry waits for Redis without holding up
        the event loop (`sandboxes.redis_registry`); here, nothing to wait for."""
        return self.use(sandbox_id)

    def get(self, sandbox_id: str) -> Sandbox:
        """Like `use` (a look-up counts as use), raising 404 for an unknown id."""
        sandbox = self.use(sandbox_id)
        if sandbox is None:
            raise SandboxError(404, f"No sandbox has the id {sandbox_id} (or it expired).")
        return sandbox

    def all(self) -> list[Sandbox]:
        self.sweep()
        with self._lock:
            return list(self._by_id.values())

    def total_events(self) -> int:
        with self._lock:
            sandboxes = list(self._by_id.values())
        return sum(sandbox.world.stored_events() for sandbox in sandboxes)

    def __len__(self) -> int:
        return len(self._by_id)

    # Changing

    def create(self, name: str | None = None, **options: Any) -> Sandbox:
        """A new sandbox; `options` go to `make_world` (its clock, credentials, state).
        Raises `SandboxError` 507 past `max_sandboxes`, 400 for options it cannot take."""
        assert self.make_world is not None
        self.sweep()
        with self._lock:
            if len(self._by_id) >= self.settings.max_sandboxes:
                raise SandboxError(
                    507,
                    f"The server holds its maximum of {self.settings.max_sandboxes} sandboxes;"
                    " delete one (or wait for one to expire) first.",
                )
        world = self.make_world(**options)  # outside the lock: importing a state takes time
        sandbox = Sandbox(id=secrets.token_urlsafe(12), name=name, world=world, created=time.time())
        sandbox.last_used = self.monotonic()
        with self._lock:
            if len(self._by_id) >= self.settings.max_sandboxes:
                raise SandboxError(507, "The server reached its maximum of sandboxes meanwhile.")
            self._by_id[sandbox.id] = sandbox
        return sandbox

    def delete(self, sandbox_id: str) -> None:
        with self._lock:
            if self._by_id.pop(sandbox_id, None) is None:
                raise SandboxError(404, f"No sandbox has the id {sandbox_id} (or it expired).")

    def sweep(self) -> int:
        """Drops every expired sandbox; how many went."""
        now = self.monotonic()
        with self._lock:
            self._last_sweep = now
            expired = [key for key, box in self._by_id.items() if self._expired(box, now)]
            for key in expired:
                del self._by_id[key]
        return len(expired)

    def _expired(self, sandbox: Sandbox, now: float) -> bool:
        return now - sandbox.last_used >= self.settings.ttl_seconds


def is_sandbox_id(text: str) -> bool:
    return SANDBOX_ID.fullmatch(text) is not None


def _iso(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

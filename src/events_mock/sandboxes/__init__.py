"""Sandboxes: many isolated worlds (`events_mock.world`) served by one server.

`registry` keeps them (limits, idle expiry; `redis_registry` on Redis, shared by every
worker), `router` picks the world of each request
(`X-Mock-Sandbox` header or `/sandboxes/<id>/` prefix), `api` serves `/__mock/sandboxes`,
`budget` bounds the events all sandboxes hold together.
"""

from events_mock.sandboxes.registry import (
    SANDBOX_HEADER,
    Sandbox,
    SandboxError,
    Sandboxes,
    SandboxSettings,
)

__all__ = ["SANDBOX_HEADER", "Sandbox", "SandboxError", "SandboxSettings", "Sandboxes"]

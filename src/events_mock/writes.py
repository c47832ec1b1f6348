"""The hook through which a service reports each write it acknowledged.

A durable store (`events_mock.persistence`) must see every accepted write in the order the
mock applied it, before the client's answer is sent, to append it to its log. The services
and the control plane call `on_write(op, payload)` right after a write took effect; the
payload is a domain object (the stored events, the job), encoded only by whoever listens.
Without persistence the hook does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["WriteHook", "ignore_write"]

WriteHook = Callable[[str, Any], None]
"""(operation name, domain payload) -> None; called after the write took effect."""


def ignore_write(op: str, payload: Any) -> None:
    """The hook of a mock that keeps its state in memory only."""

"""Keeping the mock's state on disk: an append-only log of acknowledged writes, compacted
into snapshots off the event loop (`durable.DurableState`, used by `serve --state-file`)."""

from events_mock.persistence.durable import DurableState, LoadFailed
from events_mock.persistence.files import StateFileInUse, Unwritable
from events_mock.persistence.log import FSYNC_POLICIES

__all__ = ["FSYNC_POLICIES", "DurableState", "LoadFailed", "StateFileInUse", "Unwritable"]

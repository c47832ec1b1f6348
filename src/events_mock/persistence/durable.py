"""`serve --state-file`: the mock's state kept on disk, as durable stores keep theirs.

The model is Redis' persistence (its documentation's "AOF" and "RDB"): every acknowledged
write is appended to a log before its answer is sent (`log.WriteLog`, with an fsync policy
like Redis' `appendfsync`), and the log is compacted now and then into a snapshot
(`snapshot`), like an AOF rewrite: the view is captured on the event loop at one point
between writes while appends switch to a new log file, then written by a worker thread, and
only once the new snapshot is in place are the older logs removed. A restart loads the
snapshot and replays the logs that follow it.

Crash points: before the new snapshot's rename, the old snapshot plus both logs hold every
write; after it, the new snapshot plus the new log do (the old log is a leftover, removed).

Only the default mock's state is kept (not a sandbox's); all writes reach `record` on the
event loop's thread, which is what makes a capture between two writes consistent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
import orjson

from events_mock import strict_json
from events_mock.app import EventsMock
from events_mock.persistence import snapshot
from events_mock.persistence.files import StateFileLock, StatePaths, fsync_directory
from events_mock.persistence.log import DamagedLog, FsyncPolicy, WriteLog, read_log
from events_mock.persistence.records import encode, replay
from events_mock.persistence.restore import apply_document
from events_mock.seam import StateError

__all__ = ["COMPACT_LOG_BYTES", "DurableState", "LoadFailed"]

logger = logging.getLogger("events_mock.persistence")

COMPACT_LOG_BYTES = 64 * 1024 * 1024
"""A log this large is compacted without waiting for the interval (Redis' AOF rewrite
minimum size), or when larger than the last snapshot."""


class LoadFailed(StateError):
    """The state on disk cannot be loaded; it is left as it is."""


class DurableState:
    """The state of `mock`, kept at `path`: `open` before serving, `close` after."""

    def __init__(
        self,
        mock: EventsMock,
        path: str | Path,
        fsync: FsyncPolicy = "everysec",
        compact_every: float = 30.0,
    ) -> None:
        self.mock = mock
        self.paths = StatePaths(path)
        self.fsync = fsync
        self.compact_every = compact_every
        self._lock = StateFileLock(self.paths.lock)
        self._log: WriteLog | None = None
        self._generation = 1
        self._snapshot_bytes = 0
        self._dirty = False
        """Something the snapshot file does not hold yet (written, replayed, or loaded from
        a document that is not a trusted snapshot)."""
        self._last_compaction = time.monotonic()
        self._compacting: asyncio.Future[None] | None = None
        self.last_load_seconds = 0.0

    # Start and stop

    def open(self) -> None:
        """Lock, clean up, load, and start logging. Raises `files.Unwritable`,
        `files.StateFileInUse` or `LoadFailed`; on any of them nothing is left locked."""
        self.paths.check_writable()
        self._lock.acquire()
        try:
            for leftover in self.paths.leftover_temporaries():
                logger.info("removing %s, left over by a save that did not finish", leftover)
                leftover.unlink(missing_ok=True)
            started = time.perf_counter()
            self._load()
            self.last_load_seconds = time.perf_counter() - started
            self._log = WriteLog(self.paths.log(self._generation), self.fsync)
            fsync_directory(self.paths.directory)
        except BaseException:
            self._lock.release()
            raise
        self._install_hooks()

    def close(self) -> None:
        """Compact a last time (so the next start reads one file), then unlock."""
        if self._log is None:
            return
        self._uninstall_hooks()
        try:
            changed = self._dirty or self._log.records or not self.paths.snapshot.exists()
            view = snapshot.capture(self.mock) if changed else None
            self._log.close()
            if view is not None:
                self._write_snapshot(view, self._generation + 1)
            self._remove_logs(below=self._generation + 1)
        finally:
            self._log = None
            self._lock.release()

    def _load(self) -> None:
        logs = self.paths.logs()
        follows = 0
        if self.paths.snapshot.exists():
            try:
                loaded = snapshot.read(self.paths.snapshot)
            except (OSError, snapshot.DamagedSnapshot) as error:
                raise LoadFailed(str(error)) from None
            except (orjson.JSONDecodeError, strict_json.NotAcceptedJSON) as error:
                message = f"{self.paths.given} is not JSON the mock accepts: {error}"
                raise LoadFailed(message) from None
            try:
                if loaded.trusted:
                    apply_document(self.mock, loaded.document)
                else:
                    self.mock.control.import_state(loaded.document)
                    self._dirty = True
            except StateError as error:
                raise LoadFailed(str(error)) from None
            follows = loaded.log
            self._snapshot_bytes = self.paths.snapshot.stat().st_size
        for generation, path in logs:
            if generation < follows:  # compacted into the snapshot already
                path.unlink(missing_ok=True)
                continue
            try:
                for record in read_log(path):
                    replay(self.mock, record)
                    self._dirty = True
            except (DamagedLog, StateError, KeyError, TypeError, ValueError) as error:
                raise LoadFailed(f"cannot replay {path}: {error}") from None
            self._generation = generation
        self._generation = max(self._generation, follows, 1)

    def _install_hooks(self) -> None:
        self.mock.barchart.on_write = self.record
        self.mock.collector.on_write = self.record
        self.mock.control.on_write = self.record

    def _uninstall_hooks(self) -> None:
        from events_mock.writes import ignore_write

        self.mock.barchart.on_write = ignore_write
        self.mock.collector.on_write = ignore_write
        self.mock.control.on_write = ignore_write

    # Writes

    def record(self, op: str, payload: Any) -> None:
        """The `on_write` hook: append the write's record before its answer is sent."""
        assert self._log is not None
        self._log.append(encode(self.mock, op, payload), default=tuple)

    # Compaction

    def due(self) -> bool:
        log = self._log
        if log is None or not log.records:
            return False
        if log.bytes >= max(COMPACT_LOG_BYTES, self._snapshot_bytes):
            return True
        return time.monotonic() - self._last_compaction >= self.compact_every

    async def compact(self) -> None:
        """Capture here (on the event loop: between two writes), write in a worker thread."""
        view, generation = self._rotate()
        try:
            await anyio.to_thread.run_sync(self._write_snapshot, view, generation)
        except OSError as error:
            # The older logs stay, so nothing is lost; the next compaction tries again.
            logger.error("writing the snapshot %s failed: %s", self.paths.snapshot, error)
            return
        await anyio.to_thread.run_sync(lambda: self._remove_logs(below=generation))

    def _rotate(self) -> tuple[snapshot.View, int]:
        """The view at this point, and the log generation that follows it (now current)."""
        assert self._log is not None
        view = snapshot.capture(self.mock)
        old = self._log
        self._generation += 1
        self._log = WriteLog(self.paths.log(self._generation), self.fsync)
        old.close()
        self._last_compaction = time.monotonic()
        return view, self._generation

    def _write_snapshot(self, view: snapshot.View, generation: int) -> None:
        started = time.perf_counter()
        self._snapshot_bytes = snapshot.write(view, self.paths, generation)
        self._dirty = False
        logger.info(
            "state saved to %s (%d bytes) in %.2f s",
            self.paths.snapshot,
            self._snapshot_bytes,
            time.perf_counter() - started,
        )

    def _remove_logs(self, below: int) -> None:
        for generation, path in self.paths.logs():
            if generation < below:
                path.unlink(missing_ok=True)

    # Serving

    def lifespan(self, app: Any) -> Any:
        """`app` with an ASGI lifespan that compacts when due and closes on shutdown."""
        durable = self

        async def wrapped(scope: dict, receive: Callable, send: Callable) -> None:
            if scope["type"] != "lifespan":
                await app(scope, receive, send)
                return
            compactor: asyncio.Task[None] | None = None
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    compactor = asyncio.create_task(durable._compact_when_due())
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    if compactor is not None:
                        compactor.cancel()
                        await asyncio.gather(compactor, return_exceptions=True)
                    if durable._compacting is not None:  # one writer of the snapshot at a time
                        await asyncio.gather(durable._compacting, return_exceptions=True)
                    durable.close()
                    await send({"type": "lifespan.shutdown.complete"})
                    return

        return wrapped

    async def _compact_when_due(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self.compact_every))
            if self.due():
                self._compacting = asyncio.ensure_future(self.compact())
                await asyncio.shield(self._compacting)

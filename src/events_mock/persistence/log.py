"""The append-only log of acknowledged writes, one JSON line each (Redis' AOF, in spirit).

A write is appended with one `write(2)` before its answer is sent, so it reaches the
operating system before the client hears of it: a killed mock (SIGKILL, a crash) loses
nothing under any policy. What the fsync policy decides, like Redis' `appendfsync`, is how
much a power loss or kernel crash can take:

- `always`: fsync after every write, before the answer (none lost; each write waits for
  the disk);
- `everysec`: a background thread fsyncs once a second when something was written (at most
  about a second of writes lost);
- `no`: never fsync; the operating system writes back when it likes (Linux: within about
  30 s).

A line cut short (the process died inside `write`) was never acknowledged: reading drops it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import orjson

__all__ = ["FSYNC_POLICIES", "DamagedLog", "FsyncPolicy", "WriteLog", "read_log"]

logger = logging.getLogger("events_mock.persistence")

FsyncPolicy = Literal["always", "everysec", "no"]
FSYNC_POLICIES: tuple[FsyncPolicy, ...] = ("always", "everysec", "no")


class DamagedLog(ValueError):
    """A complete line of a log is not a record: the file was changed by someone else."""


class WriteLog:
    """One log file open for appending."""

    def __init__(self, path: Path, fsync: FsyncPolicy = "everysec") -> None:
        if fsync not in FSYNC_POLICIES:
            raise ValueError(f"fsync policy must be one of {', '.join(FSYNC_POLICIES)}")
        self.path = path
        self.fsync = fsync
        self.records = 0
        """Records appended through this object."""
        self.bytes = 0
        self.failed: OSError | None = None
        """The first append that failed (disk full): later writes are still tried."""
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._dirty = False
        self._closed = threading.Event()
        self._syncer: threading.Thread | None = None
        if fsync == "everysec":
            self._syncer = threading.Thread(
                target=self._sync_every_second, name="events-mock-fsync", daemon=True
            )
            self._syncer.start()

    def append(self, record: dict[str, Any], default: Any = None) -> None:
        line = orjson.dumps(record, default=default) + b"\n"
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(self._fd, view) :]
            if self.fsync == "always":
                os.fdatasync(self._fd)
            else:
                self._dirty = True
        except OSError as error:
            if self.failed is None:
                logger.error("appending to %s failed: %s", self.path, error)
            self.failed = error
            return
        self.records += 1
        self.bytes += len(line)

    def _sync_every_second(self) -> None:
        while not self._closed.wait(1.0):
            self._sync()

    def _sync(self) -> None:
        if self._dirty:
            self._dirty = False
            try:
                os.fdatasync(self._fd)
            except OSError as error:
                logger.error("fsync of %s failed: %s", self.path, error)

    def close(self) -> None:
        """Flush to disk (unless the policy is `no`) and close; idempotent."""
        if self._closed.is_set():
            return
        self._closed.set()
        if self._syncer is not None:
            self._syncer.join(5)
        if self.fsync != "no":
            self._dirty = True
            self._sync()
        os.close(self._fd)


def read_log(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a log in order. A last line without its newline (cut short by a crash)
    is dropped and cut off the file, so appending can go on after it."""
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):
        cut = len(data) - end
        logger.warning("%s: dropping a record cut short by a crash (%d bytes)", path, cut)
        os.truncate(path, end)
    for number, line in enumerate(data[:end].splitlines(), start=1):
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            raise DamagedLog(f"{path}, line {number}: not a record: {error}") from None
        if not isinstance(record, dict) or not isinstance(record.get("op"), str):
            raise DamagedLog(f"{path}, line {number}: not a record")
        yield record

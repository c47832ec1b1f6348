"""The files of a state kept on disk: where they are, who may use them, what a crash left.

Everything is named after the state file's real path (symlinks resolved), so a symlinked
state file stays a symlink (its target is replaced, never the link), and two servers that
reach one file through different names still meet on one lock:

- `<name>`: the snapshot, a state document (`State` in spec/control.yaml);
- `<name>.log.<n>`: the append-only logs of writes since a snapshot, numbered in order;
- `<name>.lock`: held with `flock` by the one server using the file;
- `.<name>.*.tmp`: a snapshot being written; left over only by a killed save, removed at start.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from events_mock.control.state import fsync_directory

__all__ = ["StateFileInUse", "StateFileLock", "StatePaths", "Unwritable", "fsync_directory"]


class Unwritable(OSError):
    """The state file's directory cannot be written: refused at start, before serving."""


class StateFileInUse(RuntimeError):
    """Another server holds the state file's lock."""


class StatePaths:
    def __init__(self, given: str | os.PathLike[str]) -> None:
        self.given = Path(given)
        self.snapshot = Path(os.path.realpath(self.given))
        """Where the snapshot is written: the symlink's target if `given` is one."""
        self.directory = self.snapshot.parent
        name = self.snapshot.name
        self.lock = self.directory / f"{name}.lock"
        self._log_name = re.compile(re.escape(name) + r"\.log\.([0-9]+)")
        self._temp_prefix = f".{name}."

    def log(self, generation: int) -> Path:
        return self.directory / f"{self.snapshot.name}.log.{generation}"

    def logs(self) -> list[tuple[int, Path]]:
        """Every write log beside the snapshot, oldest first."""
        found = []
        for path in self.directory.iterdir():
            match = self._log_name.fullmatch(path.name)
            if match is not None:
                found.append((int(match[1]), path))
        return sorted(found)

    def leftover_temporaries(self) -> list[Path]:
        return [
            path
            for path in self.directory.iterdir()
            if path.name.startswith(self._temp_prefix) and path.name.endswith(".tmp")
        ]

    @contextmanager
    def temporary(self) -> Iterator[tuple[IO[bytes], Path]]:
        """A new file beside the snapshot, removed unless the caller renamed it."""
        fd, name = tempfile.mkstemp(prefix=self._temp_prefix, suffix=".tmp", dir=self.directory)
        path = Path(name)
        try:
            with os.fdopen(fd, "wb") as file:
                yield file, path
        finally:
            path.unlink(missing_ok=True)

    def check_writable(self) -> None:
        """Raise `Unwritable` unless files can be created (and renamed) beside the snapshot."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with self.temporary() as (file, _):
                file.write(b"")
        except OSError as error:
            raise Unwritable(f"cannot write in {self.directory}: {error.strerror}") from None
        if self.snapshot.exists() and not os.access(self.snapshot, os.R_OK):
            raise Unwritable(f"cannot read {self.snapshot}")


class StateFileLock:
    """An exclusive `flock` on `<name>.lock`, holding the owner's pid; removed on release.

    Removing the lock file lets a later server create a new one, so after locking, the file
    locked must still be the one at the path (else a server that opened the old file before
    its removal could run beside one that created the new file): checked, and retried.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        for _ in range(10):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as error:
                raise Unwritable(f"cannot create {self.path}: {error.strerror}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
                os.close(fd)
                raise StateFileInUse(
                    f"another events-mock (pid {owner}) is using this state file "
                    f"(it holds {self.path})"
                ) from None
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self._fd = fd
                return
            os.close(fd)
        raise StateFileInUse(f"cannot lock {self.path}: it keeps being replaced")

    def release(self) -> None:
        if self._fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None

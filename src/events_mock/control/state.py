"""The mock's whole state as one JSON document, and keeping it in a file across restarts.

The document's shape is `State` in spec/control.yaml; files are checked against that same
schema, so a state file and `PUT /__mock/state` accept exactly the same documents. Imports are
all or nothing (see `events_mock.seam.ApiState`). Files are written atomically: a temporary
file in the same directory, flushed to disk, then renamed over the old one, so a crash at any
moment leaves either the previous file or the new one, never a torn mix.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry
from referencing.jsonschema import DRAFT4

from events_mock import strict_json
from events_mock.clock import LATEST_MS, MockClock
from events_mock.seam import ApiState, MockApi, StateError, spec_path

__all__ = [
    "StateError",
    "StateFile",
    "export_api_state",
    "export_state",
    "import_api_state",
    "import_state",
    "prepare_api_state",
    "prepare_state",
]

logger = logging.getLogger("events_mock.state")

FORMAT = "events-mock/state"
VERSION = 1
CONTROL_SPEC = "control.yaml"


def export_state(clock: MockClock, apis: Sequence[MockApi]) -> dict[str, Any]:
    now = clock.now_ms()
    return {
        "format": FORMAT,
        "version": VERSION,
        "clock": {
            "now": now,
            "rate": clock.rate,
            "offset_ms": now - int(time.time() * 1000),
        },
        "apis": {api.name: api.state.export() for api in apis if api.state is not None},
    }


def import_state(clock: MockClock, apis: Sequence[MockApi], document: Any) -> None:
    """Replace every API's data (and the clock, if given) with the document's, or change nothing.

    An API the document leaves out gets its start-up data, as after a reset.
    """
    prepare_state(clock, apis, document)()


def prepare_state(clock: MockClock, apis: Sequence[MockApi], document: Any) -> Callable[[], None]:
    """`import_state` in two steps: check and convert everything now (raising `StateError`,
    changing nothing: safe in a worker thread), and answer the swap, which cannot fail."""
    validate_state(document)
    if "clock" in document:
        _check_clock(document["clock"])
    parts = document["apis"]
    stateful = _stateful(apis)
    unknown = sorted(set(parts) - set(stateful))
    if unknown:
        raise StateError(f"this mock serves no API named {', '.join(unknown)}")
    commits = [
        state.prepare(parts[name]) if name in parts else state.reset
        for name, state in stateful.items()
    ]

    def commit_all() -> None:
        for commit in commits:
            commit()
        if "clock" in document:
            restore_clock(clock, document["clock"])

    return commit_all


def export_api_state(apis: Sequence[MockApi], name: str) -> dict[str, Any]:
    return _api_state(apis, name).export()


def import_api_state(apis: Sequence[MockApi], name: str, data: Any) -> None:
    """Replace one API's data, or change nothing; the other APIs and the clock stay."""
    prepare_api_state(apis, name, data)()


def prepare_api_state(apis: Sequence[MockApi], name: str, data: Any) -> Callable[[], None]:
    """`import_api_state` in two steps, like `prepare_state`."""
    state = _api_state(apis, name)
    validate_state(data, f"State/properties/apis/properties/{name}")
    return state.prepare(data)


def _stateful(apis: Sequence[MockApi]) -> dict[str, ApiState]:
    return {api.name: api.state for api in apis if api.state is not None}


def _api_state(apis: Sequence[MockApi], name: str) -> ApiState:
    """Raises `LookupError` in a mock built without that API (`EventsMock` serves them all)."""
    state = _stateful(apis).get(name)
    if state is None:
        raise LookupError(f"this mock serves no API named {name}")
    return state


def restore_clock(clock: MockClock, saved: Mapping[str, Any]) -> None:
    """A frozen clock comes back at its instant; a running one keeps its offset from real time,
    within the clock's range: an offset the schema allows can put real time plus it before
    1970 or past 9999, where no `Millis` is (it starts at that end instead)."""
    rate = float(saved["rate"])
    clock.set_rate(rate)
    if rate == 0 or "offset_ms" not in saved:
        clock.set(int(saved["now"]))
    else:
        now = int(time.time() * 1000) + int(saved["offset_ms"])
        clock.set(min(max(now, 0), LATEST_MS))


def _check_clock(saved: Mapping[str, Any]) -> None:
    """What the schema cannot say (a NaN passes every bound): the clock's numbers are finite.

    Documents from HTTP and files cannot hold NaN (`strict_json`); a Python caller's can.
    """
    for name in ("now", "rate", "offset_ms"):
        value = saved.get(name, 0)
        if isinstance(value, float) and not math.isfinite(value):
            raise StateError(f"invalid state at clock/{name}: {value!r} is not a finite number")


def validate_state(document: Any, schema: str = "State") -> None:
    """Check against a schema of spec/control.yaml: `State`, or a part of it by JSON pointer."""
    error = next(iter(_state_validator(schema).iter_errors(document)), None)
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "the document"
        raise StateError(f"invalid state at {where}: {error.message[:300]}")


@cache
def _state_validator(schema: str) -> OAS30Validator:
    """The spec's schema, with its references into the other specs resolvable."""
    resources = []
    for spec in sorted(spec_path(CONTROL_SPEC).parent.glob("*.yaml")):
        contents = yaml.safe_load(spec.read_text())
        resources.append((spec.absolute().as_uri(), DRAFT4.create_resource(contents)))
    registry = Registry().with_resources(resources)
    control_uri = spec_path(CONTROL_SPEC).absolute().as_uri()
    reference = {"$ref": f"{control_uri}#/components/schemas/{schema}"}
    # Formats too (a job's `batch` is a UUID): Connexion's request validation skips them.
    return OAS30Validator(reference, registry=registry, format_checker=oas30_format_checker)


class StateFile:
    """A state document on disk, replaced atomically on every save."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._last_saved: bytes | None = None
        self._lock = threading.Lock()

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> Any:
        data = self.path.read_bytes()
        try:
            document = strict_json.loads(data)
        except strict_json.NotAcceptedJSON as error:
            raise StateError(f"{self.path} is not JSON the mock accepts: {error}") from None
        self._last_saved = data
        return document

    def save(self, document: Any) -> bool:
        """Write the document unless the file already holds exactly it; True if written."""
        data = json.dumps(document, separators=(",", ":")).encode()
        with self._lock:
            if data == self._last_saved:
                return False
            atomic_write(self.path, data)
            self._last_saved = data
            return True


def atomic_write(path: Path, data: bytes) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_directory(directory)


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new file's name durable (POSIX); a no-op where impossible."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

"""What passed through the proxy, as a state document `events-mock serve --state-file` serves.

Only what the answers hold is kept (the events as `POST /events` answered them, batch and
sequence included), never a request's credentials: the document has no place for them.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from events_mock.control.state import FORMAT, VERSION, atomic_write

__all__ = ["Recorder"]


class Recorder:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._events: dict[tuple[str, int], dict[str, Any]] = {}

    def saw(self, operation_id: str | None, status: int, body: Any) -> None:
        """Keep what one answer of the API holds (only answers the spec calls successes); the
        file is rewritten each time it grows, so a proxy killed rather than stopped loses
        nothing."""
        if operation_id == "createEvents" and status == 200 and isinstance(body, list):
            with self._lock:
                for event in body:
                    if isinstance(event, dict) and "batch" in event and "sequence" in event:
                        self._events[(str(event["batch"]), int(event["sequence"]))] = event
            self.save()

    def document(self) -> dict[str, Any]:
        with self._lock:
            return self._document()

    def _document(self) -> dict[str, Any]:
        events = list(self._events.values())
        barchart = {"events": events, "jobs": []}
        return {"format": FORMAT, "version": VERSION, "apis": {"barchart": barchart}}

    def save(self) -> None:
        with self._lock:
            document = self._document()
            atomic_write(self.path, json.dumps(document, indent=1).encode())

"""Barchart's report downloads seen through the proxy: checked by the suite's export rules, and
their rows turned back into events for `--record`.

A report link is no operation of the spec (it is whatever URL the service answers), so the
proxy only knows a download as one when it saw the link handed out: `ExportLinks` remembers
each link's path with its job's filter and delimiter (from the job's answers it saw).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from events_mock.barchart.catalog import load_catalog

__all__ = ["ExportLink", "ExportLinks", "events_of_rows"]

RECORDED_BATCHES = uuid.UUID("6f1c4cf2-5d51-4a8e-9a51-6d1f0f5b7a10")
"""Namespace of the batch ids given to events recorded from an export (uuid5 of the source)."""
MAX_LINKS = 10_000


@dataclass(frozen=True)
class ExportLink:
    source: str
    filter: Mapping[str, Any]
    delimiter: str = "|"

    @property
    def product(self) -> str:
        return str(self.filter.get("product", ""))

    def columns(self) -> list[str]:
        return ["timestamp", "type", *load_catalog().columns(self.product)]


class ExportLinks:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, tuple[Mapping[str, Any], str]] = {}
        self._links: dict[str, ExportLink] = {}

    def saw_job(self, status: Any) -> None:
        """A job's answer (started or polled): its filter and delimiter, for its link."""
        if not isinstance(status, dict) or not isinstance(status.get("source"), str):
            return
        job_filter = status.get("filter")
        output = status.get("output") if isinstance(status.get("output"), dict) else {}
        delimiter = output.get("delimiter") if isinstance(output, dict) else None
        if isinstance(job_filter, dict):
            with self._lock:
                if len(self._jobs) >= MAX_LINKS:
                    self._jobs.pop(next(iter(self._jobs)))
                self._jobs[status["source"]] = (job_filter, delimiter or "|")

    def saw_link(self, source: str, link: str) -> None:
        with self._lock:
            job = self._jobs.get(source)
            if job is None:
                return
            if len(self._links) >= MAX_LINKS:
                self._links.pop(next(iter(self._links)))
            self._links[urlsplit(link).path] = ExportLink(source, job[0], job[1])

    def download(self, path: str) -> ExportLink | None:
        with self._lock:
            return self._links.get(path)


def events_of_rows(link: ExportLink, rows: list[list[str]]) -> list[dict[str, Any]]:
    """The events an export's rows show, as `POST /events` would have answered them: the job's
    customer and product, each row's context values back in its type's order, one batch per
    export (a uuid5 of its source) and sequences in row order."""
    positions = load_catalog().column_positions(link.product)
    batch = str(uuid.uuid5(RECORDED_BATCHES, link.source))
    events = []
    for sequence, row in enumerate(rows, start=1):
        if len(row) < 2 or not row[0].lstrip("-").isdigit():
            continue
        values = row[2:]
        context_at: dict[int, str] = {}
        for column, index in enumerate(positions.get(row[1], ())):
            if index is not None and column < len(values):
                context_at[index] = values[column]
        context = [context_at.get(i, "") for i in range(max(context_at, default=-1) + 1)]
        while context and context[-1] == "":
            context.pop()
        events.append(
            {
                "customer": link.filter.get("customer"),
                "product": link.product,
                "type": row[1],
                "timestamp": int(row[0]),
                "context": context,
                "sequence": sequence,
                "batch": batch,
            }
        )
    return events

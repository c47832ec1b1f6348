"""The export file: pipe-delimited text, a header row, one row per event in timestamp order.

Columns are `timestamp`, `type`, then the product's own columns, each filled from the event's
context array by the position its event type gives that key in the catalog. Rendered in chunks
so a large export streams without being built in memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from events_mock.barchart.catalog import Catalog
from events_mock.barchart.store import StoredEvent

DEFAULT_DELIMITER = "|"
ROWS_PER_CHUNK = 2000


def render_export(
    events: Iterable[StoredEvent],
    product: str,
    catalog: Catalog,
    delimiter: str | None = None,
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter or DEFAULT_DELIMITER, lineterminator="\n")
    writer.writerow(("timestamp", "type", *catalog.columns(product)))
    positions = catalog.column_positions(product)
    no_positions: tuple[int | None, ...] = (None,) * len(catalog.columns(product))
    for rows, event in enumerate(events, start=1):
        context = event.context
        values = [
            context[i] if i is not None and i < len(context) else ""
            for i in positions.get(event.type, no_positions)
        ]
        writer.writerow((event.timestamp, event.type, *values))
        if rows % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()

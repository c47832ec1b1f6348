"""The export file: pipe-delimited text, a header row, one row per event in timestamp order.

Columns are `timestamp`, `type`, then the product's own columns, each filled from the event's
context array by the position its event type gives that key in the catalog. Rendered in chunks
so a large export streams without being built in memory.

The file is what `csv.writer` writes, but built faster (1M rows: as fast as `csv.writer` over
ready-made rows, where the plain loop took 2.1x that): each event type's columns are picked
by one `itemgetter`, and a chunk with no delimiter, quote or line break inside any value is
simply joined, which is exactly what `csv.writer` would write for it; any other chunk is
written by `csv.writer`. A `null` context value (the vendor's SDK sends one for a value
nobody supplied) cannot be joined, so its chunk takes `csv.writer`'s way too, which writes
None as an empty column: all-string contexts keep the fast way.
"""

from __future__ import annotations

import csv
import io
import typing as t
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from operator import itemgetter

from events_mock.barchart.catalog import Catalog
from events_mock.barchart.store import SEPARATOR, Selection, StoredEvent

DEFAULT_DELIMITER = "|"
ROWS_PER_CHUNK = 2000


def render_export(
    events: Iterable[StoredEvent],
    product: str,
    catalog: Catalog,
    delimiter: str | None = None,
) -> Iterator[str]:
    delimiter = delimiter or DEFAULT_DELIMITER
    columns = catalog.columns(product)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(("timestamp", "type", *columns))
    pending = _drain(buffer)
    positions = catalog.column_positions(product)
    width = len(columns)
    records = isinstance(events, Selection)
    line, padded_line = line_maker(positions, width, delimiter, records=records)
    as_event: Callable[[t.Any], StoredEvent] = lambda event: event  # noqa: E731
    rows: Iterable[t.Any] = events  # events, or the store's records they are made from
    if isinstance(events, Selection):  # read the store's records: no StoredEvent made
        rows, as_event = events.records, events.event
    pending_rows = iter(rows)
    while chunk := list(islice(pending_rows, ROWS_PER_CHUNK)):
        try:
            try:
                text = "\n".join([line(event) for event in chunk]) + "\n"
            except (IndexError, AttributeError):
                text = "\n".join([padded_line(event) for event in chunk]) + "\n"
            clean = (
                text.count(delimiter) == (width + 1) * len(chunk)
                and text.count("\n") == len(chunk)
                and '"' not in text
                and "\r" not in text
            )
        except TypeError:  # a value that is not a string: a null context value
            clean = False
        if not clean:  # csv.writer knows how to quote, and what to make of non-strings
            writer.writerows(_plain_row(as_event(e), positions, width) for e in chunk)
            text = _drain(buffer)
        yield pending + text
        pending = ""
    if pending:
        yield pending


def line_maker(
    positions: Mapping[str, tuple[int | None, ...]],
    width: int,
    delimiter: str,
    *,
    records: bool = False,
) -> tuple[Callable[[t.Any], str], Callable[[t.Any], str]]:
    """event -> its line (no quoting: the caller checks), "" where the context has no value.

    With `records`, for a store record (timestamp, type, packed context, ...). Two functions:
    the quick one, and the one to use where the quick one raises IndexError or AttributeError.
    """
    reach = max((i for p in positions.values() for i in p if i is not None), default=-1)
    padding = ("",) * (reach + 2)
    listed_padding = list(padding)
    # Past the context, an index lands in the padding; -1 (no such key) is always padding.

    def picker(where: tuple[int | None, ...]) -> Callable[[t.Any], tuple]:
        indexes = [-1 if i is None else i for i in where]
        pick = itemgetter(*indexes)
        return (lambda values: (pick(values),)) if len(indexes) == 1 else pick

    d, join = delimiter, delimiter.join
    if width == 0:
        if records:
            return (lambda r: f"{r[0]}{d}{r[1]}",) * 2
        return (lambda e: f"{e[3]}{d}{e[2]}",) * 2
    pick = {code: picker(where) for code, where in positions.items()}.get
    no_columns = picker((None,) * width)

    def event_line(e: StoredEvent) -> str:
        return f"{e[3]}{d}{e[2]}{d}{join(pick(e[2], no_columns)(e[4] + padding))}"

    def record_line(r: tuple) -> str:
        # A packed context ends with a separator (see store.pack): split, it ends with a blank
        # for index -1. A tuple, or a context shorter than its type's keys, fails here...
        return f"{r[0]}{d}{r[1]}{d}{join(pick(r[1], no_columns)(r[2].split(SEPARATOR)))}"

    def padded_record_line(r: tuple) -> str:
        # ... and takes this way.
        packed = r[2]
        values = packed.split(SEPARATOR) if type(packed) is str else [*packed, ""]
        return f"{r[0]}{d}{r[1]}{d}{join(pick(r[1], no_columns)(values + listed_padding))}"

    return (record_line, padded_record_line) if records else (event_line, event_line)


def _plain_row(
    event: StoredEvent, positions: Mapping[str, tuple[int | None, ...]], width: int
) -> tuple:
    context = event.context
    where = positions.get(event.type, (None,) * width)
    values = [context[i] if i is not None and i < len(context) else "" for i in where]
    return (event.timestamp, event.type, *values)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text

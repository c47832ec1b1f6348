"""The fast export writes byte for byte what the plain `csv.writer` loop wrote."""

from __future__ import annotations

import csv
import io

import pytest

from events_mock.barchart.catalog import Catalog
from events_mock.barchart.export import ROWS_PER_CHUNK, render_export
from events_mock.barchart.store import EventStore, StoredEvent
from tests._support import event as event_json


def reference(events, product: str, catalog: Catalog, delimiter: str | None = None) -> str:
    """The export as first written: one `writerow` per event."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter or "|", lineterminator="\n")
    writer.writerow(("timestamp", "type", *catalog.columns(product)))
    positions = catalog.column_positions(product)
    none = (None,) * len(catalog.columns(product))
    for event in events:
        context = event.context
        values = [
            context[i] if i is not None and i < len(context) else ""
            for i in positions.get(event.type, none)
        ]
        writer.writerow((event.timestamp, event.type, *values))
    return buffer.getvalue()


def stored(timestamp: int, type_: str, context: tuple, product: str = "PORTFOLIO") -> StoredEvent:
    return StoredEvent("BARCHART", product, type_, timestamp, context, None, "b", 1)


ODD_VALUES = ["", "a|b", 'say "hi"', "two\nlines", "cr\rhere", " padded ", "semi;colon", "é"]


def events_with(values: list) -> list[StoredEvent]:
    made = []
    for n, value in enumerate(values):
        made.append(stored(n, "PORTFOLIO-TRANSACTION-CREATED", ("u", value, "p", "s")))
        made.append(stored(n, "PORTFOLIO-CREATED", (value,)))
        made.append(stored(n, "PORTFOLIO-APPLICATION-LOADED", ()))
        made.append(stored(n, "NOT-IN-THE-CATALOG", (value, value)))
        made.append(stored(-n, "PORTFOLIO-VIEW-TYPE-CHANGED", ("u", "p", value, "extra", "more")))
    return made


@pytest.mark.parametrize("delimiter", [None, ";", "-", " ", ",", "\t"])
def test_odd_values_and_delimiters(catalog: Catalog, delimiter: str | None) -> None:
    events = events_with(ODD_VALUES)
    fast = "".join(render_export(events, "PORTFOLIO", catalog, delimiter))
    assert fast == reference(events, "PORTFOLIO", catalog, delimiter)


@pytest.mark.parametrize("delimiter", [None, ";"])
def test_null_context_values_are_empty_columns(catalog: Catalog, delimiter: str | None) -> None:
    events = events_with([None, "a", None, "b|c"])
    fast = "".join(render_export(events, "PORTFOLIO", catalog, delimiter))
    assert fast == reference(events, "PORTFOLIO", catalog, delimiter)
    d = delimiter or "|"
    lines = fast.splitlines()
    assert f"0{d}PORTFOLIO-CREATED{d}{d * 7}" in lines  # userId null: an empty first column


def test_null_context_values_from_the_store(catalog: Catalog) -> None:
    store = EventStore()
    store.add_batch(
        [
            event_json(n, "PORTFOLIO-CREATED", context=["u", None] if n % 3 else [None])
            for n in range(9)
        ]
        + [event_json(100 + n, context=[f"u{n}"]) for n in range(ROWS_PER_CHUNK)]
    )
    selection = store.selection("BARCHART", "PORTFOLIO")
    expected = reference(store.select("BARCHART", "PORTFOLIO"), "PORTFOLIO", catalog)
    assert "".join(render_export(selection, "PORTFOLIO", catalog)) == expected
    assert "None" not in expected


@pytest.mark.parametrize("product", ["PORTFOLIO", "ALERT", "CMDTYVIEW", "ENTITLEMENTS"])
def test_every_kind_of_product(catalog: Catalog, product: str) -> None:
    codes = [c for c, owner in catalog.product_of.items() if owner == product]
    events = [
        stored(n, code, tuple(f"v{n}-{k}" for k in range(n % 5)), product)
        for n, code in enumerate(codes * 3)
    ]
    fast = "".join(render_export(events, product, catalog))
    assert fast == reference(events, product, catalog)


def test_values_that_are_not_strings(catalog: Catalog) -> None:
    events = [stored(1, "PORTFOLIO-CREATED", (7, None)), stored(2, "PORTFOLIO-CREATED", ["x"])]
    fast = "".join(render_export(events, "PORTFOLIO", catalog))
    assert fast == reference(events, "PORTFOLIO", catalog)


def test_chunks_and_the_empty_export(catalog: Catalog) -> None:
    events = events_with(["x"] * ROWS_PER_CHUNK) + events_with(['"'])
    chunks = list(render_export(events, "PORTFOLIO", catalog))
    assert "".join(chunks) == reference(events, "PORTFOLIO", catalog)
    assert len(chunks) == len(events) // ROWS_PER_CHUNK + 1
    assert list(render_export([], "PORTFOLIO", catalog)) == [reference([], "PORTFOLIO", catalog)]


def test_a_jobs_selection_exports_like_the_selected_events(catalog: Catalog) -> None:
    from events_mock.barchart.store import EventStore

    store = EventStore()
    raw = [e.to_json() for e in events_with([*ODD_VALUES, "plain"])]
    short = {**raw[0], "type": "PORTFOLIO-TRANSACTION-CREATED", "context": ["short"]}
    store.load_json([*raw, short, {**raw[0], "context": [7, None], "timestamp": 99}])
    for delimiter in (None, ";", "-"):
        selection = store.selection("BARCHART", "PORTFOLIO")
        expected = reference(store.select("BARCHART", "PORTFOLIO"), "PORTFOLIO", catalog, delimiter)
        assert "".join(render_export(selection, "PORTFOLIO", catalog, delimiter)) == expected

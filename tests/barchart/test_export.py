from __future__ import annotations

from events_mock.barchart.catalog import Catalog
from events_mock.barchart.export import ROWS_PER_CHUNK, render_export
from events_mock.barchart.store import EventStore
from tests._support import event


def rows(chunks) -> list[str]:
    return "".join(chunks).splitlines()


def test_documented_columns_filled_by_context_key(store: EventStore, catalog: Catalog) -> None:
    # ALERT-CREATED's context keys are [userId, alertId, symbol]; ALERT exports userId, alertId.
    store.add_batch([event(2, "ALERT-CREATED", "ALERT", ["u1", "a1", "ESZ9"])])
    store.add_batch([event(1, "ALERT-APPLICATION-LOADED", "ALERT", ["u2"])])
    text = rows(render_export(store.select("BARCHART", "ALERT"), "ALERT", catalog))
    assert text == [
        "timestamp|type|userId|alertId",
        "1|ALERT-APPLICATION-LOADED|u2|",
        "2|ALERT-CREATED|u1|a1",
    ]


def test_cmdtyview_workspace_column_reads_workspace_id(catalog: Catalog) -> None:
    assert catalog.columns("CMDTYVIEW") == ("userId", "sessionId", "browser", "workspace")
    code = next(
        c
        for c, keys in catalog.context_keys.items()
        if keys[:1] == ("userId",)
        and "workspaceId" in keys
        and catalog.product_of[c] == "CMDTYVIEW"
    )
    keys = catalog.context_keys[code]
    context = [f"v-{key}" for key in keys]
    store = EventStore()
    store.add_batch([event(1, code, "CMDTYVIEW", context)])
    line = rows(render_export(store.select("BARCHART", "CMDTYVIEW"), "CMDTYVIEW", catalog))[1]
    assert line.split("|")[-1] == "v-workspaceId"


def test_other_products_export_their_types_context_keys(catalog: Catalog) -> None:
    assert catalog.columns("ENTITLEMENTS") == ("userId", "operation")


def test_delimiter_option_and_quoting(store: EventStore, catalog: Catalog) -> None:
    store.add_batch([event(1, context=["a;b"])])
    text = rows(render_export(store.select("BARCHART", "PORTFOLIO"), "PORTFOLIO", catalog, ";"))
    assert text[0].startswith("timestamp;type;userId;")
    assert text[1].startswith('1;PORTFOLIO-APPLICATION-LOADED;"a;b";')


def test_large_exports_stream_in_chunks(store: EventStore, catalog: Catalog) -> None:
    store.add_batch([event(i) for i in range(ROWS_PER_CHUNK * 2 + 5)])
    chunks = list(render_export(store.select("BARCHART", "PORTFOLIO"), "PORTFOLIO", catalog))
    assert len(chunks) == 3
    assert len(rows(chunks)) == ROWS_PER_CHUNK * 2 + 5 + 1

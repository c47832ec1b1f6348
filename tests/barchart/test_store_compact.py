"""The compact representation gives back exactly what was stored, whatever the context holds."""

from __future__ import annotations

import pytest

from events_mock.barchart.store import SEPARATOR, EventStore, StoredEvent, pack, unpack
from tests._support import event

CONTEXTS = [[], [""], ["", ""], ["a"], ["a", "b", "c"], [f"x{SEPARATOR}y", "z"], [SEPARATOR]]
CONTEXTS += [[None], ["a", None], [None, ""], [None, None, "c"]]  # null: the vendor's SDK


@pytest.mark.parametrize("context", CONTEXTS, ids=repr)
def test_contexts_come_back_exactly(context: list[str]) -> None:
    assert unpack(pack(tuple(context))) == tuple(context)
    store = EventStore()
    added = store.add_batch([event(1, context=context, version="1.0")])
    (selected,) = store.select("BARCHART", "PORTFOLIO")
    assert selected == added[0]
    assert selected.context == tuple(context)
    assert selected.to_json()["context"] == context
    copy = EventStore()
    copy.load_json(store.to_json())
    assert copy.select("BARCHART", "PORTFOLIO") == [selected]


def test_string_contexts_stay_packed_and_null_ones_stay_tuples() -> None:
    """The fast path (one string) is kept for every all-string context."""
    assert type(pack(("a", "b"))) is str
    assert pack(("a", None)) == ("a", None)
    assert pack((None,)) == (None,)


def test_codes_and_versions_are_shared_strings() -> None:
    store = EventStore()
    first = store.add_batch([event(1, version="".join(["4.", "1"]))])[0]
    second = store.add_batch([event(2, version="".join(["4.", "1"]))])[0]
    assert first.type is second.type and first.version is second.version
    assert isinstance(first, StoredEvent)


def test_loading_odd_events_keeps_them_as_given() -> None:
    store = EventStore()
    raw = {**event(1, context=["a"]), "batch": "b", "sequence": 1}
    store.load_json([raw, {**raw, "customer": "OTHER", "context": ["a", "b"]}])
    assert len(store) == 2
    assert [e.context for e in store.select("OTHER", "PORTFOLIO")] == [("a", "b")]
    assert store.to_json()[0] == raw


def test_sealed_chunks_keep_arrival_order_and_stay_out_of_the_collectors_way() -> None:
    import gc

    from events_mock.barchart.store import CHUNK

    store = EventStore()
    total = (CHUNK * 2 // 10 + 1) * 10
    for start in range(0, total, 10):
        store.add_batch([event(5, context=[str(start + i)]) for i in range(10)])
    selected = store.select("BARCHART", "PORTFOLIO")
    assert [int(e.context[0]) for e in selected] == list(range(total))
    gc.collect()
    gc.collect()  # records are untracked in one pass, the chunks holding them in the next
    bucket = store._by_source[("BARCHART", "PORTFOLIO")]
    assert len(bucket.chunks) == 2 and not any(gc.is_tracked(c) for c in bucket.chunks)


def test_a_selection_is_the_selected_events_held_compactly() -> None:
    import gc

    store = EventStore()
    store.add_batch([event(3, context=["c"]), event(1, context=["a"]), event(2)])
    selection = store.selection("BARCHART", "PORTFOLIO")
    selected = store.select("BARCHART", "PORTFOLIO")
    assert len(selection) == 3 and list(selection) == selected and selection == selected
    assert selection[0] == selected[0] and selection[1:] == selected[1:]
    assert [e.timestamp for e in selection] == [1, 2, 3]
    gc.collect()
    gc.collect()
    assert not gc.is_tracked(selection.records)
    assert store.selection("TGAM", "ALERT") == []

from __future__ import annotations

import threading

from events_mock.barchart.store import EventStore, StoredEvent
from tests._support import event


def test_a_batch_gets_one_id_and_sequences_from_one(store: EventStore) -> None:
    stored = store.add_batch([event(3), event(1), event(2, version="1.2.3")])
    assert len({e.batch for e in stored}) == 1
    assert [e.sequence for e in stored] == [1, 2, 3]
    assert stored[2].to_json()["version"] == "1.2.3"
    assert "version" not in stored[0].to_json()
    other = store.add_batch([event(4)])
    assert other[0].batch != stored[0].batch
    assert len(store) == 4


def test_select_filters_and_orders_by_timestamp(store: EventStore) -> None:
    store.add_batch(
        [
            event(30),
            event(10, type="PORTFOLIO-CREATED"),
            event(20),
            event(20, product="ALERT", type="ALERT-CREATED"),
            event(20, customer="TGAM"),
        ]
    )
    everything = store.select("BARCHART", "PORTFOLIO")
    assert [e.timestamp for e in everything] == [10, 20, 30]
    assert [e.timestamp for e in store.select("BARCHART", "PORTFOLIO", start=20, end=30)] == [
        20,
        30,
    ]
    loaded = store.select("BARCHART", "PORTFOLIO", types=frozenset({"PORTFOLIO-CREATED"}))
    assert [e.timestamp for e in loaded] == [10]
    assert store.select("TGAM", "ALERT") == []


def test_ties_keep_arrival_order(store: EventStore) -> None:
    store.add_batch([event(5, context=["a"]), event(5, context=["b"])])
    store.add_batch([event(5, context=["c"])])
    assert [e.context for e in store.select("BARCHART", "PORTFOLIO")] == [("a",), ("b",), ("c",)]


def test_json_round_trip(store: EventStore) -> None:
    store.add_batch([event(1), event(2, version="v")])
    copy = EventStore()
    copy.load_json(store.to_json())
    assert copy.select("BARCHART", "PORTFOLIO") == store.select("BARCHART", "PORTFOLIO")
    assert all(isinstance(e, StoredEvent) for e in copy.select("BARCHART", "PORTFOLIO"))


def test_concurrent_batches_are_never_interleaved_or_lost(store: EventStore) -> None:
    def writer(n: int) -> None:
        for i in range(50):
            store.add_batch([event(n * 1000 + i, context=[str(n)]) for _ in range(10)])

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = store.select("BARCHART", "PORTFOLIO")
    assert len(events) == len(store) == 8 * 50 * 10
    batches: dict[str, list[int]] = {}
    for e in events:
        batches.setdefault(e.batch, []).append(e.sequence)
    assert len(batches) == 400
    assert all(sorted(seqs) == list(range(1, 11)) for seqs in batches.values())

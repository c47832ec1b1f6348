"""`RedisEventStore`: the in-memory store's answers, shared by every worker, atomic per batch."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable

import pytest

from events_mock.barchart.export import ROWS_PER_CHUNK, render_export
from events_mock.barchart.store import EventStore, StoredEvent
from events_mock.limits import StoreFull
from events_mock.stores import redis_events
from events_mock.stores.redis_events import RedisEventStore
from tests._support import T0, alert_event, event
from tests.stores.conftest import CATALOG, Worker

ODD_CONTEXTS: list[list[str | None]] = [
    ["user-1"],
    [],
    [""],
    ["a\x1fb", "c"],  # the in-memory store's separator
    ["x\x1ey"],  # the Redis member's field separator
    [None, "z"],
    ["ünïcødé", "\u2028", '"quoted"|piped'],
]


def varied_events(count: int, seed: int = 1) -> list[dict]:
    draw = random.Random(seed)
    events = []
    for n in range(count):
        extra = {"version": draw.choice(["1.0", "x\x1ey"])} if n % 3 == 0 else {}
        events.append(
            event(T0 + draw.randrange(5), context=draw.choice(ODD_CONTEXTS), **extra)
            if n % 4
            else alert_event(T0 + draw.randrange(5))
        )
    return events


def without_batch(events) -> list[StoredEvent]:
    return [e._replace(batch="") for e in events]


def test_answers_as_the_in_memory_store(make_worker: Callable[..., Worker]) -> None:
    redis, memory = make_worker().events, EventStore()
    for chunk in range(0, 60, 12):
        batch = varied_events(60, seed=7)[chunk : chunk + 12]
        assert without_batch(redis.add_batch(batch)) == without_batch(memory.add_batch(batch))
    assert (len(redis), redis.stored_bytes, redis.sizes()) == (
        len(memory),
        memory.stored_bytes,
        memory.sizes(),
    )
    for args in [
        ("BARCHART", "PORTFOLIO"),
        ("BARCHART", "PORTFOLIO", frozenset({"PORTFOLIO-APPLICATION-LOADED"}), T0 + 1, T0 + 3),
        ("BARCHART", "ALERT", None, None, T0 + 2),
        ("NOBODY", "ALERT"),
    ]:
        assert without_batch(redis.select(*args)) == without_batch(memory.select(*args))
        assert redis.window(*args)[1] == memory.window(*args)[1]
    assert [{**e, "batch": ""} for e in redis.to_json()] == [
        {**e, "batch": ""} for e in memory.to_json()
    ]
    for product in ("PORTFOLIO", "ALERT"):
        rendered = [
            "".join(render_export(store.selection("BARCHART", product), product, CATALOG))
            for store in (redis, memory)
        ]
        assert rendered[0] == rendered[1]


def test_exports_hold_each_event_once_in_order_with_ties_in_arrival_order(
    make_worker: Callable[..., Worker], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redis_events, "PAGE", 97)  # many pages, ties across their edges
    workers = [make_worker().events for _ in range(2)]

    def write(store: RedisEventStore, seed: int) -> None:
        draw = random.Random(seed)
        for _ in range(20):
            store.add_batch([event(T0 + draw.randrange(10)) for _ in range(draw.randrange(1, 40))])

    threads = [threading.Thread(target=write, args=(w, n)) for n, w in enumerate(workers * 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    arrival = workers[0].to_json()  # per (customer, product), in arrival order
    selected = [e.to_json() for e in workers[1].selection("BARCHART", "PORTFOLIO")]
    assert len(selected) == len(arrival) == len(workers[1])
    assert Counter((e["batch"], e["sequence"]) for e in selected).most_common(1)[0][1] == 1
    assert selected == sorted(arrival, key=lambda e: e["timestamp"])  # stable: arrival ties


def test_a_large_export_is_read_a_page_at_a_time(
    make_worker: Callable[..., Worker], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redis_events, "PAGE", 500)
    store = make_worker().events
    for start in range(0, 4000, 1000):
        store.add_batch([event(T0 + start + n) for n in range(1000)])
    pages: list[int] = []
    read_page = store._page
    monkeypatch.setattr(store, "_page", lambda *a: pages.append(1) or read_page(*a))
    rows = render_export(store.selection("BARCHART", "PORTFOLIO"), "PORTFOLIO", CATALOG)
    first = next(rows)
    assert first.count("\n") == 1 + ROWS_PER_CHUNK  # the header and the first chunk of rows...
    assert len(pages) == ROWS_PER_CHUNK // 500  # ... read from their pages only, not all 8
    rest = "".join(rows)
    assert len(pages) == 9 and (first + rest).count("\n") == 4001


def test_a_batch_is_stored_whole_or_not_at_all_within_an_exact_budget(
    make_worker: Callable[..., Worker],
) -> None:
    workers = [make_worker(capacity=1000).events for _ in range(3)]
    accepted: list[list[StoredEvent]] = []
    refused = []

    def write(store: RedisEventStore) -> None:
        while True:
            try:
                accepted.append(store.add_batch([alert_event()] * 7))
            except StoreFull as full:
                refused.append(full)
                return

    threads = [threading.Thread(target=write, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(workers[0]) == 7 * len(accepted) == 1000 - 1000 % 7
    stored = Counter(e["batch"] for e in workers[1].to_json())
    assert stored == {batch[0].batch: 7 for batch in accepted}
    assert len(refused) == 3 and "do not fit" in str(refused[0])


def test_the_byte_budget_is_exact_too(make_worker: Callable[..., Worker]) -> None:
    one = make_worker(max_bytes=1000).events
    two = make_worker(max_bytes=1000).events
    size = one.add_batch([event(T0, context=["x" * 100])]) and one.stored_bytes
    while True:
        try:
            two.add_batch([event(T0, context=["x" * 100])])
        except StoreFull as full:
            assert "bytes" in str(full)
            break
    assert one.stored_bytes == size * (1000 // size)


def test_a_window_is_a_mark_of_the_store(make_worker: Callable[..., Worker]) -> None:
    one, two = make_worker().events, make_worker().events
    one.add_batch([event(T0 + 2), event(T0)])
    window, matched = two.window("BARCHART", "PORTFOLIO")
    one.add_batch([event(T0 + 1)])
    assert matched == 2
    marked = two.selection("BARCHART", "PORTFOLIO", window=window)
    assert [e.timestamp for e in marked] == [T0, T0 + 2]
    one.clear()
    one.add_batch([event(T0)])
    assert list(two.selection("BARCHART", "PORTFOLIO", window=window)) == []


def test_replacing_or_clearing_leaves_no_old_keys(
    make_worker: Callable[..., Worker], redis_server
) -> None:
    worker = make_worker()
    store = worker.events
    store.add_batch(varied_events(30))
    exported = store.to_json()
    store.replace(StoredEvent.from_json(e) for e in exported)
    assert store.to_json() == exported and len(store) == 30
    store.clear()
    assert len(store) == 0 and store.sizes() == {}
    keys = redis_server.client().keys(f"{worker.connection.prefix}:*")
    assert sorted(keys) == [f"{worker.connection.prefix}:default:ev".encode()]

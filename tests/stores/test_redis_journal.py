"""The journal on Redis: one journal for every worker, bounded and redacted like memory's."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from events_mock.control.journal import ENTRY_OVERHEAD, REDACTED, Exchange, Journal
from events_mock.stores import RedisConnection, StoreLocation
from events_mock.stores.redis_journal import RedisJournal


@pytest.fixture
def connection(redis_store: StoreLocation) -> Iterator[RedisConnection]:
    connection = RedisConnection(redis_store)
    yield connection
    connection.close()


@pytest.fixture
def other_worker(redis_store: StoreLocation) -> Iterator[RedisConnection]:
    connection = RedisConnection(redis_store)
    yield connection
    connection.close()


def record(journal: Journal, exchange: Exchange | None = None, **fields: Any) -> int:
    entry = {"time": 5, "api": "barchart", "method": "GET", "path": "/service/version"}
    return journal.record(**{**entry, **fields}, _exchange=exchange or Exchange()).id


EXCHANGE = Exchange(
    query_string=b"token=abc&q=1",
    headers=((b"authorization", b"Basic ZGVtbzpkZW1v"), (b"content-type", b"application/json")),
    body=b'{"password": "p", "events": [1]}',
    response_headers=((b"content-type", b"application/json"),),
    response_body=b'{"ok": true}',
)


def test_an_entry_reads_back_as_in_memory(connection: RedisConnection) -> None:
    memory, on_redis = Journal(), RedisJournal(connection, "w")
    for journal in (memory, on_redis):
        record(journal, EXCHANGE, status=200, tenant="t1", fault="fault-2", duration_ms=1.5)
    assert on_redis.to_json() == memory.to_json()
    entry = on_redis[0]
    assert entry.headers["authorization"] == f"Basic {REDACTED}"
    assert entry.query == {"token": [REDACTED], "q": ["1"]}
    assert entry.body == {"password": REDACTED, "events": [1]}


def test_filters_since_and_limit(connection: RedisConnection) -> None:
    journal = RedisJournal(connection, "w")
    record(journal, method="POST", path="/events", status=200, api="barchart")
    record(journal, method="GET", path="/reports/J1/availability", status=404)
    record(journal, method="GET", path="/search", status=200, api="billing-care", tenant="x")
    record(journal, method="POST", path="/events", status=400)
    ids = lambda entries: [entry.id for entry in entries]  # noqa: E731
    assert ids(journal.entries()) == [1, 2, 3, 4]
    assert ids(journal.entries(method="post")) == [1, 4]
    assert ids(journal.entries(path="/reports/**")) == [2]
    assert ids(journal.entries(status=200)) == [1, 3]
    assert ids(journal.entries(api="billing-care", tenant="x")) == [3]
    assert ids(journal.entries(since=2)) == [3, 4]
    assert ids(journal.entries(limit=2)) == [3, 4]
    assert ids(journal.entries(since=1, limit=1)) == [4]
    assert ids(journal.entries(method="POST", limit=1)) == [4]
    assert ids(journal.entries(since=4)) == []
    assert journal[-1].id == 4 and journal[1].id == 2
    with pytest.raises(IndexError):
        journal[7]


def test_capacity_drops_the_oldest_and_ids_keep_counting(connection: RedisConnection) -> None:
    journal = RedisJournal(connection, "w", capacity=3)
    for _ in range(5):
        record(journal, Exchange(body=b"x" * 10))
    assert [entry.id for entry in journal] == [3, 4, 5]
    assert (len(journal), journal.recorded) == (3, 5)
    assert journal.bytes == 3 * (ENTRY_OVERHEAD + len("/service/version") + 10)


def test_the_byte_bound_keeps_the_newest_entry(connection: RedisConnection) -> None:
    journal = RedisJournal(connection, "w", max_bytes=3 * ENTRY_OVERHEAD, body_limit=2000)
    record(journal, Exchange(body=b"a" * 100))
    record(journal, Exchange(body=b"b" * 100))
    assert len(journal) == 2
    record(journal, Exchange(body=b"c" * 5000))  # cut at 2000, and alone over the bound
    assert [entry.id for entry in journal] == [3]
    assert journal[0].body_truncated and journal.bytes <= ENTRY_OVERHEAD + 2100


def test_two_workers_write_one_journal_in_one_order(
    connection: RedisConnection, other_worker: RedisConnection
) -> None:
    workers = [RedisJournal(connection, "w"), RedisJournal(other_worker, "w")]

    def write(index: int) -> None:
        for n in range(50):
            record(workers[index % 2], path=f"/w{index}/{n}")

    threads = [threading.Thread(target=write, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = workers[0].entries()
    assert [entry.id for entry in entries] == list(range(1, 201))
    for index in range(4):  # each writer's entries in the order it wrote them
        mine = [entry.path for entry in entries if entry.path.startswith(f"/w{index}/")]
        assert mine == [f"/w{index}/{n}" for n in range(50)]
    assert workers[1].entries(since=190) == entries[190:]


def test_clear_starts_ids_over(connection: RedisConnection) -> None:
    journal = RedisJournal(connection, "w")
    record(journal)
    journal.clear()
    assert (len(journal), journal.recorded, journal.bytes) == (0, 0, 0)
    assert record(journal) == 1


def test_worlds_have_their_own_journals(connection: RedisConnection) -> None:
    record(RedisJournal(connection, "a"))
    assert len(RedisJournal(connection, "b")) == 0

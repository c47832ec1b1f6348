"""Coverage on Redis: the in-memory recorder's document, one set of counts per world for every
worker, recorded with no round trip of its own."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from events_mock.barchart.handlers import EXPORTS_PATH
from events_mock.control.faults import FaultRule
from events_mock.control.journal import Exchange
from events_mock.coverage import CoverageRecorder, Recorder, api_model, build_document
from events_mock.coverage.recorder import API, FAULT, PREFER
from events_mock.seam import spec_path
from events_mock.stores import RedisConnection, StoreLocation, StoreUnavailable, redis_batch
from events_mock.stores.redis_coverage import RedisCoverageRecorder
from events_mock.stores.redis_journal import RedisJournal
from tests._support import free_port


class Barchart:
    name = "barchart"
    spec = spec_path("barchart-events.yaml")
    extra_routes = ((EXPORTS_PATH + "/{source}.csv", "download_export"),)


MODEL = api_model(Barchart.name, Barchart.spec, (EXPORTS_PATH + "/{source}.csv",))
RUNNING = b'[{"value":{"code":"EVENT_JOB_GET_FAILED_RUNNING","message":"m"},"children":[]}]'
IN_TWO_CHUNKS = [b'{"source":"J1",', b'"status":"RUNNING"}']
UNAVAILABLE = FaultRule(id="fault-1", path="/service/version", status=503, retry_after=5)
DROPPED = FaultRule(id="fault-2", path="/reports/*", drop=True)
EXCHANGES = [
    # method, path, status, body chunks, via, fault
    ("GET", "/service/version", 200, [b"{}"], API, None),
    ("GET", "/service/version", 200, [b"{}"], API, None),
    ("GET", "/reports/J1/availability", 200, IN_TWO_CHUNKS, API, None),
    ("GET", "/reports/J1/availability", 200, [b'{"status":"TIMEOUT"}'], PREFER, None),
    ("GET", "/reports/J1", 409, [RUNNING], API, None),
    ("GET", "/service/version", 503, [b'[{"value":{"code":"X"}}]'], FAULT, UNAVAILABLE),
    ("GET", "/reports/J2", None, [], FAULT, DROPPED),
    ("GET", "/nowhere", 404, [b'[{"value":{"code":"NOT_FOUND"}}]'], API, None),
    ("GET", f"{EXPORTS_PATH}/J1.csv", 403, [b"<Error/>"], API, None),
]


@pytest.fixture
def connections(redis_store: StoreLocation) -> Iterator[list[RedisConnection]]:
    """Two workers' connections to one Redis world."""
    made = [RedisConnection(redis_store), RedisConnection(redis_store)]
    yield made
    for connection in made:
        connection.close()


def record(recorder: Recorder, exchanges: list[tuple]) -> None:  # type: ignore[type-arg]
    for method, path, status, body, via, fault in exchanges:
        recorder.record_exchange(Barchart(), method, path, status, body, via, fault)


def carried(connection: RedisConnection) -> None:
    """What the middleware does after the counts: the exchange's journal entry, which carries
    them."""
    journal = RedisJournal(connection, "default")
    entry = {"time": 5, "api": "barchart", "method": "GET", "path": "/service/version"}
    asyncio.run(journal.record_async(**entry, _exchange=Exchange()))


def document(recorder: Recorder) -> dict:  # type: ignore[type-arg]
    return build_document(recorder, [MODEL], "mock")


def test_the_same_exchanges_make_the_same_document_as_in_memory(
    connections: list[RedisConnection],
) -> None:
    memory, on_redis = CoverageRecorder(), RedisCoverageRecorder(connections[0], "default")
    for recorder in (memory, on_redis):
        record(recorder, EXCHANGES)
    carried(connections[0])
    assert document(on_redis) == document(memory)
    barchart = document(on_redis)["apis"]["barchart"]
    assert barchart["requests"] == len(EXCHANGES)
    seen = {item["id"]: item["via"] for item in barchart["responses"] if item["count"]}
    assert seen["getReportAvailability 200"] == {"api": 1, "prefer": 1, "fault": 0}
    assert seen["job=TIMEOUT"] == {"api": 0, "prefer": 1, "fault": 0}
    assert seen["job=RUNNING"]["api"] == 1  # read across the body's two chunks
    assert seen["getReportLink 409 EVENT_JOB_GET_FAILED_RUNNING"]["api"] == 1
    assert seen["getReportLink download 403"]["api"] == 1
    assert [item["label"] for item in barchart["undocumented"]] == [
        "a path no operation has 404 NOT_FOUND",
        "getReportLink no answer (dropped)",
        "getServiceVersion 503 X",
    ]
    assert barchart["faults"] == [
        {"rule": "fault-1", "effect": "/service/version: status 503, Retry-After 5", "count": 1},
        {"rule": "fault-2", "effect": "/reports/*: drop", "count": 1},
    ]


def test_every_worker_adds_to_reads_and_clears_one_set_of_counts(
    connections: list[RedisConnection],
) -> None:
    first, second = (RedisCoverageRecorder(c, "default") for c in connections)
    record(first, EXCHANGES[:2])
    record(second, EXCHANGES[:1])
    for connection in connections:
        carried(connection)
    for recorder in (first, second):
        counts = dict(recorder.counted().counts)
        assert counts == {("barchart", "getServiceVersion", "response", 200, None, (), API): 3}
    second.clear()
    assert first.counted().counts == {}
    record(first, EXCHANGES[:1])
    carried(connections[0])
    assert sum(second.counted().counts.values()) == 1


def test_each_world_counts_its_own(connections: list[RedisConnection]) -> None:
    default = RedisCoverageRecorder(connections[0], "default")
    sandbox = RedisCoverageRecorder(connections[1], "abcdefghijklmnop")
    record(sandbox, EXCHANGES)
    carried(connections[1])
    assert default.counted().counts == {}
    assert sum(sandbox.counted().counts.values()) == len(EXCHANGES)
    assert sandbox.key == f"{connections[0].prefix}:abcdefghijklmnop:coverage"
    sandbox.clear()
    assert sandbox.counted().counts == {}


def watched(connection: RedisConnection) -> list[list[str]]:
    """The commands of each pipeline the connection's batcher sends from now on, once
    answered."""
    batcher = redis_batch.batcher_for(connection)
    pipelines: list[list[str]] = []
    execute = batcher._execute

    async def counting(client, batch):  # type: ignore[no-untyped-def]
        answers = await execute(client, batch)
        pipelines.append([call.command for call in batch])
        return answers

    batcher._execute = counting  # type: ignore[method-assign]
    return pipelines


def test_the_counts_ride_on_the_journal_entry_no_round_trip_nor_command_of_their_own(
    connections: list[RedisConnection],
) -> None:
    connection = connections[0]
    recorder = RedisCoverageRecorder(connection, "default")
    journal = RedisJournal(connection, "default")
    entry = {"time": 5, "api": "barchart", "method": "GET", "path": "/service/version"}
    pipelines = watched(connection)

    async def exchanges(made: list[tuple]) -> None:  # type: ignore[type-arg]
        """As the middleware does: the counts, then at once the journal entry."""
        record(recorder, made)
        await journal.record_async(**entry, _exchange=Exchange())

    plain = [exchange for exchange in EXCHANGES if exchange[-1] is None]
    asyncio.run(exchanges(plain))
    assert pipelines == [["EVALSHA"]]  # the journal's script, the counts applied by it
    asyncio.run(exchanges(EXCHANGES[5:7]))  # a fault's effect: one plain command more
    assert pipelines[1:] == [["HSETNX", "HSETNX", "EVALSHA"]]
    assert sum(recorder.counted().counts.values()) == len(plain) + 2
    assert list(recorder.counted().faults.values()) == [1, 1]


def test_a_count_that_fails_never_fails_the_entry_it_rides_on(
    connections: list[RedisConnection],
) -> None:
    connection = connections[0]
    recorder = RedisCoverageRecorder(connection, "default")
    connection.client.set(recorder.key, "not a hash")
    record(recorder, EXCHANGES[:1])
    carried(connection)
    assert RedisJournal(connection, "default").recorded == 1


def test_a_count_with_nothing_to_go_with_is_sent_alone(connections: list[RedisConnection]) -> None:
    connection = connections[0]
    recorder = RedisCoverageRecorder(connection, "default")
    pipelines = watched(connection)

    async def alone() -> None:
        record(recorder, EXCHANGES[:1])
        while not pipelines:  # sent after DEFER_SECONDS, on the batcher's timer
            await asyncio.sleep(0)

    asyncio.run(asyncio.wait_for(alone(), 10))
    assert pipelines == [["EVALSHA"]]  # the counts' own script
    assert sum(recorder.counted().counts.values()) == 1


def test_redis_gone_costs_the_count_not_the_request() -> None:
    gone = RedisConnection(StoreLocation(f"redis://127.0.0.1:{free_port()}/0", "p"))
    recorder = RedisCoverageRecorder(gone, "default")
    record(recorder, EXCHANGES)  # never raises, never waits
    with pytest.raises(StoreUnavailable):
        carried(gone)  # the journal entry it goes with reports the outage
    with pytest.raises(StoreUnavailable):
        recorder.counted()
    gone.close()

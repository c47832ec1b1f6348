"""Group commit: concurrent requests' Redis calls in one pipeline, each answered its own."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from events_mock.control.journal import Exchange
from events_mock.stores import RedisConnection, StoreLocation, StoreUnavailable
from events_mock.stores.redis_batch import Batcher
from events_mock.stores.redis_faults import RedisFaultRules
from events_mock.stores.redis_journal import RedisJournal
from tests.redis_server import redis_server_process, unique_prefix


@pytest.fixture
def connection(redis_store: StoreLocation) -> Iterator[RedisConnection]:
    connection = RedisConnection(redis_store)
    yield connection
    connection.close()


def test_concurrent_calls_share_round_trips_and_get_their_own_answers(
    connection: RedisConnection,
) -> None:
    batcher = Batcher(connection)
    sent: list[int] = []
    execute = batcher._execute

    async def counting(client, batch):  # type: ignore[no-untyped-def]
        sent.append(len(batch))
        return await execute(client, batch)

    batcher._execute = counting  # type: ignore[method-assign]
    script = connection.script("return tonumber(ARGV[1]) * 2")

    async def main() -> list[object]:
        calls = [batcher.script(script, [], [n]) for n in range(100)]
        calls += [batcher.command("INCR", connection.key("w", "n")) for _ in range(100)]
        return list(await asyncio.gather(*calls))

    answers = asyncio.run(main())
    batcher.close()
    assert answers[:100] == [2 * n for n in range(100)]
    assert sorted(answers[100:]) == list(range(1, 101))  # type: ignore[type-var]
    assert sum(sent) == 200 and len(sent) < 50  # 200 calls, far fewer round trips


def test_a_script_redis_forgot_is_loaded_again(connection: RedisConnection) -> None:
    batcher = Batcher(connection)
    script = connection.script("return 'ran'")

    async def twice() -> list[object]:
        first = await batcher.script(script, [], [])
        connection.client.script_flush()
        return [first, await batcher.script(script, [], [])]

    assert asyncio.run(twice()) == [b"ran", b"ran"]
    batcher.close()


def test_redis_down_answers_every_waiting_call_unavailable() -> None:
    with redis_server_process() as server:
        connection = RedisConnection(StoreLocation(server.url, unique_prefix()))
        batcher = Batcher(connection)
        server.stop()

        async def main() -> list[object]:
            calls = [batcher.command("GET", "k") for _ in range(10)]
            return list(await asyncio.gather(*calls, return_exceptions=True))

        answers = asyncio.run(main())
        assert all(isinstance(answer, StoreUnavailable) for answer in answers)
        batcher.close()
        connection.close()


def test_times_two_fires_twice_for_concurrent_requests_on_two_workers(
    redis_store: StoreLocation,
) -> None:
    connections = [RedisConnection(redis_store) for _ in range(2)]
    workers = [RedisFaultRules(connection, "w") for connection in connections]
    journals = [RedisJournal(connection, "w") for connection in connections]
    rule = workers[0].add("/events", status=503, times=2)

    async def request(index: int) -> str | None:
        decided = await workers[index % 2].decide_async("POST", "/events")
        await journals[index % 2].record_async(
            time=0, api="barchart", method="POST", path="/events", _exchange=Exchange()
        )
        return decided.id if decided else None

    async def main() -> list[str | None]:
        return list(await asyncio.gather(*(request(index) for index in range(60))))

    fired = [rule_id for rule_id in asyncio.run(main()) if rule_id]
    assert fired == [rule.id, rule.id]
    assert workers[1].get(rule.id).matched == 60
    assert [entry.id for entry in journals[0].entries()] == list(range(1, 61))
    for connection in connections:
        connection.close()

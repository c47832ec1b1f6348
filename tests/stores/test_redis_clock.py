"""`RedisClock`: one clock for every worker, read without a round trip inside a lease."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from events_mock.stores import RedisConnection, StoreLocation
from events_mock.stores.redis_clock import LEASE_SECONDS, RedisClock
from tests._support import T0


def clock(location: StoreLocation, start: int | None = T0, rate: float = 0.0, **kw) -> RedisClock:
    return RedisClock(RedisConnection(location), "default", start, rate, **kw)


def test_a_change_on_one_worker_is_seen_by_every_other(redis_store: StoreLocation) -> None:
    one, two = clock(redis_store), clock(redis_store)
    assert one.now_ms() == two.now_ms() == T0
    one.advance(60)
    assert two.now_ms() == T0 + 60_000  # the writer waited out the other's lease
    two.set_rate(2.0)
    assert one.rate == 2.0
    two.set(T0)
    one.set_rate(0)
    assert two.now_ms() == one.now_ms() >= T0


def test_a_worker_joining_takes_the_clock_as_it_is(redis_store: StoreLocation) -> None:
    first = clock(redis_store)
    first.advance(5)
    late = clock(redis_store, start=0, rate=3.0)  # its start-up values only make a missing one
    assert (late.now_ms(), late.rate) == (T0 + 5000, 0.0)


def test_concurrent_advances_all_count(redis_store: StoreLocation) -> None:
    workers = [clock(redis_store, sleep=lambda _: None) for _ in range(4)]
    threads = [
        threading.Thread(target=lambda w=w: [w.advance(1) for _ in range(25)]) for w in workers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clock(redis_store).now_ms() == T0 + 100 * 1000


def test_a_running_clock_follows_redis_time(redis_store: StoreLocation, redis_server) -> None:
    running = clock(redis_store, start=None, rate=1.0)
    seconds, micros = redis_server.client().time()
    assert abs(running.now_ms() - (seconds * 1000 + micros // 1000)) < 1000


def test_inside_a_lease_a_reading_costs_no_round_trip(redis_store: StoreLocation) -> None:
    now = [100.0]
    waits: list[float] = []
    reader = clock(redis_store, monotonic=lambda: now[0])
    writer = clock(redis_store, sleep=waits.append)
    assert reader.now_ms() == T0
    writer.advance(1)
    assert waits == [LEASE_SECONDS]  # what makes the next line safe after the writer answers
    assert reader.now_ms() == T0  # the reader's lease has not run out: no round trip made
    now[0] += LEASE_SECONDS
    assert reader.now_ms() == T0 + 1000


def test_on_the_request_path_a_lease_is_renewed_through_the_batcher(
    redis_store: StoreLocation,
) -> None:
    now = [100.0]
    reader = clock(redis_store, monotonic=lambda: now[0])
    writer = clock(redis_store, sleep=lambda _: None)
    reader.connection.run = None  # type: ignore[assignment]  # no synchronous call may be made

    async def readings() -> list[int]:
        first = await reader.now_ms_async()  # no lease yet: one read, awaited
        writer.advance(1)
        inside = await reader.now_ms_async()  # inside the lease: no round trip
        now[0] += LEASE_SECONDS
        return [first, inside, await reader.now_ms_async()]

    assert asyncio.run(readings()) == [T0, T0, T0 + 1000]


def test_a_clock_lost_from_redis_comes_back_as_configured(
    redis_store: StoreLocation, redis_server
) -> None:
    now = [0.0]
    reader = clock(redis_store, start=T0, monotonic=lambda: now[0])
    reader.advance(10)
    redis_server.client().delete(reader.key)  # Redis restarted empty
    now[0] += 1
    assert reader.now_ms() == T0


def test_readings_never_go_backwards_while_the_clock_is_unchanged(
    redis_store: StoreLocation,
) -> None:
    running = clock(redis_store, start=None, rate=1.0)
    readings = []
    deadline = time.monotonic() + 3 * LEASE_SECONDS
    while time.monotonic() < deadline:  # crosses lease refreshes, each re-estimating Redis time
        readings.append(running.now_ms())
    assert readings == sorted(readings)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_values_are_refused_before_redis(redis_store: StoreLocation, bad) -> None:
    one = clock(redis_store)
    for change in (one.advance, one.set_rate, one.set):
        with pytest.raises(ValueError):
            change(bad)
    assert one.now_ms() == T0


def test_a_reset_on_any_worker_goes_back_to_where_the_clock_started(
    redis_store: StoreLocation,
) -> None:
    first = clock(redis_store)
    first.advance(60)
    late = clock(redis_store, start=0)
    assert late.initial_state() == first.initial_state()
    assert (late.initial_state()["now"], late.initial_state()["rate"]) == (T0, 0.0)

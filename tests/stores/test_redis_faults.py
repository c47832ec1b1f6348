"""Fault rules on Redis: the same answers as in memory, exact across workers."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from events_mock.control.faults import (
    FaultRules,
    TooManyFaultRules,
    UnknownFault,
    derived_seed,
    draw,
    mix32,
)
from events_mock.stores import RedisConnection, StoreLocation
from events_mock.stores.redis_faults import LUA_DRAW, RedisFaultRules


@pytest.fixture
def connection(redis_store: StoreLocation) -> Iterator[RedisConnection]:
    connection = RedisConnection(redis_store)
    yield connection
    connection.close()


@pytest.fixture
def other_worker(redis_store: StoreLocation) -> Iterator[RedisConnection]:
    """A second connection: what another worker process (or host) has."""
    connection = RedisConnection(redis_store)
    yield connection
    connection.close()


def test_the_lua_draws_are_the_python_ones(connection: RedisConnection) -> None:
    cases = [(0, 0), (1, 1), (42, 7), (2**32 - 1, 2**32 + 5), (123456789, 10**12)]
    script = connection.script(
        LUA_DRAW
        + """
local out = {}
for i = 1, #ARGV, 2 do
  local seed, n = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  table.insert(out, tostring(mix32(seed)))
  table.insert(out, string.format('%.17g', draw(seed, n)))
  table.insert(out, tostring(derived_seed(seed, n)))
end
return out
"""
    )
    answered = script([], [value for case in cases for value in case], client=connection.client)
    expected = []
    for seed, n in cases:
        expected += [str(mix32(seed)), repr(draw(seed, n)), str(derived_seed(seed, n))]
    got = [value.decode() for value in answered]
    assert [float(value) for value in got[1::3]] == [float(value) for value in expected[1::3]]
    assert got[0::3] == expected[0::3] and got[2::3] == expected[2::3]


def test_probability_with_a_seed_gives_the_in_memory_sequence(
    connection: RedisConnection,
) -> None:
    memory = FaultRules(seed=3)
    redis_rules = RedisFaultRules(connection, "w", seed=3)
    for rules in (memory, redis_rules):
        rules.add("/x", status=502, probability=0.4, seed=11)
        rules.add("/x", status=500, probability=0.5)  # a seed derived from the fault seed
    sequence = [(r.id if (r := memory.decide("GET", "/x")) else None) for _ in range(60)]
    on_redis = [(r.id if (r := redis_rules.decide("GET", "/x")) else None) for _ in range(60)]
    assert on_redis == sequence
    assert {"fault-1", "fault-2", None} == set(sequence)
    assert [rule.to_json() for rule in memory] == redis_rules.to_json()


def test_times_two_fires_exactly_twice_across_two_workers_racing(
    connection: RedisConnection, other_worker: RedisConnection
) -> None:
    workers = [RedisFaultRules(connection, "w"), RedisFaultRules(other_worker, "w")]
    rule = workers[0].add("/events", method="POST", status=503, times=2)
    fired: list[str] = []
    start = threading.Barrier(8)

    def send(rules: RedisFaultRules) -> None:
        start.wait()
        for _ in range(25):
            decided = rules.decide("POST", "/events")
            if decided is not None:
                fired.append(decided.id)

    threads = [threading.Thread(target=send, args=(workers[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fired == [rule.id, rule.id]
    counted = workers[1].get(rule.id)
    assert (counted.matched, counted.fired, counted.remaining) == (200, 2, 0)


def test_a_rule_added_on_one_worker_applies_on_the_other_at_once(
    connection: RedisConnection, other_worker: RedisConnection
) -> None:
    one, other = RedisFaultRules(connection, "w"), RedisFaultRules(other_worker, "w")
    assert other.decide("GET", "/service/version") is None  # caches "no rules"
    rule = one.add("/service/**", status=500)
    decided = other.decide("GET", "/service/version")
    assert decided is not None and decided.id == rule.id and decided.fired == 1
    one.remove(rule.id)
    assert other.decide("GET", "/service/version") is None
    assert len(other) == 0


def test_after_counts_every_workers_requests(
    connection: RedisConnection, other_worker: RedisConnection
) -> None:
    one, other = RedisFaultRules(connection, "w"), RedisFaultRules(other_worker, "w")
    one.add("/x", status=500, after=2, times=1)
    decided = [rules.decide("GET", "/x") for rules in (one, other, one, other)]
    assert [rule is not None for rule in decided] == [False, False, True, False]


def test_the_first_rule_that_fires_wins_and_later_rules_do_not_count_it(
    connection: RedisConnection,
) -> None:
    rules = RedisFaultRules(connection, "w")
    first = rules.add("/events", status=503, times=1)
    second = rules.add("/**", status=500)
    decided = rules.decide("POST", "/events")
    assert decided is not None and decided.id == first.id
    assert rules.get(second.id).matched == 0
    decided = rules.decide("POST", "/events")
    assert decided is not None and decided.id == second.id


def test_the_bound_holds_across_workers(
    connection: RedisConnection, other_worker: RedisConnection
) -> None:
    one, other = (
        RedisFaultRules(connection, "w", max_rules=2),
        RedisFaultRules(other_worker, "w", max_rules=2),
    )
    one.add("/a")
    other.add("/b")
    with pytest.raises(TooManyFaultRules):
        one.add("/c")
    assert [rule.path for rule in other] == ["/a", "/b"]


def test_clear_starts_ids_and_seeds_over_like_memory(connection: RedisConnection) -> None:
    rules, memory = RedisFaultRules(connection, "w", seed=9), FaultRules(seed=9)
    first = rules.add("/x")
    rules.add("/y")
    rules.clear()
    again = rules.add("/x")
    assert (again.id, again.seed) == (first.id, first.seed) == ("fault-1", memory.add("/x").seed)
    assert len(rules) == 1


def test_get_and_remove_by_id(connection: RedisConnection) -> None:
    rules = RedisFaultRules(connection, "w")
    rule = rules.add("/x", status=429, retry_after=3, message="slow down")
    assert rules.get("fault-1") == rule
    rules.remove("fault-1")
    for missing in ("fault-1", "fault-x", "nothing"):
        with pytest.raises(UnknownFault):
            rules.get(missing)
        with pytest.raises(UnknownFault):
            rules.remove(missing)


def test_an_invalid_rule_is_refused_and_nothing_is_written(connection: RedisConnection) -> None:
    rules = RedisFaultRules(connection, "w")
    with pytest.raises(ValueError):
        rules.add("no-slash")
    with pytest.raises(ValueError):
        rules.add("/x", probability=2)
    assert len(rules) == 0
    assert rules.add("/x").id == "fault-1"


def test_worlds_do_not_share_rules(connection: RedisConnection) -> None:
    RedisFaultRules(connection, "a").add("/x", status=500)
    assert RedisFaultRules(connection, "b").decide("GET", "/x") is None


def test_after_a_clear_a_new_rule_with_an_old_id_is_the_new_rule_everywhere(
    connection: RedisConnection, other_worker: RedisConnection
) -> None:
    one, other = RedisFaultRules(connection, "w"), RedisFaultRules(other_worker, "w")
    one.add("/x", status=500)
    assert (decided := other.decide("GET", "/x")) is not None and decided.status == 500
    one.clear()
    assert one.add("/x", status=429).id == "fault-1"
    assert (decided := other.decide("GET", "/x")) is not None and decided.status == 429

"""Fault rules without HTTP: matching, counting, reproducible probability."""

from __future__ import annotations

import pytest

from events_mock.control.faults import FaultRules, UnknownFault, draw
from events_mock.control.patterns import path_matches


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("/service/version", "/service/version", True),
        ("/service/version", "/service/versions", False),
        ("/reports/{source}/availability", "/reports/JOB-1/availability", True),
        ("/reports/{source}/availability", "/reports/a/b/availability", False),
        ("/reports/*", "/reports/JOB-1", True),
        ("/reports/*", "/reports/JOB-1/availability", False),
        ("/reports/**", "/reports", True),
        ("/reports/**", "/reports/JOB-1/availability", True),
        ("/**", "/anything/at/all", True),
        ("/exports/*.csv", "/exports/JOB-1.csv", True),
        ("/exports/*.csv", "/exports/JOB-1.txt", False),
        ("/a.b", "/aXb", False),
        ("/{broken", "/{broken", True),
    ],
)
def test_path_patterns(pattern: str, path: str, expected: bool) -> None:
    assert path_matches(pattern, path) is expected


def test_a_rule_fires_times_then_lets_requests_through() -> None:
    rules = FaultRules()
    rule = rules.add("/service/version", method="get", status=503, times=2)
    fired = [rules.decide("GET", "/service/version") for _ in range(4)]
    assert fired == [rule, rule, None, None]
    assert (rule.matched, rule.fired, rule.remaining) == (4, 2, 0)


def test_method_and_path_must_both_match() -> None:
    rules = FaultRules()
    rules.add("/events", method="POST", status=500)
    assert rules.decide("GET", "/events") is None
    assert rules.decide("POST", "/reports") is None
    assert rules.decide("POST", "/events") is not None


def test_after_lets_the_first_matches_through() -> None:
    rules = FaultRules()
    rule = rules.add("/events", status=500, after=2, times=1)
    assert [rules.decide("POST", "/events") for _ in range(4)] == [None, None, rule, None]


def test_the_first_rule_that_fires_wins_and_later_rules_do_not_count_it() -> None:
    rules = FaultRules()
    first = rules.add("/events", status=503, times=1)
    second = rules.add("/**", status=500)
    assert rules.decide("POST", "/events") is first
    assert second.matched == 0
    assert rules.decide("POST", "/events") is second


def test_probability_is_reproducible_from_the_seed() -> None:
    def sequence(seed: int) -> list[bool]:
        rules = FaultRules()
        rules.add("/x", status=502, probability=0.5, seed=seed)
        return [rules.decide("GET", "/x") is not None for _ in range(40)]

    assert sequence(7) == sequence(7)
    assert sequence(7) != sequence(8)
    assert 5 < sum(sequence(7)) < 35


def test_rules_without_a_seed_get_reproducible_seeds_from_the_fault_seed() -> None:
    def seeds(fault_seed: int) -> list[int]:
        rules = FaultRules(seed=fault_seed)
        return [rules.add("/x").seed, rules.add("/y", seed=5).seed, rules.add("/z").seed]

    assert seeds(1) == seeds(1)
    assert seeds(1)[1] == 5
    assert seeds(1)[2] == seeds(1)[2] != seeds(2)[2]


def test_clear_starts_ids_and_seeds_over() -> None:
    rules = FaultRules()
    first = rules.add("/x")
    rules.clear()
    again = rules.add("/x")
    assert (again.id, again.seed) == (first.id, first.seed) == ("fault-1", first.seed)
    assert len(rules) == 1


def test_get_and_remove_by_id() -> None:
    rules = FaultRules()
    rule = rules.add("/x")
    assert rules.get("fault-1") is rule
    rules.remove("fault-1")
    with pytest.raises(UnknownFault):
        rules.get("fault-1")
    with pytest.raises(UnknownFault):
        rules.remove("fault-1")


@pytest.mark.parametrize(
    "bad",
    [
        {"path": "service/version"},
        {"path": "/x", "method": "BREW"},
        {"path": "/x", "status": 200},
        {"path": "/x", "times": 0},
        {"path": "/x", "after": -1},
        {"path": "/x", "probability": 1.5},
        {"path": "/x", "latency_ms": 60_001},
        {"path": "/x", "seed": -1},
        {"path": "/x", "retry_after": -1},
    ],
)
def test_invalid_rules_are_refused(bad: dict) -> None:
    rules = FaultRules()
    with pytest.raises(ValueError):
        rules.add(**bad)
    assert len(rules) == 0


def test_json_shape_names_every_field_and_the_counters() -> None:
    rule = FaultRules().add("/x", status=429, retry_after=30, seed=1)
    assert rule.to_json() == {
        "id": "fault-1",
        "path": "/x",
        "method": "*",
        "status": 429,
        "times": None,
        "after": 0,
        "probability": 1.0,
        "seed": 1,
        "latency_ms": 0,
        "drop": False,
        "malformed": False,
        "retry_after": 30,
        "message": None,
        "matched": 0,
        "fired": 0,
        "remaining": None,
    }


def test_the_nth_match_draws_a_value_of_the_seed_and_n_alone() -> None:
    """Counter-based draws: what the Redis store computes in Lua from its shared counters."""
    rules = FaultRules()
    rules.add("/x", status=502, probability=0.3, seed=77, after=2)
    fired = [rules.decide("GET", "/x") is not None for _ in range(50)]
    assert fired == [n > 2 and draw(77, n) < 0.3 for n in range(1, 51)]
    assert draw(77, 5) == draw(77, 5) != draw(78, 5)
    assert 0 <= min(draw(1, n) for n in range(1000)) < 0.01
    assert 0.99 < max(draw(1, n) for n in range(1000)) < 1

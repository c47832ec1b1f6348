from __future__ import annotations

import pytest

from events_mock.clock import MockClock


class FakeRealTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_follows_real_time_by_default() -> None:
    real = FakeRealTime()
    clock = MockClock(real_time=real)
    assert clock.now_ms() == 1_000_000
    real.now += 2.5
    assert clock.now_ms() == 1_002_500


def test_frozen_clock_only_moves_when_told() -> None:
    clock = MockClock.frozen(5_000)
    assert clock.now_ms() == 5_000
    assert clock.advance(1.5) == 6_500
    assert clock.now_ms() == 6_500
    assert clock.set(100) == 100


def test_rate_scales_real_time_from_the_moment_it_is_set() -> None:
    real = FakeRealTime()
    clock = MockClock(start_ms=0, real_time=real)
    real.now += 1
    clock.set_rate(60)
    real.now += 1
    assert clock.now_ms() == 61_000
    clock.set_rate(0)
    real.now += 100
    assert clock.now_ms() == 61_000


def test_refuses_to_run_backwards() -> None:
    clock = MockClock.frozen(0)
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        clock.set_rate(-2)

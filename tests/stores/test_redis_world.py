"""A `World` on `RedisWorldStore`: the default world of a mock whose `MockConfig.store` is
Redis, and what two of them over one Redis share."""

from __future__ import annotations

import pytest

from events_mock.app import EventsMock, MockConfig
from events_mock.clock import MockClock
from events_mock.stores import RedisConnection, StoreLocation
from events_mock.stores.redis_world import RedisWorldStore
from tests._support import T0, alert_event
from tests.stores.conftest import CATALOG


def test_two_mocks_on_one_redis_are_one_world(redis_store: StoreLocation) -> None:
    config = MockConfig(store=redis_store, clock=MockClock.frozen(T0))
    one, two = EventsMock(config), EventsMock(config)
    one.barchart.add_events([alert_event()] * 2)
    two.collector.create(
        "demo", {"event_source": "ORDER", "event_type": "FAULT", "event_payload": {}}
    )
    assert one.default_world.stored_events() == two.default_world.stored_events() == 3
    assert two.clock.now_ms() == T0
    one.control.advance(5)
    assert two.control.clock_json()["now"] == T0 + 5000
    assert two.control.export_state()["apis"] == one.control.export_state()["apis"]
    two.control.reset()
    assert one.default_world.stored_events() == 0


def test_jobs_on_redis_refuse_a_clock_of_this_process(redis_store: StoreLocation) -> None:
    store = RedisWorldStore(RedisConnection(redis_store), "default")
    events = store.event_store(10, 10_000)
    with pytest.raises(TypeError, match="clock on Redis"):
        store.report_jobs(events, MockClock.frozen(T0), CATALOG, MockConfig().jobs)


def test_the_memory_store_stays_the_default() -> None:
    mock = EventsMock(MockConfig(clock=MockClock.frozen(T0)))
    assert mock.store_connection is None and type(mock.clock) is MockClock

"""The store location and the Redis connection's failure handling."""

from __future__ import annotations

import pytest

from events_mock.stores import RedisConnection, StoreLocation, StoreUnavailable, parse_store
from tests.redis_server import RedisServer


def test_memory_is_the_default() -> None:
    assert parse_store(None).is_memory
    assert parse_store("memory").is_memory


@pytest.mark.parametrize(
    "text", ["http://localhost:6379", "redis://", "redis://h:port/0", "redis://h:1/x"]
)
def test_a_bad_store_url_is_refused_with_the_reason(text: str) -> None:
    with pytest.raises(ValueError, match="store"):
        parse_store(text)


def test_a_bad_prefix_is_refused() -> None:
    with pytest.raises(ValueError, match="prefix"):
        parse_store("redis://127.0.0.1:6379/0", prefix="a b")


def test_describe_hides_the_password() -> None:
    described = parse_store("redis://user:secret@127.0.0.1:6379/2").describe()
    assert "secret" not in described and "127.0.0.1:6379/2" in described


def test_keys_are_namespaced_by_prefix_and_world() -> None:
    connection = RedisConnection(StoreLocation("redis://127.0.0.1:1/0", "mock-a"))
    assert connection.key("default", "events") == "mock-a:default:events"


def test_redis_down_is_unavailable_fast_then_retried(redis_server: RedisServer) -> None:
    now = [0.0]
    connection = RedisConnection(
        StoreLocation(redis_server.url, "t-down"), timeout=0.5, monotonic=lambda: now[0]
    )
    assert connection.run(lambda client: client.ping())
    redis_server.stop()
    try:
        with pytest.raises(StoreUnavailable) as unavailable:
            connection.run(lambda client: client.ping())
        assert unavailable.value.retry_after == 1
        calls = []
        with pytest.raises(StoreUnavailable):  # known down: not even tried
            connection.run(lambda client: calls.append(client))
        assert calls == []
    finally:
        redis_server.start()
    now[0] += 1.5
    assert connection.run(lambda client: client.ping())

"""The one connection to Redis a server's Redis-backed state shares.

Most Redis calls are synchronous (`redis.Redis`, hiredis parser when installed) on purpose:
the domain layer is plain Python called from the handlers and the control plane, and a
loopback Redis answers in tens of microseconds. The request path's calls (fault decisions,
journal entries, `POST /events`, a job's poll) are awaited instead, pipelined with other
requests' on the event loop's own `redis.asyncio` client (`redis_batch`), so a round trip
never blocks the loop. Every call has a deadline (`timeout` seconds), so a Redis that went
away never hangs a request: the call raises `StoreUnavailable`, which the server answers 503
with `Retry-After`. After a failure the connection stays "down" for `retry_after` seconds and
fails fast without trying (no request waits a whole timeout while Redis is known to be down);
the first call after that tries again, so the mock recovers by itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
import redis.asyncio

from events_mock.stores.location import StoreLocation

__all__ = ["RedisConnection", "StoreUnavailable"]

T = TypeVar("T")


class StoreUnavailable(Exception):
    """Redis cannot be reached (or did not answer in time); nothing was changed by this
    request that the client was told of. `retry_after` is in whole seconds."""

    def __init__(self, reason: str, retry_after: int = 1) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class RedisConnection:
    def __init__(
        self,
        location: StoreLocation,
        *,
        timeout: float = 2.0,
        retry_after: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if location.url is None:
            raise ValueError("the in-memory store has no Redis connection")
        self.location = location
        self.prefix = location.prefix
        self.retry_after = retry_after
        self._monotonic = monotonic
        self._down_until = 0.0
        self._lock = threading.Lock()
        self._options: dict[str, Any] = {
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            "health_check_interval": 0,
            "retry_on_timeout": False,
            "decode_responses": False,
        }
        self.client: redis.Redis = redis.Redis.from_url(location.url, **self._options)

    def async_client(self) -> redis.asyncio.Redis:
        """A client of the running event loop's own (`redis_batch`), with the same deadlines."""
        assert self.location.url is not None
        return redis.asyncio.Redis.from_url(self.location.url, **self._options)

    def key(self, world: str, *parts: str) -> str:
        """`<prefix>:<world>:<part>:...`: every key of one world (the default world is
        `default`, a sandbox its id) under one prefix, so a world's keys can be scanned and
        dropped together and two mocks on one Redis never meet."""
        return ":".join((self.prefix, world, *parts))

    def run(self, call: Callable[[redis.Redis], T]) -> T:
        """`call(client)`, with Redis errors turned into `StoreUnavailable`."""
        self.check_up()
        try:
            return call(self.client)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as error:
            raise self.failed(error) from error
        except redis.ResponseError as error:
            if _is_transient(error):
                raise StoreUnavailable(
                    f"the Redis store is not ready: {error}", self._retry_seconds()
                ) from error
            raise

    def check_up(self) -> None:
        """Raises `StoreUnavailable` while a recent failure says Redis is down."""
        if self._monotonic() < self._down_until:
            raise StoreUnavailable("the Redis store is unavailable", self._retry_seconds())

    def failed(self, error: BaseException) -> StoreUnavailable:
        """Redis did not answer (`error`): down for `retry_after` seconds; what to raise."""
        with self._lock:
            self._down_until = self._monotonic() + self.retry_after
        return StoreUnavailable(f"the Redis store is unavailable: {error}", self._retry_seconds())

    def ping(self) -> bool:
        """True if Redis answers now (the start-up check and `/__mock/` health use it)."""
        try:
            return bool(self.run(lambda client: client.ping()))
        except StoreUnavailable:
            return False

    def script(self, source: str) -> Any:
        """A Lua script registered once, run by its SHA (redis-py re-loads it after a Redis
        restart flushed the script cache)."""
        return self.client.register_script(source)

    def close(self) -> None:
        self.client.close()

    def _retry_seconds(self) -> int:
        return max(1, round(self.retry_after))


def _is_transient(error: redis.ResponseError) -> bool:
    """Errors a restarting or loading Redis answers: the request may succeed shortly."""
    text = str(error)
    return text.startswith(("LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN"))

"""Where a mock keeps what it may change: in this process (the default) or on Redis.

`location.py` reads `--store` / `$EVENTS_MOCK_STORE`; `redis_client.py` is the one connection
to Redis every Redis-backed piece shares, and the one place Redis errors become
`StoreUnavailable` (answered 503 with `Retry-After` in each API's error shape).
"""

from events_mock.stores.location import StoreLocation, parse_store
from events_mock.stores.redis_client import RedisConnection, StoreUnavailable

__all__ = ["RedisConnection", "StoreLocation", "StoreUnavailable", "parse_store"]

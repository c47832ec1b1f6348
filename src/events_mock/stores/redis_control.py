"""A world store whose fault rules and journal are on Redis, the rest in this process.

What `RedisWorldStore` (stores/redis_world.py) returns for `fault_rules` and `journal`, as a
store of its own until every piece is on Redis: with it, a server on `--store redis://`
shares its fault rules (and their counters), its journal and its sandboxes' registry with
every other server on that Redis, while events, jobs and clocks stay per process.
"""

from __future__ import annotations

from events_mock.control.faults import FaultRules
from events_mock.control.journal import Journal
from events_mock.stores.backend import MemoryWorldStore
from events_mock.stores.redis_client import RedisConnection
from events_mock.stores.redis_faults import RedisFaultRules
from events_mock.stores.redis_journal import RedisJournal

__all__ = ["RedisControlStore"]


class RedisControlStore(MemoryWorldStore):
    def __init__(self, connection: RedisConnection, world_id: str) -> None:
        super().__init__(world_id)
        self.connection = connection

    def fault_rules(self, seed: int, max_rules: int) -> FaultRules:
        return RedisFaultRules(self.connection, self.world_id, seed=seed, max_rules=max_rules)

    def journal(self, capacity: int, body_limit: int, max_bytes: int) -> Journal:
        return RedisJournal(
            self.connection, self.world_id, capacity, body_limit, max_bytes=max_bytes
        )

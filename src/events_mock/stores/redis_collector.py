"""The Event Collector's tenant-partitioned store on Redis: `RedisTenantEventStore`.

Layout (`<p>:<w>` the prefix and world, `<g>` the store's generation, as in `redis_events`):

- `<p>:<w>:col` (hash): `gen`, `count`, `bytes` (the budget over every worker's writes), `next`.
- `<p>:<w>:col:<g>:e:<tenant>` (hash): event id -> the event as JSON, exactly as sent, so
  base64 fields come back byte for byte; `<p>:<w>:col:<g>:o:<tenant>` (list) the ids in
  creation order; `<p>:<w>:col:<g>:tenants` (sorted set) the tenants in order of first write.

Partitioning by key keeps isolation structural, as in memory: a tenant's lookup only reads
its own hash. A write is one script (budget check, id uniqueness, insertion); replacing or
clearing the store writes a new generation and flips to it in one script, so readers never see
a mix.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from events_mock.collector.payloads import check_event
from events_mock.collector.store import Event, TenantEventStore, event_bytes
from events_mock.limits import StoreFull
from events_mock.stores.redis_client import RedisConnection

__all__ = ["RedisTenantEventStore"]

_CREATE = """
local meta = KEYS[1]
local gen = redis.call('HGET', meta, 'gen') or '0'
local size = tonumber(ARGV[4])
if ARGV[8] == '1' then
  local count = tonumber(redis.call('HGET', meta, 'count') or '0')
  local bytes = tonumber(redis.call('HGET', meta, 'bytes') or '0')
  if ARGV[2] ~= '' and count >= tonumber(ARGV[2]) then return {'count', count} end
  if ARGV[3] ~= '' and bytes + size > tonumber(ARGV[3]) then return {'bytes', bytes} end
end
local base = ARGV[1] .. gen .. ':'
local tenant = ARGV[5]
local events = base .. 'e:' .. tenant
if redis.call('HSETNX', events, ARGV[6], ARGV[7]) == 0 then
  if ARGV[8] == '1' then return {'dup', 0} end
  redis.call('HSET', events, ARGV[6], ARGV[7])
  return {'ok', 0}
end
redis.call('RPUSH', base .. 'o:' .. tenant, ARGV[6])
if not redis.call('ZSCORE', base .. 'tenants', tenant) then
  redis.call('ZADD', base .. 'tenants', redis.call('HINCRBY', meta, 'tenant_order', 1), tenant)
end
redis.call('HINCRBY', meta, 'count', 1)
redis.call('HINCRBY', meta, 'bytes', size)
return {'ok', 1}
"""

_GET = """
local gen = redis.call('HGET', KEYS[1], 'gen') or '0'
local events = ARGV[1] .. gen .. ':e:' .. ARGV[2]
if ARGV[3] == '' then return redis.call('HLEN', events) end
return redis.call('HGET', events, ARGV[3])
"""

_META = """
local meta = redis.call('HMGET', KEYS[1], 'gen', 'count', 'bytes')
local tenants = redis.call('ZRANGE', ARGV[1] .. (meta[1] or '0') .. ':tenants', 0, -1)
return {meta[1] or '0', meta[2] or '0', meta[3] or '0', tenants}
"""

_NEW_GENERATION = "return redis.call('HINCRBY', KEYS[1], 'next', 1)"

_FLIP = """
local old = redis.call('HGET', KEYS[1], 'gen') or '0'
redis.call('HSET', KEYS[1], 'gen', ARGV[2], 'count', ARGV[3], 'bytes', ARGV[4])
if old ~= ARGV[2] then
  local base = ARGV[1] .. old .. ':'
  for _, tenant in ipairs(redis.call('ZRANGE', base .. 'tenants', 0, -1)) do
    redis.call('UNLINK', base .. 'e:' .. tenant, base .. 'o:' .. tenant)
  end
  redis.call('UNLINK', base .. 'tenants')
end
return old
"""


class RedisTenantEventStore(TenantEventStore):
    """`TenantEventStore`'s public methods over Redis (see the module's docstring)."""

    def __init__(
        self,
        connection: RedisConnection,
        world: str,
        new_id: Callable[[], str] | None = None,
        capacity: int | None = None,
        max_bytes: int | None = None,
    ) -> None:
        super().__init__(new_id=new_id, capacity=capacity, max_bytes=max_bytes)
        self.connection = connection
        self.meta = connection.key(world, "col")
        self.base = self.meta + ":"
        self._create = connection.script(_CREATE)
        self._get = connection.script(_GET)
        self._meta = connection.script(_META)
        self._new_generation = connection.script(_NEW_GENERATION)
        self._flip = connection.script(_FLIP)

    def create(self, tenant: str, event: Mapping[str, Any]) -> Event:
        """Store the event for the tenant under a new server-assigned id; answer the stored copy.

        Raises `InvalidEvent` if a base64 field does not decode to JSON, `StoreFull` past the
        budget (counted over every worker's writes).
        """
        check_event(event)
        size = event_bytes(event)
        stored = copy.deepcopy(dict(event))
        while True:
            stored["id"] = event_id = self._new_id()
            answer = self._write(tenant, event_id, orjson.dumps(stored), size, checked=True)
            kind, held = answer[0], int(answer[1])
            if kind == b"ok":
                return stored
            if kind == b"count":
                raise StoreFull(f"the store already holds its maximum of {self.capacity} events")
            if kind == b"bytes":
                raise StoreFull(
                    f"the store holds {held} of at most {self.max_bytes} bytes of events; "
                    f"this one's {size} do not fit"
                )
            # b"dup": the id is taken (another generator's uuid): draw another

    def _write(self, tenant: str, event_id: str, data: bytes, size: int, *, checked: bool) -> Any:
        args = [
            self.base,
            "" if self.capacity is None else self.capacity,
            "" if self.max_bytes is None else self.max_bytes,
            size,
            tenant,
            event_id,
            data,
            "1" if checked else "0",
        ]
        return self.connection.run(
            lambda client: self._create(keys=[self.meta], args=args, client=client)
        )

    def restore(self, tenant: str, event: Event) -> None:
        """Put back an event this store held before, under its id (a write log's replay)."""
        self._write(tenant, event["id"], orjson.dumps(event), event_bytes(event), checked=False)

    def get(self, tenant: str, event_id: str) -> Event | None:
        raw = self.connection.run(
            lambda client: self._get(
                keys=[self.meta], args=[self.base, tenant, event_id], client=client
            )
        )
        return None if raw is None else orjson.loads(raw)

    def _state(self) -> tuple[int, int, int, list[str]]:
        gen, count, size, tenants = self.connection.run(
            lambda client: self._meta(keys=[self.meta], args=[self.base], client=client)
        )
        return int(gen), int(count), int(size), [t.decode() for t in tenants]

    def __len__(self) -> int:
        return self._state()[1]

    @property
    def stored_bytes(self) -> int:
        return self._state()[2]

    def count(self, tenant: str | None = None) -> int:
        if tenant is None:
            return len(self)
        return int(
            self.connection.run(
                lambda client: self._get(
                    keys=[self.meta], args=[self.base, tenant, ""], client=client
                )
            )
        )

    def frozen(self) -> dict[str, list[Event]]:
        """Every tenant's events in creation order (read in one pipeline per tenant)."""
        generation, _, _, tenants = self._state()
        base = f"{self.base}{generation}:"
        answer: dict[str, list[Event]] = {}
        for tenant in tenants:

            def read(client: Any, tenant: str = tenant) -> list[Any]:
                ids = client.lrange(base + "o:" + tenant, 0, -1)
                return client.hmget(base + "e:" + tenant, ids) if ids else []

            values = self.connection.run(read)
            answer[tenant] = [orjson.loads(v) for v in values if v is not None]
        return answer

    def export_state(self) -> dict[str, Any]:
        return {"tenants": self.frozen()}

    def clear(self) -> None:
        self._flip_to(self._fresh_generation(), 0, 0)

    def replace(self, tenants: dict[str, dict[str, Event]]) -> None:
        """Written under a new generation, then flipped to in one script."""
        generation = self._fresh_generation()
        base = f"{self.base}{generation}:"
        count = size = 0

        def write(client: Any) -> None:
            pipe = client.pipeline(transaction=False)
            # Before any tenant written later (their order counts up from 1).
            for order, (tenant, events) in enumerate(tenants.items(), start=-len(tenants)):
                pipe.zadd(base + "tenants", {tenant: order})
                if events:
                    pipe.hset(
                        base + "e:" + tenant,
                        mapping={i: orjson.dumps(e) for i, e in events.items()},
                    )
                    pipe.rpush(base + "o:" + tenant, *events)
            pipe.execute()

        for events in tenants.values():
            count += len(events)
            size += sum(event_bytes(e) for e in events.values())
        if tenants:
            self.connection.run(write)
        self._flip_to(generation, count, size)

    def _fresh_generation(self) -> int:
        return int(
            self.connection.run(
                lambda client: self._new_generation(keys=[self.meta], client=client)
            )
        )

    def _flip_to(self, generation: int, count: int, size: int) -> None:
        self.connection.run(
            lambda client: self._flip(
                keys=[self.meta], args=[self.base, generation, count, size], client=client
            )
        )

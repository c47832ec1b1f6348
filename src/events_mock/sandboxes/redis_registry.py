"""Sandboxes on Redis: created on one worker, usable on every worker and host.

What makes a sandbox (its name, creation time, clock start, credentials) is one key,
`<prefix>:<id>:sandbox`, whose Redis TTL is the idle expiry: every request to the sandbox, on
any worker, refreshes it (`PEXPIRE`, in one script with the index below), so a sandbox
expires `ttl_seconds` after its last request anywhere, by Redis's clock. Its data is the
world's store's, under `<prefix>:<id>:*` too. Each process builds the sandbox's `World` the
first time a request names it, from that key, over `store_for(id)` (the Redis world store),
and keeps it; the world holds no state of its own, so every process's copy is the same
sandbox.

`<prefix>:sandboxes:index` (a sorted set, id -> when it expires unless used) is what listing
reads and what bounds the count: creating checks `max_sandboxes` against it and adds to it in
one script, after dropping the ids whose key is gone (expired, or evicted by a Redis short
of memory: each id's key is checked, at most `max_sandboxes` of them), so workers creating at
once never pass the bound. A deleted or expired sandbox goes to `<prefix>:sandboxes:gone`,
and whichever process sweeps next drops its keys (`SCAN` + `UNLINK`), once at once and once more
`RECHECK_MS` later, for keys a request already running in it wrote meanwhile. A process
forgets its copy of a sandbox when Redis says it is gone: on its next request there (the
refresh finds no key: 404) or at its next sweep (at most every `SWEEP_INTERVAL` seconds on
the request path, and on every list and create).

Not kept across workers: the bound on the events all sandboxes hold together
(`max_total_events`, memory's `budget`): on Redis each sandbox is bounded by the per-world
limits, and their number by `max_sandboxes`.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from events_mock.sandboxes.registry import (
    SWEEP_INTERVAL,
    Sandbox,
    SandboxError,
    Sandboxes,
    SandboxSettings,
    is_sandbox_id,
)
from events_mock.stores.backend import WorldStore
from events_mock.stores.redis_batch import batcher_for
from events_mock.stores.redis_client import RedisConnection

__all__ = ["RECHECK_MS", "RedisSandboxes"]

RECHECK_MS = 10_000
"""After a sandbox's keys are dropped, they are dropped again this much later: a request
that was already running in it when it went may still have written some."""

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

_PRUNE = """
local function prune(index, gone, prefix)
  for _, id in ipairs(redis.call('ZRANGE', index, 0, -1)) do
    if redis.call('EXISTS', prefix .. ':' .. id .. ':sandbox') == 0 then
      redis.call('ZREM', index, id)
      redis.call('ZADD', gone, 0, id)
    end
  end
end
"""

_TOUCH = (
    _NOW
    + """
if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return false end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), ARGV[2])
if ARGV[3] == '1' then return redis.call('GET', KEYS[1]) end
return 1
"""
)

_CREATE = (
    _NOW
    + _PRUNE
    + """
prune(KEYS[1], KEYS[3], ARGV[5])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return -1 end
redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[2])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
return 1
"""
)

_SWEEP = (
    _NOW
    + _PRUNE
    + """
prune(KEYS[1], KEYS[2], ARGV[1])
return {redis.call('ZRANGE', KEYS[1], 0, -1), redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)}
"""
)

_DELETE = """
local existed = redis.call('DEL', KEYS[1])
if redis.call('ZREM', KEYS[2], ARGV[1]) == 1 or existed == 1 then
  redis.call('ZADD', KEYS[3], 0, ARGV[1])
end
return existed
"""

_CLEANED = (
    _NOW
    + """
redis.call('ZREM', KEYS[1], ARGV[1])
if ARGV[2] == '1' then redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1] .. '#2') end
return 1
"""
)


class RedisSandboxes(Sandboxes):
    """`Sandboxes` whose registry is on Redis; `store_for(id)` makes a sandbox's world store,
    `make_world(store=..., **options)` its world (`sandboxes.api.sandbox_world`)."""

    def __init__(
        self,
        settings: SandboxSettings | None,
        connection: RedisConnection,
        store_for: Callable[[str], WorldStore],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(settings, monotonic)
        self.connection = connection
        self.store_for = store_for
        self._prefix = connection.prefix
        self._index = connection.key("sandboxes", "index")
        self._gone = connection.key("sandboxes", "gone")
        self._ttl_ms = max(int(self.settings.ttl_seconds * 1000), 1)
        self._touch = connection.script(_TOUCH)
        self._create = connection.script(_CREATE)
        self._sweep = connection.script(_SWEEP)
        self._delete = connection.script(_DELETE)
        self._cleaned = connection.script(_CLEANED)
        self._building = threading.Lock()

    # Finding

    def use(self, sandbox_id: str) -> Sandbox | None:
        if not is_sandbox_id(sandbox_id):
            return None
        keys, args, cached = self._touch_call(sandbox_id)
        found = self.connection.run(lambda client: self._touch(keys, args, client=client))
        return self._used(sandbox_id, found, cached)

    async def use_async(self, sandbox_id: str) -> Sandbox | None:
        """`use` with its round trip shared with other requests' (`stores/redis_batch.py`)."""
        if not is_sandbox_id(sandbox_id):
            return None
        keys, args, cached = self._touch_call(sandbox_id)
        found = await batcher_for(self.connection).script(self._touch, keys, args)
        return self._used(sandbox_id, found, cached)

    def _touch_call(self, sandbox_id: str) -> tuple[list[str], list[Any], Sandbox | None]:
        """The refresh script's keys and arguments (the stored options too, for a sandbox
        this process has no copy of yet); sweeps first when one is due."""
        if self.monotonic() - self._last_sweep >= SWEEP_INTERVAL:
            self.sweep()
        cached = self._by_id.get(sandbox_id)
        args = [self._ttl_ms, sandbox_id, "0" if cached else "1"]
        return [self._meta(sandbox_id), self._index], args, cached

    def _used(self, sandbox_id: str, found: Any, cached: Sandbox | None) -> Sandbox | None:
        if found is None:
            self._forget(sandbox_id)
            return None
        sandbox = cached or self._built(sandbox_id, found)
        sandbox.last_used = self.monotonic()
        return sandbox

    def all(self) -> list[Sandbox]:
        alive = self.sweep_ids()
        if not alive:
            return []
        metas, remaining = self.connection.run(lambda client: _metas(client, self, alive))
        now = self.monotonic()
        found = []
        for sandbox_id, meta, left_ms in zip(alive, metas, remaining, strict=True):
            if meta is None or left_ms < 0:
                continue  # expired between the two reads
            sandbox = self._by_id.get(sandbox_id) or self._built(sandbox_id, meta)
            sandbox.last_used = now - max(self._ttl_ms - left_ms, 0) / 1000
            found.append(sandbox)
        return sorted(found, key=lambda sandbox: sandbox.created)

    def total_events(self) -> int:
        return sum(sandbox.world.stored_events() for sandbox in self.all())

    def __len__(self) -> int:
        return int(self.connection.run(lambda client: client.zcard(self._index)))

    # Changing

    def create(self, name: str | None = None, **options: Any) -> Sandbox:
        """As in memory; the bound is checked again, atomically, when the sandbox is added."""
        assert self.make_world is not None
        if len(self) >= self.settings.max_sandboxes:
            self.sweep()
            if len(self) >= self.settings.max_sandboxes:
                raise _full(self.settings.max_sandboxes)
        sandbox_id = secrets.token_urlsafe(12)
        try:
            world = self.make_world(store=self.store_for(sandbox_id), **options)
            meta: dict[str, Any] = {
                "name": name,
                "created": time.time(),
                "clock": {"now": world.clock.now_ms(), "rate": world.clock.rate},
                **{
                    option: options.get(option) for option in ("users", "tenants", "billing_tokens")
                },
            }
            args = [
                self.settings.max_sandboxes,
                self._ttl_ms,
                sandbox_id,
                json.dumps(meta),
                self._prefix,
            ]
            keys = [self._index, self._meta(sandbox_id), self._gone]
            added = self.connection.run(lambda client: self._create(keys, args, client=client))
        except BaseException:
            self._drop_keys(sandbox_id)  # what building the world wrote (an imported state)
            raise
        if added == -1:
            self._drop_keys(sandbox_id)
            raise SandboxError(507, "The server reached its maximum of sandboxes meanwhile.")
        sandbox = Sandbox(sandbox_id, name, world, float(meta["created"]), self.monotonic())
        with self._lock:
            self._by_id[sandbox_id] = sandbox
        return sandbox

    def delete(self, sandbox_id: str) -> None:
        self._forget(sandbox_id)
        existed = 0
        if is_sandbox_id(sandbox_id):
            keys = [self._meta(sandbox_id), self._index, self._gone]
            existed = self.connection.run(
                lambda client: self._delete(keys, [sandbox_id], client=client)
            )
        if not existed:
            raise SandboxError(404, f"No sandbox has the id {sandbox_id} (or it expired).")
        self._clean_gone([sandbox_id])

    def sweep(self) -> int:
        """Drops the expired sandboxes' keys and this process's copies of every sandbox that
        is gone; how many copies went."""
        before = len(self._by_id)
        self.sweep_ids()
        return before - len(self._by_id)

    def sweep_ids(self) -> list[str]:
        """The live sandboxes' ids, after a sweep."""
        self._last_sweep = self.monotonic()
        keys = [self._index, self._gone]
        alive, due = self.connection.run(
            lambda client: self._sweep(keys, [self._prefix], client=client)
        )
        ids = [raw.decode() for raw in alive]
        live = set(ids)
        with self._lock:
            for sandbox_id in [known for known in self._by_id if known not in live]:
                del self._by_id[sandbox_id]
        self._clean_gone([raw.decode() for raw in due])
        return ids

    # Helpers

    def _meta(self, sandbox_id: str) -> str:
        return self.connection.key(sandbox_id, "sandbox")

    def _built(self, sandbox_id: str, raw: bytes) -> Sandbox:
        """This process's copy of a sandbox another process (or this one, earlier) created."""
        meta = json.loads(raw)
        options = {
            option: meta[option]
            for option in ("clock", "users", "tenants", "billing_tokens")
            if meta.get(option) is not None
        }
        with self._building:
            known = self._by_id.get(sandbox_id)
            if known is not None:
                return known
            assert self.make_world is not None
            world = self.make_world(store=self.store_for(sandbox_id), **options)
            sandbox = Sandbox(sandbox_id, meta.get("name"), world, meta["created"])
            with self._lock:
                self._by_id[sandbox_id] = sandbox
            return sandbox

    def _forget(self, sandbox_id: str) -> None:
        with self._lock:
            self._by_id.pop(sandbox_id, None)

    def _clean_gone(self, members: list[str]) -> None:
        for member in members:
            sandbox_id, _, second = member.partition("#")
            self._forget(sandbox_id)
            self._drop_keys(sandbox_id)
            self._mark_cleaned([member, "0" if second else "1", RECHECK_MS])

    def _mark_cleaned(self, args: list[Any]) -> None:
        """Off the gone list; the first time, back on it for the second pass."""
        self.connection.run(lambda client: self._cleaned([self._gone], args, client=client))

    def _drop_keys(self, sandbox_id: str) -> None:
        """Every key of the sandbox (`<prefix>:<id>:*`), in batches, without blocking Redis."""
        pattern = self.connection.key(sandbox_id, "*")

        def drop(client: Any) -> None:
            batch: list[bytes] = []
            for key in client.scan_iter(match=pattern, count=1000):
                batch.append(key)
                if len(batch) >= 500:
                    client.unlink(*batch)
                    batch = []
            if batch:
                client.unlink(*batch)

        self.connection.run(drop)


def _metas(
    client: Any, sandboxes: RedisSandboxes, ids: list[str]
) -> tuple[list[bytes | None], list[int]]:
    pipe = client.pipeline(transaction=False)
    for sandbox_id in ids:
        pipe.get(sandboxes._meta(sandbox_id))
    for sandbox_id in ids:
        pipe.pttl(sandboxes._meta(sandbox_id))
    answers = pipe.execute()
    return answers[: len(ids)], answers[len(ids) :]


def _full(most: int) -> SandboxError:
    return SandboxError(
        507,
        f"The server holds its maximum of {most} sandboxes;"
        " delete one (or wait for one to expire) first.",
    )

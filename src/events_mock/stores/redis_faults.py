"""Fault rules on Redis: one rule list, with exact counters, for every worker and host.

The in-memory `FaultRules` decides under a lock; across processes the lock is a Lua script.
`decide` sends the rules that match the request (matching a path is Python's job: patterns are
compiled once per process) to one script, which checks that the process's copy of the rules is
current, then counts and draws for them in order, atomically: a rule with `times: 2` fires
exactly twice whichever workers see the requests, and `after` counts every worker's. The
draw for a rule's n-th matching request is `faults.draw(seed, n)` (computed in the script by
a Lua twin of `mix32`), so a seed gives the sequence one process gives, in both stores.

Keys, under `<prefix>:<world>:faults:`: `order` (the rules' numbers, in the order added),
`rules` (number -> the rule's definition as JSON), `seeds` (number -> its seed), `counts`
(`<number>:m` matched, `<number>:f` fired), `next` (the last number given) and `version`.

The cost on the request path is one round trip, always (shared with the other requests waiting
at that moment: the middleware calls `decide_async`, sent by `redis_batch`): rules never change
once added, so a process keeps them compiled and tagged with `version`, a random token every
change (add, remove, clear) sets. A request no cached rule matches reads `version` (a plain
GET: a rule added by another worker a moment ago is seen by the next request on any worker); a
request some cached rule matches runs the decide script, which refuses with "stale" when
`version` moved, and the process reloads (one MULTI) and decides again. Zero round trips would
need the process to learn of changes by a push (pub/sub, client tracking), which arrives on its
own schedule: a request right after `POST /__mock/faults` could miss the rule. A random token
rather than a counter, so a Redis that restarted empty (or a clear) can never show a version an
old copy of different rules was tagged with.
"""

from __future__ import annotations

import builtins
import copy
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

from events_mock.control.faults import (
    DEFAULT_MAX_RULES,
    FaultRule,
    FaultRules,
    TooManyFaultRules,
    UnknownFault,
)
from events_mock.stores.redis_batch import batcher_for
from events_mock.stores.redis_client import RedisConnection

__all__ = ["LUA_DRAW", "RedisFaultRules"]

LUA_DRAW = """
local TWO32 = 4294967296
local function u32(x) if x < 0 then return x + TWO32 end return x end
local function mul32(a, b)
  local alo = a % 65536
  local ahi = (a - alo) / 65536
  local blo = b % 65536
  local bhi = (b - blo) / 65536
  local mid = (ahi * blo + alo * bhi) % 65536
  return (alo * blo + mid * 65536) % TWO32
end
local function mix32(x)
  x = x % TWO32
  x = u32(bit.bxor(x, bit.rshift(x, 16)))
  x = mul32(x, 2246822507)
  x = u32(bit.bxor(x, bit.rshift(x, 13)))
  x = mul32(x, 3266489909)
  x = u32(bit.bxor(x, bit.rshift(x, 16)))
  return x
end
local function draw(seed, n)
  return mix32((mix32(seed) + mul32(n % TWO32, 2654435769)) % TWO32) / TWO32
end
local function derived_seed(fault_seed, n)
  local start = mix32(u32(bit.bxor(fault_seed % TWO32, 2246822507)))
  return mix32((start + mul32(n % TWO32, 2654435769)) % TWO32)
end
"""
"""`faults.mix32`, `draw` and `derived_seed` in Redis's Lua 5.1: numbers are doubles and `bit`
works on 32 bits, so products are taken in 16-bit halves (every partial product < 2^53)."""

_DECIDE = (
    LUA_DRAW
    + """
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return -1 end
for i = 2, #ARGV, 5 do
  local n = ARGV[i]
  local matched = redis.call('HINCRBY', KEYS[2], n .. ':m', 1)
  if matched > tonumber(ARGV[i + 1]) then
    local times = tonumber(ARGV[i + 2])
    local fired = tonumber(redis.call('HGET', KEYS[2], n .. ':f') or '0')
    if (times < 0 or fired < times)
        and draw(tonumber(ARGV[i + 4]), matched) < tonumber(ARGV[i + 3]) then
      redis.call('HINCRBY', KEYS[2], n .. ':f', 1)
      return {tonumber(n), matched, fired + 1}
    end
  end
end
return 0
"""
)

_ADD = (
    LUA_DRAW
    + """
if redis.call('LLEN', KEYS[2]) >= tonumber(ARGV[1]) then return -1 end
local n = redis.call('INCR', KEYS[5])
local seed = ARGV[3]
if seed == '' then seed = derived_seed(tonumber(ARGV[4]), n) else seed = tonumber(seed) end
redis.call('HSET', KEYS[3], n, ARGV[2])
redis.call('HSET', KEYS[4], n, string.format('%d', seed))
redis.call('RPUSH', KEYS[2], n)
redis.call('SET', KEYS[1], ARGV[5])
return {n, seed}
"""
)

_REMOVE = """
if redis.call('LREM', KEYS[2], 0, ARGV[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1] .. ':m', ARGV[1] .. ':f')
redis.call('SET', KEYS[1], ARGV[2])
return 1
"""

_CLEAR = """
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""

_DEFINITION = (
    "path",
    "method",
    "status",
    "times",
    "after",
    "probability",
    "latency_ms",
    "drop",
    "malformed",
    "retry_after",
    "message",
)
"""What a rule is made of besides its id and seed: never changed once the rule is added."""

_STALE = object()
"""What the decide script's "your copy of the rules is old" becomes."""
_STALE_RETRIES = 8
"""Decides tried again after "stale" (rules changing meanwhile) before letting a request
through untouched: only a storm of rule changes gets that far."""


class RedisFaultRules(FaultRules):
    """`FaultRules`, kept on Redis for one world. Rules answered by `decide`, `get`, `list`
    are snapshots: their `matched` and `fired` are the counters when the call was made."""

    def __init__(
        self,
        connection: RedisConnection,
        world_id: str,
        seed: int = 0,
        max_rules: int = DEFAULT_MAX_RULES,
    ) -> None:
        super().__init__(seed=seed, max_rules=max_rules)
        self.connection = connection

        def key(part: str) -> str:
            return connection.key(world_id, "faults", part)

        self._version_key = key("version")
        self._keys = [key(part) for part in ("version", "order", "rules", "seeds")]
        self._counts_key = key("counts")
        self._next_key = key("next")
        self._decide = connection.script(_DECIDE)
        self._add = connection.script(_ADD)
        self._remove = connection.script(_REMOVE)
        self._clear = connection.script(_CLEAR)
        self._cache_lock = threading.Lock()
        self._copy: tuple[bytes | None, builtins.list[FaultRule]] = (None, [])
        """The rules as read at a version (None: never read); replaced whole, so a request
        never pairs one version with another version's rules."""
        self._compiled: dict[tuple[bytes, bytes, bytes], FaultRule] = {}

    # The request path

    def decide(self, method: str, path: str) -> FaultRule | None:
        for _ in range(_STALE_RETRIES):
            version, rules = self._copy
            candidates = [rule for rule in rules if rule.matches(method, path)]
            if not candidates:
                current = self.connection.run(lambda client: client.get(self._version_key))
                if self._current(version, current):
                    return None
                continue
            keys, args = self._decide_call(version, candidates)
            result = self.connection.run(lambda client: self._decide(keys, args, client=client))  # noqa: B023
            decided = self._decided(result, candidates)
            if decided is not _STALE:
                return decided
        return None

    async def decide_async(self, method: str, path: str) -> FaultRule | None:
        """`decide` with its round trip shared with other requests' (`redis_batch`)."""
        batcher = batcher_for(self.connection)
        for _ in range(_STALE_RETRIES):
            version, rules = self._copy
            candidates = [rule for rule in rules if rule.matches(method, path)]
            if not candidates:
                if self._current(version, await batcher.command("GET", self._version_key)):
                    return None
                continue
            keys, args = self._decide_call(version, candidates)
            decided = self._decided(await batcher.script(self._decide, keys, args), candidates)
            if decided is not _STALE:
                return decided
        return None

    def _current(self, version: bytes | None, current: Any) -> bool:
        """Whether the copy read at `version` is Redis's (`current`); reloads it if not."""
        if version is not None and (current or b"") == version:
            return True
        self._reload()
        return False

    def _decide_call(
        self, version: bytes | None, candidates: builtins.list[FaultRule]
    ) -> tuple[builtins.list[str], builtins.list[Any]]:
        args: builtins.list[Any] = [version]
        for rule in candidates:
            times = -1 if rule.times is None else rule.times
            args += [_number(rule), rule.after, times, repr(float(rule.probability)), rule.seed]
        return [self._version_key, self._counts_key], args

    def _decided(self, result: Any, candidates: builtins.list[FaultRule]) -> Any:
        """The rule that fired (a snapshot with its counters), None, or `_STALE` (reloaded)."""
        if result == -1:
            self._reload()
            return _STALE
        if not result:
            return None
        number, matched, fired = (int(value) for value in result)
        chosen = next(rule for rule in candidates if _number(rule) == number)
        snapshot = copy.copy(chosen)  # shares the compiled pattern
        snapshot.matched, snapshot.fired = matched, fired
        return snapshot

    # Changing the rules

    def add(
        self,
        path: str,
        *,
        method: str = "*",
        status: int | None = None,
        times: int | None = None,
        after: int = 0,
        probability: float = 1.0,
        seed: int | None = None,
        latency_ms: int = 0,
        drop: bool = False,
        malformed: bool = False,
        retry_after: int | None = None,
        message: str | None = None,
    ) -> FaultRule:
        checked = FaultRule(  # raises ValueError for what the spec refuses, before any write
            id="fault-0",
            path=path,
            method=method,
            status=status,
            times=times,
            after=after,
            probability=probability,
            seed=0 if seed is None else seed,
            latency_ms=latency_ms,
            drop=drop,
            malformed=malformed,
            retry_after=retry_after,
            message=message,
        )
        definition = json.dumps({name: getattr(checked, name) for name in _DEFINITION})
        args = [
            self.max_rules,
            definition,
            "" if seed is None else str(seed),
            self.seed,
            _token(),
        ]
        keys = [*self._keys, self._next_key]
        result = self.connection.run(lambda client: self._add(keys, args, client=client))
        if result == -1:
            raise TooManyFaultRules(self.max_rules)
        number, given_seed = (int(value) for value in result)
        checked.id = f"fault-{number}"
        checked.seed = given_seed
        return checked

    def remove(self, rule_id: str) -> None:
        number = _parse_id(rule_id)
        if number is None:
            raise UnknownFault(rule_id)
        keys = [*self._keys, self._counts_key]
        args = [number, _token()]
        if not self.connection.run(lambda client: self._remove(keys, args, client=client)):
            raise UnknownFault(rule_id)

    def clear(self) -> None:
        """Every rule gone; ids and derived seeds start over, as in memory."""
        keys = [*self._keys, self._counts_key, self._next_key]
        self.connection.run(lambda client: self._clear(keys, [_token()], client=client))

    # Reading

    def get(self, rule_id: str) -> FaultRule:
        for rule in self.list():
            if rule.id == rule_id:
                return rule
        raise UnknownFault(rule_id)

    def list(self) -> builtins.list[FaultRule]:
        """The rules in order, with their counters now (one MULTI: a consistent snapshot)."""
        rules, counts = self._read(with_counts=True)
        snapshots = []
        for rule in rules:
            snapshot = copy.copy(rule)
            number = _number(rule)
            snapshot.matched = int(counts.get(f"{number}:m".encode(), 0))
            snapshot.fired = int(counts.get(f"{number}:f".encode(), 0))
            snapshots.append(snapshot)
        return snapshots

    def to_json(self) -> builtins.list[dict[str, Any]]:
        return [rule.to_json() for rule in self.list()]

    def __iter__(self) -> Iterator[FaultRule]:
        return iter(self.list())

    def __len__(self) -> int:
        return int(self.connection.run(lambda client: client.llen(self._keys[1])))

    # The process's copy

    def _reload(self) -> None:
        self._read(with_counts=False)

    def _read(self, *, with_counts: bool) -> tuple[builtins.list[FaultRule], dict[bytes, bytes]]:
        """The rules (compiled once per process) and, if asked, the counters; refreshes the
        process's copy of the rules on the way."""
        version_key, order_key, rules_key, seeds_key = self._keys

        def read(client: Any) -> builtins.list[Any]:
            pipe = client.pipeline(transaction=True)
            pipe.get(version_key).lrange(order_key, 0, -1).hgetall(rules_key)
            pipe.hgetall(seeds_key)
            if with_counts:
                pipe.hgetall(self._counts_key)
            return list(pipe.execute())

        version, order, definitions, seeds, *rest = self.connection.run(read)
        with self._cache_lock:
            compiled: dict[tuple[bytes, bytes, bytes], FaultRule] = {}
            rules = []
            for raw in order:
                definition, seed = definitions.get(raw), seeds.get(raw, b"0")
                if definition is None:
                    continue  # cannot happen inside MULTI; a foreign write at worst
                # Numbers start over after a clear: a rule is known by what it is, too.
                known = (raw, definition, seed)
                rule = self._compiled.get(known)
                if rule is None:
                    fields = json.loads(definition)
                    rule = FaultRule(id=f"fault-{raw.decode()}", seed=int(seed), **fields)
                compiled[known] = rule
                rules.append(rule)
            self._compiled = compiled
            self._copy = (version or b"", rules)
        return rules, rest[0] if rest else {}


def _number(rule: FaultRule) -> int:
    return int(rule.id.rpartition("-")[2])


def _parse_id(rule_id: str) -> int | None:
    prefix, _, number = rule_id.partition("-")
    if prefix != "fault" or not number.isdigit() or len(number) > 18:
        return None
    return int(number)


def _token() -> str:
    return uuid.uuid4().hex

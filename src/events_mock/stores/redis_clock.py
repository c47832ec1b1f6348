"""One mock clock for every worker and host sharing a Redis: `RedisClock`.

The clock is three numbers (an anchor instant of mock time, the real instant it was anchored
at, the rate) in one hash, `<prefix>:<world>:clock`. Every reading and every change is one Lua
script, so two workers moving the clock at once both take effect (an advance adds to the other
one's, never overwrites it), and a reading is never of a half-changed clock.

Real time is Redis's (`TIME`), not the worker's: hosts behind a load balancer disagree about
the time by milliseconds to seconds, and a job polled on two of them would otherwise finish,
then be running again. The price is one round trip per reading; the Redis job scripts
(`redis_jobs.py`) read the clock inside their own script instead (`NOW_LUA`), so a poll costs
one round trip, not two.

A clock missing from Redis (a fresh Redis, or one restarted empty) is created by the first
reading from the values the server was started with, so the mock recovers by itself.
"""

from __future__ import annotations

import math

from events_mock.clock import LATEST_MS, MockClock, _finite
from events_mock.stores.redis_client import RedisConnection

__all__ = ["NOW_LUA", "RedisClock"]

NOW_LUA = f"""
local function clock_now(key, init_m, init_k)
  local t = redis.call('TIME')
  local real = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
  local c = redis.call('HMGET', key, 'm', 'r', 'k')
  if not c[1] then
    local m = real
    if init_m ~= '' then m = tonumber(init_m) end
    c = {{string.format('%.17g', m), string.format('%.17g', real), init_k}}
    redis.call('HSET', key, 'm', c[1], 'r', c[2], 'k', c[3])
  end
  local m, r, k = tonumber(c[1]), tonumber(c[2]), tonumber(c[3])
  local now = m + (real - r) * k
  local latest = math.max(m, {LATEST_MS})
  if now > latest then now = latest end
  return now, k, real
end
"""
"""A Lua function `clock_now(key, init_m, init_k) -> now, rate, real` (milliseconds, as
numbers) for any script that needs the mock's time: what `MockClock._now_locked` computes."""

_READ = NOW_LUA + """
local now, k = clock_now(KEYS[1], ARGV[1], ARGV[2])
return {string.format('%.17g', now), string.format('%.17g', k)}
"""

_ANCHOR = NOW_LUA + """
local now, k, real = clock_now(KEYS[1], ARGV[1], ARGV[2])
local op, value = ARGV[3], tonumber(ARGV[4])
if op == 'advance' then now = now + value
elseif op == 'set' then now = value
else k = value end
redis.call('HSET', KEYS[1], 'm', string.format('%.17g', now), 'r', string.format('%.17g', real),
  'k', string.format('%.17g', k))
return string.format('%.17g', now)
"""


class RedisClock(MockClock):
    """`MockClock` whose anchor and rate live on Redis: one clock for every worker."""

    def __init__(
        self,
        connection: RedisConnection,
        world: str,
        start_ms: int | None = None,
        rate: float = 1.0,
    ) -> None:
        """`start_ms` and `rate` make the clock if Redis has none for this world yet; a worker
        joining a running mock takes the clock as it is."""
        super().__init__(start_ms=start_ms, rate=rate)
        _finite("rate", rate)
        self.connection = connection
        self.key = connection.key(world, "clock")
        self.init = ("" if start_ms is None else repr(float(start_ms)), repr(float(rate)))
        """The script arguments that make a missing clock (see `NOW_LUA`)."""
        self._read = connection.script(_READ)
        self._anchor = connection.script(_ANCHOR)

    def reading(self) -> tuple[int, float]:
        """(now, rate) in one round trip."""
        now, rate = self.connection.run(
            lambda client: self._read(keys=[self.key], args=list(self.init), client=client)
        )
        return int(float(now)), float(rate)

    def now_ms(self) -> int:
        return self.reading()[0]

    @property
    def rate(self) -> float:
        return self.reading()[1]

    def advance(self, seconds: float) -> int:
        _finite("seconds", seconds)
        if seconds < 0:
            raise ValueError("the clock only moves forward: seconds must be >= 0")
        return self._change("advance", seconds * 1000)

    def set(self, now_ms: int) -> int:
        _finite("now_ms", now_ms)
        return self._change("set", float(now_ms))

    def set_rate(self, rate: float) -> None:
        """0 freezes the clock, 1 follows real time, 60 runs a minute per real second."""
        _finite("rate", rate)
        if rate < 0:
            raise ValueError("rate must be >= 0")
        self._change("rate", rate)

    def _change(self, op: str, value: float) -> int:
        assert math.isfinite(value)
        now = self.connection.run(
            lambda client: self._anchor(
                keys=[self.key], args=[*self.init, op, repr(value)], client=client
            )
        )
        return int(float(now))

"""One mock clock for every worker and host sharing a Redis: `RedisClock`.

The clock is three numbers (an anchor instant of mock time, the real instant it was anchored
at, the rate) and a version, in one hash, `<prefix>:<world>:clock`. Every change is one Lua
script, so two workers moving the clock at once both take effect (an advance adds to the other
one's, never overwrites it).

Real time is Redis's (`TIME`), not the worker's: hosts behind a load balancer disagree about
the time by milliseconds to seconds, and a job polled on two of them would otherwise finish,
then be running again.

Reading the clock costs no round trip most of the time: every request reads it (the journal's
arrival time, a job's settling), and a round trip for each would double the cost of a poll. A
worker fetches the clock (and Redis's time) and keeps it for a lease of `LEASE_SECONDS`,
computing mock time from its own monotonic clock meanwhile; a worker that changes the clock
waits out one lease before answering. So a clock change is seen by every request that starts
after the change was acknowledged, on any worker, exactly as with one process (a lease fetched
before the change has run out by then), and what it costs is `LEASE_SECONDS` per clock change,
not a round trip per request. Readings in one worker never go backwards while the clock is
unchanged (the estimate of Redis's time is refreshed with each lease and can be off by the
round trip).

A clock missing from Redis (a fresh Redis, or one restarted empty) is created by the first
reading from the values the server was started with, so the mock recovers by itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from events_mock.clock import LATEST_MS, MockClock, _finite
from events_mock.stores.redis_batch import batcher_for
from events_mock.stores.redis_client import RedisConnection

__all__ = ["LEASE_SECONDS", "RedisClock"]

LEASE_SECONDS = 0.01
"""How long a worker computes mock time from the clock it fetched, without asking Redis."""

_MAKE = """
local function clock_state(key, init_m, init_k)
  local t = redis.call('TIME')
  local real = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
  local c = redis.call('HMGET', key, 'm', 'r', 'k', 'v')
  if not c[1] then
    local m = real
    if init_m ~= '' then m = tonumber(init_m) end
    c = {string.format('%.17g', m), string.format('%.17g', real), init_k, '1'}
    redis.call('HSET', key, 'm', c[1], 'r', c[2], 'k', c[3], 'v', c[4], 'im', c[1], 'ir', c[2],
      'ik', c[3])
  end
  return c, real
end
"""

_READ = (
    _MAKE
    + """
local c, real = clock_state(KEYS[1], ARGV[1], ARGV[2])
return {c[1], c[2], c[3], c[4], string.format('%.17g', real)}
"""
)

_CHANGE = (
    _MAKE
    + f"""
local c, real = clock_state(KEYS[1], ARGV[1], ARGV[2])
local m, r, k = tonumber(c[1]), tonumber(c[2]), tonumber(c[3])
local now = math.min(m + (real - r) * k, math.max(m, {LATEST_MS}))
local op, value = ARGV[3], tonumber(ARGV[4])
if op == 'advance' then now = now + value
elseif op == 'set' then now = value
else k = value end
local state = {{string.format('%.17g', now), string.format('%.17g', real),
  string.format('%.17g', k), tostring(tonumber(c[4]) + 1)}}
redis.call('HSET', KEYS[1], 'm', state[1], 'r', state[2], 'k', state[3], 'v', state[4])
return {{state[1], state[2], state[3], state[4], state[2]}}
"""
)


class _Lease:
    """A fetched clock: its anchor (mock ms), anchor (Redis ms), rate and version, Redis's
    time when fetched mapped to this process's monotonic clock, and when the lease ends."""

    __slots__ = (
        "anchor_mock",
        "anchor_real",
        "last",
        "monotonic_at",
        "rate",
        "real_at",
        "until",
        "version",
    )

    def __init__(self, reply: list[bytes], sent: float, received: float) -> None:
        self.anchor_mock = float(reply[0])
        self.anchor_real = float(reply[1])
        self.rate = float(reply[2])
        self.version = int(reply[3])
        self.real_at = float(reply[4])
        self.monotonic_at = received
        self.until = sent + LEASE_SECONDS
        self.last = 0

    def now_ms(self, monotonic: float) -> int:
        real = self.real_at + (monotonic - self.monotonic_at) * 1000
        elapsed = (real - self.anchor_real) * self.rate
        now = int(min(self.anchor_mock + elapsed, max(self.anchor_mock, LATEST_MS)))
        if now < self.last:
            return self.last
        self.last = now
        return now


class RedisClock(MockClock):
    """`MockClock` whose anchor and rate live on Redis: one clock for every worker."""

    def __init__(
        self,
        connection: RedisConnection,
        world: str,
        start_ms: int | None = None,
        rate: float = 1.0,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`start_ms` and `rate` make the clock if Redis has none for this world yet; a worker
        joining a running mock takes the clock as it is. `sleep` waits out a lease after a
        change (tests of the lease pass a recorder)."""
        super().__init__(start_ms=start_ms, rate=rate)
        _finite("rate", rate)
        self.connection = connection
        self.key = connection.key(world, "clock")
        self.init = ("" if start_ms is None else repr(float(start_ms)), repr(float(rate)))
        """The script arguments that make a missing clock."""
        self._monotonic = monotonic
        self._sleep = sleep
        self._lease: _Lease | None = None
        self._lease_lock = threading.Lock()
        self._read = connection.script(_READ)
        self._change_script = connection.script(_CHANGE)

    def _current(self) -> _Lease:
        lease = self._leased()
        if lease is not None:
            return lease
        sent = self._monotonic()
        reply = self.connection.run(
            lambda client: self._read(keys=[self.key], args=list(self.init), client=client)
        )
        return self._take(reply, sent)

    async def now_ms_async(self) -> int:
        lease = self._leased()
        if lease is None:
            sent = self._monotonic()
            reply = await batcher_for(self.connection).script(self._read, [self.key], self.init)
            lease = self._take(reply, sent)
        return lease.now_ms(self._monotonic())

    def _leased(self) -> _Lease | None:
        """The lease, while it runs."""
        lease = self._lease
        return lease if lease is not None and self._monotonic() < lease.until else None

    def _take(self, reply: list[bytes], sent: float) -> _Lease:
        fresh = _Lease(reply, sent, self._monotonic())
        with self._lease_lock:
            old = self._lease
            if old is not None and old.version == fresh.version:
                fresh.last = old.last  # the same clock: never read backwards
            self._lease = fresh
        return fresh

    def now_ms(self) -> int:
        return self._current().now_ms(self._monotonic())

    def initial_state(self) -> dict[str, float]:
        """Where the clock started, as its creator wrote it in Redis: a reset on any worker
        goes back to the same instant (the offset is from Redis's time then)."""
        self._current()  # makes the clock if Redis has none
        now, real, rate = self.connection.run(
            lambda client: client.hmget(self.key, "im", "ir", "ik")
        )
        if now is None or real is None or rate is None:  # older clock: from here, as in memory
            return super().initial_state()
        start = int(float(now))
        return {"now": start, "rate": float(rate), "offset_ms": start - int(float(real))}

    @property
    def rate(self) -> float:
        return self._current().rate

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
        sent = self._monotonic()
        reply = self.connection.run(
            lambda client: self._change_script(
                keys=[self.key], args=[*self.init, op, repr(value)], client=client
            )
        )
        lease = self._take(reply, sent)
        # Every other worker's lease on the old clock runs out within one lease from now.
        self._sleep(LEASE_SECONDS)
        return int(lease.anchor_mock)

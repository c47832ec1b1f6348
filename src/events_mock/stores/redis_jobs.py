"""Barchart's report jobs and download links on Redis: `RedisReportJobs`.

The rules stay in `barchart/jobs.py` (`ReportJobs`: how a job starts, settles, is forced,
expires; which links are valid); this class only overrides its storage primitives, so a job
started on one worker is polled on any other with the same rules, and there is no second copy
of the state machine to drift.

Layout (`<p>:<w>` the prefix and world):

- `<p>:<w>:job:<source>` (hash): `j`, the job in the state document's shape (plus `gen`, its
  window's store generation), and `v`, a version bumped on every write.
- `<p>:<w>:jobs` (sorted set): every job's source, scored by the mock instant it is forgotten
  at (its end plus the TTL), so "how many are live" and "forget the expired" are one range.
- `<p>:<w>:link:<token>` (string): the link's expiry and source; `<p>:<w>:links` (sorted set)
  the tokens in the order they were issued, to drop expired links from the front and retire
  the oldest past `max_links`, as in memory.

Atomicity: a change to a job is read (one script; the clock is leased, see `redis_clock`, so
a poll is one round trip), decided by `ReportJobs`' rules in Python, then written by a
compare-and-set script that only writes over the version it read; if another worker wrote in
between, the change is made again over the fresh job. The rules only move a job forward (a
settled status is stored, forcing only ends a running job), so whoever wins, the status never
goes backwards. Starting a job (with the `max_jobs` check) and issuing a link (with the
expired/oldest drop) are each one script.

TTLs: expiry is decided in mock time, on every read, as in memory: the mock clock may be frozen,
run 60x, or be set back, and Redis only knows real time. Redis expiry (`PEXPIRE`) is the garbage
collector behind it, so a mock abandoned with a Redis full of jobs does not keep them forever:
a job or link key expires the real time its mock TTL takes at the clock's rate when written,
plus `GRACE_MS` (never, while the clock is frozen). A clock slowed or frozen after a write may
so lose a finished job or link up to an hour after its mock TTL would have run out at the old
rate; the mock-time check alone decides everything sooner.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Mapping, Sequence
from typing import Any

import orjson

from events_mock.barchart.catalog import Catalog
from events_mock.barchart.jobs import (
    Change,
    JobSettings,
    JobWindow,
    Link,
    ReportFilter,
    ReportJob,
    ReportJobs,
    T,
    no_job,
)
from events_mock.barchart.store import EventStore, Window
from events_mock.stores.redis_batch import batcher_for
from events_mock.stores.redis_client import RedisConnection, StoreUnavailable
from events_mock.stores.redis_clock import RedisClock

__all__ = ["GRACE_MS", "RedisJobWindow", "RedisReportJobs"]

Steps = Generator[tuple[Any, list[Any], list[Any]], Any, T]
"""A change as the Redis calls it makes: yields (script, keys, args), is sent each answer."""

GRACE_MS = 60 * 60 * 1000
"""Real time Redis keeps a job or link past its mock TTL at the clock's rate (see above)."""
ATTEMPTS = 16
"""Compare-and-set rounds before a job change gives up (503: workers racing on one job)."""

_GC = f"""
local function gc(key, clock, span)
  local rate = tonumber(redis.call('HGET', clock, 'k') or '0')
  if rate > 0 then
    redis.call('PEXPIRE', key, math.ceil(math.max(span, 0) / rate) + {GRACE_MS})
  else
    redis.call('PERSIST', key)
  end
end
local function add_link(links, clock, prefix, token, expires, source, now)
  local last = redis.call('ZRANGE', links, -1, -1, 'WITHSCORES')
  local order = 1
  if #last > 0 then order = tonumber(last[2]) + 1 end
  local key = prefix .. token
  redis.call('SET', key, expires .. ' ' .. source)
  redis.call('ZADD', links, order, token)
  gc(key, clock, tonumber(expires) - now)
end
local function forget_jobs(jobs, prefix, now)
  local gone = redis.call('ZRANGEBYSCORE', jobs, '-inf', now)
  for _, source in ipairs(gone) do redis.call('DEL', prefix .. source) end
  if #gone > 0 then redis.call('ZREMRANGEBYSCORE', jobs, '-inf', now) end
end
"""

_LOAD = """
local job = redis.call('HMGET', KEYS[1], 'v', 'j')
local gen = redis.call('HGET', KEYS[2], 'gen') or '0'
return {job[1] or '', job[2] or '', gen}
"""

_SAVE = (
    _GC
    + """
if (redis.call('HGET', KEYS[1], 'v') or '') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', tonumber(ARGV[1]) + 1, 'j', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
gc(KEYS[1], KEYS[3], tonumber(ARGV[4]) - tonumber(ARGV[5]))
return 1
"""
)

_DELETE = """
if (redis.call('HGET', KEYS[1], 'v') or '') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
"""

_INSERT = (
    _GC
    + """
local now = tonumber(ARGV[2])
forget_jobs(KEYS[1], ARGV[1], now)
local live = redis.call('ZCARD', KEYS[1])
if live >= tonumber(ARGV[3]) then return live end
if ARGV[4] == '' then return -1 end
local key = ARGV[1] .. ARGV[4]
redis.call('HSET', key, 'v', 1, 'j', ARGV[5])
redis.call('ZADD', KEYS[1], ARGV[6], ARGV[4])
gc(key, KEYS[2], tonumber(ARGV[6]) - now)
return -1
"""
)

_LIVE = (
    _GC
    + """
forget_jobs(KEYS[1], ARGV[1], tonumber(ARGV[2]))
local answer = {redis.call('HGET', KEYS[2], 'gen') or '0'}
for _, source in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local job = redis.call('HMGET', ARGV[1] .. source, 'v', 'j')
  if job[1] then
    answer[#answer + 1] = job[1]
    answer[#answer + 1] = job[2]
  else
    redis.call('ZREM', KEYS[1], source)
  end
end
return answer
"""
)

_ADD_LINK = (
    _GC
    + """
local now = tonumber(ARGV[2])
while true do  -- expired links, from the front of the issue order (as in memory)
  local front = redis.call('ZRANGE', KEYS[1], 0, 0)
  if #front == 0 then break end
  local link = redis.call('GET', ARGV[1] .. front[1])
  if link and tonumber(string.match(link, '^(%d+)')) > now then break end
  redis.call('ZREM', KEYS[1], front[1])
  redis.call('DEL', ARGV[1] .. front[1])
end
while redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) do
  local oldest = redis.call('ZPOPMIN', KEYS[1])
  redis.call('DEL', ARGV[1] .. oldest[1])
end
add_link(KEYS[1], KEYS[2], ARGV[1], ARGV[4], ARGV[5], ARGV[6], now)
return 1
"""
)

_CLEAR = """
for _, source in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  redis.call('DEL', ARGV[1] .. source)
end
for _, token in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  redis.call('DEL', ARGV[2] .. token)
end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
"""

_PUT = (
    _GC
    + """
-- ARGV: job prefix, link prefix, now, clear ('1'), job count, then (source, json, score)
-- per job, then (token, expires, source) per link.
local now = tonumber(ARGV[3])
if ARGV[4] == '1' then
  for _, source in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    redis.call('DEL', ARGV[1] .. source)
  end
  for _, token in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    redis.call('DEL', ARGV[2] .. token)
  end
  redis.call('DEL', KEYS[1], KEYS[2])
end
local jobs = tonumber(ARGV[5])
local i = 6
for _ = 1, jobs do
  local key = ARGV[1] .. ARGV[i]
  local version = tonumber(redis.call('HGET', key, 'v') or '0') + 1
  redis.call('HSET', key, 'v', version, 'j', ARGV[i + 1])
  redis.call('ZADD', KEYS[1], ARGV[i + 2], ARGV[i])
  gc(key, KEYS[3], tonumber(ARGV[i + 2]) - now)
  i = i + 3
end
while i <= #ARGV do
  add_link(KEYS[2], KEYS[3], ARGV[2], ARGV[i], ARGV[i + 1], ARGV[i + 2], now)
  i = i + 3
end
return 1
"""
)


class RedisJobWindow(JobWindow):
    """A job's window read from Redis: its store generation was checked when the job was
    read (the same script), so its length is the count kept, with no round trip."""

    __slots__ = ()

    def __len__(self) -> int:
        return self.matched


class RedisReportJobs(ReportJobs):
    """`ReportJobs` whose jobs and links live on Redis (see the module's docstring)."""

    def __init__(
        self,
        connection: RedisConnection,
        world: str,
        store: EventStore,
        clock: RedisClock,
        catalog: Catalog,
        settings: JobSettings | None = None,
    ) -> None:
        if not isinstance(clock, RedisClock):
            raise TypeError("jobs on Redis need the world's clock on Redis (RedisClock)")
        super().__init__(store, clock, catalog, settings)
        self.redis_clock = clock
        self.connection = connection
        self.index = connection.key(world, "jobs")
        self.job_prefix = connection.key(world, "job") + ":"
        self.link_index = connection.key(world, "links")
        self.link_prefix = connection.key(world, "link") + ":"
        self.events_meta = connection.key(world, "ev")
        self._load = connection.script(_LOAD)
        self._save = connection.script(_SAVE)
        self._delete = connection.script(_DELETE)
        self._insert_script = connection.script(_INSERT)
        self._live_script = connection.script(_LIVE)
        self._add_link_script = connection.script(_ADD_LINK)
        self._clear = connection.script(_CLEAR)
        self._put = connection.script(_PUT)

    # Encoding

    def _encode(self, job: ReportJob) -> bytes:
        state = job.to_state([])
        del state["links"]
        events = job.events
        over = isinstance(events, JobWindow) and events.matched > 0
        state["gen"] = events.window.generation if isinstance(events, JobWindow) and over else -1
        return orjson.dumps(state)

    def _decode(self, raw: bytes, generation: int) -> ReportJob:
        state = orjson.loads(raw)
        report_filter = ReportFilter.from_json(state["filter"])
        events: JobWindow = JobWindow.empty(report_filter)
        if state["matched"] and state["gen"] == generation:
            window = Window(generation, int(state["mark"]))
            events = RedisJobWindow(report_filter, window, int(state["matched"]), self.store)
        return ReportJob.from_state(state, events)

    def _local(self, job: ReportJob) -> ReportJob:
        """`job` with its window as `_decode` makes it (its length without a round trip)."""
        events = job.events
        if (
            isinstance(events, JobWindow)
            and not isinstance(events, RedisJobWindow)
            and events.matched
            and events.store is not None
        ):
            job.events = RedisJobWindow(
                events.report_filter, events.window, events.matched, events.store
            )
        return job

    def _forget_at(self, job: ReportJob) -> int:
        """The mock instant the job expires at: ended (or, running, due to end) plus the TTL."""
        end = job.ended_ms if job.ended_ms is not None else job.finishes_ms
        return end + self.settings.ttl_ms

    # Jobs

    def _check_room(self, now: int) -> None:
        self._insert_if_room(now, "", b"", 0)  # no job given: only the bound is checked

    def _insert(self, job: ReportJob, now: int) -> None:
        job = self._local(job)
        self._insert_if_room(now, job.source, self._encode(job), self._forget_at(job))

    def _insert_if_room(self, now: int, source: str, encoded: bytes, forget_at: int) -> None:
        """The insert script: drops the expired jobs, then adds the job unless the live ones
        are at `max_jobs` (`JobsFull`)."""
        keys = [self.index, self.clock_key]
        args = [self.job_prefix, now, self.settings.max_jobs, source, encoded, forget_at]
        live = self._run(self._insert_script, keys, args)
        if int(live) >= 0:
            raise self.jobs_full(int(live))

    def _update(self, source: str, change: Change[T]) -> T:
        return self._sync(self._updating(source, change))

    async def _update_async(self, source: str, change: Change[T]) -> T:
        return await self._async(self._updating(source, change))

    def _updating(self, source: str, change: Change[T]) -> Steps[T]:
        """Read, settle, change, compare-and-set: the Redis calls it yields, either driver
        (`_sync`, `_async`) makes, so the two paths cannot drift."""
        key = self.job_prefix + source
        now = self.clock.now_ms()
        for _ in range(ATTEMPTS):
            version, raw, generation = yield self._load, [key, self.events_meta], []
            if not raw:
                raise no_job(source)
            job = self._decode(raw, int(generation))
            job.settle(now)
            if job.expired(now, self.settings.ttl_ms):
                yield self._delete, [key, self.index], [version, source]
                raise no_job(source)
            result = change(job, now)
            encoded = self._encode(self._local(job))
            if encoded == raw:
                return result
            saved = yield (
                self._save,
                [key, self.index, self.clock_key],
                [version, encoded, source, self._forget_at(job), now],
            )
            if int(saved):
                return result
        raise StoreUnavailable(f"report job {source}: too many concurrent changes, try again")

    def _live(self, now: int) -> list[ReportJob]:
        return list(self._settled_live(now).values())

    def _settled_live(self, now: int) -> dict[str, ReportJob]:
        """Every live job settled at `now`, the newly settled written back (a settled status
        is stored, as in memory: setting the clock back never un-ends it)."""
        answer = self._run(
            self._live_script, [self.index, self.events_meta], [self.job_prefix, now]
        )
        generation = int(answer[0])
        jobs: dict[str, ReportJob] = {}
        writes = []
        for i in range(1, len(answer), 2):
            version, raw = answer[i], answer[i + 1]
            job = self._decode(raw, generation)
            job.settle(now)
            if job.expired(now, self.settings.ttl_ms):
                continue
            jobs[job.source] = job
            encoded = self._encode(job)
            if encoded != raw:
                writes.append((job, version, encoded))
        if writes:

            def write_back(client: Any) -> None:
                pipe = client.pipeline(transaction=False)
                for job, version, encoded in writes:
                    self._save(
                        keys=[self.job_prefix + job.source, self.index, self.clock_key],
                        args=[version, encoded, job.source, self._forget_at(job), now],
                        client=pipe,
                    )
                pipe.execute()

            self.connection.run(write_back)
        return jobs

    # Links

    def _add_link(self, link: Link, now: int) -> None:
        keys = [self.link_index, self.clock_key]
        args = [self.link_prefix, now, self.settings.max_links, link.token, link.expires_ms]
        self._run(self._add_link_script, keys, [*args, link.source])

    def _link(self, token: str) -> Link | None:
        raw: Any = self.connection.run(lambda client: client.get(self.link_prefix + token))
        return None if raw is None else _link_of(token, raw)

    def links(self) -> int:
        return int(self.connection.run(lambda client: client.zcard(self.link_index)))

    def _all_links(self) -> list[Link]:
        def read(client: Any) -> list[Link]:
            tokens = [t.decode() for t in client.zrange(self.link_index, 0, -1)]
            if not tokens:
                return []
            values = client.mget([self.link_prefix + t for t in tokens])
            return [_link_of(t, v) for t, v in zip(tokens, values, strict=True) if v is not None]

        return self.connection.run(read)

    def _links_of(self, source: str) -> list[Link]:
        return [link for link in self._all_links() if link.source == source]

    # Whole tables

    def clear(self) -> None:
        self._run(
            self._clear,
            [self.index, self.link_index],
            [
                self.job_prefix,
                self.link_prefix,
            ],
        )

    def _snapshot(self, now: int) -> tuple[dict[str, ReportJob], list[Link]]:
        return self._settled_live(now), self._all_links()

    def _replace(self, jobs: Mapping[str, ReportJob], links: Sequence[Link]) -> None:
        self._write(jobs.values(), links, clear=True)

    def _restore(self, jobs: Mapping[str, ReportJob], links: Mapping[str, Link]) -> None:
        self._write(jobs.values(), links.values(), clear=False)

    def _write(self, jobs: Iterable[ReportJob], links: Iterable[Link], *, clear: bool) -> None:
        """Jobs and links in one script (an import is seen whole or not at all)."""
        jobs = [self._local(job) for job in jobs]
        args: list[Any] = [
            self.job_prefix,
            self.link_prefix,
            self.clock.now_ms(),
            "1" if clear else "0",
            len(jobs),
        ]
        for job in jobs:
            args += [job.source, self._encode(job), self._forget_at(job)]
        for link in links:
            args += [link.token, link.expires_ms, link.source]
        self._run(self._put, [self.index, self.link_index, self.clock_key], args)

    # Plumbing

    @property
    def clock_key(self) -> str:
        return self.redis_clock.key

    def _run(self, script: Any, keys: list[str], args: list[Any]) -> Any:
        return self.connection.run(lambda client: script(keys=keys, args=args, client=client))

    def _sync(self, steps: Steps[T]) -> T:
        """Runs `steps`, each call in turn on this thread (the control plane, imports)."""
        answer = None
        try:
            while True:
                answer = self._run(*steps.send(answer))
        except StopIteration as done:
            return done.value

    async def _async(self, steps: Steps[T]) -> T:
        """Runs `steps` on the event loop, each call sent with other requests' calls."""
        batcher = batcher_for(self.connection)
        answer = None
        try:
            while True:
                answer = await batcher.script(*steps.send(answer))
        except StopIteration as done:
            return done.value


def _link_of(token: str, raw: bytes) -> Link:
    expires, source = raw.decode().split(" ", 1)
    return Link(token, source, int(expires))

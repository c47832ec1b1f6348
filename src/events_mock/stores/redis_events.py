"""Barchart's event store on Redis: `RedisEventStore`, one store for every worker.

Layout (`<p>:<w>` is the prefix and world, `<g>` the store's generation):

- `<p>:<w>:ev` (hash): `gen`, the generation readers use; `count` and `bytes`, what the budget
  counts; `next`, the last generation handed out.
- `<p>:<w>:ev:<g>:sizes` (hash): per (customer, product), how many events arrived: the
  arrival sequence, assigned by Redis (`HINCRBY`) inside the batch's script, never by a worker.
- `<p>:<w>:ev:<g>:b:<bucket>` (sorted set, every score 0): one member per event, ordered as
  an export wants them. A member is the timestamp (8 bytes, big-endian), the arrival number
  (4 bytes), then the event's type, packed context (`store.pack`), version, batch and
  sequence joined by a separator, or JSON where a value holds the separator. Lexicographic
  order is then (timestamp, arrival): a report's rows come out of `ZRANGEBYLEX` already in
  their order, its time bounds are the range's, and an export of any size is read in pages
  with a cursor (the last member read), holding one page at a time. The row is rendered from
  the member's fields as the in-memory store's records are: no JSON per event.

A batch is one Lua script: the budget check (count and bytes over every worker's writes) and
every insertion happen at once or not at all, so no batch is half stored and no two workers
together pass the budget. A job's window is `(generation, mark)`, the bucket's arrival count
when it started, as in memory: the events it exports are the members whose arrival number is
below the mark. Clearing or replacing the store writes a new generation and flips `gen` in
one script, so readers see the old content or the new, never a mix; the old keys are unlinked.

Scripts build key names from the generation they read (the keys of a bucket are not known
before), which a Redis Cluster would refuse: this store is for one Redis (or a replicated
primary), as `--store` says.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, overload

import orjson

from events_mock.barchart.store import (
    EventStore,
    LazyRecords,
    Record,
    Selection,
    StoredEvent,
    Window,
    as_batch,
    event_bytes,
    pack,
    unpack,
)
from events_mock.limits import StoreFull
from events_mock.stores.redis_batch import batcher_for
from events_mock.stores.redis_client import RedisConnection

__all__ = ["PagedRecords", "RedisEventStore"]

FIELD = "\x1e"
"""ASCII record separator: between a member's fields (a packed context holds `SEPARATOR`)."""
JSON_MEMBER = b"\x00"
"""Starts a member's fields written as JSON (a value holds `FIELD`, or a null)."""
PAGE = 5000
"""Members read per round trip when paging a bucket."""
ZADD_CHUNK = 500
_TS = struct.Struct(">Q")
_OFFSET = 1 << 63

_ADD = """
local meta = KEYS[1]
local gen = redis.call('HGET', meta, 'gen') or '0'
local n, size = tonumber(ARGV[4]), tonumber(ARGV[3])
if ARGV[5] == '1' then
  local count = tonumber(redis.call('HGET', meta, 'count') or '0')
  local bytes = tonumber(redis.call('HGET', meta, 'bytes') or '0')
  if ARGV[1] ~= '' and count + n > tonumber(ARGV[1]) then return {'count', count} end
  if ARGV[2] ~= '' and bytes + size > tonumber(ARGV[2]) then return {'bytes', bytes} end
end
local base = ARGV[6] .. gen .. ':'
local i = 7
while i <= #ARGV do
  local bucket, k = ARGV[i], tonumber(ARGV[i + 1])
  local first = redis.call('HINCRBY', base .. 'sizes', bucket, k) - k
  local key = base .. 'b:' .. bucket
  local args = {}
  for j = 1, k do
    local m = ARGV[i + 1 + j]
    args[#args + 1] = 0
    args[#args + 1] = string.sub(m, 1, 8) .. struct.pack('>I4', first + j - 1) .. string.sub(m, 9)
    if #args >= 1000 then
      redis.call('ZADD', key, unpack(args))
      args = {}
    end
  end
  if #args > 0 then redis.call('ZADD', key, unpack(args)) end
  i = i + 2 + k
end
redis.call('HINCRBY', meta, 'count', n)
redis.call('HINCRBY', meta, 'bytes', size)
return {'ok', gen}
"""

_WINDOW = """
local gen = redis.call('HGET', KEYS[1], 'gen') or '0'
local base = ARGV[1] .. gen .. ':'
local mark = redis.call('HGET', base .. 'sizes', ARGV[2]) or '0'
local matched = mark
if ARGV[3] ~= '-' or ARGV[4] ~= '+' then
  matched = redis.call('ZLEXCOUNT', base .. 'b:' .. ARGV[2], ARGV[3], ARGV[4])
end
return {gen, mark, matched}
"""

_STATE = """
local meta = redis.call('HMGET', KEYS[1], 'gen', 'count', 'bytes')
local gen = meta[1] or '0'
local sizes = {}
if ARGV[2] == '1' then sizes = redis.call('HGETALL', ARGV[1] .. gen .. ':sizes') end
return {gen, meta[2] or '0', meta[3] or '0', sizes}
"""

_NEW_GENERATION = """
return redis.call('HINCRBY', KEYS[1], 'next', 1)
"""

_FLIP = """
local old = redis.call('HGET', KEYS[1], 'gen') or '0'
redis.call('HSET', KEYS[1], 'gen', ARGV[2], 'count', ARGV[3], 'bytes', ARGV[4])
if old ~= ARGV[2] then
  local base = ARGV[1] .. old .. ':'
  local buckets = redis.call('HKEYS', base .. 'sizes')
  for _, bucket in ipairs(buckets) do redis.call('UNLINK', base .. 'b:' .. bucket) end
  redis.call('UNLINK', base .. 'sizes')
end
return old
"""


def bucket_id(customer: str, product: str) -> bytes:
    return orjson.dumps([customer, product])


def member_of(event: StoredEvent) -> bytes:
    """The member without its arrival number (the batch's script puts it after the first 8
    bytes): see the module's docstring."""
    packed = pack(event.context)
    version = event.version
    fields = (event.type, packed, version, event.batch)
    if (
        (type(packed) is str or not event.context)
        and (version is None or FIELD not in version)
        and FIELD not in event.type
        and FIELD not in event.batch
        and (type(packed) is not str or FIELD not in packed)
    ):
        text = FIELD.join(
            (
                fields[0],
                packed if type(packed) is str else "",
                "-" if version is None else "+" + version,
                event.batch,
                str(event.sequence),
            )
        )
        body = text.encode()
    else:
        body = JSON_MEMBER + orjson.dumps(
            [event.type, list(event.context), version, event.batch, event.sequence]
        )
    return _TS.pack(event.timestamp + _OFFSET) + body


def record_of(member: bytes) -> tuple[int, Record]:
    """(arrival number, the store's record) of a member."""
    timestamp = _TS.unpack_from(member)[0] - _OFFSET
    arrival = int.from_bytes(member[8:12], "big")
    body = member[12:]
    if body[:1] == JSON_MEMBER:
        kind, context, version, batch, sequence = orjson.loads(body[1:])
        return arrival, (timestamp, kind, pack(tuple(context)), version, batch, sequence)
    kind, packed, version, batch, sequence = body.decode().split(FIELD)
    return arrival, (
        timestamp,
        kind,
        packed if packed else (),
        None if version == "-" else version[1:],
        batch,
        int(sequence),
    )


def lex_bounds(start: int | None, end: int | None) -> tuple[bytes, bytes]:
    """`ZRANGEBYLEX` bounds for timestamps in [start, end]."""
    low = b"-" if start is None else b"[" + _TS.pack(max(start, -_OFFSET) + _OFFSET)
    high = b"+" if end is None else b"(" + _TS.pack(min(end + 1 + _OFFSET, (1 << 64) - 1))
    return low, high


class PagedRecords(LazyRecords):
    """A selection's records, read from Redis a page at a time when iterated (an export
    streams: one page in memory); indexing or `len` reads them all once and keeps them."""

    def __init__(
        self,
        store: RedisEventStore,
        key: bytes,
        bounds: tuple[bytes, bytes],
        types: frozenset[str] | None,
        mark: int | None,
    ) -> None:
        self._store = store
        self._key = key
        self._bounds = bounds
        self._types = types
        self._mark = mark
        self._all: tuple[Record, ...] | None = None

    def __iter__(self) -> Iterator[Record]:
        if self._all is not None:
            yield from self._all
            return
        types, mark = self._types, self._mark
        for members in self._store.pages(self._key, *self._bounds):
            for member in members:
                arrival, record = record_of(member)
                if (mark is None or arrival < mark) and (types is None or record[1] in types):
                    yield record

    def _materialized(self) -> tuple[Record, ...]:
        if self._all is None:
            self._all = tuple(iter(self))
        return self._all

    def __len__(self) -> int:
        return len(self._materialized())

    @overload
    def __getitem__(self, index: int) -> Record: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Record]: ...
    def __getitem__(self, index: int | slice) -> Record | Sequence[Record]:
        return self._materialized()[index]


class RedisEventStore(EventStore):
    """`EventStore`'s public methods over Redis (see the module's docstring)."""

    def __init__(
        self,
        connection: RedisConnection,
        world: str,
        capacity: int | None = None,
        max_bytes: int | None = None,
    ) -> None:
        super().__init__(capacity=capacity, max_bytes=max_bytes)
        self.connection = connection
        self.meta = connection.key(world, "ev")
        self.base = connection.key(world, "ev") + ":"
        """`<p>:<w>:ev:`, to which a generation and `:sizes` or `:b:<bucket>` are added."""
        self._add = connection.script(_ADD)
        self._window = connection.script(_WINDOW)
        self._state = connection.script(_STATE)
        self._new_generation = connection.script(_NEW_GENERATION)
        self._flip = connection.script(_FLIP)

    # Writes

    def add_batch(self, events: Iterable[Mapping[str, Any]]) -> list[StoredEvent]:
        """Store already-validated events as one batch: one batch id, sequences 1..n."""
        stored, size = as_batch(events)
        self._insert(stored, size, checked=True)
        return stored

    async def add_batch_async(self, events: Iterable[Mapping[str, Any]]) -> list[StoredEvent]:
        stored, size = as_batch(events)
        args = self._insert_args(stored, size, checked=True)
        answer = await batcher_for(self.connection).script(self._add, [self.meta], args)
        self._check_inserted(answer, stored, size)
        return stored

    def restore(self, events: Iterable[StoredEvent]) -> None:
        """Add events the store held before (a write log's replay): no budget check."""
        events = list(events)
        size = sum(event_bytes(e.context, e.version) for e in events)
        self._insert(events, size, checked=False)

    def _insert(self, events: Sequence[StoredEvent], size: int, *, checked: bool) -> None:
        args = self._insert_args(events, size, checked=checked)
        answer = self.connection.run(
            lambda client: self._add(keys=[self.meta], args=args, client=client)
        )
        self._check_inserted(answer, events, size)

    def _insert_args(self, events: Sequence[StoredEvent], size: int, *, checked: bool) -> list[Any]:
        groups: dict[bytes, list[bytes]] = {}
        for e in events:
            groups.setdefault(bucket_id(e.customer, e.product), []).append(member_of(e))
        args: list[Any] = [
            "" if self.capacity is None else self.capacity,
            "" if self.max_bytes is None else self.max_bytes,
            size,
            len(events),
            "1" if checked else "0",
            self.base,
        ]
        for bucket, members in groups.items():
            args += [bucket, len(members), *members]
        return args

    def _check_inserted(self, answer: Any, events: Sequence[StoredEvent], size: int) -> None:
        """Raises `StoreFull` when the script refused the batch."""
        kind, held = answer[0], int(answer[1])
        if kind == b"count":
            raise StoreFull(
                f"the store holds {held} of at most {self.capacity} events; "
                f"{len(events)} more do not fit"
            )
        if kind == b"bytes":
            raise StoreFull(
                f"the store holds {held} of at most {self.max_bytes} bytes of events; "
                f"{size} more do not fit"
            )

    def clear(self) -> None:
        generation = self._fresh_generation()
        self._flip_to(generation, 0, 0)

    def replace(self, events: Iterable[StoredEvent]) -> None:
        """Replace the whole content at once: written under a new generation, then flipped
        to in one script (readers see the old or the new, never a mix)."""
        generation = self._fresh_generation()
        base = f"{self.base}{generation}:"
        count = size = 0
        sizes: dict[Any, Any] = {}
        pipe_members: dict[bytes, list[bytes]] = {}
        pending = 0

        def flush() -> None:
            nonlocal pending
            if not pipe_members:
                return

            def write(client: Any) -> None:
                pipe = client.pipeline(transaction=False)
                for bucket, members in pipe_members.items():
                    key = base.encode() + b"b:" + bucket
                    for i in range(0, len(members), ZADD_CHUNK):
                        pipe.zadd(key, dict.fromkeys(members[i : i + ZADD_CHUNK], 0))
                pipe.execute()

            self.connection.run(write)
            pipe_members.clear()
            pending = 0

        for e in events:
            bucket = bucket_id(e.customer, e.product)
            arrival = sizes.get(bucket, 0)
            sizes[bucket] = arrival + 1
            member = member_of(e)
            member = member[:8] + arrival.to_bytes(4, "big") + member[8:]
            pipe_members.setdefault(bucket, []).append(member)
            count += 1
            size += event_bytes(e.context, e.version)
            pending += 1
            if pending >= 20 * PAGE:
                flush()
        flush()
        if sizes:
            self.connection.run(lambda client: client.hset(base + "sizes", mapping=sizes))
        self._flip_to(generation, count, size)

    def load_json(self, events: Iterable[Mapping[str, Any]]) -> None:
        self.replace(StoredEvent.from_json(raw) for raw in events)

    def prepare_exported(self, events: Iterable[Mapping[str, Any]]) -> Callable[[], None]:
        """`replace` for exported events: converted now (raising on a malformed one), written
        when the answered function is called."""
        parsed = [StoredEvent.from_json(raw) for raw in events]
        return lambda: self.replace(parsed)

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

    # Reads

    def _read_state(self, sizes: bool) -> tuple[int, int, int, dict[tuple[str, str], int]]:
        gen, count, size, flat = self.connection.run(
            lambda client: self._state(
                keys=[self.meta], args=[self.base, "1" if sizes else "0"], client=client
            )
        )
        buckets: dict[tuple[str, str], int] = {}
        for i in range(0, len(flat), 2):
            customer, product = orjson.loads(flat[i])
            buckets[(customer, product)] = int(flat[i + 1])
        return int(gen), int(count), int(size), buckets

    def __len__(self) -> int:
        return self._read_state(False)[1]

    @property
    def stored_bytes(self) -> int:
        return self._read_state(False)[2]

    @property
    def generation(self) -> int:
        return self._read_state(False)[0]

    def sizes(self) -> dict[tuple[str, str], int]:
        return self._read_state(True)[3]

    def pages(self, key: bytes, low: bytes, high: bytes) -> Iterator[list[bytes]]:
        """The members of `key` in [low, high], a page per round trip."""
        while True:
            members = self._page(key, low, high)
            if members:
                yield members
            if len(members) < PAGE:
                return
            low = b"(" + members[-1]

    def _page(self, key: bytes, low: bytes, high: bytes) -> list[bytes]:
        def read(client: Any) -> list[bytes]:
            return client.zrangebylex(key, low, high, start=0, num=PAGE)

        return self.connection.run(read)

    def _bucket_key(self, generation: int, customer: str, product: str) -> bytes:
        return f"{self.base}{generation}:b:".encode() + bucket_id(customer, product)

    def selection(
        self,
        customer: str,
        product: str,
        types: frozenset[str] | None = None,
        start: int | None = None,
        end: int | None = None,
        *,
        window: Window | None = None,
    ) -> Selection:
        """What `EventStore.selection` answers, its records read from Redis as iterated."""
        generation = self.generation
        if window is not None and window.generation != generation:
            return Selection(customer, product, ())
        records = PagedRecords(
            self,
            self._bucket_key(generation, customer, product),
            lex_bounds(start, end),
            types,
            None if window is None else window.mark,
        )
        return Selection(customer, product, records)

    def window(
        self,
        customer: str,
        product: str,
        types: frozenset[str] | None = None,
        start: int | None = None,
        end: int | None = None,
    ) -> tuple[Window, int]:
        """A mark of what is stored now for (customer, product), and how many of those events
        match: one script, unless event types filter them (then counted a page at a time)."""
        bucket = bucket_id(customer, product)
        low, high = lex_bounds(start, end)
        gen, mark, matched = self.connection.run(
            lambda client: self._window(
                keys=[self.meta], args=[self.base, bucket, low, high], client=client
            )
        )
        window = Window(int(gen), int(mark))
        if types is None:
            return window, int(matched)
        key = self._bucket_key(window.generation, customer, product)
        counted = PagedRecords(self, key, (low, high), types, window.mark)
        return window, sum(1 for _ in counted)

    def _buckets(self) -> list[tuple[str, str, list[Record]]]:
        """Every (customer, product)'s records in arrival order (read whole: the state
        document holds them all anyway)."""
        generation, _, _, sizes = self._read_state(True)
        answer = []
        for customer, product in sizes:
            key = self._bucket_key(generation, customer, product)
            arrivals = [
                record_of(member) for members in self.pages(key, b"-", b"+") for member in members
            ]
            arrivals.sort(key=lambda pair: pair[0])
            answer.append((customer, product, [record for _, record in arrivals]))
        return answer

    def to_json(self) -> list[dict[str, Any]]:
        return [
            StoredEvent(customer, product, r[1], r[0], unpack(r[2]), *r[3:]).to_json()
            for customer, product, records in self._buckets()
            for r in records
        ]

    def frozen(self) -> list[tuple[str, str, list[tuple[Record, ...]]]]:
        return [
            (customer, product, [tuple(records)]) for customer, product, records in self._buckets()
        ]

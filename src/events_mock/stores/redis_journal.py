"""The journal on Redis: one journal for every worker and host, bounded like the in-memory one.

Entries go to a Redis stream capped at the journal's capacity (`XADD ... MAXLEN`), each entry
cut to the same byte limits as in memory (`Journal._bounded`, before anything is sent), and the
stream's total, by the in-memory journal's accounting, kept under `max_bytes`, oldest dropped
first. One Lua script per request does it all (its round trip shared with the other requests
recording at that moment: the middleware calls `record_async`, sent by `redis_batch`; the
coverage counts of the exchange ride on it, `redis_batch.apply_counts`), so
workers recording at once never pass a bound, and an entry's id is taken from one counter
(`recorded`) in the same script: ids grow in the order entries were recorded across all
workers, which is the order the stream holds them in. The stream id of entry `n` is `n-0`, so
`since` is a range read.

Keys, under `<prefix>:<world>:journal:`: `stream`, `recorded` (the ids given since the last
clear, forgotten entries included) and `bytes` (the kept entries' total).

Like the in-memory journal, an entry keeps the exchange raw (credentials included) and is
redacted when read: recording is on every request's path, reading is rare. Redis therefore
holds what the mock's process holds; it needs the same trust (a Redis reachable by others
needs a password and TLS: `rediss://user:password@host/db`).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson

from events_mock.control.journal import (
    DEFAULT_BODY_LIMIT,
    DEFAULT_CAPACITY,
    DEFAULT_HEADERS_LIMIT,
    DEFAULT_MAX_BYTES,
    DEFAULT_VALUE_LIMIT,
    Exchange,
    Headers,
    Journal,
    JournalEntry,
)
from events_mock.control.patterns import PathPattern
from events_mock.stores.redis_batch import apply_counts, batcher_for
from events_mock.stores.redis_client import RedisConnection

__all__ = ["RedisJournal"]

_RECORD = f"""
local capacity, max_bytes, size = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local length = redis.call('XLEN', KEYS[1])
local total = tonumber(redis.call('GET', KEYS[3]) or '0') + size
local function drop_oldest()
  local oldest = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
  total = total - tonumber(oldest[2][2])
  redis.call('XDEL', KEYS[1], oldest[1])
  length = length - 1
end
if length >= capacity then drop_oldest() end  -- the one MAXLEN would drop: its size counted
local n = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], 'MAXLEN', capacity, n .. '-0',
  's', size, 'e', ARGV[4], 'q', ARGV[5], 'b', ARGV[6], 'r', ARGV[7])
length = length + 1
while total > max_bytes and length > 1 do drop_oldest() end
redis.call('SET', KEYS[3], total)
{apply_counts(3, 7)}
return n
"""

_FILTERS = ("method", "path", "status", "api", "tenant")


class RedisJournal(Journal):
    """`Journal`, kept on Redis for one world; every method reads or writes Redis."""

    def __init__(
        self,
        connection: RedisConnection,
        world_id: str,
        capacity: int = DEFAULT_CAPACITY,
        body_limit: int = DEFAULT_BODY_LIMIT,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        value_limit: int = DEFAULT_VALUE_LIMIT,
        headers_limit: int = DEFAULT_HEADERS_LIMIT,
    ) -> None:
        super().__init__(
            capacity,
            body_limit,
            max_bytes=max_bytes,
            value_limit=value_limit,
            headers_limit=headers_limit,
        )
        self.connection = connection
        self._keys = [connection.key(world_id, "journal", part) for part in _PARTS]
        self._record = connection.script(_RECORD)

    def record(self, **fields: Any) -> JournalEntry:
        exchange, args = self._prepared(fields)
        keys = self._keys
        number = self.connection.run(lambda client: self._record(keys, args, client=client))
        return JournalEntry(id=int(number), _exchange=exchange, **fields)

    async def record_async(self, **fields: Any) -> JournalEntry:
        """`record` with its round trip shared with other requests' (`redis_batch`)."""
        exchange, args = self._prepared(fields)
        number = await batcher_for(self.connection).script(
            self._record, self._keys, args, carries=True
        )
        return JournalEntry(id=int(number), _exchange=exchange, **fields)

    def _prepared(self, fields: dict[str, Any]) -> tuple[Exchange, builtins.list[Any]]:
        """The exchange within the limits, and the record script's arguments."""
        exchange, size = self._bounded(fields)
        meta = orjson.dumps(
            {
                "time": fields.get("time", 0),
                "api": fields.get("api", ""),
                "method": fields.get("method", ""),
                "path": fields.get("path", ""),
                "status": fields.get("status"),
                "duration_ms": fields.get("duration_ms", 0.0),
                "fault": fields.get("fault"),
                "tenant": fields.get("tenant"),
                "body_truncated": fields.get("body_truncated", False),
                "headers_truncated": fields.get("headers_truncated", False),
                "response_body_truncated": fields.get("response_body_truncated", False),
                "headers": _text(exchange.headers),
                "response_headers": _text(exchange.response_headers),
            }
        )
        args = [
            self.capacity,
            self.max_bytes,
            size,
            meta,
            exchange.query_string,
            exchange.body,
            exchange.response_body,
        ]
        return exchange, args

    def entries(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        api: str | None = None,
        tenant: str | None = None,
        since: int | None = None,
        limit: int | None = None,
    ) -> builtins.list[JournalEntry]:
        """Oldest first, filtered as in memory. Only `since` and `limit`: read as ranges of
        the stream (the dashboard's polling: `since` the last id it saw)."""
        stream = self._keys[0]
        start = "-" if since is None else str(max(since, 0) + 1)
        filtered = any(value is not None for value in (method, path, status, api, tenant))
        if limit and not filtered:
            raw = self._range(lambda client: client.xrevrange(stream, "+", start, count=limit))
            raw.reverse()
        else:
            raw = self._range(lambda client: client.xrange(stream, start, "+"))
        entries = [_entry(stream_id, values) for stream_id, values in raw]
        if not filtered:
            return entries
        pattern = PathPattern(path) if path is not None else None
        selected = [
            entry
            for entry in entries
            if (method is None or entry.method == method.upper())
            and (pattern is None or pattern.matches(entry.path))
            and (status is None or entry.status == status)
            and (api is None or entry.api == api)
            and (tenant is None or entry.tenant == tenant)
        ]
        return selected[-limit:] if limit else selected

    def _range(self, read: Callable[[Any], Any]) -> builtins.list[_Raw]:
        return list(self.connection.run(read) or [])

    @property
    def recorded(self) -> int:
        return self._counters()[0]

    @property
    def bytes(self) -> int:
        return self._counters()[1]

    def _counters(self) -> tuple[int, int]:
        recorded, kept = self.connection.run(lambda client: client.mget(self._keys[1:]))
        return int(recorded or 0), int(kept or 0)

    def clear(self) -> None:
        self.connection.run(lambda client: client.delete(*self._keys))

    def to_json(self, entries: Iterable[JournalEntry] | None = None) -> dict[str, Any]:
        chosen = self.entries() if entries is None else entries
        recorded, kept = self._counters()
        return {
            "capacity": self.capacity,
            "max_bytes": self.max_bytes,
            "bytes": kept,
            "recorded": recorded,
            "entries": [entry.to_json() for entry in chosen],
        }

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        return int(self.connection.run(lambda client: client.xlen(self._keys[0])))

    def __getitem__(self, index: int) -> JournalEntry:
        stream = self._keys[0]
        if index < 0:
            raw = self._range(lambda client: client.xrevrange(stream, count=-index))
        else:
            raw = self._range(lambda client: client.xrange(stream, count=index + 1))
        if len(raw) < (-index if index < 0 else index + 1):
            raise IndexError("journal index out of range")
        return _entry(*raw[-1])


_PARTS = ("stream", "recorded", "bytes")
_Raw = tuple[bytes, dict[bytes, bytes]]
"""A stream entry as redis-py reads it: its id and its fields."""


def _text(headers: Headers) -> builtins.list[builtins.list[str]]:
    """Header bytes as Latin-1 text: every byte a character, so JSON carries them back."""
    return [[name.decode("latin-1"), value.decode("latin-1")] for name, value in headers]


def _bytes(headers: builtins.list[builtins.list[str]]) -> Headers:
    return tuple((name.encode("latin-1"), value.encode("latin-1")) for name, value in headers)


def _entry(stream_id: bytes, values: dict[bytes, bytes]) -> JournalEntry:
    meta = orjson.loads(values[b"e"])
    exchange = Exchange(
        query_string=values.get(b"q", b""),
        headers=_bytes(meta.pop("headers")),
        body=values.get(b"b", b""),
        response_headers=_bytes(meta.pop("response_headers")),
        response_body=values.get(b"r", b""),
    )
    number = int(stream_id.partition(b"-")[0])
    return JournalEntry(id=number, _exchange=exchange, **meta)

"""Coverage on Redis: one set of counts per world for every worker and replica.

One hash, `<prefix>:<world>:coverage`, holds what `CoverageRecorder` holds in memory, a field
per count: `k<Key as JSON>` -> how often that answer was given, `f<[api, rule] as JSON>` -> how
often a fault rule fired, `e<rule id>` -> what the rule did as first recorded (`HSETNX`).
Reading is one `HGETALL`, decoded into the in-memory recorder's `Counts`, so
`coverage.document` makes the same document of either.

Recording is on every request's path and adds no round trip, nor a command: the exchange's
`Key` is found in this process exactly as in memory (`Classifier`), and its increment rides on
the journal entry the middleware records right after it (`redis_batch.Batcher.count`: the
journal's script applies it), so it has run when that entry is answered and a client asking
`GET /__mock/coverage` after its answer finds it counted, on any worker. A Redis failure costs
the count, never the request (the journal entry it rode on is what reports the outage).

Not state, as in memory: `/__mock/state` and `/__mock/reset` do not touch the hash; it is a
key of the world, so a sandbox's goes with its other keys (`sandboxes/redis_registry.py`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import orjson

from events_mock.coverage.recorder import Classifier, Counts, ServedApi, fault_effect
from events_mock.stores.redis_batch import batcher_for
from events_mock.stores.redis_client import RedisConnection

__all__ = ["RedisCoverageRecorder"]

_COUNT, _FAULT, _EFFECT = b"k", b"f", b"e"
MAX_FIELDS_KEPT = 4096
"""Encoded fields remembered per recorder (a client polls the same few answers over and
over); past it the memo starts again."""


class RedisCoverageRecorder(Classifier):
    """A `Recorder` (coverage/recorder.py) whose counts live on Redis for one world."""

    def __init__(self, connection: RedisConnection, world_id: str) -> None:
        super().__init__()
        self.connection = connection
        self.key = connection.key(world_id, "coverage")
        self._fields: dict[tuple[Any, ...], bytes] = {}

    def record_exchange(
        self,
        api: ServedApi,
        method: str,
        path: str,
        status: int | None,
        body: Sequence[bytes],
        via: str,
        fault: Any = None,
    ) -> None:
        """One exchange: its count carried by the next journal entry of this process."""
        key = self.exchange_key(api, method, path, status, body, via)
        field = self._fields.get(key)
        if field is None:
            if len(self._fields) >= MAX_FIELDS_KEPT:
                self._fields.clear()
            field = self._fields[key] = _COUNT + orjson.dumps(key)
        batcher = batcher_for(self.connection)
        batcher.count(self.key, field)
        if fault is not None:  # a test's injected fault: rare, one plain command may go too
            batcher.count(self.key, _FAULT + orjson.dumps((api.name, fault.id)))
            batcher.defer("HSETNX", self.key, _EFFECT + fault.id.encode(), fault_effect(fault))

    def counted(self) -> Counts:
        """The world's counts as Redis has them now (one read)."""
        raw: dict[Any, Any] = self.connection.run(lambda client: client.hgetall(self.key))
        counts: Counter[tuple[Any, ...]] = Counter()
        faults: Counter[tuple[str, str]] = Counter()
        effects: dict[str, str] = {}
        for field, stored in raw.items():
            tag, rest = field[:1], field[1:]
            if tag == _COUNT:
                name, operation, kind, status, code, values, via = orjson.loads(rest)
                pairs = tuple((prop, value) for prop, value in values)  # JSON lists: tuples
                counts[(name, operation, kind, status, code, pairs, via)] += int(stored)
            elif tag == _FAULT:
                api, rule = orjson.loads(rest)
                faults[(api, rule)] += int(stored)
            elif tag == _EFFECT:
                effects[rest.decode()] = stored.decode()
        return Counts(counts, Counter(), faults, effects)

    def clear(self) -> None:
        self.connection.run(lambda client: client.delete(self.key))

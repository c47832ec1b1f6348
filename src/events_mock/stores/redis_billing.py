"""Billing Care's data set on Redis: `RedisBillingService`, one data set for every worker.

Billing Care's data only changes by a state import (or a reset), and a data set is large to
move (2,000 records by default, any number imported) but cheap to compare by version. So the
imported document is stored once, in `<p>:<w>:billing` (hash: `v` its version, `doc` the
state document's Billing Care part: the generator's inputs, or the records), and each worker
keeps the parsed data set of the version it last read: a search costs one `HGET` of the
version, and a worker parses a new data set once per import. Version 0 (or none) is the
start-up data set, which every worker makes itself from the same settings.
"""

from __future__ import annotations

import json
from typing import Any

from events_mock.billing.dataset import BillingDataset, generate
from events_mock.billing.service import BillingService
from events_mock.stores.redis_client import RedisConnection

__all__ = ["RedisBillingService"]

_REPLACE = """
local v = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('HSET', KEYS[1], 'v', v, 'doc', ARGV[1])
return v
"""


class RedisBillingService(BillingService):
    def __init__(
        self, connection: RedisConnection, world: str, data: BillingDataset | None = None
    ) -> None:
        super().__init__(data)
        self.connection = connection
        self.key = connection.key(world, "billing")
        self._replace = connection.script(_REPLACE)
        self._cached: tuple[Any, BillingDataset] = (b"0", self.initial)

    @property
    def data(self) -> BillingDataset:
        version: Any = self.connection.run(lambda client: client.hget(self.key, "v")) or b"0"
        cached_version, cached = self._cached
        if version == cached_version:
            return cached
        if version == b"0":
            self._cached = (version, self.initial)
            return self.initial
        version, doc = self.connection.run(lambda client: client.hmget(self.key, "v", "doc"))
        if version is None or doc is None:  # reset meanwhile
            return self.initial
        dataset = _dataset_of(json.loads(doc))
        self._cached = (version, dataset)
        return dataset

    def replace(self, data: BillingDataset) -> None:
        """Stored once; every worker reads it by its new version."""
        document = _document(data)
        self.connection.run(
            lambda client: self._replace(keys=[self.key], args=[document], client=client)
        )

    def reset(self) -> None:
        self.connection.run(lambda client: client.hset(self.key, mapping={"v": 0, "doc": ""}))


def _document(data: BillingDataset) -> bytes:
    """The standard library's JSON: records may hold integers past 64 bits (orjson's limit)."""
    if data.generated_from is not None:
        seed, count = data.generated_from
        document: dict[str, Any] = {"generated": {"seed": seed, "events": count}}
    else:
        document = {"events": list(data.records)}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def _dataset_of(document: dict[str, Any]) -> BillingDataset:
    """A data set this mock stored itself (already checked when imported)."""
    if "generated" in document:
        return generate(int(document["generated"]["seed"]), int(document["generated"]["events"]))
    return BillingDataset(document["events"], copy_records=False)

"""The Redis sandbox registry without HTTP: two registries are two workers.

Worlds here are the smallest thing the registry needs of one (a clock, stored events): what
the registry itself guarantees (the bound, expiry, deletion, every worker's copy) does not
depend on what a world holds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from events_mock.clock import MockClock
from events_mock.sandboxes import SandboxError, SandboxSettings
from events_mock.sandboxes.redis_registry import RedisSandboxes
from events_mock.stores import RedisConnection, StoreLocation
from events_mock.stores.backend import MemoryWorldStore, WorldStore


@dataclass
class StubWorld:
    clock: MockClock
    options: dict[str, Any]
    store: WorldStore
    built: list[str] = field(default_factory=list)

    def stored_events(self) -> int:
        return 0


def registry(connection: RedisConnection, max_sandboxes: int = 3) -> RedisSandboxes:
    sandboxes = RedisSandboxes(
        SandboxSettings(max_sandboxes=max_sandboxes, ttl_seconds=600),
        connection,
        store_for=MemoryWorldStore,
    )

    def make_world(store: WorldStore, **options: Any) -> Any:
        if options.get("users") == {"bad": ""}:
            connection.client.set(connection.key(store.world_id, "events"), b"half-made")
            raise SandboxError(400, "refused")
        clock = options.get("clock", {"now": 1_000, "rate": 0.0})
        return StubWorld(MockClock(clock["now"], rate=clock["rate"]), options, store)

    sandboxes.make_world = make_world
    return sandboxes


@pytest.fixture
def workers(redis_store: StoreLocation) -> Iterator[list[RedisSandboxes]]:
    connections = [RedisConnection(redis_store) for _ in range(2)]
    yield [registry(connection) for connection in connections]
    for connection in connections:
        connection.close()


def test_workers_creating_at_once_never_pass_the_bound(workers: list[RedisSandboxes]) -> None:
    made: list[str] = []
    refused: list[int] = []
    start = threading.Barrier(8)

    def create(sandboxes: RedisSandboxes) -> None:
        start.wait()
        try:
            made.append(sandboxes.create().id)
        except SandboxError as error:
            refused.append(error.status)

    threads = [threading.Thread(target=create, args=(workers[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 3 and refused == [507] * 5
    assert sorted(box.id for box in workers[1].all()) == sorted(made)
    client = workers[0].connection.client
    kept = {key.decode().split(":")[1] for key in client.scan_iter(match=f"{workers[0]._prefix}:*")}
    assert kept == {*made, "sandboxes"}  # the refused ones left no key behind


def test_another_worker_builds_the_same_sandbox_from_its_options(
    workers: list[RedisSandboxes],
) -> None:
    box = workers[0].create(name="n", users={"alice": "pw"}, clock={"now": 5_000, "rate": 0.0})
    copy = workers[1].use(box.id)
    assert copy is not None and copy is not box
    assert copy.name == "n" and copy.created == box.created
    assert copy.world.options == {"users": {"alice": "pw"}, "clock": {"now": 5_000, "rate": 0.0}}
    assert copy.world.store.world_id == box.id
    assert workers[1].use(box.id) is copy  # built once per process


def test_a_failed_creation_leaves_nothing(workers: list[RedisSandboxes]) -> None:
    with pytest.raises(SandboxError):
        workers[0].create(users={"bad": ""})
    client = workers[0].connection.client
    assert list(client.scan_iter(match=f"{workers[0]._prefix}:*")) == []
    assert workers[1].all() == []


def test_delete_and_expiry_are_seen_by_every_worker(workers: list[RedisSandboxes]) -> None:
    deleted, expired = workers[0].create(), workers[0].create()
    for sandbox in (deleted, expired):
        assert workers[1].use(sandbox.id) is not None
    workers[0].delete(deleted.id)
    with pytest.raises(SandboxError) as missing:
        workers[0].delete(deleted.id)
    assert missing.value.status == 404
    client = workers[0].connection.client
    client.delete(workers[0]._meta(expired.id))  # what its TTL does
    assert workers[1].use(deleted.id) is None and workers[1].use(expired.id) is None
    assert workers[1]._by_id == {} and workers[0].all() == []
    assert list(client.scan_iter(match=f"{workers[0]._prefix}:*:sandbox")) == []


def test_a_sweep_forgets_copies_of_sandboxes_gone_elsewhere(
    workers: list[RedisSandboxes],
) -> None:
    box = workers[0].create()
    assert workers[1].use(box.id) is not None
    workers[0].delete(box.id)
    assert workers[1].sweep() == 1 and workers[1]._by_id == {}


def test_ids_that_cannot_be_sandboxes_never_reach_redis(workers: list[RedisSandboxes]) -> None:
    assert workers[0].use("a:b*") is None
    with pytest.raises(SandboxError):
        workers[0].delete("a:b*")

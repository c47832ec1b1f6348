"""`RedisTenantEventStore`: the in-memory store's answers, shared by every worker."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from events_mock.collector.payloads import InvalidEvent
from events_mock.collector.store import TenantEventStore, parse_state
from events_mock.limits import StoreFull
from tests.stores.conftest import Worker

EVENT = {"event_source": "ORDER", "event_type": "FAULT", "event_payload": {"operation": "X"}}


def test_an_event_created_on_one_worker_is_read_on_another(
    make_worker: Callable[..., Worker],
) -> None:
    one, two = make_worker().tenants, make_worker().tenants
    created = one.create("acme", EVENT)
    assert two.get("acme", created["id"]) == created == {**EVENT, "id": created["id"]}
    assert two.get("globex", created["id"]) is None  # another tenant's id is unknown
    assert (two.count("acme"), two.count("globex"), len(two)) == (1, 0, 1)
    with pytest.raises(InvalidEvent):
        one.create("acme", {**EVENT, "event_payload": {"base64_encoded_payload_json": "e30"}})


def test_the_budget_is_exact_across_workers(make_worker: Callable[..., Worker]) -> None:
    workers = [make_worker(capacity=50).tenants for _ in range(3)]
    created, refused = [], []

    def write(store: TenantEventStore) -> None:
        for _ in range(30):
            try:
                created.append(store.create("acme", EVENT))
            except StoreFull:
                refused.append(1)

    threads = [threading.Thread(target=write, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(created), len(refused), len(workers[0])) == (50, 40, 50)


def test_state_round_trips_in_creation_order(make_worker: Callable[..., Worker]) -> None:
    one, two = make_worker().tenants, make_worker().tenants
    memory = TenantEventStore()
    for n in range(6):
        tenant = ("acme", "globex")[n % 2]
        stored = one.create(tenant, {**EVENT, "entity_id": str(n)})
        memory.restore(tenant, stored)
    exported = two.export_state()
    assert exported == memory.export_state()
    two.clear()
    assert one.export_state() == {"tenants": {}} and len(one) == 0
    one.replace(parse_state(exported))
    assert two.export_state() == exported and one.stored_bytes > 0
    two.create("initech", EVENT)
    assert list(one.export_state()["tenants"]) == ["acme", "globex", "initech"]

"""The control plane's faults, journal and sandboxes over HTTP, on both stores.

On Redis, two mocks (two servers, two connections, two caches: what two worker processes
have) share one prefix, and the requests alternate between them; in memory, "both" are the one
server. Every assertion holds for both stores: one behaviour, whatever holds the state.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis
import requests

from events_mock.app import EventsMock, MockConfig
from events_mock.clock import MockClock
from events_mock.control.faults import draw
from events_mock.framework.live_server import LiveServer
from events_mock.sandboxes import SandboxSettings
from events_mock.stores import StoreLocation
from tests._support import CONTROL, T0, alert_event
from tests.redis_server import RedisServer, unique_prefix

AUTH = ("demo", "demo")
MAX_SANDBOXES = 3


@dataclass
class Servers:
    """One mock per worker; `urls` alternate between them."""

    store: str
    mocks: list[EventsMock]
    urls: list[str]
    client: redis.Redis | None = None
    prefix: str = ""
    now: list[float] = field(default_factory=lambda: [0.0])
    _turn: Iterator[int] = field(default_factory=lambda: itertools.cycle((0, 1)))

    def next(self) -> str:
        return self.urls[next(self._turn) % len(self.urls)]

    def control(self, method: str, path: str, url: str | None = None, **kw: Any) -> Any:
        headers = CONTROL if method != "GET" and "json" not in kw else {}
        return requests.request(method, f"{url or self.next()}/__mock{path}", headers=headers, **kw)

    def expire(self, sandbox_id: str) -> None:
        """What idle expiry does: Redis drops the sandbox's key; memory's clock passes it."""
        if self.client is not None:
            self.client.delete(f"{self.prefix}:{sandbox_id}:sandbox")
        else:
            self.now[0] += 3600


@pytest.fixture(scope="module", params=["memory", "redis"])
def servers(request: pytest.FixtureRequest) -> Iterator[Servers]:
    settings = SandboxSettings(max_sandboxes=MAX_SANDBOXES, ttl_seconds=3600)
    if request.param == "memory":
        location = StoreLocation()
    else:
        redis_server: RedisServer = request.getfixturevalue("redis_server")
        location = StoreLocation(redis_server.url, unique_prefix())
    count = 1 if location.is_memory else 2
    mocks = [
        EventsMock(
            MockConfig(
                clock=MockClock.frozen(T0),
                sandboxes=settings,
                store=location,
                validate_responses=True,
                billing_events=20,
            )
        )
        for _ in range(count)
    ]
    lives = [LiveServer(mock.app).start() for mock in mocks]
    servers = Servers(request.param, mocks, [live.url for live in lives])
    if not location.is_memory:
        servers.client = redis.Redis.from_url(location.url or "")
        servers.prefix = location.prefix
    for mock in mocks:
        mock.sandboxes.monotonic = lambda: servers.now[0]
    try:
        yield servers
    finally:
        for live in lives:
            live.stop()
        for mock in mocks:
            mock.close()
        if servers.client is not None:
            servers.client.close()


@pytest.fixture(autouse=True)
def fresh(servers: Servers) -> None:
    assert servers.control("POST", "/reset").status_code == 204


def version(servers: Servers, url: str | None = None) -> int:
    return requests.get(f"{url or servers.next()}/service/version").status_code


# Faults


def test_times_two_fires_exactly_twice_across_workers(servers: Servers) -> None:
    added = servers.control(
        "POST", "/faults", json={"path": "/service/version", "status": 503, "times": 2}
    )
    assert added.status_code == 201
    rule = added.json()
    assert [version(servers) for _ in range(5)] == [503, 503, 200, 200, 200]
    for url in servers.urls:
        listed = servers.control("GET", "/faults", url=url).json()
        assert [(r["id"], r["matched"], r["fired"], r["remaining"]) for r in listed] == [
            (rule["id"], 5, 2, 0)
        ]


def test_probability_with_a_seed_is_the_same_sequence_on_either_store(servers: Servers) -> None:
    body = {"path": "/service/version", "status": 502, "probability": 0.5, "seed": 42}
    assert servers.control("POST", "/faults", json=body).status_code == 201
    statuses = [version(servers) for _ in range(24)]
    assert statuses == [502 if draw(42, n) < 0.5 else 200 for n in range(1, 25)]
    assert {200, 502} == set(statuses)


def test_faults_by_id_and_clear(servers: Servers) -> None:
    first = servers.control("POST", "/faults", json={"path": "/a", "status": 500}).json()
    second = servers.control("POST", "/faults", json={"path": "/b", "drop": True}).json()
    assert (first["id"], second["id"]) == ("fault-1", "fault-2")
    assert servers.control("GET", f"/faults/{second['id']}").json() == second
    assert servers.control("DELETE", f"/faults/{first['id']}").status_code == 204
    assert servers.control("DELETE", f"/faults/{first['id']}").status_code == 404
    assert servers.control("GET", f"/faults/{first['id']}").status_code == 404
    assert [rule["id"] for rule in servers.control("GET", "/faults").json()] == [second["id"]]
    assert servers.control("DELETE", "/faults").status_code == 204
    assert servers.control("GET", "/faults").json() == []
    assert servers.control("POST", "/faults", json={"path": "/a"}).json()["id"] == "fault-1"


def test_a_dropped_connection_gets_no_answer_from_any_worker(servers: Servers) -> None:
    body = {"path": "/service/version", "drop": True, "times": len(servers.urls)}
    assert servers.control("POST", "/faults", json=body).status_code == 201
    for url in servers.urls:
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{url}/service/version")
    assert version(servers) == 200
    journal = servers.control("GET", "/journal").json()["entries"]
    assert [(entry["status"], entry["fault"]) for entry in journal][:-1] == [
        (None, "fault-1")
    ] * len(servers.urls)


def test_a_rule_past_the_bound_is_507(servers: Servers) -> None:
    for mock in servers.mocks:  # the bound is every worker's setting
        mock.control.faults.max_rules = 2
    try:
        for path in ("/a", "/b"):
            assert servers.control("POST", "/faults", json={"path": path}).status_code == 201
        refused = servers.control("POST", "/faults", json={"path": "/c"})
        assert refused.status_code == 507 and "2 fault rules" in refused.json()["detail"]
    finally:
        for mock in servers.mocks:
            mock.control.faults.max_rules = 1000


# The journal


def test_one_journal_across_workers_with_its_filters(servers: Servers) -> None:
    for url in servers.urls * 2:
        version(servers, url)
    posted = requests.post(f"{servers.next()}/events", json={"events": [alert_event()]}, auth=AUTH)
    assert posted.status_code == 200
    requests.get(f"{servers.next()}/reports/NOPE", auth=AUTH)
    for url in servers.urls:
        journal = servers.control("GET", "/journal", url=url).json()
        entries = journal["entries"]
        assert [entry["id"] for entry in entries] == list(range(1, len(servers.urls) * 2 + 3))
        assert journal["recorded"] == len(entries) and journal["bytes"] > 0
        last = entries[-1]["id"]
        assert entries[-2]["headers"]["authorization"] == "Basic [REDACTED]"

        def ids(**query: Any) -> list[int]:
            found = servers.control("GET", "/journal", url=url, params=query)  # noqa: B023
            return [entry["id"] for entry in found.json()["entries"]]

        assert ids(method="POST") == [last - 1]
        assert ids(status=404) == [last]
        assert ids(path="/reports/*") == [last]
        assert ids(since=last - 2) == [last - 1, last]
        assert ids(limit=1) == [last]
        assert ids(api="barchart", since=last - 1) == [last]
    assert servers.control("DELETE", "/journal").status_code == 204
    for url in servers.urls:
        assert servers.control("GET", "/journal", url=url).json()["entries"] == []


# Coverage


def seen(servers: Servers, url: str, world: str = "") -> dict[str, int]:
    document = requests.get(f"{url}{world}/__mock/coverage").json()
    barchart = document["apis"]["barchart"]
    return {item["id"]: item["count"] for item in barchart["responses"] if item["count"]}


def test_one_set_of_coverage_counts_across_workers(servers: Servers) -> None:
    assert servers.control("DELETE", "/coverage").status_code == 204  # reset keeps it
    for url in servers.urls * 2:
        version(servers, url)
    assert requests.get(f"{servers.next()}/reports/NOPE", auth=AUTH).status_code == 404
    expected = {
        "getServiceVersion 200": len(servers.urls) * 2,
        "getReportLink 404 EVENT_JOB_GET_FAILED_NO_JOB": 1,
    }
    for url in servers.urls:
        assert seen(servers, url) == expected
    # Not state: the state document leaves it out, a reset keeps it.
    assert "coverage" not in servers.control("GET", "/state").json()
    assert servers.control("POST", "/reset").status_code == 204
    assert seen(servers, servers.urls[-1]) == expected
    # Cleared through one worker, for all.
    assert servers.control("DELETE", "/coverage", url=servers.urls[0]).status_code == 204
    for url in servers.urls:
        assert seen(servers, url) == {}


def test_a_sandbox_counts_its_own_coverage_and_takes_it_along(servers: Servers) -> None:
    assert servers.control("DELETE", "/coverage").status_code == 204
    box = create(servers)
    inside = f"/sandboxes/{box['id']}"
    for url in servers.urls:
        assert requests.get(f"{url}{inside}/service/version").status_code == 200
    for url in servers.urls:
        assert seen(servers, url, inside) == {"getServiceVersion 200": len(servers.urls)}
        assert seen(servers, url) == {}
    key = f"{servers.prefix}:{box['id']}:coverage"
    if servers.client is not None:
        assert servers.client.exists(key)
    assert servers.control("DELETE", f"/sandboxes/{box['id']}").status_code == 204
    if servers.client is not None:
        assert not servers.client.exists(key)


# Sandboxes


def create(servers: Servers, **body: Any) -> dict[str, Any]:
    created = servers.control("POST", "/sandboxes", json=body)
    assert created.status_code == 201, created.text
    return dict(created.json())


def test_a_sandbox_made_on_one_worker_is_used_on_every_other(servers: Servers) -> None:
    box = create(servers, name="shared", users={"alice": "s3cret"})
    try:
        for url in servers.urls:
            inside = f"{url}/sandboxes/{box['id']}"
            assert requests.get(f"{inside}/reports/X", auth=("alice", "s3cret")).status_code == 404
            assert requests.get(f"{inside}/reports/X", auth=AUTH).status_code == 401
            listed = servers.control("GET", "/sandboxes", url=url).json()
            assert [(item["id"], item["name"]) for item in listed] == [(box["id"], "shared")]
        # its faults are the sandbox's on every worker, and never the default world's
        rule = {"path": "/service/version", "status": 503, "times": 1}
        first = servers.urls[0]
        added = requests.post(f"{first}/sandboxes/{box['id']}/__mock/faults", json=rule)
        assert added.status_code == 201
        last = servers.urls[-1]
        assert requests.get(f"{last}/service/version").status_code == 200
        assert requests.get(f"{last}/sandboxes/{box['id']}/service/version").status_code == 503
        journal = requests.get(f"{first}/sandboxes/{box['id']}/__mock/journal").json()
        assert [entry["status"] for entry in journal["entries"]][-1] == 503
    finally:
        servers.control("DELETE", f"/sandboxes/{box['id']}")


def test_delete_on_one_worker_is_seen_by_every_other(servers: Servers) -> None:
    box = create(servers)
    for url in servers.urls:  # every worker has built its copy
        assert requests.get(f"{url}/sandboxes/{box['id']}/__mock/clock").status_code == 200
    requests.post(f"{servers.urls[0]}/sandboxes/{box['id']}/__mock/faults", json={"path": "/x"})
    deleted = servers.control("DELETE", f"/sandboxes/{box['id']}", url=servers.urls[-1])
    assert deleted.status_code == 204
    for url in servers.urls:
        gone = requests.get(f"{url}/sandboxes/{box['id']}/__mock/clock")
        assert gone.status_code == 404 and gone.json()["type"] == "about:blank"
        assert servers.control("GET", f"/sandboxes/{box['id']}", url=url).status_code == 404
    if servers.client is not None:
        assert list(servers.client.scan_iter(match=f"{servers.prefix}:{box['id']}:*")) == []


def test_idle_sandboxes_expire_and_use_keeps_them(servers: Servers) -> None:
    kept, idle = create(servers), create(servers)
    if servers.client is not None:  # a request refreshes the TTL Redis expires it by
        meta = f"{servers.prefix}:{kept['id']}:sandbox"
        servers.client.pexpire(meta, 5000)
        assert requests.get(f"{servers.next()}/sandboxes/{kept['id']}/__mock/clock").ok
        assert servers.client.pttl(meta) > 3_000_000
    servers.expire(idle["id"])
    if servers.client is None:
        servers.now[0] -= 1  # memory: `kept` is used just before `idle`'s time is up
        assert requests.get(f"{servers.next()}/sandboxes/{kept['id']}/__mock/clock").ok
        servers.now[0] += 1
    for url in servers.urls:
        assert requests.get(f"{url}/sandboxes/{idle['id']}/__mock/clock").status_code == 404
        listed = [item["id"] for item in servers.control("GET", "/sandboxes", url=url).json()]
        assert listed == [kept["id"]]
    servers.control("DELETE", f"/sandboxes/{kept['id']}")


def test_at_most_max_sandboxes_across_workers(servers: Servers) -> None:
    made = [create(servers) for _ in range(MAX_SANDBOXES)]
    try:
        for url in servers.urls:
            refused = servers.control("POST", "/sandboxes", url=url, json={})
            assert refused.status_code == 507
            assert refused.json()["title"] == "Insufficient Storage"
    finally:
        for box in made:
            assert servers.control("DELETE", f"/sandboxes/{box['id']}").status_code == 204
    assert servers.control("GET", "/sandboxes").json() == []

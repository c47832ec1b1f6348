"""`events-mock proxy` in front of a live mock: forwarding, checks, --strict, faults, --record."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from events_mock.app import EventsMock, MockConfig
from events_mock.clock import MockClock
from events_mock.control.state import validate_state
from events_mock.framework.live_server import LiveServer
from events_mock.proxy.app import ProxyApp, ProxyConfig
from tests.contract.broken_servers import BROKEN_SERVERS, build, healthy_mock

EVENT = {
    "customer": "BARCHART",
    "product": "PORTFOLIO",
    "type": "PORTFOLIO-CREATED",
    "timestamp": 1571029300000,
    "context": ["user-1", "portfolio-9"],
}
REPORT = {"filter": {"customer": "BARCHART", "product": "PORTFOLIO"}}
DEMO = ("demo", "demo")


@contextmanager
def proxied(upstream_app: Any, **options: Any) -> Iterator[tuple[str, str, ProxyApp]]:
    """(upstream URL, proxy URL, the proxy) with both servers live on loopback."""
    with LiveServer(upstream_app) as upstream:
        proxy = ProxyApp(ProxyConfig(upstream=upstream.url, **options))
        with LiveServer(proxy) as server:
            yield upstream.url, server.url, proxy


def fresh_mock() -> EventsMock:
    return EventsMock(MockConfig(clock=MockClock.frozen(MockClock().now_ms())))


def walk_through(upstream: str, proxy: str) -> str:
    """The README's tour through the proxy (the clock moved on the upstream's control plane);
    the export file as downloaded through the proxy."""
    with httpx.Client(base_url=proxy) as client:
        posted = client.post("/events", json={"events": [EVENT]})
        assert posted.status_code == 200
        job = client.post("/reports", auth=DEMO, json=REPORT).json()
        assert job["status"] == "RUNNING"
        httpx.post(f"{upstream}/__mock/clock/advance", json={"seconds": 60})
        status = client.get(f"/reports/{job['source']}/availability", auth=DEMO).json()
        assert status["status"] == "COMPLETE"
        link = client.get(f"/reports/{job['source']}", auth=DEMO).json()["link"]
        assert link.startswith(proxy + "/"), "the link is rewritten to go through the proxy"
        export = httpx.get(link)
        assert export.status_code == 200
        return export.text


def journal(proxy: str) -> list[dict[str, Any]]:
    return list(httpx.get(f"{proxy}/__mock/journal").json()["entries"])


def rules(proxy: str) -> set[str]:
    return {v["rule"] for entry in journal(proxy) for v in entry["violations"]}


def test_the_readme_walk_through_passes_with_no_violation() -> None:
    with proxied(fresh_mock().app) as (upstream, proxy, app):
        export = walk_through(upstream, proxy)
        entries = journal(proxy)
    assert "1571029300000|PORTFOLIO-CREATED|user-1|portfolio-9" in export
    assert [e["violations"] for e in entries] == [[]] * 5
    assert app.tally.violations == 0
    assert "no violation" in app.summary()
    # Credentials went through (the upstream accepted them), never kept in clear.
    authorizations = {e["headers"].get("authorization") for e in entries}
    assert authorizations == {None, "Basic [REDACTED]"}
    assert "ZGVtbzpkZW1v" not in json.dumps(entries)


def test_requests_that_break_the_spec_are_named_by_rule() -> None:
    with proxied(fresh_mock().app) as (_, proxy, app):
        assert httpx.post(f"{proxy}/events", json={"events": [{"customer": "X"}]}).status_code
        assert httpx.get(f"{proxy}/reports/JOB-x/availability").status_code == 401
        httpx.post(f"{proxy}/reports", content=b"{}", headers={"Content-Type": "text/plain"})
        found = rules(proxy)
    assert {"body_conforms", "security_present", "content_type_sent"} <= found
    assert app.tally.violations >= 3
    assert "body_conforms" in app.summary()


def test_strict_refuses_with_the_apis_own_400_before_the_upstream() -> None:
    mock = fresh_mock()
    with proxied(mock.app, strict=True) as (upstream, proxy, _):
        refused = httpx.post(f"{proxy}/events", json={"events": [{"customer": "X"}]})
        upstream_saw = httpx.get(f"{upstream}/__mock/journal").json()["entries"]
    assert refused.status_code == 400
    body = refused.json()
    assert body[0]["value"]["code"] == "REQUEST_INVALID", "Barchart's own error array"
    assert "[body_conforms]" in body[0]["value"]["message"]
    assert upstream_saw == [], "the upstream never saw it"


@pytest.mark.parametrize(
    ("server", "rule"),
    [
        ("events-sequences-reversed", "batch_assigned"),
        ("events-status-201", "status_code_conformance"),
        ("job-goes-back-to-running", "status_moves_once"),
        ("export-comma-delimited", "export_delimited"),
        ("download-needs-credentials", "downloads_without_credentials"),
    ],
)
def test_a_broken_server_is_caught_by_the_rule_it_breaks(server: str, rule: str) -> None:
    broken = next(s for s in BROKEN_SERVERS if s.name == server)
    _, app = build(broken)
    with proxied(app) as (upstream, proxy, _):
        with httpx.Client(base_url=proxy) as client:
            client.post("/events", json={"events": [EVENT, {**EVENT, "context": ["u2", "p2"]}]})
            job = client.post("/reports", auth=DEMO, json=REPORT).json()
            source = job.get("source") if isinstance(job, dict) else None
            if source:
                for _ in range(3):
                    httpx.post(f"{upstream}/__mock/clock/advance", json={"seconds": 60})
                    client.get(f"/reports/{source}/availability", auth=DEMO)
                link = client.get(f"/reports/{source}", auth=DEMO).json()
                if isinstance(link, dict) and "link" in link:
                    httpx.get(link["link"])
        found = rules(proxy)
    assert rule in found, found


def test_faults_of_the_control_plane_apply_on_the_proxy() -> None:
    with proxied(fresh_mock().app) as (upstream, proxy, _):
        rule = {"path": "/events", "method": "POST", "status": 503, "times": 1, "retry_after": 2}
        added = httpx.post(f"{proxy}/__mock/faults", json=rule)
        assert added.status_code == 201
        first = httpx.post(f"{proxy}/events", json={"events": [EVENT]})
        second = httpx.post(f"{proxy}/events", json={"events": [EVENT]})
        upstream_saw = httpx.get(f"{upstream}/__mock/journal").json()["entries"]
    assert first.status_code == 503
    assert first.headers["retry-after"] == "2"
    assert isinstance(first.json(), list), "Barchart's own error shape"
    assert second.status_code == 200
    assert len(upstream_saw) == 1, "the faulted request never reached the upstream"


def test_drop_and_malformed_faults_apply_on_the_proxy() -> None:
    """A dropped connection never reaches the upstream; a malformed answer is the upstream's
    own, cut in half on the way back, as the mock's faults do."""
    with proxied(fresh_mock().app) as (upstream, proxy, app):
        for rule in (
            {"path": "/service/version", "drop": True, "times": 1},
            {"path": "/service/version", "malformed": True, "times": 1},
        ):
            assert httpx.post(f"{proxy}/__mock/faults", json=rule).status_code == 201
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{proxy}/service/version")
        cut = httpx.get(f"{proxy}/service/version")
        whole = httpx.get(f"{proxy}/service/version")
        upstream_saw = httpx.get(f"{upstream}/__mock/journal").json()["entries"]
    assert cut.status_code == 200 and 0 < len(cut.content) < len(whole.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)
    assert len(upstream_saw) == 2, "the dropped request never reached the upstream"
    assert [e.fault is not None for e in app.journal.entries()] == [True, True, False]


def test_recorded_traffic_is_served_by_a_new_mock(tmp_path: Path) -> None:
    recorded = tmp_path / "recorded.json"
    with proxied(fresh_mock().app, record=str(recorded)) as (upstream, proxy, app):
        export = walk_through(upstream, proxy)
    assert recorded.exists(), "written when the proxy stops"
    document = json.loads(recorded.read_text())
    validate_state(document)
    assert "Basic" not in recorded.read_text()
    replayed = fresh_mock()
    replayed.control.import_state(document)
    with LiveServer(replayed.app) as server:
        assert walk_through_direct(server.url) == export


def walk_through_direct(url: str) -> str:
    with httpx.Client(base_url=url) as client:
        job = client.post("/reports", auth=DEMO, json=REPORT).json()
        client.post("/__mock/clock/advance", json={"seconds": 60})
        link = client.get(f"/reports/{job['source']}", auth=DEMO).json()["link"]
        return httpx.get(link).text


COLLECTOR_EVENT = {
    "entity_id": "ORD-1001",
    "entity_name": "order",
    "event_payload": {
        "base64_encoded_payload_json": "eyJpZCI6IjEyIn0=",
        "key_attributes": {"correlationId": "c-1", "referenceId": "r-1"},
        "operation": "CREATE",
    },
    "event_source": "APPLICATION",
    "event_type": "FAULT",
}
COLLECTOR_AS_DEMO = {"Authorization": "Bearer demo-token", "X-TWC-Tenant": "demo"}


def test_recorded_collector_events_are_readable_from_a_new_mock(tmp_path: Path) -> None:
    recorded = tmp_path / "collector.json"
    _, app = build(None)
    with proxied(app, api="event-collector", record=str(recorded)) as (_, proxy, seen):
        client = httpx.Client(base_url=proxy, headers=COLLECTOR_AS_DEMO)
        created = client.post("/api/v1/events", json=COLLECTOR_EVENT)
        assert created.status_code == 201, created.text
        event = created.json()
        assert client.get(f"/api/v1/events/{event['id']}").json() == event
        client.close()
    assert seen.tally.violations == 0, seen.journal_json()
    text = recorded.read_text()
    assert "demo-token" not in text, "secrets are never recorded"
    document = json.loads(text)
    validate_state(document)
    replayed, _ = healthy_mock()
    replayed.control.import_state(document)
    with LiveServer(replayed.app) as server:
        read = httpx.get(f"{server.url}/api/v1/events/{event['id']}", headers=COLLECTOR_AS_DEMO)
    assert read.status_code == 200
    assert read.json() == event


def test_events_only_downloaded_are_recorded_from_the_export_rows(tmp_path: Path) -> None:
    """Staging already holds events the client never posted: its export rows are recorded."""
    recorded = tmp_path / "exported.json"
    upstream_mock = fresh_mock()
    other = {**EVENT, "type": "PORTFOLIO-DELETED", "context": ["user-2", "portfolio-3"]}
    with proxied(upstream_mock.app, record=str(recorded)) as (upstream, proxy, app):
        httpx.post(f"{upstream}/events", json={"events": [EVENT, other]})  # not via the proxy
        export = walk_through_links_only(upstream, proxy)
    assert app.tally.violations == 0, app.journal_json()
    document = json.loads(recorded.read_text())
    validate_state(document)
    assert len(document["apis"]["barchart"]["events"]) == 2
    replayed = fresh_mock()
    replayed.control.import_state(document)
    with LiveServer(replayed.app) as server:
        assert walk_through_direct(server.url) == export


def walk_through_links_only(upstream: str, proxy: str) -> str:
    with httpx.Client(base_url=proxy) as client:
        job = client.post("/reports", auth=DEMO, json=REPORT).json()
        httpx.post(f"{upstream}/__mock/clock/advance", json={"seconds": 60})
        client.get(f"/reports/{job['source']}/availability", auth=DEMO)
        link = client.get(f"/reports/{job['source']}", auth=DEMO).json()["link"]
        return httpx.get(link).text


BILLING_PATH = "/bcws/webresources/v1.0/events"
BILLING_AUTH = {"Authorization": "Bearer demo-billing-token"}


def test_recorded_billing_records_are_served_by_a_new_mock(tmp_path: Path) -> None:
    recorded = tmp_path / "billing.json"
    _, app = build(None)
    query = {"createdStartTime": 0, "limit": 5}
    with proxied(app, api="billing-care", record=str(recorded)) as (_, proxy, seen):
        answer = httpx.get(f"{proxy}{BILLING_PATH}", params=query, headers=BILLING_AUTH)
    assert answer.status_code == 200, answer.text
    records = answer.json()
    assert len(records) == 5
    assert seen.tally.violations == 0, seen.journal_json()
    text = recorded.read_text()
    assert "demo-billing-token" not in text
    document = json.loads(text)
    validate_state(document)
    replayed, _ = healthy_mock()
    replayed.control.import_state(document)
    with LiveServer(replayed.app) as server:
        again = httpx.get(f"{server.url}{BILLING_PATH}", params=query, headers=BILLING_AUTH)
    assert sorted(map(json.dumps, again.json())) == sorted(map(json.dumps, records))


def test_an_answer_too_large_to_keep_is_streamed_whole_and_not_judged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The copy the proxy keeps to judge an answer is bounded: past it, the client still gets
    every byte, and the answer is not judged (a cut copy would read as a broken one)."""
    import events_mock.proxy.app as proxy_app

    monkeypatch.setattr(proxy_app, "KEPT_BODY", 16)
    broken = next(s for s in BROKEN_SERVERS if s.name == "events-sequences-reversed")
    _, app = build(broken)
    with proxied(app) as (_, proxy, seen):
        answer = httpx.post(f"{proxy}/events", json={"events": [EVENT, EVENT]})
    assert [event["sequence"] for event in answer.json()] == [2, 1], "every byte forwarded"
    assert seen.tally.violations == 0, "not judged"


def test_the_proxy_s_control_paths_are_closed_like_the_mock_s() -> None:
    """`/__mock/journal` holds every client's exchanges: loopback names and same origin only."""
    from starlette.testclient import TestClient

    from events_mock.proxy.app import ProxyApp, ProxyConfig

    app = ProxyApp(ProxyConfig(upstream="http://127.0.0.1:9", api="barchart"))
    with TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.1", 50000)) as client:
        assert client.get("/__mock/journal").status_code == 200
        rebound = client.get("/__mock/journal", headers={"Host": "rebound.example"})
        foreign = client.get("/__mock/journal", headers={"Origin": "http://evil.example"})
    assert rebound.status_code == 403 and foreign.status_code == 403

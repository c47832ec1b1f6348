"""`verify` on a shared target: everything it stores is recognisably its own, and said so.

Real traffic posted before the run must come out of its own export alone; every event the run
leaves carries the run's tag and lies in its window, generated ones included; the summary
counts what was left; a target storing a body that does not fit the spec is reported.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime

import pytest
import requests

from events_mock.contract.flows import barchart, collector
from events_mock.contract.footprint import PrivateWindow, RunMark
from events_mock.contract.options import ContractOptions
from events_mock.contract.run import ContractRun
from events_mock.contract.throttle import ThrottledAdapter, TokenBucket
from events_mock.framework.live_server import LiveServer
from tests.contract.broken_servers import BROKEN_SERVERS, START_MS, build, verify_args
from tests.contract.test_verify import run_verify

TAG = "ci-shared-1"
SMALL = ("--max-examples", "5", "--seed", "3", "--tag", TAG, "--no-sandbox")
"""In the target's own world: what a target that offers no sandboxes keeps is the point."""
REAL_TRAFFIC = [
    barchart.event("WATCHLIST-APPLICATION-LOADED", START_MS + n, f"user-{n}") for n in range(3)
]
SPAN = re.compile(r"timestamps from (\S+ \S+) to (\S+ \S+) UTC")


def _span(output: str) -> tuple[int, int]:
    """The run's span as its summary prints it (to the second: widened to whole seconds)."""
    match = SPAN.search(output)
    assert match, output
    first, last = (
        int(datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp() * 1000)
        for text in match.groups()
    )
    return first, last + 999


def test_barchart_run_leaves_only_tagged_events_in_its_window() -> None:
    mock, app = build(None)
    with LiveServer(app) as server:
        posted = requests.post(
            f"{server.url}/events", json={"events": REAL_TRAFFIC}, auth=("demo", "demo"), timeout=10
        )
        assert posted.status_code == 200, posted.text
        verdict, output = run_verify("--base-url", server.url, *SMALL)
    assert verdict.exit_code == 0, output
    first, last = _span(output)
    real = {(e["timestamp"], e["type"], tuple(e["context"])) for e in REAL_TRAFFIC}
    suite = [
        e
        for e in mock.barchart.store.to_json()
        if (e["timestamp"], e["type"], tuple(e["context"])) not in real
    ]
    # Most generated events are refused (a type of another product): some must still be stored.
    assert len(suite) > 20, "the run should have stored generated events too"
    for event in suite:
        assert event["context"][:1] == [TAG], event
        assert first <= event["timestamp"] <= last, event
    jobs = len(mock.barchart.jobs.all())
    assert f"Left on the target: {len(suite)} events, {jobs} jobs: events tagged {TAG}" in output
    # What a WATCHLIST export of the real traffic holds: from its first event to the end of time.
    exported = mock.barchart.store.select("BARCHART", "WATCHLIST", start=START_MS, end=None)
    assert [e.context for e in exported] == [tuple(e["context"]) for e in REAL_TRAFFIC]


def test_collector_run_leaves_only_tagged_events() -> None:
    mock, app = build(None)
    with LiveServer(app) as server:
        verdict, output = run_verify(
            "--base-url", server.url, *verify_args("event-collector"), *SMALL
        )
    assert verdict.exit_code == 0, output
    events = [e for t in mock.collector.store.export_state()["tenants"].values() for e in t]
    assert len(events) > 20, "the run should have stored generated events too"
    for event in events:
        tagged = event.get("entity_id") or event["event_payload"].get("entity_id", "")
        assert tagged.startswith(TAG), event
    assert f"Left on the target: {len(events)} events: events whose entity_id" in output


def test_a_target_storing_an_invalid_batch_is_reported() -> None:
    server = next(s for s in BROKEN_SERVERS if s.name == "events-accept-unknown-types")
    mock, app = build(server)
    with LiveServer(app) as live:
        verdict, output = run_verify("--base-url", live.url, "-k", server.select, *SMALL)
    assert verdict.exit_code == 1, output
    assert "[negative_case_refused]" in output and "stored a body that does not fit" in output
    # Stored anyway, it is still the run's: tagged.
    assert all(e["context"][:1] == [TAG] for e in mock.barchart.store.to_json())


# ---------------------------------------------------------------------------------------------
# Marking, without a target

WINDOW = PrivateWindow(1_000_000_000_000, 1_000_003_599_999)
MARK = RunMark(TAG, WINDOW)


@pytest.mark.parametrize("timestamp", [0, 1_568_381_886_060, barchart.MAX_TIMESTAMP])
def test_generated_barchart_events_move_into_the_window_and_are_tagged(timestamp: int) -> None:
    body = {"events": [barchart.event("WATCHLIST-APPLICATION-LOADED", timestamp)]}
    barchart.mark_generated("createEvents", body, MARK)
    event = body["events"][0]
    assert event["context"] == [TAG]
    assert WINDOW.generated_first <= event["timestamp"] <= WINDOW.last
    marked_once = repr(body)
    barchart.mark_generated("createEvents", body, MARK)
    assert repr(body) == marked_once, "marking twice changes nothing"


def test_invalid_barchart_events_stay_invalid() -> None:
    body = {"events": [{"timestamp": -1, "context": [3]}, {"timestamp": "x"}, "not an event"]}
    barchart.mark_generated("createEvents", body, MARK)
    assert body == {
        "events": [{"timestamp": -1, "context": [TAG, 3]}, {"timestamp": "x"}, "not an event"]
    }


def test_generated_collector_events_get_the_tag_in_their_entity_id() -> None:
    bodies: list = [{"event_type": "FAULT"}, {"entity_id": "order-1"}, {"entity_id": 5}, []]
    for body in bodies:
        collector.mark_generated("createEvent", body, MARK)
    assert bodies == [
        {"event_type": "FAULT", "entity_id": TAG},
        {"entity_id": f"{TAG}-order-1"},
        {"entity_id": 5},
        [],
    ]


# ---------------------------------------------------------------------------------------------
# --rate


def test_token_bucket_spaces_requests_to_the_rate() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(2, clock=lambda: now[0], sleep=sleep)
    for _ in range(6):
        bucket.acquire()
    # Two saved up, then one every half second: 6 requests take 2 s.
    assert now[0] == pytest.approx(2.0) and Counter(slept) == Counter({0.5: 4})


def test_rate_throttles_every_request_of_the_run() -> None:
    run = ContractRun(ContractOptions(base_url="http://127.0.0.1:9", rate=3.0))
    try:
        assert isinstance(run.session.get_adapter("http://127.0.0.1:9/"), ThrottledAdapter)
        assert ("rate", "at most 3 requests per second") in run.describe()
        assert run.call_kwargs()["session"] is run.session
    finally:
        run.close()


def test_rate_is_kept_end_to_end() -> None:
    mock, app = build(None)
    with LiveServer(app) as server:
        verdict, output = run_verify(
            "--base-url", server.url, "-k", "test_empty_batch_is_accepted", "--rate", "1000", *SMALL
        )
    assert verdict.exit_code == 0, output
    assert "rate    at most 1000 requests per second" in output

"""State export/import, reset, and the state file, without HTTP."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from events_mock.app import EventsMock, MockConfig
from events_mock.barchart.jobs import JobStatus, ReportFilter, ReportOutput
from events_mock.billing.dataset import generate
from events_mock.clock import MockClock
from events_mock.control.state import (
    StateFile,
    atomic_write,
    validate_state,
)
from events_mock.seam import StateConflict, StateError
from tests._support import T0, alert_event

FAULT = {
    "event_source": "APPLICATION",
    "event_type": "FAULT",
    "event_payload": {"base64_encoded_fault_json": "eyJpZCI6IjEyIn0=", "operation": "CREATE"},
}
BILLING_RECORDS = list(generate(seed=9, count=30).records)


def new_mock(now: int = T0) -> EventsMock:
    return EventsMock(MockConfig(clock=MockClock.frozen(now), billing_events=50))


def populated() -> EventsMock:
    """Data in every API: Barchart events and jobs, two collector tenants, billing records."""
    mock = new_mock()
    mock.collector.store.create("demo", FAULT)
    mock.collector.store.create("other", {**FAULT, "entity_id": "ORD-2"})
    mock.control.import_api_state("billing-care", {"events": BILLING_RECORDS})
    mock.barchart.store.add_batch([alert_event(), alert_event(user="u2")])
    jobs = mock.barchart.jobs
    done = jobs.start(ReportFilter("BARCHART", "ALERT"))
    mock.clock.advance(10)
    jobs.issue_link(done.source)
    jobs.start(ReportFilter("BARCHART", "ALERT", start=0))  # still running
    jobs.force(jobs.start(ReportFilter("BARCHART", "ALERT")).source, "FAILED", "bad")
    return mock


def test_export_then_import_restores_everything() -> None:
    source = populated()
    document = source.control.export_state()
    validate_state(document)
    assert json.loads(json.dumps(document)) == document

    target = new_mock(now=0)
    target.control.import_state(document)

    assert target.clock.now_ms() == source.clock.now_ms() == T0 + 10_000
    assert target.barchart.store.to_json() == source.barchart.store.to_json()
    assert [j.to_json() for j in target.barchart.jobs.all()] == [
        j.to_json() for j in source.barchart.jobs.all()
    ]
    assert target.control.export_state()["apis"] == document["apis"]
    assert target.collector.store.export_state() == source.collector.store.export_state()
    assert target.billing.data.records == source.billing.data.records
    # The link issued before the export still downloads after the import.
    token = document["apis"]["barchart"]["jobs"][0]["links"][0]["token"]
    assert target.barchart.jobs.redeem(token).status is JobStatus.COMPLETE


def test_export_options_round_trip_and_old_documents_still_load() -> None:
    source = new_mock()
    output = ReportOutput(delimiter=";", bucket_name="reports", bucket_key="k/1.csv")
    job = source.barchart.jobs.start(ReportFilter("BARCHART", "ALERT", output=output))
    document = source.control.export_state()
    validate_state(document)
    target = new_mock()
    target.control.import_state(document)
    restored = target.barchart.jobs.get(job.source)
    assert restored.filter.output == output
    assert restored.to_json() == job.to_json()
    assert restored.to_json()["output"] == {
        "delimiter": ";",
        "bucketName": "reports",
        "bucketKey": "k/1.csv",
    }

    # A document written before the options moved: only a delimiter, inside the filter.
    saved = document["apis"]["barchart"]["jobs"][0]
    saved["filter"] = {"customer": "BARCHART", "product": "ALERT", "output": {"delimiter": "-"}}
    validate_state(document)
    older = new_mock()
    older.control.import_state(document)
    answer = older.barchart.jobs.get(job.source).to_json()
    assert answer["filter"] == {"customer": "BARCHART", "product": "ALERT"}
    assert answer["output"] == {"delimiter": "-"}


def test_null_context_values_round_trip() -> None:
    source = new_mock()
    source.barchart.store.add_batch([{**alert_event(), "context": [None, "alert-1", None]}])
    job = source.barchart.jobs.start(ReportFilter("BARCHART", "ALERT"))
    document = source.control.export_state()
    validate_state(document)
    assert document["apis"]["barchart"]["events"][0]["context"] == [None, "alert-1", None]
    target = new_mock()
    target.control.import_state(json.loads(json.dumps(document)))
    assert target.barchart.store.to_json() == source.barchart.store.to_json()
    assert list(target.barchart.jobs.get(job.source).events) == list(job.events)
    assert target.control.export_state()["apis"]["barchart"] == document["apis"]["barchart"]


def test_import_is_all_or_nothing() -> None:
    mock = populated()
    before = mock.control.export_state()
    broken = json.loads(json.dumps(before))
    older_job = broken["apis"]["barchart"]["jobs"][1]  # as older documents held it: copies
    del older_job["mark"], older_job["matched"]
    older_job["events"] = [dict(event) for event in broken["apis"]["barchart"]["events"]]
    older_job["events"][0]["type"] = "NOT-A-TYPE"
    broken["clock"]["now"] = 0
    with pytest.raises(StateError, match="jobs/1/events/0/type"):
        mock.control.import_state(broken)
    after = mock.control.export_state()
    assert after["apis"] == before["apis"]
    assert after["clock"]["now"] == before["clock"]["now"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="something-else"), "format"),
        (lambda d: d.update(version=2), "version"),
        (lambda d: d["apis"].update(collector={}), "apis"),
        (lambda d: d["apis"]["barchart"]["events"].append({"customer": "BARCHART"}), "events/2"),
        (lambda d: d["clock"].update(rate=-1), "clock/rate"),
        (lambda d: d["apis"]["barchart"]["events"][0].update(batch="not-a-uuid"), "batch"),
    ],
)
def test_invalid_documents_are_refused(change, message: str) -> None:
    mock = populated()
    document = mock.control.export_state()
    change(document)
    with pytest.raises(StateError, match=message):
        mock.control.import_state(document)


@pytest.mark.parametrize(
    ("api", "change"),
    [
        ("event-collector", lambda d: d["tenants"]["demo"].append(d["tenants"]["demo"][0])),
        ("event-collector", lambda d: d["tenants"].update({"": []})),
        ("billing-care", lambda d: d["events"].append(d["events"][0])),
        ("barchart", lambda d: d["jobs"].append(d["jobs"][0])),
    ],
)
def test_a_document_contradicting_itself_is_a_conflict_and_changes_nothing(api, change) -> None:
    mock = populated()
    before = mock.control.export_state()
    document = json.loads(json.dumps(before))
    change(document["apis"][api])
    with pytest.raises(StateConflict):
        mock.control.import_state(document)
    with pytest.raises(StateConflict):
        mock.control.import_api_state(api, document["apis"][api])
    assert mock.control.export_state()["apis"] == before["apis"]


def test_missing_parts_mean_start_up_data_and_a_missing_clock_is_left_alone() -> None:
    mock = populated()
    mock.control.import_state({"format": "events-mock/state", "version": 1, "apis": {}})
    assert len(mock.barchart.store) == 0 and mock.barchart.jobs.all() == []
    assert mock.collector.store.count() == 0
    assert mock.billing.data.generated_from == (4, 50)
    assert mock.clock.now_ms() == T0 + 10_000


def test_one_api_part_is_replaced_alone() -> None:
    mock = populated()
    before = mock.control.export_state()
    mock.control.import_api_state("event-collector", {"tenants": {"demo": []}})
    after = mock.control.export_state()
    assert mock.control.export_api_state("event-collector") == {"tenants": {"demo": []}}
    assert after["apis"]["barchart"] == before["apis"]["barchart"]
    assert after["apis"]["billing-care"] == before["apis"]["billing-care"]
    assert after["clock"]["now"] == before["clock"]["now"]
    with pytest.raises(StateError, match="tenants/demo/0"):
        mock.control.import_api_state("event-collector", {"tenants": {"demo": [{"id": "x"}]}})


def test_generated_billing_data_is_exported_as_its_recipe() -> None:
    mock = new_mock()
    assert mock.control.export_api_state("billing-care") == {"generated": {"seed": 4, "events": 50}}
    mock.control.import_api_state("billing-care", {"generated": {"seed": 9, "events": 30}})
    assert list(mock.billing.data.records) == BILLING_RECORDS
    mock.control.import_api_state("billing-care", {"events": BILLING_RECORDS[:3]})
    assert mock.control.export_api_state("billing-care") == {"events": BILLING_RECORDS[:3]}


def test_a_running_clock_keeps_its_offset_from_real_time() -> None:
    ahead = MockClock(start_ms=None, rate=1.0)
    ahead.advance(3600)
    mock = EventsMock(MockConfig(clock=ahead))
    document = mock.control.export_state()
    assert 3_599_000 <= document["clock"]["offset_ms"] <= 3_601_000

    restored = EventsMock(MockConfig(clock=MockClock.frozen(0)))
    restored.control.import_state(document)
    assert restored.clock.rate == 1.0
    assert abs(restored.clock.now_ms() - ahead.now_ms()) < 60_000


@pytest.mark.parametrize(
    ("offset", "now"), [(-253_402_300_799_999, 0), (253_402_300_799_999, 253_402_300_799_999)]
)
def test_a_running_clock_offset_past_the_range_starts_at_its_end(offset: int, now: int) -> None:
    """The schema allows any offset; real time plus it is kept within the clock's `Millis`."""
    mock = EventsMock(MockConfig(clock=MockClock.frozen(T0)))
    state = {**mock.control.export_state(), "clock": {"now": T0, "rate": 1, "offset_ms": offset}}
    mock.control.import_state(state)
    assert abs(mock.clock.now_ms() - now) < 60_000


def test_reset_forgets_everything_but_configuration() -> None:
    loaded = generate(seed=9, count=30)
    mock = EventsMock(
        MockConfig(users={"me": "pw"}, clock=MockClock.frozen(T0), billing_data=loaded)
    )
    mock.collector.store.create("demo", FAULT)
    mock.control.import_api_state("billing-care", {"events": []})
    mock.barchart.store.add_batch([alert_event()])
    mock.barchart.jobs.start(ReportFilter("BARCHART", "ALERT"))
    mock.control.faults.add("/x", status=500)
    mock.control.journal.record(time=0, api="barchart", method="GET", path="/x")
    mock.clock.set_rate(5)
    mock.clock.advance(100)

    mock.control.reset()

    assert len(mock.barchart.store) == 0 and mock.barchart.jobs.all() == []
    assert mock.collector.store.count() == 0
    assert mock.billing.data is loaded  # the data set it started with
    assert len(mock.control.faults) == 0 and len(mock.control.journal) == 0
    assert (mock.clock.now_ms(), mock.clock.rate) == (T0, 0)
    assert mock.config.users == {"me": "pw"}


def test_state_file_round_trip(tmp_path: Path) -> None:
    file = StateFile(tmp_path / "state.json")
    assert not file.exists()
    document = populated().control.export_state()
    assert file.save(document) is True
    assert file.save(document) is False  # unchanged: not rewritten
    assert StateFile(file.path).load() == document


def test_a_failed_write_leaves_the_previous_file_whole(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "state.json"
    atomic_write(path, b'{"old": true}')

    def crash(src, dst):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        atomic_write(path, b'{"new": tr')
    assert path.read_bytes() == b'{"old": true}'
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary left behind


def test_a_corrupt_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"format": "events-mock/st')
    with pytest.raises(StateError, match="not JSON"):
        StateFile(path).load()

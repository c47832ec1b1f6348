"""`events_mock.persistence` in-process: the write log, its replay, compaction, the files."""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import threading
from pathlib import Path

import pytest

from events_mock.app import EventsMock, MockConfig
from events_mock.barchart.jobs import ReportFilter
from events_mock.clock import MockClock
from events_mock.persistence import DurableState, LoadFailed, StateFileInUse, Unwritable, snapshot
from events_mock.persistence.log import WriteLog, read_log
from tests._support import T0, alert_event

FAULT = {"event_source": "APPLICATION", "event_type": "FAULT", "event_payload": {}}


def new_mock() -> EventsMock:
    return EventsMock(MockConfig(clock=MockClock.frozen(T0), billing_events=5))


def opened(path: Path, mock: EventsMock | None = None, **options) -> DurableState:
    durable = DurableState(mock or new_mock(), path, **options)
    durable.open()
    return durable


def crash(durable: DurableState) -> None:
    """What a SIGKILL leaves: the log as written, no last snapshot, the lock released."""
    assert durable._log is not None
    durable._log.close()
    durable._log = None
    durable._lock.release()


def some_writes(mock: EventsMock, user: str = "u1") -> None:
    mock.barchart.add_events([alert_event(user=user), alert_event(user=user + "b")])
    mock.collector.create("demo", FAULT)
    alerts = ReportFilter.from_json({"customer": "BARCHART", "product": "ALERT"})
    job = mock.barchart.jobs.start(alerts)
    mock.barchart.on_write("barchart.job", job)
    mock.control.advance(5)


def state_of(mock: EventsMock) -> dict:
    document = mock.control.export_state()
    document["clock"].pop("offset_ms")
    return document


def test_every_kind_of_write_is_logged_and_replayed(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    durable = opened(path)
    mock = durable.mock
    some_writes(mock)
    mock.control.set_rate(0)
    mock.control.set_clock(T0 + 90_000)
    link = mock.barchart.jobs.issue_link(mock.barchart.jobs.all()[0].source)
    mock.barchart.on_write("barchart.link", link)
    mock.control.import_api_state("billing-care", {"generated": {"seed": 3, "events": 4}})
    before = state_of(mock)
    ops = [record["op"] for record in read_log(durable.paths.log(1))]
    assert ops == [
        "barchart.events",
        "collector.event",
        "barchart.job",
        "clock",
        "clock",
        "clock",
        "barchart.job",
        "state.api",
    ]
    crash(durable)

    restarted = opened(path)
    assert state_of(restarted.mock) == before
    restarted.close()


def test_reset_and_whole_imports_replay_in_order(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    durable = opened(path)
    mock = durable.mock
    some_writes(mock)
    mock.control.reset()
    mock.barchart.add_events([alert_event(user="after-reset")])
    document = mock.control.export_state()
    mock.control.reset()
    mock.control.import_state(document)
    before = state_of(mock)
    crash(durable)
    restarted = opened(path)
    assert state_of(restarted.mock) == before
    events = restarted.mock.barchart.store.to_json()
    assert [event["context"][0] for event in events] == ["after-reset"]
    restarted.close()


def test_a_record_cut_short_by_a_crash_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    durable = opened(path)
    durable.mock.barchart.add_events([alert_event()])
    log = durable.paths.log(1)
    crash(durable)
    with log.open("ab") as file:
        file.write(b'{"op":"barchart.events","events":[["BARCH')
    restarted = opened(path)
    assert len(restarted.mock.barchart.store) == 1
    restarted.mock.barchart.add_events([alert_event(user="u2")])
    crash(restarted)
    assert len(opened(path).mock.barchart.store) == 2


def test_compaction_is_a_consistent_point_while_writes_go_on(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    durable = opened(path)
    mock = durable.mock
    for n in range(50):
        mock.barchart.add_events([alert_event(user=f"before-{n}")] * 100)
    written = threading.Event()
    original = durable._write_snapshot

    def slow_write(view, generation):
        written.wait(5)  # the writes below happen while the snapshot is being written
        original(view, generation)

    durable._write_snapshot = slow_write  # type: ignore[method-assign]

    async def scenario() -> None:
        compaction = asyncio.ensure_future(durable.compact())
        await asyncio.sleep(0)  # the capture has run; the thread waits
        for n in range(20):
            mock.barchart.add_events([alert_event(user=f"during-{n}")])
            mock.collector.create("demo", FAULT)
        written.set()
        await compaction

    asyncio.run(scenario())
    saved = snapshot.read(path)
    assert saved.trusted and saved.log == 2
    assert len(saved.document["apis"]["barchart"]["events"]) == 5000
    assert saved.document["apis"]["event-collector"]["tenants"] == {}
    assert [g for g, _ in durable.paths.logs()] == [2]  # the older log is gone
    before = state_of(mock)
    crash(durable)
    restarted = opened(path)
    assert state_of(restarted.mock) == before
    restarted.close()


def test_close_leaves_only_the_state_file_a_trusted_state_document(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    durable = opened(path)
    some_writes(durable.mock)
    before = state_of(durable.mock)
    durable.close()
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
    document = json.loads(path.read_text())  # an ordinary state document, `PUT` as it is
    assert document["format"] == "events-mock/state" and "snapshot" in document
    assert snapshot.read(path).trusted
    mock = new_mock()
    mock.control.import_state(document)
    assert state_of(mock) == before


def test_a_trusted_snapshot_skips_schema_validation_an_old_file_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    durable = opened(path)
    durable.mock.barchart.add_events([alert_event()])
    durable.close()
    calls: list[str] = []
    from events_mock.control import state

    real = state.validate_state
    monkeypatch.setattr(state, "validate_state", lambda *a: calls.append("checked") or real(*a))
    opened(path).close()
    assert calls == []
    old = new_mock()
    old.barchart.add_events([alert_event(user="old")])
    path.write_text(json.dumps(old.control.export_state()))  # today's whole-document file
    restarted = opened(path)
    assert calls == ["checked"]
    assert restarted.mock.barchart.store.to_json()[0]["context"][0] == "old"
    restarted.close()


def test_an_edited_snapshot_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    durable = opened(path)
    durable.mock.barchart.add_events([alert_event()])
    durable.close()
    edited = path.read_bytes().replace(b"ALERT-CREATED", b"ALERT-DELETED")
    path.write_bytes(edited)
    with pytest.raises(LoadFailed, match="checksum"):
        opened(path)
    assert path.read_bytes() == edited
    assert not (tmp_path / "state.json.lock").exists()


def test_an_invalid_old_document_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"format": "events-mock/state", "version": 1, "apis": {"nope": {}}}')
    with pytest.raises(LoadFailed, match="nope"):
        opened(path)


def test_a_second_server_on_the_same_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    first = opened(path)
    (tmp_path / "link.json").symlink_to(path)
    with pytest.raises(StateFileInUse, match=f"pid {os.getpid()}"):
        opened(tmp_path / "link.json")
    first.close()
    opened(tmp_path / "link.json").close()


def test_the_lock_is_an_flock_a_dead_owner_does_not_hold(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    lock = tmp_path / "state.json.lock"
    lock.write_text("12345\n")  # left by a killed server: nobody holds the flock
    opened(path).close()
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(StateFileInUse):
            opened(path)
    finally:
        os.close(fd)


def test_an_unwritable_place_is_refused_before_anything_else(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    with pytest.raises(Unwritable, match="cannot write"):
        opened(tmp_path / "a-file" / "state.json")


def test_leftover_temporary_files_are_removed_at_start(tmp_path: Path) -> None:
    leftover = tmp_path / ".state.json.k1ll3d.tmp"
    leftover.write_bytes(b'{"format": "events-mock/st')
    other = tmp_path / ".other.json.x.tmp"
    other.write_text("not ours")
    opened(tmp_path / "state.json").close()
    assert not leftover.exists() and other.exists()


def test_a_symlinked_state_file_stays_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "real" / "state.json"
    target.parent.mkdir()
    link = tmp_path / "state.json"
    link.symlink_to(target)
    durable = opened(link)
    durable.mock.barchart.add_events([alert_event()])
    durable.close()
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert snapshot.read(target).trusted
    assert len(opened(link).mock.barchart.store) == 1


def test_fsync_always_syncs_every_append(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    monkeypatch.setattr(os, "fdatasync", lambda fd: synced.append(fd))
    log = WriteLog(tmp_path / "log", "always")
    log.append({"op": "a"})
    log.append({"op": "b"})
    assert len(synced) == 2
    log.close()
    assert [r["op"] for r in read_log(tmp_path / "log")] == ["a", "b"]


def test_state_import_is_checked_in_a_worker_thread() -> None:
    """`PUT /__mock/state` must not stall the event loop while a big document is checked."""
    from events_mock.control.api import replaced

    threads: list[str] = []

    def prepare():
        threads.append(threading.current_thread().name)
        return lambda: threads.append(threading.current_thread().name)

    async def run() -> None:
        await replaced(prepare)

    asyncio.run(run())
    assert threads[0] != threads[1] == threading.main_thread().name

import base64
import json
import threading

import pytest

from events_mock.collector import InvalidEvent, InvalidState, TenantEventStore
from events_mock.collector.store import ConflictingState


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# Deliberately odd but valid: whitespace and escapes a re-encoding would normalise away.
PAYLOAD = b64(b'{\n"id":"12",\n"reference":"12123"\n}')
FAULT = b64('{"status": 503, "message": "Service Unavailable", "détail": "\\u00e9"}'.encode())


def event(**overrides):
    base = {
        "entity_id": "ORD-1001",
        "entity_name": "order",
        "event_payload": {
            "base64_encoded_payload_json": PAYLOAD,
            "base64_encoded_fault_json": FAULT,
            "key_attributes": {"correlationId": "c-1", "referenceId": "r-1"},
            "operation": "CREATE",
        },
        "event_source": "APPLICATION",
        "event_type": "FAULT",
    }
    base.update(overrides)
    return base


def with_payload(**payload):
    return event(event_payload=payload)


class TestCreateAndGet:
    def test_assigns_a_uuid4_id_and_keeps_everything_else_as_sent(self):
        store = TenantEventStore()
        sent = event()
        stored = store.create("acme", sent)
        assert stored.pop("id")
        assert stored == sent

    def test_base64_strings_round_trip_byte_for_byte(self):
        store = TenantEventStore()
        stored = store.create("acme", event())
        again = store.get("acme", stored["id"])
        assert again["event_payload"]["base64_encoded_payload_json"] == PAYLOAD
        assert again["event_payload"]["base64_encoded_fault_json"] == FAULT
        assert json.dumps(again, sort_keys=True) == json.dumps(stored, sort_keys=True)

    def test_ids_are_uuid4_and_distinct(self):
        import uuid

        store = TenantEventStore()
        ids = {store.create("acme", event())["id"] for _ in range(20)}
        assert len(ids) == 20
        assert all(uuid.UUID(i).version == 4 for i in ids)

    def test_a_client_sent_id_is_replaced(self):
        store = TenantEventStore(new_id=lambda: "server-id")
        assert store.create("acme", event(id="client-id"))["id"] == "server-id"
        assert store.get("acme", "client-id") is None

    def test_retries_an_id_that_is_already_taken(self):
        ids = iter(["a", "a", "b"])
        store = TenantEventStore(new_id=lambda: next(ids))
        assert store.create("acme", event())["id"] == "a"
        assert store.create("acme", event())["id"] == "b"

    def test_unknown_id_is_none(self):
        assert TenantEventStore().get("acme", "nope") is None

    def test_another_tenants_id_is_none(self):
        store = TenantEventStore()
        stored = store.create("acme", event())
        assert store.get("globex", stored["id"]) is None
        assert store.get("acme", stored["id"]) is not None

    def test_callers_cannot_mutate_stored_events(self):
        store = TenantEventStore()
        sent = event()
        stored = store.create("acme", sent)
        sent["event_payload"]["key_attributes"]["correlationId"] = "changed"
        stored["event_payload"]["operation"] = "DELETE"
        store.get("acme", stored["id"])["event_type"] = "ENTITY_EVENT"
        again = store.get("acme", stored["id"])
        assert again["event_payload"]["key_attributes"]["correlationId"] == "c-1"
        assert again["event_payload"]["operation"] == "CREATE"
        assert again["event_type"] == "FAULT"

    def test_base64_fields_are_optional(self):
        store = TenantEventStore()
        assert store.create("acme", with_payload(operation="READ"))["id"]
        assert store.create("acme", event(event_payload={}))["id"]

    def test_concurrent_creates_lose_nothing(self):
        store = TenantEventStore()
        ids: list[str] = []
        lock = threading.Lock()

        def work(tenant):
            for _ in range(50):
                new = store.create(tenant, event())["id"]
                with lock:
                    ids.append(new)

        threads = [threading.Thread(target=work, args=(f"t{i % 3}",)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(set(ids)) == 400
        assert store.count() == 400
        assert store.count("t0") == 150


class TestBase64Validation:
    @pytest.mark.parametrize(
        ("value", "reason"),
        [
            ("!!!!", "not valid base64"),
            ("eyJpZCI6IjEyIn0", "not valid base64"),  # padding missing
            ("eyJpZCI6\nIjEyIn0=", "not valid base64"),  # line break
            (" eyJpZCI6IjEyIn0=", "not valid base64"),
            (b64(b'{"a":"\xfb\xff"}').replace("+", "-").replace("/", "_"), "not valid base64"),
            ("é", "not valid base64"),
            ("", "does not decode to a JSON document"),
            ("eyJpZCI6IjEyXCJ9", "does not decode to a JSON document"),  # the seed's example
            (b64(b"not json"), "does not decode to a JSON document"),
            (b64(b"\xff\xfe{}"), "does not decode to a JSON document"),  # not UTF-8
            (b64(b'{"x": NaN}'), "does not decode to a JSON document"),
            (12, "must be a string"),
        ],
    )
    @pytest.mark.parametrize("field", ["base64_encoded_payload_json", "base64_encoded_fault_json"])
    def test_rejected_and_the_field_is_named(self, field, value, reason):
        store = TenantEventStore()
        with pytest.raises(InvalidEvent) as caught:
            store.create("acme", with_payload(**{field: value}))
        assert caught.value.field == f"event_payload.{field}"
        assert caught.value.reason == reason
        assert f"event_payload.{field}" in str(caught.value)
        assert store.count() == 0

    @pytest.mark.parametrize("document", [b"[]", b"42", b'"text"', b"null", b'{"a": [1, 2.5]}'])
    def test_any_json_document_is_accepted(self, document):
        payload = with_payload(base64_encoded_fault_json=b64(document))
        assert TenantEventStore().create("acme", payload)

    def test_payload_must_be_an_object(self):
        with pytest.raises(InvalidEvent) as caught:
            TenantEventStore().create("acme", event(event_payload="x"))
        assert caught.value.field == "event_payload"


class TestExportImport:
    def test_round_trips_through_json_text(self):
        store = TenantEventStore()
        a = store.create("acme", event())
        b = store.create("acme", event(event_type="ENTITY_EVENT"))
        g = store.create("globex", event())
        state = json.loads(json.dumps(store.export_state()))

        restored = TenantEventStore()
        restored.import_state(state)
        assert restored.get("acme", a["id"]) == a
        assert restored.get("acme", b["id"]) == b
        assert restored.get("globex", g["id"]) == g
        assert restored.get("globex", a["id"]) is None
        assert restored.export_state() == store.export_state()

    def test_export_lists_events_in_creation_order(self):
        store = TenantEventStore()
        ids = [store.create("acme", event())["id"] for _ in range(5)]
        state = store.export_state()
        assert [e["id"] for e in state["tenants"]["acme"]] == ids

    def test_import_replaces_the_whole_state(self):
        store = TenantEventStore()
        old = store.create("acme", event())
        store.import_state({"tenants": {"globex": [{**event(), "id": "g-1"}]}})
        assert store.get("acme", old["id"]) is None
        assert store.get("globex", "g-1")["entity_id"] == "ORD-1001"

    def test_exported_state_is_a_copy(self):
        store = TenantEventStore()
        created = store.create("acme", event())
        store.export_state()["tenants"]["acme"][0]["event_type"] = "ENTITY_EVENT"
        assert store.get("acme", created["id"])["event_type"] == "FAULT"

    @pytest.mark.parametrize(
        "tenants",
        [{"": []}, {"acme": [{**event(), "id": "a"}, {**event(), "id": "a"}]}],
    )
    def test_a_state_contradicting_itself_is_a_conflict(self, tenants):
        with pytest.raises(ConflictingState):
            TenantEventStore().import_state({"tenants": tenants})

    @pytest.mark.parametrize(
        "state",
        [
            [],
            {},
            {"tenants": []},
            {"tenants": {"acme": {}}},
            {"tenants": {"": []}},
            {"tenants": {"acme": ["x"]}},
            {"tenants": {"acme": [event()]}},
            {"tenants": {"acme": [{**event(), "id": "a"}, {**event(), "id": "a"}]}},
        ],
    )
    def test_malformed_state_is_refused_and_the_current_state_kept(self, state):
        store = TenantEventStore()
        kept = store.create("acme", event())
        with pytest.raises(InvalidState):
            store.import_state(state)
        assert store.get("acme", kept["id"]) == kept

    def test_imported_events_are_validated_and_the_position_named(self):
        store = TenantEventStore()
        bad = {**with_payload(base64_encoded_fault_json="eyJpZCI6IjEyXCJ9"), "id": "x"}
        with pytest.raises(InvalidEvent) as caught:
            store.import_state({"tenants": {"acme": [{**event(), "id": "ok"}, bad]}})
        assert caught.value.field == "tenants.acme[1].event_payload.base64_encoded_fault_json"
        assert store.count() == 0

    def test_clear(self):
        store = TenantEventStore()
        store.create("acme", event())
        store.clear()
        assert store.count() == 0

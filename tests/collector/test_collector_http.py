"""HTTP behaviour of the collector, in-process (see conftest.py for the wiring)."""

import pytest

ACME = {"Authorization": "Bearer tok-acme", "X-TWC-Tenant": "acme"}
GLOBEX = {"Authorization": "Bearer tok-globex", "X-TWC-Tenant": "globex"}
FAULT = "eyJpZCI6IjEyIn0="  # {"id":"12"}
SEED_FAULT = "eyJpZCI6IjEyXCJ9"  # the seed's example: {"id":"12\"}, not JSON
EVENT = {
    "entity_id": "ORD-1001",
    "event_payload": {
        "base64_encoded_payload_json": "ewoiaWQiOiIxMiIsCiJyZWZlcmVuY2UiOiIxMjEyMyIKfQ==",
        "base64_encoded_fault_json": FAULT,
        "key_attributes": {"correlationId": "123123123-123123-123123123", "anyKey": "v"},
        "operation": "BULK_CREATE",
    },
    "event_source": "APPLICATION",
    "event_type": "FAULT",
}


def assert_error(response, status, *fragments):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "message"}
    assert body["code"] == status
    for fragment in fragments:
        assert fragment in body["message"]


def create(client, event=EVENT, headers=ACME):
    return client.post("/api/v1/events", json=event, headers=headers)


def test_create_answers_201_with_the_event_and_its_location(client):
    response = create(client)
    assert response.status_code == 201, response.text
    body = response.json()
    event_id = body.pop("id")
    assert body == EVENT
    assert response.headers["location"] == f"/api/v1/events/{event_id}"


def test_created_event_reads_back_identically(client):
    created = create(client)
    response = client.get(created.headers["location"], headers=ACME)
    assert response.status_code == 200
    assert response.json() == created.json()


def test_response_echoes_the_event_type_sent(client):
    entity_event = {**EVENT, "event_type": "ENTITY_EVENT", "event_source": "WISHLIST"}
    body = create(client, entity_event).json()
    assert (body["event_type"], body["event_source"]) == ("ENTITY_EVENT", "WISHLIST")


def test_minimal_event(client):
    minimal = {"event_source": "ORDER", "event_type": "FAULT", "event_payload": {}}
    assert create(client, minimal).status_code == 201


def test_unknown_id_is_404(client):
    assert_error(client.get("/api/v1/events/no-such-id", headers=ACME), 404, "not found")


def test_another_tenants_id_is_404_like_an_unknown_one(client):
    event_id = create(client, headers=GLOBEX).json()["id"]
    theirs = client.get(f"/api/v1/events/{event_id}", headers=ACME)
    unknown = client.get("/api/v1/events/no-such-id", headers=ACME)
    assert_error(theirs, 404)
    assert theirs.json() == unknown.json()
    assert client.get(f"/api/v1/events/{event_id}", headers=GLOBEX).status_code == 200


@pytest.mark.parametrize("field", ["base64_encoded_payload_json", "base64_encoded_fault_json"])
@pytest.mark.parametrize("value", ["not base64!", SEED_FAULT])
def test_bad_base64_json_is_400_naming_the_field(client, store, field, value):
    bad = {**EVENT, "event_payload": {**EVENT["event_payload"], field: value}}
    assert_error(create(client, bad), 400, f"event_payload.{field}")
    assert store.count() == 0


@pytest.mark.parametrize(
    "bad",
    [
        {**EVENT, "event_source": "SOMEWHERE"},
        {**EVENT, "event_type": "OTHER"},
        {**EVENT, "event_payload": {"operation": "BULK_CREATE or BULK_UPDATE"}},
        {k: v for k, v in EVENT.items() if k != "event_type"},
        {**EVENT, "eventType": "FAULT"},
        {**EVENT, "id": "mine"},
        {**EVENT, "event_payload": {"key_attributes": {"n": 1}}},
    ],
)
def test_schema_violations_are_400(client, bad):
    assert_error(create(client, bad), 400)


def test_missing_tenant_header_is_400_naming_it(client):
    headers = {"Authorization": "Bearer tok-acme"}
    assert_error(create(client, headers=headers), 400, "X-TWC-Tenant")
    assert_error(client.get("/api/v1/events/x", headers=headers), 400, "X-TWC-Tenant")


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong", "Bearer tok-acme-and-more", "Bearer", "Basic dG9rLWFjbWU6", "tok-acme"],
)
def test_missing_or_invalid_token_is_401(client, authorization):
    headers = {"X-TWC-Tenant": "acme"}
    if authorization is not None:
        headers["Authorization"] = authorization
    for response in (
        create(client, headers=headers),
        client.get("/api/v1/events/x", headers=headers),
    ):
        assert_error(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"


def test_unknown_token_is_401_even_without_tenant_header(client):
    assert_error(create(client, headers={"Authorization": "Bearer wrong"}), 401)


@pytest.mark.parametrize("tenant", ["globex", "unknown-tenant"])
def test_token_of_another_tenant_is_403(client, store, tenant):
    headers = {"Authorization": "Bearer tok-acme", "X-TWC-Tenant": tenant}
    assert_error(create(client, headers=headers), 403, tenant)
    assert store.count() == 0


def test_403_on_read_even_for_an_existing_event(client):
    event_id = create(client, headers=GLOBEX).json()["id"]
    headers = {"Authorization": "Bearer tok-acme", "X-TWC-Tenant": "globex"}
    assert_error(client.get(f"/api/v1/events/{event_id}", headers=headers), 403)


def test_non_json_body_is_415(client):
    response = client.post(
        "/api/v1/events", content="x", headers={**ACME, "Content-Type": "text/plain"}
    )
    assert_error(response, 415)


def test_events_are_stored_under_the_authenticated_tenant(client, store):
    event_id = create(client).json()["id"]
    assert store.get("acme", event_id) is not None
    assert store.get("globex", event_id) is None


def test_body_that_is_not_utf8_is_400(client):
    response = client.post(
        "/api/v1/events",
        content=b'{"event_source": "\xff"}',
        headers={**ACME, "Content-Type": "application/json"},
    )
    assert_error(response, 400, "UTF-8")


def test_an_id_the_router_cannot_match_is_404_in_the_error_shape(client):
    assert_error(client.get("/api/v1/events/a%0Ab", headers=ACME), 404)


@pytest.mark.parametrize(
    ("method", "path"), [("DELETE", "/api/v1/events/x"), ("PUT", "/api/v1/events")]
)
def test_methods_the_spec_does_not_list_are_405_in_the_error_shape(client, method, path):
    assert_error(client.request(method, path, headers=ACME), 405)


@pytest.mark.parametrize("token", ["tok-acme", "tok-globex", "no-such-token"])
def test_two_tenant_headers_are_400_and_store_nothing(client, store, token):
    headers = [
        ("Authorization", f"Bearer {token}"),
        ("X-TWC-Tenant", "acme"),
        ("X-TWC-Tenant", "globex"),
    ]
    response = client.post("/api/v1/events", json=EVENT, headers=headers)
    assert_error(response, 400, "X-TWC-Tenant")
    assert store.count() == 0


def test_two_tenant_headers_on_a_read_are_400(client):
    event_id = create(client).json()["id"]
    headers = [*ACME.items(), ("X-TWC-Tenant", "acme")]
    assert_error(client.get(f"/api/v1/events/{event_id}", headers=headers), 400, "X-TWC-Tenant")

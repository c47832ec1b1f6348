"""The handlers behind Connexion, in process: status codes, media types, error shape.

The app is built the way the server builds it (`events_mock.app.build_app`) with response
validation on, so every JSON answer here is also checked against the spec.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest

from events_mock.app import build_app
from events_mock.billing.dataset import BillingDataset, generate
from events_mock.billing.service import BillingService
from events_mock.billing.spec import schema_validator
from events_mock.billing.wiring import create_api

PATH = "/bcws/webresources/v1.0/events"
AUTH = {"Authorization": "Bearer s3cret"}


@pytest.fixture(scope="module")
def data() -> BillingDataset:
    return generate(seed=3, count=250)


@pytest.fixture(scope="module")
def client(data: BillingDataset):
    api = create_api(BillingService(data), {"alice": "s3cret", "bob": "other"})
    return build_app([api], validate_responses=True).test_client()


def assert_error(response, status: int, detail: str = "") -> None:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    schema_validator("Error").validate(body)
    assert body["status"] == status
    assert detail in body["detail"]


def test_json_search(client, data: BillingDataset) -> None:
    account = data.records[0]["accountRef"]["id"]
    response = client.get(PATH, params={"accountId": account}, headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body and all(r["accountRef"]["id"] == account for r in body)
    assert body == [r for r in data.records if r["accountRef"]["id"] == account]


def test_xml_search(client, data: BillingDataset) -> None:
    response = client.get(
        PATH,
        params={"createdStartTime": 0, "limit": 7},
        headers={**AUTH, "Accept": "application/xml"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    events = ET.fromstring(response.text).findall("event")
    assert [e.findtext("id/id") for e in events] == [r["id"]["id"] for r in data.records[:7]]


def test_no_criterion_is_204(client) -> None:
    for params in ({}, {"limit": 5}, {"limit": 5, "offset": 2}):
        response = client.get(PATH, params=params, headers=AUTH)
        assert response.status_code == 204
        assert response.content == b""


def test_nothing_found_is_200_empty(client) -> None:
    response = client.get(PATH, params={"accountId": "0.0.0.1+-account+1"}, headers=AUTH)
    assert response.status_code == 200 and response.json() == []
    xml = client.get(PATH, params={"accountId": "x"}, headers={**AUTH, "Accept": "application/xml"})
    assert xml.status_code == 200 and ET.fromstring(xml.text).tag == "events"


def test_repeated_event_types(client, data: BillingDataset) -> None:
    wanted = ["/event/billing/payment", "/event/billing/dispute"]
    response = client.get(PATH, params=[("eventType", t) for t in wanted], headers=AUTH)
    assert response.status_code == 200
    types = {r["eventType"] for r in response.json()}
    assert types and all(t.startswith(tuple(w + "/" for w in wanted)) for t in types)


def test_unencoded_plus_in_ids_still_matches(client, data: BillingDataset) -> None:
    account = data.records[0]["accountRef"]["id"]
    encoded = client.get(f"{PATH}?accountId={quote(account, safe='')}", headers=AUTH)
    raw = client.get(f"{PATH}?accountId={account}", headers=AUTH)  # '+' arrives as ' '
    assert raw.status_code == encoded.status_code == 200
    assert raw.json() == encoded.json() != []


def test_paging_over_http(client, data: BillingDataset) -> None:
    pages = [
        client.get(
            PATH, params={"createdStartTime": 0, "limit": 40, "offset": offset}, headers=AUTH
        ).json()
        for offset in range(0, 280, 40)
    ]
    assert [r["id"] for page in pages for r in page] == [r["id"] for r in data.records]


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"accountId": "x", "limit": -1}, "minimum"),
        ({"accountId": "x", "offset": -5}, "minimum"),
        ({"accountId": "x", "limit": "ten"}, "integer"),
        ({"accountId": "x", "limit": 2**31}, "maximum"),
        ({"createdStartTime": 2**63}, "maximum"),
        ({"accountId": ""}, ""),
        ({"bogus": "1"}, "bogus"),
        ({"startTime": 10, "endTime": 9}, "startTime (10) is after endTime (9)"),
        ({"effectiveStartTime": 10, "effectiveEndTime": 9}, "effectiveStartTime (10) is after"),
    ],
)
def test_bad_requests_are_400(client, params: dict, detail: str) -> None:
    assert_error(client.get(PATH, params=params, headers=AUTH), 400, detail)


def test_negative_paging_without_criteria_is_still_400(client) -> None:
    assert_error(client.get(PATH, params={"limit": -1}, headers=AUTH), 400)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic YWxpY2U6czNjcmV0"}],
)
def test_missing_or_wrong_credentials_are_401(client, headers: dict) -> None:
    response = client.get(PATH, params={"accountId": "x"}, headers=headers)
    assert_error(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_any_configured_token_works(client) -> None:
    headers = {"Authorization": "Bearer other"}
    response = client.get(PATH, params={"accountId": "x"}, headers=headers)
    assert response.status_code == 200


@pytest.mark.parametrize("accept", ["text/csv", "text/html", "application/json;q=0"])
def test_unsupported_accept_is_406(client, accept: str) -> None:
    response = client.get(PATH, params={"accountId": "x"}, headers={**AUTH, "Accept": accept})
    assert_error(response, 406, "acceptable: application/json, application/xml")


def test_check_order(client) -> None:
    """401 before 400 before 406 before 204."""
    bad = {"limit": -1}
    assert client.get(PATH, params=bad).status_code == 401
    assert client.get(PATH, params=bad, headers={**AUTH, "Accept": "text/csv"}).status_code == 400
    assert client.get(PATH, headers={**AUTH, "Accept": "text/csv"}).status_code == 406


def test_default_api_uses_the_default_data_set() -> None:
    api = create_api(BillingService(), {"alice": "s3cret"})
    assert api.name == "billing-care" and api.path_prefixes == ("/bcws/",)
    assert len(api.handlers.service.data) == 2000
    assert api.resolve("getEvents") == api.handlers.get_events


def test_comma_separated_event_types_are_accepted(client) -> None:
    """Connexion also splits a comma-separated value; event types never contain commas."""
    wanted = "/event/billing/dispute/event,/event/billing/settlement/event"
    response = client.get(f"{PATH}?eventType={wanted}", headers=AUTH)
    assert response.status_code == 200
    assert {r["eventType"] for r in response.json()} == set(wanted.split(","))

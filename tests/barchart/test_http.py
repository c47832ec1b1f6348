"""The whole documented flow, and every class of bad input, through a live server."""

from __future__ import annotations

import base64

import pytest
import requests

from events_mock.app import EventsMock, MockConfig
from events_mock.clock import MockClock
from events_mock.testing.live_mock import MockServer
from tests._support import T0, error_code, event

USER = ("alice", "s3cret")
UTF8_USER = ("jürgen", "pässwörd")
SECURED = [
    ("POST", "/reports"),
    ("GET", "/reports/JOB-x/availability"),
    ("GET", "/reports/JOB-x"),
    ("GET", "/service/authenticate"),
]


@pytest.fixture(scope="module")
def live_config() -> MockConfig:
    return MockConfig(
        users=dict([USER, UTF8_USER]), validate_responses=True, clock=MockClock.frozen(T0)
    )


@pytest.fixture(scope="module")
def mock(live_mock: MockServer) -> EventsMock:
    """One server for the module: tests compare state before and after, never absolute counts."""
    return live_mock.mock


def test_whole_flow(mock: EventsMock, url: str) -> None:
    posted = requests.post(
        f"{url}/events",
        json={
            "events": [
                event(T0 - 3000, "PORTFOLIO-CREATED", context=["u1", "p1"]),
                event(T0 - 1000, context=["u2"], version="4.1.0"),
                event(T0 - 2000, context=["u3"]),
                event(T0 - 2000, "ALERT-CREATED", "ALERT", ["u4", "a4", "ZCZ9"]),
            ]
        },
    )
    assert posted.status_code == 200
    body = posted.json()
    assert [e["sequence"] for e in body] == [1, 2, 3, 4]
    assert len({e["batch"] for e in body}) == 1
    assert body[1]["version"] == "4.1.0"

    wanted = {
        "customer": "BARCHART",
        "product": "PORTFOLIO",
        "types": ["PORTFOLIO-APPLICATION-LOADED", "PORTFOLIO-CREATED"],
        "start": str(T0 - 5000),
        "end": T0,
    }
    started = requests.post(f"{url}/reports", json={"filter": wanted}, auth=USER)
    assert started.status_code == 200
    job = started.json()
    assert job["status"] == "RUNNING"
    assert job["filter"] == {**wanted, "start": T0 - 5000}
    assert job["timing"] == {"day": "2019-10-14", "start": T0}
    source = job["source"]
    assert source == f"JOB-{job['job']}"

    early = requests.get(f"{url}/reports/{source}", auth=USER)
    assert (early.status_code, error_code(early)) == (409, "EVENT_JOB_GET_FAILED_RUNNING")

    mock.clock.advance(60)
    status = requests.get(f"{url}/reports/{source}/availability", auth=USER).json()
    assert status["status"] == "COMPLETE"
    assert status["timing"]["end"] > T0

    link = requests.get(f"{url}/reports/{source}", auth=USER).json()["link"]
    assert link.startswith(f"{url}/exports/{source}.csv?token=")
    download = requests.get(link)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.text.splitlines() == [
        "timestamp|type|userId|portfolioId|positionId|frame|viewName|showClosedPositions"
        "|dividendStrategy|cashAdjustmentStrategy",
        f"{T0 - 3000}|PORTFOLIO-CREATED|u1|p1||||||",
        f"{T0 - 2000}|PORTFOLIO-APPLICATION-LOADED|u3|||||||",
        f"{T0 - 1000}|PORTFOLIO-APPLICATION-LOADED|u2|||||||",
    ]

    fresh = requests.get(f"{url}/reports/{source}", auth=USER).json()["link"]
    assert fresh != link
    mock.clock.advance(15 * 60)
    expired = requests.get(link)
    assert expired.status_code == 403
    assert "expired" in expired.text
    assert requests.get(link.replace("token=", "token=x")).status_code == 403


def test_service_endpoints(url: str) -> None:
    version = requests.get(f"{url}/service/version").json()
    assert version["service"]["name"] == "@barchart/events-private-main"
    me = requests.get(f"{url}/service/authenticate", auth=USER).json()
    assert me["service"] == version
    assert me["user"]["id"] == "alice"
    assert requests.get(f"{url}/ui/").status_code == 200


def test_unknown_sources_answer_no_job(url: str) -> None:
    for path in ("/reports/JOB-unknown/availability", "/reports/JOB-unknown"):
        response = requests.get(url + path, auth=USER)
        assert (response.status_code, error_code(response)) == (404, "EVENT_JOB_GET_FAILED_NO_JOB")


def test_failed_job_has_no_link(mock: EventsMock, url: str) -> None:
    report = {"filter": {"customer": "BARCHART", "product": "PORTFOLIO", "start": 9, "end": 1}}
    source = requests.post(f"{url}/reports", json=report, auth=USER).json()["source"]
    mock.clock.advance(60)
    assert requests.get(f"{url}/reports/{source}/availability", auth=USER).json()["status"] == (
        "FAILED"
    )
    refused = requests.get(f"{url}/reports/{source}", auth=USER)
    assert (refused.status_code, error_code(refused)) == (409, "EVENT_JOB_GET_FAILED")


GOOD = event(T0)
BAD_EVENT_BODIES = {
    "malformed-json": b'{"events": [',
    "not-an-object": b"[]",
    "events-missing": b"{}",
    "events-not-array": b'{"events": {}}',
    "customer-missing": {"events": [{k: v for k, v in GOOD.items() if k != "customer"}]},
    "context-missing": {"events": [{k: v for k, v in GOOD.items() if k != "context"}]},
    "timestamp-string": {"events": [{**GOOD, "timestamp": "yesterday"}]},
    "timestamp-negative": {"events": [{**GOOD, "timestamp": -1}]},
    "timestamp-fraction": {"events": [{**GOOD, "timestamp": 1.5}]},
    "context-not-array": {"events": [{**GOOD, "context": "u1"}]},
    "context-item-number": {"events": [{**GOOD, "context": [1]}]},
    "unknown-customer": {"events": [{**GOOD, "customer": "ACME"}]},
    "unknown-product": {"events": [{**GOOD, "product": "SPREADSHEET"}]},
    "unknown-type": {"events": [{**GOOD, "type": "PORTFOLIO-EXPLODED"}]},
    "version-number": {"events": [{**GOOD, "version": 2}]},
    "one-bad-among-good": {"events": [GOOD, GOOD, {**GOOD, "type": "NOPE"}]},
    "type-of-another-product": {
        "events": [GOOD, {**GOOD, "product": "WATCHLIST", "type": "PORTFOLIO-CREATED"}]
    },
}


@pytest.mark.parametrize("body", BAD_EVENT_BODIES.values(), ids=BAD_EVENT_BODIES.keys())
def test_bad_events_are_rejected_whole(mock: EventsMock, url: str, body) -> None:
    before = len(mock.barchart.store)
    if isinstance(body, bytes):
        response = requests.post(
            f"{url}/events", data=body, headers={"Content-Type": "application/json"}
        )
    else:
        response = requests.post(f"{url}/events", json=body)
    assert response.status_code == 400
    assert error_code(response) == "REQUEST_INVALID"
    assert response.json()[0]["value"]["message"]
    assert len(mock.barchart.store) == before


def test_a_type_of_another_product_is_refused_naming_the_field(mock: EventsMock, url: str) -> None:
    before = len(mock.barchart.store)
    mismatched = {**GOOD, "product": "WATCHLIST", "type": "PORTFOLIO-CREATED"}
    response = requests.post(f"{url}/events", json={"events": [GOOD, GOOD, mismatched]})
    assert (response.status_code, error_code(response)) == (400, "REQUEST_INVALID")
    message = response.json()[0]["value"]["message"]
    assert message.startswith("events[2].type: ")
    assert "PORTFOLIO-CREATED" in message and "WATCHLIST" in message
    assert len(mock.barchart.store) == before


def test_wrong_content_type_is_refused(mock: EventsMock, url: str) -> None:
    before = len(mock.barchart.store)
    response = requests.post(f"{url}/events", data="events", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert error_code(response) == "REQUEST_UNSUPPORTED_MEDIA_TYPE"
    assert len(mock.barchart.store) == before


REPORT = {"customer": "BARCHART", "product": "PORTFOLIO"}
BAD_REPORT_BODIES = {
    "filter-missing": {},
    "customer-missing": {"filter": {"product": "PORTFOLIO"}},
    "unknown-product": {"filter": {**REPORT, "product": "SPREADSHEET"}},
    "unknown-type": {"filter": {**REPORT, "types": ["NOPE"]}},
    "start-not-numeric": {"filter": {**REPORT, "start": "yesterday"}},
    "end-negative": {"filter": {**REPORT, "end": -5}},
    "long-delimiter": {"filter": {**REPORT, "output": {"delimiter": "||"}}},
    "newline-delimiter": {"filter": {**REPORT, "output": {"delimiter": "\n"}}},
}


@pytest.mark.parametrize("body", BAD_REPORT_BODIES.values(), ids=BAD_REPORT_BODIES.keys())
def test_bad_report_filters_are_rejected(mock: EventsMock, url: str, body) -> None:
    before = len(mock.barchart.jobs.all())
    response = requests.post(f"{url}/reports", json=body, auth=USER)
    assert response.status_code == 400
    assert error_code(response) == "REQUEST_INVALID"
    assert len(mock.barchart.jobs.all()) == before


def basic(value: bytes) -> str:
    return "Basic " + base64.b64encode(value).decode()


BAD_CREDENTIALS = {
    "none": None,
    "wrong-password": basic(b"alice:wrong"),
    "unknown-user": basic(b"mallory:s3cret"),
    "empty-user": basic(b":s3cret"),
    "no-colon": basic(b"alices3cret"),
    "not-base64": "Basic !!!",
    "scheme-only": "Basic",
    "other-scheme": "Bearer s3cret",
    "invalid-utf-8": basic(b"alice:s3cret\xff"),
    "invalid-utf-8-user": basic(b"\xc3(:s3cret"),
}


@pytest.mark.parametrize("method,path", SECURED, ids=[p for _, p in SECURED])
@pytest.mark.parametrize("header", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
def test_secured_operations_refuse_bad_credentials(url: str, method, path, header) -> None:
    headers = {"Authorization": header} if header else {}
    response = requests.request(method, url + path, headers=headers, json={"filter": REPORT})
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}
    assert response.headers["WWW-Authenticate"].startswith("Basic ")


def test_latin_1_credentials_still_sign_in(url: str) -> None:
    """What `requests` sends for a non-ASCII password (it encodes Basic auth as Latin-1)."""
    header = basic(":".join(UTF8_USER).encode("latin-1"))
    response = requests.get(f"{url}/service/authenticate", headers={"Authorization": header})
    assert response.status_code == 200, response.text
    assert requests.get(f"{url}/service/authenticate", auth=UTF8_USER).status_code == 200


def test_basic_credentials_are_utf_8(url: str) -> None:
    """The challenge says charset="UTF-8" (RFC 7617): a non-ASCII user signs in with UTF-8."""
    header = basic(":".join(UTF8_USER).encode("utf-8"))
    response = requests.get(f"{url}/service/authenticate", headers={"Authorization": header})
    assert response.status_code == 200, response.text
    assert response.json()["user"]["id"] == "jürgen"
    assert requests.get(f"{url}/service/authenticate", auth=USER).status_code == 200


def test_unknown_routes_answer_in_the_error_shape(url: str) -> None:
    missing = requests.get(f"{url}/nowhere")
    assert (missing.status_code, error_code(missing)) == (404, "REQUEST_NOT_FOUND")
    wrong_method = requests.delete(f"{url}/events")
    assert wrong_method.status_code == 405
    assert error_code(wrong_method) == "REQUEST_METHOD_NOT_ALLOWED"


def start_report(url: str, body: dict) -> requests.Response:
    return requests.post(f"{url}/reports", json=body, auth=USER)


def export_of(mock: EventsMock, url: str, source: str) -> str:
    mock.clock.advance(60)
    link = requests.get(f"{url}/reports/{source}", auth=USER).json()["link"]
    return requests.get(link).text


@pytest.mark.parametrize(
    "body",
    [
        {"filter": REPORT, "output": {"delimiter": ","}},  # the vendor's SDK 6.0.0
        {"filter": {**REPORT, "output": {"delimiter": ","}}},  # the reference's place
        {"filter": {**REPORT, "output": {"delimiter": ","}}, "output": {"delimiter": ","}},
    ],
    ids=["top-level", "in-filter", "both-agree"],
)
def test_export_options_at_the_top_level_or_in_the_filter(
    mock: EventsMock, url: str, body: dict
) -> None:
    started = start_report(url, body)
    assert started.status_code == 200, started.text
    job = started.json()
    assert job["filter"] == REPORT  # the filter's own members only: never `output`
    assert job["output"] == {"delimiter": ","}
    status = requests.get(f"{url}/reports/{job['source']}/availability", auth=USER).json()
    assert (status["filter"], status["output"]) == (REPORT, {"delimiter": ","})
    header = export_of(mock, url, job["source"]).splitlines()[0]
    assert header.startswith("timestamp,type,userId,")


def test_without_options_the_answer_has_no_output(url: str) -> None:
    job = start_report(url, {"filter": REPORT, "output": {}}).json()
    assert "output" not in job and job["filter"] == REPORT


def test_bucket_options_are_kept_and_echoed(mock: EventsMock, url: str) -> None:
    output = {"delimiter": ";", "bucketName": "reports", "bucketKey": "a/b.csv"}
    job = start_report(url, {"filter": REPORT, "output": output}).json()
    assert (job["filter"], job["output"]) == (REPORT, output)
    kept = mock.barchart.jobs.get(job["source"]).filter.output
    assert (kept.bucket_name, kept.bucket_key) == ("reports", "a/b.csv")
    assert export_of(mock, url, job["source"]).startswith("timestamp;type;")


def test_two_different_delimiters_are_refused_naming_both(mock: EventsMock, url: str) -> None:
    before = len(mock.barchart.jobs.all())
    body = {"filter": {**REPORT, "output": {"delimiter": ";"}}, "output": {"delimiter": ","}}
    refused = start_report(url, body)
    assert (refused.status_code, error_code(refused)) == (400, "REQUEST_INVALID")
    message = refused.json()[0]["value"]["message"]
    assert "output.delimiter" in message and "filter.output.delimiter" in message
    assert len(mock.barchart.jobs.all()) == before


def test_top_level_options_are_validated(mock: EventsMock, url: str) -> None:
    before = len(mock.barchart.jobs.all())
    for output in ({"delimiter": "||"}, {"bucketName": 5}, {"delimiter": None}):
        refused = start_report(url, {"filter": REPORT, "output": output})
        assert (refused.status_code, error_code(refused)) == (400, "REQUEST_INVALID"), output
    assert len(mock.barchart.jobs.all()) == before


def test_null_context_values_are_stored_echoed_and_exported_empty(
    mock: EventsMock, url: str
) -> None:
    """The vendor's SDK (its EventFactory) sends null for a context value nobody supplied."""
    customer = "TGAM"  # a customer no other test here posts for
    sent = [
        event(T0 - 100, "PORTFOLIO-CREATED", context=[None, "pf-1"], customer=customer),
        event(T0 - 50, "PORTFOLIO-CREATED", context=["u1", None], customer=customer),
    ]
    posted = requests.post(f"{url}/events", json={"events": sent})
    assert posted.status_code == 200, posted.text
    assert [e["context"] for e in posted.json()] == [[None, "pf-1"], ["u1", None]]
    job = start_report(url, {"filter": {"customer": customer, "product": "PORTFOLIO"}}).json()
    rows = export_of(mock, url, job["source"]).splitlines()[1:]
    assert rows == [
        f"{T0 - 100}|PORTFOLIO-CREATED||pf-1||||||",
        f"{T0 - 50}|PORTFOLIO-CREATED|u1|||||||",
    ]

"""The assembled mock: every API side by side on one live server, and the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests
import schemathesis
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from events_mock.app import EventsMock, MockConfig
from events_mock.billing.dataset import generate
from events_mock.cli import build_parser
from tests._support import TENANTS


@pytest.fixture(scope="module")
def live_config() -> MockConfig:
    return MockConfig(tenants=TENANTS, validate_responses=True)


def test_one_swagger_ui_lists_every_spec(url: str) -> None:
    assert requests.get(f"{url}/ui/").status_code == 200
    listed = requests.get(f"{url}/ui/swagger-ui-config.json").json()["urls"]
    assert [entry["name"] for entry in listed] == [
        "barchart",
        "event-collector",
        "billing-care",
        "control",
    ]
    for entry in listed:
        spec = requests.get(url + entry["url"]).json()
        assert spec["openapi"].startswith("3.0")
        (server,) = spec["servers"]
        assert server["url"].startswith(url), "Try it out must call the mock, not production"
    billing = requests.get(f"{url}/openapi/billing-care.json").json()
    assert billing["servers"] == [{"url": f"{url}/bcws/webresources/v1.0"}]


def test_served_specs_resolve_from_their_url_alone(url: str) -> None:
    """control.yaml refers into the other spec files; what the mock serves must not."""
    served = requests.get(f"{url}/openapi/control.json").json()
    validate(served)  # resolves every reference within the document, or fails
    assert not [ref for ref in references(served) if not ref.startswith("#")]
    assert "billing-care-events.Event" in served["components"]["schemas"]
    # Same meaning as the files: a real state document is valid against the served schema.
    state = EventsMock().control.export_state()
    OAS30Validator({**served, "$ref": "#/components/schemas/State"}).validate(state)
    broken = {**state, "apis": {"billing-care": {"events": [{"id": 1}]}}}
    assert not OAS30Validator({**served, "$ref": "#/components/schemas/State"}).is_valid(broken)
    # Schemathesis pointed at the URL (as a QA engineer would) sees every operation.
    schema = schemathesis.openapi.from_url(f"{url}/openapi/control.json")
    assert all(result.ok() for result in schema.get_all_operations())


def references(node) -> Iterator[str]:
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


def test_each_api_answers_errors_in_its_own_shape(url: str) -> None:
    barchart = requests.get(f"{url}/nowhere")
    assert barchart.json()[0]["value"]["code"] == "REQUEST_NOT_FOUND"
    collector = requests.get(f"{url}/api/v1/nowhere")
    assert collector.json() == {"code": 404, "message": "Not Found"}
    billing = requests.get(f"{url}/bcws/nowhere")
    assert billing.json() == {"title": "Not Found", "status": 404, "detail": "Not Found"}


def test_configured_tenants_are_isolated(url: str) -> None:
    event = {"event_source": "APPLICATION", "event_type": "FAULT", "event_payload": {}}
    created = requests.post(
        f"{url}/api/v1/events",
        json=event,
        headers={"Authorization": "Bearer tok-acme", "X-TWC-Tenant": "acme"},
    )
    assert created.status_code == 201
    location = url + created.headers["Location"]
    own = requests.get(
        location, headers={"Authorization": "Bearer tok-acme", "X-TWC-Tenant": "acme"}
    )
    assert own.json() == created.json()
    other = requests.get(
        location, headers={"Authorization": "Bearer tok-globex", "X-TWC-Tenant": "globex"}
    )
    assert other.status_code == 404
    assert requests.get(location, headers={"X-TWC-Tenant": "acme"}).status_code == 401
    wrong_tenant = requests.get(
        location, headers={"Authorization": "Bearer tok-acme", "X-TWC-Tenant": "globex"}
    )
    assert wrong_tenant.status_code == 403


def test_billing_care_searches_the_generated_data_set(url: str) -> None:
    events_url = f"{url}/bcws/webresources/v1.0/events"
    auth = {"Authorization": "Bearer demo-billing-token"}
    assert requests.get(events_url, params={"limit": 5}, headers=auth).status_code == 204
    page = requests.get(events_url, params={"createdStartTime": 0, "limit": 5}, headers=auth)
    assert page.status_code == 200
    assert len(page.json()) == 5
    xml = requests.get(
        events_url,
        params={"createdStartTime": 0, "limit": 1},
        headers={**auth, "Accept": "application/xml"},
    )
    assert xml.headers["Content-Type"].startswith("application/xml")
    assert xml.text.lstrip().startswith("<")
    assert requests.get(events_url, params={"createdStartTime": 0}).status_code == 401


def test_command_line_defaults_are_safe() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.users, args.tenants) == ("127.0.0.1", 8080, None, None)
    args = build_parser().parse_args(["serve", "--user", "a:b:c", "--tenant", "t:tok"])
    assert (args.users, args.tenants) == ([("a", "b:c")], [("t", "tok")])


def test_command_line_refuses_malformed_credentials(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["serve", "--user", "nopassword"])
    assert exit_.value.code == 2
    assert "NAME:PASSWORD" in capsys.readouterr().err


def test_billing_data_comes_from_a_file_or_the_generator(tmp_path, capsys) -> None:
    records = list(generate(seed=9, count=5).records)
    data = tmp_path / "billing.json"
    data.write_text(json.dumps(records))
    args = build_parser().parse_args(["serve", "--billing-data", str(data)])
    assert list(args.billing_data.records) == records
    assert build_parser().parse_args(["serve"]).billing_data is None

    data.write_text(json.dumps(records[:1] * 2))
    for argv in (
        ["--billing-data", str(data)],
        ["--billing-data", str(tmp_path / "missing.json")],
        ["--billing-events", "20001"],
        ["--billing-events", "-1"],
    ):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["serve", *argv])
    errors = capsys.readouterr().err
    assert "duplicate event id" in errors and "must be 0 to 20000: 20001" in errors

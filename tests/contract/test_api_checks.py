"""The Event Collector and Billing Care checks, the search oracle and the credentials logic, on
hand-made answers: each passes the right thing and names what is wrong with the wrong one."""

from __future__ import annotations

import json

import pytest

from events_mock.billing.dataset import generate
from events_mock.billing.render import events_to_xml
from events_mock.contract.checks import billing as billing_rules
from events_mock.contract.checks import collector as collector_rules
from events_mock.contract.context import RunContext
from events_mock.contract.flows import billing, collector
from events_mock.contract.identity import Identity, UsageError, resolve_identities
from events_mock.contract.run import api_root
from events_mock.contract.violations import ContractViolation
from tests.contract.test_contract_checks import answer

URL = "http://target/api/v1/events"
RECORDS = list(generate(seed=5, count=60).records)


@pytest.fixture
def ctx() -> RunContext:
    """A run's context of its own for each test: checks count in its ledger."""
    return RunContext()


# ---------------------------------------------------------------------------------------------
# Event Collector


def created(event: dict, **changes: object) -> object:
    body = {**json.loads(json.dumps(event)), "id": "e-1", **changes}
    return answer(201, body, method="POST", url=URL)


def test_an_event_echoed_exactly_passes(ctx: RunContext) -> None:
    event = collector.fault("tag")
    response = created(event)
    collector_rules.payload_round_trip(ctx, event, response)
    assert collector_rules.event_echoed(ctx, event, response)["id"] == "e-1"


def test_a_reencoded_payload_is_named_as_such(ctx: RunContext) -> None:
    event = collector.fault("tag", base64_encoded_payload_json=collector.b64('{"a":1}'))
    payload = {**event["event_payload"], "base64_encoded_payload_json": collector.b64('{"a": 1}')}
    with pytest.raises(ContractViolation, match=r"\[payload_round_trip\].*same JSON, other bytes"):
        collector_rules.payload_round_trip(ctx, event, created(event, event_payload=payload))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"event_type": "ENTITY_EVENT"}, "event_type: sent 'FAULT', got 'ENTITY_EVENT'"),
        ({"extra": 1}, "extra added"),
        ({"id": ""}, "has no server-assigned id"),
    ],
)
def test_an_event_changed_in_any_way_is_named(changes: dict, message: str, ctx: RunContext) -> None:
    event = collector.fault("tag")
    with pytest.raises(ContractViolation, match=r"\[event_echoed\]") as caught:
        collector_rules.event_echoed(ctx, event, created(event, **changes))
    assert message in str(caught.value)


def test_location_relative_or_absolute_must_name_the_event(ctx: RunContext) -> None:
    for location in ("/api/v1/events/e-1", "http://elsewhere/api/v1/events/e-1"):
        response = answer(201, {}, url=URL, headers={})
        response.headers["location"] = [location]
        assert collector_rules.location_names_event(ctx, response, "e-1").endswith("/events/e-1")
    response.headers["location"] = ["/api/v1/events/e-2"]
    with pytest.raises(ContractViolation, match="does not name the created event"):
        collector_rules.location_names_event(ctx, response, "e-1")


def test_another_tenants_event_must_look_unknown(ctx: RunContext) -> None:
    unknown = answer(404, {"code": 404, "message": "Event not found"}, url=f"{URL}/u-1")
    same = answer(404, {"code": 404, "message": "Event not found"}, url=f"{URL}/e-1")
    collector_rules.tenant_isolated(ctx, same, unknown, "e-1", "tenant b's")
    telling = answer(404, {"code": 404, "message": "Event e-1 belongs to b"}, url=f"{URL}/e-1")
    with pytest.raises(ContractViolation, match="a tenant can tell that it exists"):
        collector_rules.tenant_isolated(ctx, telling, unknown, "e-1", "tenant b's")
    readable = answer(200, {"id": "e-1"}, url=f"{URL}/e-1")
    with pytest.raises(ContractViolation, match="answered 200, expected 404"):
        collector_rules.tenant_isolated(ctx, readable, unknown, "e-1", "tenant b's")


def test_a_refusal_must_name_the_field(ctx: RunContext) -> None:
    field = "event_payload.base64_encoded_fault_json"
    named = answer(400, {"code": 400, "message": f"{field}: not valid base64"})
    collector_rules.refused_naming_field(ctx, named, field, "text")
    with pytest.raises(ContractViolation, match="does not name the field"):
        collector_rules.refused_naming_field(ctx, answer(400, {"message": "bad"}), field, "text")


def test_the_awkward_and_invalid_payloads_are_what_they_claim() -> None:
    from events_mock.collector.payloads import InvalidEvent, check_base64_json

    for value in collector.awkward_payloads("tag").values():
        check_base64_json("f", value)
    for why, value in collector.invalid_payloads().items():
        with pytest.raises(InvalidEvent):
            check_base64_json("f", value)
            pytest.fail(f"accepted {why}")


# ---------------------------------------------------------------------------------------------
# Billing Care: the oracle


def search(query: str) -> billing.Search:
    return billing.Search.from_url(f"http://target/events?{query}")


def test_the_oracle_reads_criteria_as_the_spec_says() -> None:
    record = next(r for r in RECORDS if r["serviceRef"] is not None)
    account = record["accountRef"]["id"]
    assert search(f"accountId={account.replace('+', '%2B')}").unmet(record) == []
    assert search(f"accountId={account}").unmet(record) == []  # `+` arrives as a space
    assert search("accountId=nobody").unmet(record)
    created = record["created"]
    assert search(f"createdStartTime={created}&createdEndTime={created}").unmet(record) == []
    assert search(f"createdStartTime={created + 1}").unmet(record)
    assert search(f"eventType={billing.supertype(record['eventType'])}").unmet(record) == []
    assert search(f"eventType=/x,{record['eventType']}").unmet(record) == []
    assert search(f"eventType={record['eventType'][:-1]}").unmet(record)


def test_only_searches_read_one_way_are_judged() -> None:
    assert search("accountId=a&limit=5").judgeable()
    assert not search("accountId=a&accountId=b").judgeable()
    assert not search("accountId=a&limit=-1").judgeable()
    assert not search("startTime=soon").judgeable()
    assert not search("unknown=1").judgeable()
    assert search("eventType=a&eventType=b").judgeable()
    assert search("startTime=5&endTime=4").inverted_windows() == [("startTime", "endTime")]
    assert not search("limit=3&offset=2").has_criteria()


def test_criteria_satisfied_names_the_unmet_criterion(ctx: RunContext) -> None:
    response = answer(200, RECORDS[:3])
    with pytest.raises(ContractViolation, match=r"\[criteria_satisfied\].*accountId=nobody"):
        billing_rules.criteria_satisfied(ctx, search("accountId=nobody"), RECORDS[:3], response)


def test_order_limit_and_pages(ctx: RunContext) -> None:
    response = answer(200, [])
    billing_rules.ordered_by_created(ctx, RECORDS, response)
    with pytest.raises(ContractViolation, match="ordered by created"):
        billing_rules.ordered_by_created(ctx, RECORDS[::-1], response)
    billing_rules.limit_respected(ctx, RECORDS[:2], 2, response, expected=2)
    with pytest.raises(ContractViolation, match="should hold 3 events"):
        billing_rules.limit_respected(ctx, RECORDS[:2], 3, response, expected=3)
    pages = [RECORDS[0:2], RECORDS[2:4]]
    billing_rules.pages_partition(ctx, pages, RECORDS[:4], [response, response])
    with pytest.raises(ContractViolation, match="on page 1 and again on page 2"):
        billing_rules.pages_partition(
            ctx, [RECORDS[0:2], RECORDS[1:3]], RECORDS[:3], [response] * 2
        )
    with pytest.raises(ContractViolation, match="missing"):
        billing_rules.pages_partition(ctx, [RECORDS[0:2]], RECORDS[:3], [response])


def test_204_exactly_without_criteria(ctx: RunContext) -> None:
    empty = answer(204, None, text="")
    billing_rules.no_criterion_204(ctx, search("limit=5"), empty)
    with pytest.raises(ContractViolation, match="with criteria answered 204"):
        billing_rules.no_criterion_204(ctx, search("billId=b"), empty)
    with pytest.raises(ContractViolation, match="without any criterion answered 200"):
        billing_rules.no_criterion_204(ctx, search("offset=1"), answer(200, []))


def xml_answer(text: str) -> object:
    response = answer(200, None, text=text)
    response.headers["content-type"] = ["application/xml"]
    return response


def test_the_mocks_xml_holds_the_json_records_and_a_loss_is_named(ctx: RunContext) -> None:
    billing_rules.xml_same_records(ctx, xml_answer(events_to_xml(RECORDS)), RECORDS)
    billing_rules.xml_same_records(ctx, xml_answer(events_to_xml([])), [])
    with pytest.raises(ContractViolation, match="holds 59 events, the JSON answer 60"):
        billing_rules.xml_same_records(ctx, xml_answer(events_to_xml(RECORDS[:-1])), RECORDS)
    changed = [{**RECORDS[0], "amount": 1234.5}, *RECORDS[1:]]
    with pytest.raises(ContractViolation, match="XML event 1 .* differs"):
        billing_rules.xml_same_records(ctx, xml_answer(events_to_xml(changed)), RECORDS)
    with pytest.raises(ContractViolation, match="does not parse"):
        billing_rules.xml_same_records(ctx, xml_answer("<events><event>"), RECORDS)


def test_numbers_in_xml_compare_by_value() -> None:
    record = {"id": {"id": "x"}, "amount": -0.002, "quantity": 0.0, "flag": True}
    text = (
        "<events><event><id><id>x</id></id><amount>-2.0E-3</amount><quantity>0</quantity>"
        "<flag>true</flag></event></events>"
    )
    assert billing.xml_records(text) == [billing.json_as_xml_leaves(record)]


# ---------------------------------------------------------------------------------------------
# Credentials and targets


def resolve(scheme: str, header: str | None = None, embedded: bool = False, **given: object):
    default = Identity(scheme, "demo", "demo-secret", header)  # type: ignore[arg-type]
    other = Identity("bearer", "other", "other-secret", header) if header else None
    return resolve_identities(
        "api", scheme, header, embedded=embedded, default=default, default_other=other, **given
    )


def test_identities_from_the_options() -> None:
    assert resolve("basic", auth=("u", "p"))[0] == Identity("basic", "u", "p")
    assert resolve("bearer", token="t")[0] == Identity("bearer", "", "t")
    identity, other = resolve("bearer", "X-T", token="t", tenant="a", other_tenant=("b", "u"))
    assert identity.headers() == {"Authorization": "Bearer t", "X-T": "a"}
    assert other == Identity("bearer", "b", "u", "X-T")
    assert resolve("bearer", "X-T", embedded=True)[1].name == "other"
    assert resolve("bearer", "X-T", embedded=False)[1] is None
    assert resolve("bearer", "X-T", embedded=True, token="t", tenant="other")[1].name == (
        "other-other"
    )


def test_secrets_stay_out_of_reprs() -> None:
    assert "demo-secret" not in repr(resolve("bearer", "X-T")[0])
    from events_mock.contract.options import ContractOptions

    text = repr(ContractOptions(auth=("u", "pw-1"), token="tk-1", other_tenant=("b", "tk-2")))
    assert "pw-1" not in text and "tk-1" not in text and "tk-2" not in text


@pytest.mark.parametrize(
    "given",
    [
        {"scheme": "basic", "token": "t"},
        {"scheme": "bearer", "auth": ("u", "p")},
        {"scheme": "bearer", "header": "X-T", "tenant": "a"},
        {"scheme": "bearer", "other_tenant": ("b", "u")},
        {
            "scheme": "bearer",
            "header": "X-T",
            "token": "t",
            "tenant": "a",
            "other_tenant": ("b", "t"),
        },
    ],
)
def test_options_that_do_not_fit_are_refused(given: dict) -> None:
    with pytest.raises(UsageError):
        resolve(given.pop("scheme"), given.pop("header", None), **given)


def test_api_root_adds_the_base_path_once() -> None:
    base = "/bcws/webresources/v1.0"
    assert api_root("http://h:1", base) == "http://h:1" + base
    assert api_root("http://h:1/", base) == "http://h:1" + base
    assert api_root(f"http://h:1{base}/", base) == "http://h:1" + base
    assert api_root("http://h:1", "") == "http://h:1"

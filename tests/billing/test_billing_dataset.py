"""The generated data set: deterministic, valid against the spec, internally consistent."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from events_mock.billing.dataset import (
    DEFAULT_EVENT_COUNT,
    BillingDataset,
    DatasetError,
    generate,
    load_json,
    load_records,
)
from events_mock.billing.generator import (
    EVENT_TYPES,
    WINDOW_END_MS,
    WINDOW_START_MS,
    cycle_start,
    cycles,
    next_cycle_start,
)
from events_mock.billing.spec import load_spec, schema_validator


def test_same_seed_same_data(data: BillingDataset) -> None:
    assert generate().to_json() == data.to_json()


def test_different_seed_different_data(data: BillingDataset) -> None:
    other = generate(seed=5)
    assert other.to_json() != data.to_json()
    assert {r["accountRef"]["id"] for r in other} != {r["accountRef"]["id"] for r in data}


@pytest.mark.parametrize("count", [0, 1, 17, 300])
def test_count_is_respected(count: int) -> None:
    assert len(generate(seed=1, count=count)) == count


def test_default_size(data: BillingDataset) -> None:
    assert len(data) == DEFAULT_EVENT_COUNT == 2000


def test_negative_count_is_refused() -> None:
    with pytest.raises(ValueError):
        generate(count=-1)


def test_every_record_is_valid_against_the_spec(data: BillingDataset) -> None:
    validator = schema_validator("Event")
    for record in data:
        validator.validate(record)


def test_records_are_in_result_order(data: BillingDataset) -> None:
    keys = [(r["created"], r["id"]["id"]) for r in data]
    assert keys == sorted(keys)
    assert len({r["id"]["id"] for r in data}) == len(data)


def test_a_realistic_spread(data: BillingDataset) -> None:
    types = {r["eventType"] for r in data}
    assert types == set(EVENT_TYPES)
    assert len({r["accountRef"]["id"] for r in data}) == 40
    assert len({r["billRef"]["id"] for r in data}) > 100
    assert any(r["serviceRef"] is None for r in data)
    assert any(r["rumMap"] for r in data) and any(r["taxJurisdictions"] for r in data)
    assert any(r["subBalanceImpacts"] for r in data) and any(r["monitorImpacts"] for r in data)
    created = [r["created"] for r in data]
    assert min(created) >= WINDOW_START_MS and max(created) < WINDOW_END_MS + 86_400_000
    assert all(r["created"] % 1000 == 0 for r in data)  # BRM keeps seconds


def test_records_are_consistent(data: BillingDataset) -> None:
    """What a client may rely on when it joins fields of one record, or records by id."""
    bill_of_item, unit_of_bill, account_of_unit = {}, {}, {}
    for r in data:
        assert r["eventRef"] == r["id"] and r["objectRef"] == r["itemRef"]
        assert r["startTime"] <= r["endTime"] and r["earnedStartTime"] <= r["earnedEndTime"]
        currency = sum(i["amount"] for i in r["balanceImpacts"] if i["resourceId"] == r["currency"])
        assert r["amount"] == pytest.approx(currency)
        assert r["resourceId"] == r["currency"]
        assert r["eventType"].replace("/", "-") in r["id"]["id"]
        item, bill, unit = r["itemRef"]["id"], r["billRef"]["id"], r["billInfoRef"]["id"]
        assert bill_of_item.setdefault(item, bill) == bill
        assert unit_of_bill.setdefault(bill, unit) == unit
        assert account_of_unit.setdefault(unit, r["accountRef"]["id"]) == r["accountRef"]["id"]


def test_monthly_fees_once_per_service_and_cycle(data: BillingDataset) -> None:
    fees = defaultdict(int)
    for r in data:
        if r["eventType"].endswith("cycle_forward_monthly"):
            fees[(r["serviceRef"]["id"], r["startTime"])] += 1
            assert r["earnedType"] == 1 and r["endTime"] > r["startTime"]
    assert fees and set(fees.values()) == {1}


def test_json_round_trip(small_data: BillingDataset) -> None:
    assert load_json(small_data.to_json()).records == small_data.records


def test_load_sorts_and_copies() -> None:
    records = json.loads(generate(seed=2, count=20).to_json())
    loaded = load_records(list(reversed(records)))
    assert [r["id"] for r in loaded] == [r["id"] for r in records]
    records[0]["batchId"] = "changed"
    assert all(r["batchId"] != "changed" for r in loaded)


def test_the_spec_example_loads() -> None:
    operation = load_spec()["paths"]["/events"]["get"]
    example = operation["responses"]["200"]["content"]["application/json"]["examples"]["dispute"]
    assert len(load_records(example["value"])) == 1


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ({"not": "a list"}, "expected a JSON array"),
        ([{"id": {"id": "x"}}], "record 0"),
        ("[1]", "expected a JSON array"),
    ],
)
def test_invalid_records_are_refused(records: object, message: str) -> None:
    with pytest.raises(DatasetError, match=message):
        load_records(records)


def test_a_bad_field_is_named() -> None:
    records = json.loads(generate(seed=2, count=3).to_json())
    records[2]["created"] = "yesterday"
    with pytest.raises(DatasetError, match="record 2: created: 'yesterday' is not of type"):
        load_records(records)


def test_duplicate_ids_are_refused() -> None:
    records = json.loads(generate(seed=2, count=3).to_json())
    records[1]["id"] = records[0]["id"]
    with pytest.raises(DatasetError, match="duplicate event id"):
        load_records(records)


def test_not_json_is_refused() -> None:
    with pytest.raises(DatasetError, match="not JSON"):
        load_json("[{")


def test_billing_cycles() -> None:
    may_15 = 1_747_267_200_000  # 2025-05-15T00:00:00Z
    assert cycle_start(may_15, 15) == may_15
    assert cycle_start(may_15 - 1, 15) == 1_744_675_200_000  # 2025-04-15
    assert next_cycle_start(may_15, 15) == 1_749_945_600_000  # 2025-06-15
    assert cycle_start(1_767_225_599_000, 1) == 1_764_547_200_000  # Dec 31 -> Dec 1 2025
    assert next_cycle_start(1_764_547_200_000, 1) == 1_767_225_600_000  # Jan 1 2026
    spans = cycles(1)
    assert spans[0] == (WINDOW_START_MS, 1_748_736_000_000)  # May 1 .. Jun 1
    assert all(
        end == next_start for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False)
    )
    assert spans[-1][0] < WINDOW_END_MS <= spans[-1][1]

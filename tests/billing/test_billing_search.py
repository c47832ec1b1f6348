"""Search semantics: what each criterion means, paging, and what is refused."""

from __future__ import annotations

import pytest

from events_mock.billing.dataset import BillingDataset
from events_mock.billing.search import INT32_MAX, INT64_MAX, EventQuery, SearchError, search


def ids(records: list[dict]) -> list[str]:
    return [r["id"]["id"] for r in records]


def test_no_criterion_matches_everything_in_order(small_data: BillingDataset) -> None:
    assert not EventQuery().has_criteria()
    assert search(small_data, EventQuery()) == list(small_data.records)


@pytest.mark.parametrize("paging", [{"limit": 5}, {"offset": 3}, {"limit": 0, "offset": 2}])
def test_paging_alone_is_not_a_criterion(paging: dict) -> None:
    assert not EventQuery(**paging).has_criteria()


@pytest.mark.parametrize(
    "criterion",
    [
        {"account_id": "a"},
        {"bill_id": "b"},
        {"bill_unit_id": "u"},
        {"item_id": "i"},
        {"service_id": "s"},
        {"start_time": 0},
        {"end_time": 0},
        {"created_start_time": 0},
        {"created_end_time": 0},
        {"effective_start_time": 0},
        {"effective_end_time": 0},
        {"event_types": ("/event",)},
    ],
)
def test_every_filter_is_a_criterion(criterion: dict) -> None:
    assert EventQuery(**criterion).has_criteria()


@pytest.mark.parametrize(
    ("field", "ref"),
    [
        ("account_id", "accountRef"),
        ("bill_id", "billRef"),
        ("bill_unit_id", "billInfoRef"),
        ("item_id", "itemRef"),
        ("service_id", "serviceRef"),
    ],
)
def test_id_criteria_match_their_reference(
    small_data: BillingDataset, field: str, ref: str
) -> None:
    wanted = next(r[ref]["id"] for r in small_data if r[ref] is not None)
    found = search(small_data, EventQuery(**{field: wanted}))
    assert found and all(r[ref]["id"] == wanted for r in found)
    assert len(found) == sum(1 for r in small_data if r[ref] and r[ref]["id"] == wanted)


def test_unknown_id_matches_nothing(small_data: BillingDataset) -> None:
    assert search(small_data, EventQuery(account_id="0.0.0.1+-account+1")) == []


def test_criteria_combine_with_and(small_data: BillingDataset) -> None:
    record = small_data.records[50]
    account = record["accountRef"]["id"]
    query = EventQuery(account_id=account, event_types=(record["eventType"],))
    found = search(small_data, query)
    assert record in found
    assert all(
        r["accountRef"]["id"] == account and r["eventType"] == record["eventType"] for r in found
    )
    assert len(found) < len(search(small_data, EventQuery(account_id=account)))


@pytest.mark.parametrize(
    ("low", "high", "low_field", "high_field"),
    [
        ("start_time", "end_time", "startTime", "endTime"),
        ("created_start_time", "created_end_time", "created", "created"),
        ("effective_start_time", "effective_end_time", "effectiveT", "effectiveT"),
    ],
)
def test_windows_are_inclusive(
    small_data: BillingDataset, low: str, high: str, low_field: str, high_field: str
) -> None:
    record = small_data.records[100]
    exact = EventQuery(**{low: record[low_field], high: record[high_field]})
    assert record in search(small_data, exact)
    assert record not in search(small_data, EventQuery(**{low: record[low_field] + 1}))
    assert record not in search(small_data, EventQuery(**{high: record[high_field] - 1}))


def test_start_and_end_mean_the_event_happened_inside(small_data: BillingDataset) -> None:
    fee = next(r for r in small_data if r["endTime"] > r["startTime"])
    inside = search(small_data, EventQuery(start_time=fee["startTime"], end_time=fee["endTime"]))
    assert fee in inside
    assert all(
        fee["startTime"] <= r["startTime"] and r["endTime"] <= fee["endTime"] for r in inside
    )


def test_event_type_matches_subclasses_not_prefixes(data: BillingDataset) -> None:
    payments = search(data, EventQuery(event_types=("/event/billing/payment",)))
    assert {r["eventType"] for r in payments} == {
        "/event/billing/payment/cc",
        "/event/billing/payment/cash",
    }
    assert search(data, EventQuery(event_types=("/event/billing/pay",))) == []
    everything = search(data, EventQuery(event_types=("/event",)))
    assert len(everything) == len(data)


def test_event_type_matches_any_of_several(data: BillingDataset) -> None:
    types = ("/event/billing/dispute/event", "/event/billing/settlement/event")
    found = search(data, EventQuery(event_types=types))
    assert {r["eventType"] for r in found} == set(types)


def test_service_criterion_skips_account_level_events(data: BillingDataset) -> None:
    service = next(r["serviceRef"]["id"] for r in data if r["serviceRef"])
    assert all(r["serviceRef"] is not None for r in search(data, EventQuery(service_id=service)))


def test_pages(small_data: BillingDataset) -> None:
    everything = search(small_data, EventQuery(created_start_time=0))
    assert ids(search(small_data, EventQuery(created_start_time=0, limit=10, offset=20))) == ids(
        everything[20:30]
    )
    assert search(small_data, EventQuery(created_start_time=0, limit=0)) == []
    assert search(small_data, EventQuery(created_start_time=0, offset=len(everything))) == []
    assert (
        search(small_data, EventQuery(created_start_time=0, offset=INT32_MAX, limit=INT32_MAX))
        == []
    )


def test_from_params_reads_spec_names_and_snake_case() -> None:
    query = EventQuery.from_params(
        {
            "accountId": "0.0.0.1 -account 42",
            "bill_unit_id": "u",
            "eventType": ["/event/a"],
            "createdStartTime": 5,
            "limit": 3,
            "offset": 1,
            "user": "alice",
            "token_info": {"sub": "alice"},
            "billId": None,
        }
    )
    assert query == EventQuery(
        account_id="0.0.0.1+-account+42",
        bill_unit_id="u",
        event_types=("/event/a",),
        created_start_time=5,
        limit=3,
        offset=1,
    )


def test_from_params_takes_a_single_event_type() -> None:
    assert EventQuery.from_params({"eventType": "/event/a"}).event_types == ("/event/a",)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": -1}, "limit must be an integer from 0"),
        ({"offset": -1}, "offset must be an integer from 0"),
        ({"limit": INT32_MAX + 1}, "limit must be"),
        ({"offset": True}, "offset must be"),
        ({"startTime": 2, "endTime": 1}, r"startTime \(2\) is after endTime \(1\)"),
        ({"createdStartTime": 2, "createdEndTime": 1}, "createdStartTime .* after createdEndTime"),
        (
            {"effectiveStartTime": 2, "effectiveEndTime": 1},
            "effectiveStartTime .* is after effectiveEndTime",
        ),
        ({"createdStartTime": INT64_MAX + 1}, "createdStartTime must be an int64"),
        ({"startTime": "1"}, "startTime must be an int64"),
        ({"accountId": ""}, "accountId must be a non-empty string"),
        ({"eventType": []}, "eventType must be one or more"),
        ({"eventType": ["/event", ""]}, "eventType must be one or more"),
    ],
)
def test_invalid_queries_are_refused(params: dict, message: str) -> None:
    with pytest.raises(SearchError, match=message):
        EventQuery.from_params(params)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SearchError) as caught:
        EventQuery(limit=-1, offset=-1, start_time=3, end_time=2)
    assert str(caught.value).count(";") == 2

"""`search` agrees with the obvious filter, for many generated queries and every paging."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from events_mock.billing.dataset import BillingDataset, generate
from events_mock.billing.search import EventQuery, search

DATA = generate(seed=11, count=400)
RECORDS = list(DATA.records)
random.Random(0).shuffle(RECORDS)  # the reference must not lean on the data set's order

deterministic = settings(derandomize=True, max_examples=300, deadline=None, database=None)


def reference(records: list[dict], q: EventQuery) -> list[dict]:
    """The meaning of a query written out longhand, independently of `search`."""

    def ref_id(record: dict, field: str) -> str | None:
        return record[field]["id"] if record[field] is not None else None

    hits = [
        r
        for r in records
        if (q.account_id is None or ref_id(r, "accountRef") == q.account_id)
        and (q.bill_id is None or ref_id(r, "billRef") == q.bill_id)
        and (q.bill_unit_id is None or ref_id(r, "billInfoRef") == q.bill_unit_id)
        and (q.item_id is None or ref_id(r, "itemRef") == q.item_id)
        and (q.service_id is None or ref_id(r, "serviceRef") == q.service_id)
        and (q.start_time is None or q.start_time <= r["startTime"])
        and (q.end_time is None or r["endTime"] <= q.end_time)
        and (q.created_start_time is None or q.created_start_time <= r["created"])
        and (q.created_end_time is None or r["created"] <= q.created_end_time)
        and (q.effective_start_time is None or q.effective_start_time <= r["effectiveT"])
        and (q.effective_end_time is None or r["effectiveT"] <= q.effective_end_time)
        and (
            q.event_types is None
            or any(r["eventType"] == t or r["eventType"].startswith(t + "/") for t in q.event_types)
        )
    ]
    hits.sort(key=lambda r: (r["created"], r["id"]["id"]))
    del hits[: q.offset]
    return hits if q.limit is None else hits[: q.limit]


def superclasses(event_type: str) -> list[str]:
    parts = event_type.split("/")
    return ["/".join(parts[:n]) for n in range(2, len(parts) + 1)]


TYPES = sorted({t for r in RECORDS for t in superclasses(r["eventType"])})


@st.composite
def queries(draw: st.DrawFn, paged: bool = True) -> EventQuery:
    """Queries built around one record, so that many of them match something."""
    anchor = draw(st.sampled_from(RECORDS))
    other = draw(st.sampled_from(RECORDS))
    values: dict = {}

    def maybe(field: str, value: object, alternative: object) -> None:
        choice = draw(st.integers(0, 5))
        if choice == 0:
            values[field] = value
        elif choice == 1:
            values[field] = alternative

    for field, ref in [
        ("account_id", "accountRef"),
        ("bill_id", "billRef"),
        ("bill_unit_id", "billInfoRef"),
        ("item_id", "itemRef"),
        ("service_id", "serviceRef"),
    ]:
        if anchor[ref] is not None:
            maybe(field, anchor[ref]["id"], (other[ref] or anchor[ref])["id"] + "0")
    for low, high, low_field, high_field in [
        ("start_time", "end_time", "startTime", "endTime"),
        ("created_start_time", "created_end_time", "created", "created"),
        ("effective_start_time", "effective_end_time", "effectiveT", "effectiveT"),
    ]:
        delta = st.integers(-3, 3) | st.integers(-40 * 86_400_000, 40 * 86_400_000)
        maybe(low, anchor[low_field] + draw(delta), other[low_field])
        maybe(high, anchor[high_field] + draw(delta), other[high_field])
        if (
            values.get(low) is not None
            and values.get(high) is not None
            and values[low] > values[high]
        ):
            values[low], values[high] = values[high], values[low]
    if draw(st.booleans()):
        values["event_types"] = tuple(
            draw(
                st.lists(
                    st.sampled_from(TYPES) | st.sampled_from(superclasses(anchor["eventType"])),
                    min_size=1,
                    max_size=3,
                )
            )
        )
    if paged:
        if draw(st.booleans()):
            values["limit"] = draw(st.integers(0, 60))
        values["offset"] = draw(st.integers(0, 80))
    return EventQuery(**values)


@deterministic
@given(queries())
def test_search_agrees_with_the_reference(query: EventQuery) -> None:
    assert search(DATA, query) == reference(RECORDS, query)


@deterministic
@given(queries(paged=False), st.integers(1, 40))
def test_pages_partition_the_result(query: EventQuery, size: int) -> None:
    everything = search(DATA, query)
    pages, offset = [], 0
    while True:
        page = search(DATA, EventQuery(**{**vars(query), "limit": size, "offset": offset}))
        pages.append(page)
        if len(page) < size:
            break
        offset += size
    flat = [r["id"]["id"] for page in pages for r in page]
    assert len(flat) == len(set(flat))
    assert flat == [r["id"]["id"] for r in everything]
    assert all(len(page) == size for page in pages[:-1])


def test_queries_often_match_something() -> None:
    """Guards the strategy: a property that only ever sees [] proves little."""
    seen = []

    @settings(derandomize=True, max_examples=200, database=None)
    @given(queries(paged=False))
    def collect(query: EventQuery) -> None:
        seen.append(len(search(DATA, query)))

    collect()
    assert sum(1 for n in seen if n > 0) > len(seen) // 4
    assert any(n > 20 for n in seen)


def test_the_data_set_is_not_accidentally_trivial() -> None:
    assert isinstance(DATA, BillingDataset) and len(DATA) == 400

"""Event search with the semantics the spec documents, independent of HTTP.

The vendor page names the parameters but not what they mean; the spec fixes a meaning
(AND of criteria, inclusive windows on named fields, event-type subclasses, stable order)
and this module is the only implementation of it, so the HTTP layer cannot drift from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from events_mock.billing.dataset import BillingDataset, Record

INT32_MAX = 2**31 - 1
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


class SearchError(ValueError):
    """A query the API answers with 400; the message says what to fix."""


ID_FIELDS = {
    "account_id": "accountRef",
    "bill_id": "billRef",
    "bill_unit_id": "billInfoRef",
    "item_id": "itemRef",
    "service_id": "serviceRef",
}
"""Id criterion -> the record reference whose `id` it must equal."""

WINDOWS = {
    ("start_time", "end_time"): ("startTime", "endTime"),
    ("created_start_time", "created_end_time"): ("created", "created"),
    ("effective_start_time", "effective_end_time"): ("effectiveT", "effectiveT"),
}
"""(lower, upper) criterion -> (record field the lower bound applies to, field for the upper)."""

PARAMETERS = {
    "accountId": "account_id",
    "billId": "bill_id",
    "billUnitId": "bill_unit_id",
    "itemId": "item_id",
    "serviceId": "service_id",
    "startTime": "start_time",
    "endTime": "end_time",
    "createdStartTime": "created_start_time",
    "createdEndTime": "created_end_time",
    "effectiveStartTime": "effective_start_time",
    "effectiveEndTime": "effective_end_time",
    "eventType": "event_types",
    "limit": "limit",
    "offset": "offset",
}
"""The spec's query parameter names -> `EventQuery` fields."""

PAGING = ("limit", "offset")


@dataclass(frozen=True)
class EventQuery:
    """One search. Construction validates, so an `EventQuery` is always a valid query."""

    account_id: str | None = None
    bill_id: str | None = None
    bill_unit_id: str | None = None
    item_id: str | None = None
    service_id: str | None = None
    start_time: int | None = None
    end_time: int | None = None
    created_start_time: int | None = None
    created_end_time: int | None = None
    effective_start_time: int | None = None
    effective_end_time: int | None = None
    event_types: tuple[str, ...] | None = None
    limit: int | None = None
    offset: int = 0

    def __post_init__(self) -> None:
        problems = self._problems()
        if problems:
            raise SearchError("; ".join(problems))

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> EventQuery:
        """Build from request parameters, by the spec's names or their snake_case forms.

        Both are accepted because Connexion passes the spec's names unless the server turns on
        `pythonic_params`. Other keys (Connexion's `user`, `token_info`) are ignored. A space
        in an id is read as `+`: ids contain `+`, which a query string decodes as a space when
        the client did not percent-encode it.
        """
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for name, value in params.items():
            field_name = PARAMETERS.get(name, name)
            if field_name not in known or value is None:
                continue
            if field_name in ID_FIELDS and isinstance(value, str):
                value = value.replace(" ", "+")
            if field_name == "event_types":
                value = (value,) if isinstance(value, str) else tuple(value)
            values[field_name] = value
        return cls(**values)

    def has_criteria(self) -> bool:
        """Whether anything narrows the search: `limit` and `offset` only page through it."""
        return any(getattr(self, f.name) is not None for f in fields(self) if f.name not in PAGING)

    def _problems(self) -> list[str]:
        problems = []
        for name in ID_FIELDS:
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                problems.append(f"{_param(name)} must be a non-empty string")
        for (low, high), _ in WINDOWS.items():
            for name in (low, high):
                value = getattr(self, name)
                if value is not None and not _int_in(value, INT64_MIN, INT64_MAX):
                    problems.append(f"{_param(name)} must be an int64 (ms since epoch)")
            low_value, high_value = getattr(self, low), getattr(self, high)
            both = all(_int_in(v, INT64_MIN, INT64_MAX) for v in (low_value, high_value))
            if both and low_value > high_value:
                problems.append(
                    f"{_param(low)} ({low_value}) is after {_param(high)} ({high_value})"
                )
        if self.event_types is not None and (
            not self.event_types or not all(isinstance(t, str) and t for t in self.event_types)
        ):
            problems.append("eventType must be one or more non-empty event types")
        if self.limit is not None and not _int_in(self.limit, 0, INT32_MAX):
            problems.append(f"limit must be an integer from 0 to {INT32_MAX}")
        if not _int_in(self.offset, 0, INT32_MAX):
            problems.append(f"offset must be an integer from 0 to {INT32_MAX}")
        return problems


def _param(field_name: str) -> str:
    return next(param for param, name in PARAMETERS.items() if name == field_name)


def _int_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def is_type_or_subtype(event_type: str, wanted: str) -> bool:
    """BRM event types are classes: `/event/billing/payment` covers `/event/billing/payment/cc`."""
    return event_type == wanted or event_type.startswith(wanted + "/")


def matches(record: Mapping[str, Any], query: EventQuery) -> bool:
    for name, ref_field in ID_FIELDS.items():
        wanted = getattr(query, name)
        if wanted is not None:
            ref = record.get(ref_field)
            if ref is None or ref.get("id") != wanted:
                return False
    for (low, high), (low_field, high_field) in WINDOWS.items():
        low_value, high_value = getattr(query, low), getattr(query, high)
        if low_value is not None and record[low_field] < low_value:
            return False
        if high_value is not None and record[high_field] > high_value:
            return False
    return query.event_types is None or any(
        is_type_or_subtype(record["eventType"], wanted) for wanted in query.event_types
    )


def search(data: BillingDataset, query: EventQuery) -> list[Record]:
    """The page of records matching every criterion, in the data set's order.

    No criterion matches everything; answering 204 for that is the HTTP layer's business
    (see `EventQuery.has_criteria`).
    """
    hits = [record for record in data if matches(record, query)]
    end = None if query.limit is None else query.offset + query.limit
    return hits[query.offset : end]

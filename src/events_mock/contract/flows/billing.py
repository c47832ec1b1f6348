"""The Billing Care search as its spec defines it: the oracle the contract suite judges with.

Written from the spec's description, not from the mock's `billing.search`, so the mock is held
to the same oracle as any other implementation. A `Search` is a query as the target received
it (read back from the URL that was sent); `unmet` says which of its criteria a record fails.

The target's data is unknown to the suite, so the flows first read a sample of it and build
their searches from the sample's records: an account that exists, a window around an event
that happened, a supertype of a type that occurs.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlsplit

ID_CRITERIA = {
    "accountId": "accountRef",
    "billId": "billRef",
    "billUnitId": "billInfoRef",
    "itemId": "itemRef",
    "serviceId": "serviceRef",
}
"""Id criterion -> the reference whose `id` it must equal."""
WINDOWS = {
    ("startTime", "endTime"): ("startTime", "endTime"),
    ("createdStartTime", "createdEndTime"): ("created", "created"),
    ("effectiveStartTime", "effectiveEndTime"): ("effectiveT", "effectiveT"),
}
"""(lower bound, upper bound) -> (the record field each one bounds), both inclusive."""
EVENT_TYPE = "eventType"
PAGING = ("limit", "offset")
CRITERIA = (*ID_CRITERIA, *(bound for pair in WINDOWS for bound in pair), EVENT_TYPE)
JSON = "application/json"
XML = "application/xml"
SAMPLE_SIZE = 100
FLOW_LIMIT = 500
"""The flows cap their searches, so a large deployment never answers them with everything."""


@dataclass(frozen=True)
class Search:
    """A query string as sent: every parameter with all its values."""

    params: Mapping[str, Sequence[str]]

    @classmethod
    def from_url(cls, url: str) -> Search:
        return cls(parse_qs(urlsplit(url).query, keep_blank_values=True))

    def has_criteria(self) -> bool:
        """`limit` and `offset` page through a search; they are not criteria."""
        return any(name in self.params for name in CRITERIA)

    def integer(self, name: str) -> int | None:
        values = self.params.get(name)
        try:
            return int(values[0]) if values and len(values) == 1 else None
        except ValueError:
            return None

    def judgeable(self) -> bool:
        """Whether the oracle can tell what this search selects: every parameter known, read
        one way only (a repeated single-valued parameter is anyone's guess), paging not
        negative (no valid search: refused, see `negative_paging_refused`)."""
        for name, values in self.params.items():
            if name not in CRITERIA and name not in PAGING:
                return False
            if name != EVENT_TYPE and len(values) != 1:
                return False
            if (name in PAGING or name not in ID_CRITERIA and name != EVENT_TYPE) and (
                self.integer(name) is None
            ):
                return False
        return all((self.integer(name) or 0) >= 0 for name in PAGING)

    def inverted_windows(self) -> list[tuple[str, str]]:
        """The windows whose start is after their end: the spec answers those with 400."""
        inverted = []
        for low, high in WINDOWS:
            start, end = self.integer(low), self.integer(high)
            if start is not None and end is not None and start > end:
                inverted.append((low, high))
        return inverted

    def empty_event_type(self) -> bool:
        """Whether a comma-separated `eventType` holds an empty type (`a,,b`, `,a`): valid for
        the schema, an empty event type for the spec (400)."""
        return any("," in v and "" in v.split(",") for v in self.params.get(EVENT_TYPE, []))

    def event_types(self) -> list[str]:
        # Event types never contain commas, so a comma-separated value is a list of them.
        return [t for value in self.params.get(EVENT_TYPE, []) for t in value.split(",") if t]

    def unmet(self, record: Mapping[str, Any]) -> list[str]:
        """The criteria `record` does not satisfy, described."""
        problems = []
        for name, ref_field in ID_CRITERIA.items():
            if name not in self.params:
                continue
            # A `+` sent unencoded arrives as a space; ids have `+`, never spaces.
            wanted = self.params[name][0].replace(" ", "+")
            ref = record.get(ref_field)
            got = ref.get("id") if isinstance(ref, Mapping) else None
            if got != wanted:
                problems.append(f"{name}={wanted} but {ref_field}.id is {got!r}")
        for (low, high), (low_field, high_field) in WINDOWS.items():
            start, end = self.integer(low), self.integer(high)
            if start is not None and not _at_least(record.get(low_field), start):
                problems.append(f"{low}={start} but {low_field} is {record.get(low_field)!r}")
            if end is not None and not _at_most(record.get(high_field), end):
                problems.append(f"{high}={end} but {high_field} is {record.get(high_field)!r}")
        wanted_types = self.event_types()
        if EVENT_TYPE in self.params and not any(
            is_type_or_subtype(record.get("eventType"), t) for t in wanted_types
        ):
            problems.append(
                f"eventType={','.join(wanted_types)} but the event is {record.get('eventType')!r}"
            )
        return problems


def is_type_or_subtype(event_type: Any, wanted: str) -> bool:
    """BRM event types are classes: `/event/billing/payment` covers `/event/billing/payment/cc`."""
    return isinstance(event_type, str) and (
        event_type == wanted or event_type.startswith(wanted.rstrip("/") + "/")
    )


def record_id(record: Any) -> str | None:
    ref = record.get("id") if isinstance(record, Mapping) else None
    return ref.get("id") if isinstance(ref, Mapping) else None


def order_key(record: Mapping[str, Any]) -> tuple[Any, str]:
    """The documented order: `created` ascending, ties by `id.id` in string order."""
    return record.get("created"), record_id(record) or ""


def _at_least(value: Any, bound: int) -> bool:
    return isinstance(value, int) and value >= bound


def _at_most(value: Any, bound: int) -> bool:
    return isinstance(value, int) and value <= bound


# ---------------------------------------------------------------------------------------------
# Searches built from a sample of the target's own events


def sample_query() -> dict[str, Any]:
    """The oldest events: every event was created after 1970."""
    return {"createdStartTime": 0, "limit": SAMPLE_SIZE}


def probe_record(sample: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The sample's record with the most references set (a service, a bill): the richest probe."""
    return max(
        sample, key=lambda r: sum(isinstance(r.get(ref), Mapping) for ref in ID_CRITERIA.values())
    )


def supertype(event_type: str) -> str:
    """`/event/billing/payment/cc` -> `/event/billing/payment`; at least `/event/x` kept."""
    parts = event_type.rstrip("/").split("/")
    return "/".join(parts[:-1]) if len(parts) > 3 else event_type


def criterion_searches(record: Mapping[str, Any], tag: str) -> dict[str, dict[str, Any]]:
    """One search per criterion, each of which `record` satisfies (windows: exactly its own
    instants, to prove both bounds inclusive), one combining two criteria (AND), and the forms
    of a criterion the spec also reads (an unencoded `+`, several event types; `tag` names a
    type nothing has)."""
    searches: dict[str, dict[str, Any]] = {}
    for name, ref_field in ID_CRITERIA.items():
        ref = record.get(ref_field)
        if isinstance(ref, Mapping) and ref.get("id"):
            searches[name] = {name: ref["id"]}
    for (low, high), (low_field, high_field) in WINDOWS.items():
        searches[f"{low}..{high}"] = {low: record[low_field], high: record[high_field]}
    searches["eventType (a supertype)"] = {EVENT_TYPE: [supertype(record["eventType"])]}
    searches["accountId and eventType"] = {
        "accountId": record["accountRef"]["id"],
        EVENT_TYPE: [record["eventType"]],
    }
    # A client that forgets to percent-encode `+` sends a space (the server reads it as `+`).
    searches["accountId with its + sent unencoded"] = {
        "accountId": record["accountRef"]["id"].replace("+", " ")
    }
    nowhere = f"/event/{tag}"
    searches["eventType, two values (either matches)"] = {
        EVENT_TYPE: [nowhere, record["eventType"]]
    }
    searches["eventType, two values comma-separated"] = {
        EVENT_TYPE: [f"{nowhere},{record['eventType']}"]
    }
    return {name: {**query, "limit": FLOW_LIMIT} for name, query in searches.items()}


def partial_segment(event_type: str) -> str:
    """`/event/billing/payment/cc` -> `/event/billing/payment/c`: a string prefix of the type
    that is no class of it (classes end at a `/`)."""
    return event_type[:-1]


def sample_window(sample: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A search whose whole answer is about the sample's size on any deployment: the window
    from the oldest sampled event to the newest (the sample being the oldest events)."""
    return {
        "createdStartTime": sample[0]["created"],
        "createdEndTime": sample[-1]["created"],
    }


# ---------------------------------------------------------------------------------------------
# XML: the same records, read back


def xml_records(text: str) -> list[list[tuple[str, str]]]:
    """Each `<event>` of an `<events>` document as its leaves: (path, text) pairs, sorted."""
    root = ET.fromstring(text)
    if root.tag != "events":
        raise ValueError(f"the root element is <{root.tag}>, not <events>")
    records = []
    for element in root:
        if element.tag != "event":
            raise ValueError(f"<events> holds a <{element.tag}>, not an <event>")
        records.append(sorted(_xml_leaves(element, "")))
    return records


def json_as_xml_leaves(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What the XML form of a JSON record holds: the leaves, lists as repeated elements, nulls
    left out, values as XML text (numbers compared by value, not spelling)."""
    return sorted(_json_leaves(record, ""))


def _xml_leaves(element: ET.Element, path: str) -> Iterator[tuple[str, str]]:
    children = list(element)
    if not children and path:
        yield path, _text(element.text or "")
        return
    for child in children:
        name = child.get("key", child.tag) if child.tag == "entry" else child.tag
        yield from _xml_leaves(child, f"{path}/{name}")


def _json_leaves(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if value is None:
        return
    if isinstance(value, list):
        for item in value:
            yield from _json_leaves(item, path)
    elif isinstance(value, Mapping):
        if not value and path:
            yield path, ""
        for key, child in value.items():
            yield from _json_leaves(child, f"{path}/{key}")
    elif isinstance(value, bool):
        yield path, "true" if value else "false"
    else:
        yield path, _text(str(value))


def _text(text: str) -> str:
    """Numbers by value (`-0.002`, `-2.0E-3`, `0.0` and `0` are the same amount)."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return text
    if not number.is_finite():
        return text
    return "#0" if number.is_zero() else f"#{number.normalize()}"

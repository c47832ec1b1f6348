"""What the Barchart flows post, and the export rows those events must become.

The expected rows are derived here from the vendor's documented columns (the catalog), not by
the mock's export code, so the mock is held to the same oracle as any other implementation.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any, TypeGuard
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from events_mock.barchart.catalog import COLUMN_SOURCE_KEY, load_catalog
from events_mock.contract.footprint import Footprint, PrivateWindow, RunMark

CUSTOMER = "BARCHART"
OTHER_CUSTOMER = "TGAM"
PRODUCT = "PORTFOLIO"
OTHER_PRODUCT = "WATCHLIST"
TYPED = "PORTFOLIO-CREATED"
FOREIGN_TYPE = "WATCHLIST-CREATED"
"""A type of another product than `PRODUCT`: a report asking `PRODUCT` for it ends FAILED."""
INVALID_TYPE = "NOT-AN-EVENT-TYPE"
MAX_TIMESTAMP = 253_402_300_799_999
"""The spec's `Timestamp` maximum: the end of the year 9999."""


def event(type_: str, timestamp: int, *context: str | None, **extra: Any) -> dict[str, Any]:
    product = load_catalog().product_of.get(type_, PRODUCT)
    body = {
        "customer": CUSTOMER,
        "product": product,
        "type": type_,
        "timestamp": timestamp,
        "context": list(context),
    }
    body.update(extra)
    return body


def report_events(tag: str, window: PrivateWindow) -> tuple[list[dict], list[dict]]:
    """Events a report over the window must hold, and near misses it must leave out.

    Both bounds are inclusive; one value holds a comma and a space, which only survive an
    export that really splits on its delimiter; `symbol` is not an export column. One event
    is there twice, identical (each must be exported), one has a `null` value (an empty
    column).
    """
    start, end = window.start, window.end
    inside = [
        event("PORTFOLIO-APPLICATION-LOADED", start, tag),
        event("PORTFOLIO-CREATED", start + 1_000, tag, "pf-1", version="contract-suite"),
        event("PORTFOLIO-CREATED", start + 1_000, tag, "pf-1", version="contract-suite"),
        event("PORTFOLIO-TRANSACTION-CREATED", start + 1_500, tag, None, "pos-8", "MSFT"),
        event("PORTFOLIO-TRANSACTION-CREATED", start + 2_000, tag, "pf-1", "pos-7", "AAPL"),
        event("PORTFOLIO-BROKERAGE-REPORT-DOWNLOADED", start + 3_000, tag, "pf-1", "1Y"),
        event("PORTFOLIO-CLOSED-POSITIONS-CHANGED", start + 3_000, tag, "pf-2", "true"),
        event("PORTFOLIO-CREATED", end, tag, "pf 3, with a comma"),
    ]
    outside = [
        just_before(tag, window),
        event("PORTFOLIO-CREATED", end + 1, tag, "just-after"),
        event("WATCHLIST-APPLICATION-LOADED", start + 500, tag),
        {
            **event("PORTFOLIO-CREATED", start + 500, tag, "other-customer"),
            "customer": OTHER_CUSTOMER,
        },
    ]
    return inside, outside


def just_before(tag: str, window: PrivateWindow) -> dict[str, Any]:
    """The near miss a millisecond before the window: in a report without `start` only."""
    return event("PORTFOLIO-CREATED", window.start - 1, tag, "just-before")


def rejected_batch(tag: str, window: PrivateWindow) -> list[dict]:
    """A valid event in the window beside an invalid one: the whole batch must be refused."""
    return [
        event("PORTFOLIO-CREATED", window.start + 4_000, tag, "from-a-rejected-batch"),
        {**event("PORTFOLIO-CREATED", window.start + 4_000, tag), "type": INVALID_TYPE},
    ]


def mismatched_batch(tag: str, window: PrivateWindow) -> list[dict]:
    """A valid event in the window beside one of another product's type (WATCHLIST with a
    PORTFOLIO type): refused whole, so the valid one is in no report either."""
    return [
        event("PORTFOLIO-CREATED", window.start + 4_000, tag, "from-a-mismatched-batch"),
        {**event("PORTFOLIO-CREATED", window.start + 4_000, tag, "x"), "product": OTHER_PRODUCT},
    ]


def batch_events(tag: str, window: PrivateWindow, count: int, offset: int = 0) -> list[dict]:
    """Events after the window (no report of the window sees them), several types per batch;
    the first carries a `version`, the second a `null` context value."""
    types = ["PORTFOLIO-ACCESSED", "PORTFOLIO-VIEW-TYPE-CHANGED", "PORTFOLIO-APPLICATION-LOADED"]
    base = window.end + 60_000 + offset
    events = []
    for n in range(count):
        type_ = types[n % len(types)]
        context = [tag, f"pf-{n}", "table"][: _arity(type_)]
        events.append(event(type_, base + n, *context))
    if events:
        events[0]["version"] = "contract-suite"
    if len(events) > 1 and len(events[1]["context"]) > 1:
        events[1]["context"][1] = None
    return events


def _arity(type_: str) -> int:
    return len(load_catalog().context_keys[type_])


def export_columns(product: str) -> list[str]:
    return ["timestamp", "type", *load_catalog().columns(product)]


def export_row(event: dict[str, Any], product: str) -> list[str]:
    """The row the documented export format gives an event: context values by their key."""
    keys = load_catalog().context_keys.get(event["type"], ())
    context = event["context"]
    row = [str(event["timestamp"]), event["type"]]
    for column in load_catalog().columns(product):
        key = COLUMN_SOURCE_KEY.get(column, column)
        position = keys.index(key) if key in keys else None
        value = context[position] if position is not None and position < len(context) else None
        row.append("" if value is None else value)
    return row


def report_filter(window: PrivateWindow, **extra: Any) -> dict[str, Any]:
    return {
        "customer": CUSTOMER,
        "product": PRODUCT,
        "start": window.start,
        "end": window.end,
        **extra,
    }


def unknown_source() -> str:
    return f"JOB-{uuid.uuid4()}"


OVERLONG_SOURCE = "JOB-" + "0" * 197
"""201 characters: one past the spec's `maxLength` of a source."""


def altered_links(link: str) -> list[tuple[str, str]]:
    """(what was done, the link) for each way to forge `link` without knowing how it is
    signed: the last character of its longest query value (the token or signature) changed,
    and the query dropped. A link without a query is its own token: its path is altered."""
    parts = urlsplit(link)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if not query:
        path = parts.path[:-5] + _flip(parts.path[-5]) + parts.path[-4:]
        return [("the link with its path altered", urlunsplit(parts._replace(path=path)))]
    longest = max(range(len(query)), key=lambda i: len(query[i][1]))
    name, value = query[longest]
    query[longest] = (name, value[:-1] + _flip(value[-1:] or "x"))
    return [
        (f"the link with its {name!r} altered", urlunsplit(parts._replace(query=urlencode(query)))),
        ("the link without its query", urlunsplit(parts._replace(query=""))),
    ]


def mixed_link(own: str, foreign: str) -> str | None:
    """`own`'s file with `foreign`'s token (its query): None when links carry no query."""
    own_parts, foreign_parts = urlsplit(own), urlsplit(foreign)
    if not own_parts.query or not foreign_parts.query or own_parts.path == foreign_parts.path:
        return None
    return urlunsplit(own_parts._replace(query=foreign_parts.query))


def _flip(char: str) -> str:
    return "A" if char != "A" else "B"


# ---------------------------------------------------------------------------------------------
# What generated requests leave: marked like the flows' own events


def mark_generated(operation_id: str, body: Any, mark: RunMark) -> None:
    """A generated `POST /events` batch, each event tagged and dated in the run's span.

    The tag goes first in the context, as in the flows' events: prepended, so an invalid
    context stays invalid (a wrong item stays) and a valid one valid (no `maxItems`). A valid
    timestamp is moved after the flows' events (`PrivateWindow.generated`); an invalid one is
    left as it is, so the batch is still refused, and `negative_case_refused` reports a target
    that stores it anyway.
    """
    if operation_id != "createEvents" or not isinstance(body, dict):
        return
    events = body.get("events")
    if not isinstance(events, list):
        return
    for event in events:
        if not isinstance(event, dict):
            continue
        context = event.get("context")
        if isinstance(context, list) and context[:1] != [mark.tag]:
            context.insert(0, mark.tag)
        timestamp = event.get("timestamp")
        if _is_timestamp(timestamp):
            event["timestamp"] = mark.window.generated(timestamp)


def left_by(operation_id: str, status: int, body: Any) -> Counter[str]:
    """A 200 to `POST /events` repeats every event it stored; one to `POST /reports` is a job."""
    if operation_id == "createEvents" and status == 200 and isinstance(body, list):
        return Counter(events=len(body))
    if operation_id == "startReport" and status == 200:
        return Counter(jobs=1)
    return Counter()


def _is_timestamp(value: Any) -> TypeGuard[int]:
    return type(value) is int and 0 <= value <= MAX_TIMESTAMP


FOOTPRINT = Footprint(mark=mark_generated, left=left_by)

"""Billing Care searches that each break exactly one rule of the search's contract.

Most change the query before the mock reads it (`edit_query`): the mock then searches exactly
as a server with that bug would. The others rewrite the answer.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from events_mock.app import EventsMock
from tests.contract.breaking import (
    ASGIApp,
    BrokenServer,
    Exchange,
    Query,
    Rewrite,
    edit_query,
    query_of,
)

EVENTS = "/bcws/webresources/v1.0/events"
SEARCH = "GET /events"
CRITERIA = (
    "accountId", "billId", "billUnitId", "itemId", "serviceId", "startTime", "endTime",
    "createdStartTime", "createdEndTime", "effectiveStartTime", "effectiveEndTime", "eventType",
)  # fmt: skip
INT64_MIN = -(2**63)
INT32_MAX = 2**31 - 1


def search(exchange: Exchange) -> bool:
    return exchange.method == "GET" and exchange.path == EVENTS


def _ignores_bill_unit(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """`billUnitId` counts as a criterion but selects nothing: it matches every event."""

    def edit(query: Query) -> Query:
        if query.get("billUnitId", [""]) != [""]:  # an empty id is still refused, as it should
            query.pop("billUnitId")
            query.setdefault("createdStartTime", [str(INT64_MIN)])
        return query

    return Rewrite(app, search, before=edit_query(edit))


def _pages_overlap(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Every page after the first starts one event early (an off-by-one offset)."""

    def edit(query: Query) -> Query:
        offset = query.get("offset", ["0"])[0]
        if offset.isdigit() and 0 < int(offset) <= INT32_MAX:
            query["offset"] = [str(int(offset) - 1)]
        return query

    return Rewrite(app, search, before=edit_query(edit))


def _event_type_alone_204(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """`eventType` alone is not taken for a criterion: 204, as if none were given."""

    def rewrite(exchange: Exchange) -> None:
        given = [name for name in query_of(exchange) if name in CRITERIA]
        if exchange.status == 200 and given == ["eventType"]:
            exchange.status = 204
            exchange.body = b""

    return Rewrite(app, search, rewrite)


def _limit_off_by_one(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(query: Query) -> Query:
        limit = query.get("limit", [""])[0]
        if limit.isdigit() and int(limit) < INT32_MAX:
            query["limit"] = [str(int(limit) + 1)]
        return query

    return Rewrite(app, search, before=edit_query(edit))


def _xml_drops_last_event(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        if exchange.status != 200 or "xml" not in exchange.response_headers.get("content-type", ""):
            return
        root = ET.fromstring(exchange.body)
        if len(root):
            root.remove(root[-1])
        exchange.body = ET.tostring(root, encoding="utf-8", xml_declaration=True)

    return Rewrite(app, search, rewrite)


def _negative_limit_accepted(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A negative `limit` is taken as no limit at all."""

    def edit(query: Query) -> Query:
        if query.get("limit", ["0"])[0].startswith("-"):
            query.pop("limit")
        return query

    return Rewrite(app, search, before=edit_query(edit))


def _any_accept_gets_json(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Answers JSON whatever the client accepts, instead of 406."""

    def before(exchange: Exchange) -> bool:
        accept = exchange.headers.get("accept", "")
        if accept and not any(t in accept for t in ("json", "xml", "*/*", "application/*")):
            exchange.headers["accept"] = "application/json"
        return False

    return Rewrite(app, search, before=before)


def _inverted_window_empty(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A window whose start is after its end answers `[]` instead of 400."""

    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 400 and " is after " in exchange.json().get("detail", ""):
            exchange.status = 200
            exchange.set_json([])

    return Rewrite(app, search, rewrite)


def _subtypes_not_matched(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """`eventType` matches the type itself only, not its subtypes."""

    def rewrite(exchange: Exchange) -> None:
        wanted = query_of(exchange).get("eventType")
        if (
            exchange.status != 200
            or not wanted
            or "json" not in exchange.response_headers.get("content-type", "")
        ):
            return
        exchange.set_json([e for e in exchange.json() if e["eventType"] in wanted])

    return Rewrite(app, search, rewrite)


def _unordered(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Newest first, not by `created` ascending."""

    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 200 and "json" in exchange.response_headers.get("content-type", ""):
            exchange.set_json(list(reversed(exchange.json())))

    return Rewrite(app, search, rewrite)


def _server(name: str, rule: str, evidence: str, breaks: Any, *, select: str) -> BrokenServer:
    return BrokenServer(name, SEARCH, rule, evidence, breaks, api="billing-care", select=select)


BILLING_SERVERS = [
    _server(
        "billing-ignores-bill-unit",
        "the billUnitId criterion is ignored",
        "[criteria_satisfied]",
        _ignores_bill_unit,
        select="test_each_criterion_selects_exactly_its_events",
    ),
    _server(
        "billing-pages-overlap",
        "each page starts one event early (offset off by one)",
        "[pages_partition]",
        _pages_overlap,
        select="test_pages_partition_the_result",
    ),
    _server(
        "billing-204-with-criterion",
        "a search by eventType alone answers 204",
        "[no_criterion_204] a search with criteria answered 204",
        _event_type_alone_204,
        select="test_each_criterion_selects_exactly_its_events",
    ),
    _server(
        "billing-limit-off-by-one",
        "pages hold limit + 1 events",
        "[limit_respected]",
        _limit_off_by_one,
        select="test_pages_partition_the_result",
    ),
    _server(
        "billing-xml-missing-record",
        "the XML answer lacks the last event",
        "[xml_same_records]",
        _xml_drops_last_event,
        select="test_xml_holds_the_same_records",
    ),
    _server(
        "billing-negative-limit-accepted",
        "limit=-1 is taken as no limit",
        "[negative_paging_refused]",
        _negative_limit_accepted,
        select="test_negative_paging_refused",
    ),
    _server(
        "billing-unsupported-accept-json",
        "an Accept it cannot produce gets JSON, not 406",
        "[not_acceptable]",
        _any_accept_gets_json,
        select="test_unsupported_media_type_refused",
    ),
    _server(
        "billing-inverted-window-accepted",
        "a window whose start is after its end answers [] (not 400)",
        "[inverted_window_refused]",
        _inverted_window_empty,
        select="test_inverted_windows_refused",
    ),
    _server(
        "billing-subtypes-not-matched",
        "eventType matches the type itself, not its subtypes",
        "[matching_events_found]",
        _subtypes_not_matched,
        select="test_each_criterion_selects_exactly_its_events",
    ),
    _server(
        "billing-unordered",
        "results come newest first",
        "[ordered_by_created]",
        _unordered,
        select="test_pages_partition_the_result",
    ),
]

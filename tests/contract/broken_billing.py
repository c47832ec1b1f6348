"""Billing Care searches that each break exactly one rule of the search's contract.

Most change the query before the mock reads it (`edit_query`): the mock then searches exactly
as a server with that bug would. The others rewrite the answer.
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from typing import Any

from events_mock.app import EventsMock
from events_mock.billing.search import EventQuery, matches
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


def _searching_with(
    mock: EventsMock, app: ASGIApp, match: Callable[[Mapping[str, Any], EventQuery], bool]
) -> ASGIApp:
    """The mock's search with another idea of which records match (paging as the spec's)."""
    service = mock.billing

    def search(query: EventQuery) -> list[Any]:
        hits = [record for record in service.data if match(record, query)]
        end = None if query.limit is None else query.offset + query.limit
        return hits[query.offset : end]

    service.search = search  # type: ignore[method-assign]
    return app


def _criteria_or(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """`accountId` and `eventType` together match events with either (OR, not AND)."""

    def match(record: Mapping[str, Any], query: EventQuery) -> bool:
        if query.account_id is None or query.event_types is None:
            return matches(record, query)
        by_account = dataclasses.replace(query, event_types=None)
        by_type = dataclasses.replace(query, account_id=None)
        return matches(record, by_account) or matches(record, by_type)

    return _searching_with(mock, app, match)


def _plus_not_read_as_space(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A space in an id is taken literally: an unencoded `+` matches nothing."""

    def edit(query: Query) -> Query:
        for name in ("accountId", "billId", "billUnitId", "itemId", "serviceId"):
            if name in query:
                query[name] = [value.replace(" ", "_") for value in query[name]]
        return query

    return Rewrite(app, search, before=edit_query(edit))


def _null_service_matches(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """`serviceId` also matches the events that have no service."""

    def match(record: Mapping[str, Any], query: EventQuery) -> bool:
        if query.service_id is not None and record.get("serviceRef") is None:
            return matches(record, dataclasses.replace(query, service_id=None))
        return matches(record, query)

    return _searching_with(mock, app, match)


def _windows_exclusive(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Time windows exclude their bounds."""
    lows = ("startTime", "createdStartTime", "effectiveStartTime")
    highs = ("endTime", "createdEndTime", "effectiveEndTime")

    def edit(query: Query) -> Query:
        for name, step in [*((n, 1) for n in lows), *((n, -1) for n in highs)]:
            value = query.get(name, [""])[0]
            if value.lstrip("-").isdigit() and abs(int(value)) < 2**62:
                query[name] = [str(int(value) + step)]
        return query

    return Rewrite(app, search, before=edit_query(edit))


def _event_type_first_only(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Of several `eventType` values only the first is read."""

    def edit(query: Query) -> Query:
        if len(query.get("eventType", [])) > 1:
            query["eventType"] = query["eventType"][:1]
        return query

    return Rewrite(app, search, before=edit_query(edit))


def _event_type_comma_unsplit(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A comma-separated `eventType` is read as its first type only."""

    def edit(query: Query) -> Query:
        if "eventType" in query:
            query["eventType"] = [value.split(",")[0] for value in query["eventType"]]
        return query

    return Rewrite(app, search, before=edit_query(edit))


def _event_type_string_prefix(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """`eventType` matches as a string prefix: `/event/billing/pay` takes payments."""

    def match(record: Mapping[str, Any], query: EventQuery) -> bool:
        if query.event_types is None:
            return matches(record, query)
        typed = record["eventType"].startswith(query.event_types)
        return typed and matches(record, dataclasses.replace(query, event_types=None))

    return _searching_with(mock, app, match)


def _no_criterion_200(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A search without criteria answers every event (200), not 204."""

    def edit(query: Query) -> Query:
        if not any(name in query for name in CRITERIA):
            query["createdStartTime"] = [str(INT64_MIN)]
        return query

    return Rewrite(app, search, before=edit_query(edit))


def _paging_is_a_criterion(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """`limit` or `offset` alone counts as a search (200), not 204."""

    def edit(query: Query) -> Query:
        if query and not any(name in query for name in CRITERIA):
            query["createdStartTime"] = [str(INT64_MIN)]
        return query

    return Rewrite(app, search, before=edit_query(edit))


def _nothing_found_204(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A search that matches nothing answers 204, not 200 with `[]`."""

    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 200 and exchange.body.strip() == b"[]":
            exchange.status, exchange.body = 204, b""
            exchange.response_headers.pop("content-type", None)

    return Rewrite(app, search, rewrite)


def _limit_zero_unlimited(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """`limit=0` is taken as no limit."""

    def edit(query: Query) -> Query:
        if query.get("limit") == ["0"]:
            query.pop("limit")
        return query

    return Rewrite(app, search, before=edit_query(edit))


def _default_limit(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Without `limit` a page holds 50 events."""

    def edit(query: Query) -> Query:
        if any(name in query for name in CRITERIA):
            query.setdefault("limit", ["50"])
        return query

    return Rewrite(app, search, before=edit_query(edit))


def _offset_past_end_clamped(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """An offset past the last result answers the first page instead of `[]`."""

    def edit(query: Query) -> Query:
        offset = query.get("offset", [""])[0]
        if offset.isdigit() and int(offset) >= 1_000_000:
            query["offset"] = ["0"]
        return query

    return Rewrite(app, search, before=edit_query(edit))


def _any_token(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Any bearer token gets in."""
    token = next(iter(mock.config.billing_tokens.values()))

    def before(exchange: Exchange) -> bool:
        if exchange.headers.get("authorization", "").startswith("Bearer "):
            exchange.headers["authorization"] = f"Bearer {token}"
        return False

    return Rewrite(app, search, before=before)


def _challenge_basic(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 401:
            exchange.response_headers["www-authenticate"] = 'Basic realm="bcws"'

    return Rewrite(app, search, rewrite)


def _no_criterion_204_before_auth(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A search without criteria is answered 204 before the credentials are looked at."""

    def before(exchange: Exchange) -> bool:
        if not any(name in query_of(exchange) for name in CRITERIA):
            exchange.status, exchange.body = 204, b""
            return True
        return False

    return Rewrite(app, search, before=before)


def _accept_before_parameters(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """`Accept` is checked before the parameters: 406 where the spec says 400."""

    def before(exchange: Exchange) -> bool:
        accept = exchange.headers.get("accept", "")
        if accept and not any(t in accept for t in ("json", "xml", "*/*", "application/*")):
            exchange.status = 406
            exchange.set_json({"title": "Not Acceptable", "status": 406, "detail": accept})
            return True
        return False

    return Rewrite(app, search, before=before)


def _criteria_before_accept(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """No criterion is 204 before `Accept` is looked at."""

    def before(exchange: Exchange) -> bool:
        if exchange.headers.get("authorization") and not query_of(exchange):
            exchange.headers["accept"] = "application/json"
        return False

    return Rewrite(app, search, before=before)


def _unknown_parameters_ignored(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Parameters the operation does not define are ignored."""

    def edit(query: Query) -> Query:
        return {k: v for k, v in query.items() if k in (*CRITERIA, "limit", "offset")}

    return Rewrite(app, search, before=edit_query(edit))


def _empty_criteria_ignored(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """An empty id or event type is taken as not given."""

    def edit(query: Query) -> Query:
        for name in CRITERIA:
            values = [value for value in query.get(name, []) if value]
            if name in query and not values:
                query.pop(name)
        return query

    return Rewrite(app, search, before=edit_query(edit))


def _edit_records(edit: Callable[[dict[str, Any]], None]) -> Callable[[Exchange], None]:
    def rewrite(exchange: Exchange) -> None:
        if exchange.status == 200 and "json" in exchange.response_headers.get("content-type", ""):
            records = exchange.json()
            for record in records:
                edit(record)
            exchange.set_json(records)

    return rewrite


def _event_ref_newsfeed(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """`eventRef` is a newsfeed id, as in the page's example, not the event's own."""

    def edit(record: dict[str, Any]) -> None:
        number = record["id"]["id"].rsplit("+", 1)[-1]
        record["eventRef"] = {"id": f"0.0.0.1+-newsfeed+{number}", "uri": None}

    return Rewrite(app, search, _edit_records(edit))


def _object_ref_is_account(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(record: dict[str, Any]) -> None:
        record["objectRef"] = dict(record["accountRef"])

    return Rewrite(app, search, _edit_records(edit))


def _resource_id_usd(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """`resourceId` is always 840 (USD), whatever the account's currency."""

    def edit(record: dict[str, Any]) -> None:
        record["resourceId"] = 840

    return Rewrite(app, search, _edit_records(edit))


def _amount_of_all_impacts(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """`amount` sums every balance impact, free minutes included."""

    def edit(record: dict[str, Any]) -> None:
        record["amount"] = round(sum(i["amount"] for i in record["balanceImpacts"]), 6) + 0.5

    return Rewrite(app, search, _edit_records(edit))


def _payments_with_service(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Payments carry the account's first service."""

    def edit(record: dict[str, Any]) -> None:
        if record["eventType"].startswith("/event/billing/payment"):
            record["serviceRef"] = {"id": "0.0.0.1+-service-telco-gsm+1", "uri": None}

    return Rewrite(app, search, _edit_records(edit))


def _error_status_400(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Every error says `status: 400`."""

    def rewrite(exchange: Exchange) -> None:
        if exchange.status >= 400:
            exchange.set_json({**exchange.json(), "status": 400})

    return Rewrite(app, search, rewrite)


def _error_title_generic(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def rewrite(exchange: Exchange) -> None:
        if exchange.status >= 400:
            exchange.set_json({**exchange.json(), "title": "Error"})

    return Rewrite(app, search, rewrite)


def _xml_errors(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A client that asked for XML gets its errors as XML."""

    def rewrite(exchange: Exchange) -> None:
        if exchange.status >= 400 and "xml" in exchange.headers.get("accept", ""):
            error = exchange.json()
            exchange.response_headers["content-type"] = "application/xml"
            exchange.body = (
                f"<error><title>{error['title']}</title><status>{error['status']}</status></error>"
            ).encode()

    return Rewrite(app, search, rewrite)


def _wildcard_not_acceptable(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """`Accept: application/*` is 406: only exact media types (and `*/*`) are taken."""

    def before(exchange: Exchange) -> bool:
        if exchange.headers.get("accept", "").startswith("application/*"):
            exchange.status = 406
            exchange.set_json({"title": "Not Acceptable", "status": 406, "detail": "app/*"})
            return True
        return False

    return Rewrite(app, search, before=before)


def _times_as_dates(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """`created` as an ISO date-time, as the vendor's schema labels it, not epoch ms."""

    def edit(record: dict[str, Any]) -> None:
        record["created"] = "2025-11-06T09:04:50Z"

    return Rewrite(app, search, _edit_records(edit))


def _records_without_bill(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """Records leave out `billRef` (the "Get Events" page's example has none)."""

    def edit(record: dict[str, Any]) -> None:
        record.pop("billRef", None)

    return Rewrite(app, search, _edit_records(edit))


def _type_id_always_charge(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    def edit(record: dict[str, Any]) -> None:
        record["typeId"] = 5

    return Rewrite(app, search, _edit_records(edit))


def _huge_limit_accepted(mock: EventsMock, app: ASGIApp) -> ASGIApp:
    """A `limit` past int32 is taken as no limit."""

    def edit(query: Query) -> Query:
        limit = query.get("limit", [""])[0]
        if limit.isdigit() and int(limit) > INT32_MAX:
            query.pop("limit")
        return query

    return Rewrite(app, search, before=edit_query(edit))


def _server(
    name: str, rule: str, evidence: str, breaks: Any, *, select: str, rule_id: str
) -> BrokenServer:
    return BrokenServer(
        name,
        SEARCH,
        rule,
        evidence,
        breaks,
        api="billing-care",
        select=select,
        rule_id=f"billing-care.{rule_id}",
    )


BILLING_SERVERS = [
    _server(
        "billing-ignores-bill-unit",
        "the billUnitId criterion is ignored",
        "[criteria_satisfied]",
        _ignores_bill_unit,
        select="test_each_criterion_selects_exactly_its_events",
        rule_id="search.id-criteria-exact",
    ),
    _server(
        "billing-pages-overlap",
        "each page starts one event early (offset off by one)",
        "[pages_partition]",
        _pages_overlap,
        select="test_pages_partition_the_result",
        rule_id="paging.pages-partition",
    ),
    _server(
        "billing-204-with-criterion",
        "a search by eventType alone answers 204",
        "[no_criterion_204] a search with criteria answered 204",
        _event_type_alone_204,
        select="test_each_criterion_selects_exactly_its_events",
        rule_id="criteria.any-criterion-searches",
    ),
    _server(
        "billing-limit-off-by-one",
        "pages hold limit + 1 events",
        "[limit_respected]",
        _limit_off_by_one,
        select="test_pages_partition_the_result",
        rule_id="paging.limit",
    ),
    _server(
        "billing-xml-missing-record",
        "the XML answer lacks the last event",
        "[xml_same_records]",
        _xml_drops_last_event,
        select="test_xml_holds_the_same_records",
        rule_id="xml.same-records",
    ),
    _server(
        "billing-negative-limit-accepted",
        "limit=-1 is taken as no limit",
        "[negative_paging_refused]",
        _negative_limit_accepted,
        select="test_negative_paging_refused",
        rule_id="paging.negative-400",
    ),
    _server(
        "billing-unsupported-accept-json",
        "an Accept it cannot produce gets JSON, not 406",
        "[not_acceptable]",
        _any_accept_gets_json,
        select="test_unsupported_media_type_refused",
        rule_id="accept.not-acceptable-406",
    ),
    _server(
        "billing-inverted-window-accepted",
        "a window whose start is after its end answers [] (not 400)",
        "[inverted_window_refused]",
        _inverted_window_empty,
        select="test_inverted_windows_refused",
        rule_id="windows.inverted-400",
    ),
    _server(
        "billing-subtypes-not-matched",
        "eventType matches the type itself, not its subtypes",
        "[matching_events_found]",
        _subtypes_not_matched,
        select="test_each_criterion_selects_exactly_its_events",
        rule_id="event-type.subclasses",
    ),
    _server(
        "billing-unordered",
        "results come newest first",
        "[ordered_by_created]",
        _unordered,
        select="test_pages_partition_the_result",
        rule_id="order.created-then-id",
    ),
    _server(
        "billing-plus-not-read-as-space",
        "a space in an id criterion is taken literally, not as +",
        "[matching_events_found] the search by accountId with its + sent unencoded",
        _plus_not_read_as_space,
        select="test_each_criterion_selects_exactly_its_events",
        rule_id="search.plus-as-space",
    ),
    _server(
        "billing-null-service-matches",
        "serviceId also matches events without a service",
        "[criteria_satisfied]",
        _null_service_matches,
        select="test_each_criterion_selects_exactly_its_events",
        rule_id="search.no-service-never-matches",
    ),
    _server(
        "billing-windows-exclusive",
        "time windows exclude their bounds",
        "[matching_events_found] the search by startTime..endTime",
        _windows_exclusive,
        select="test_each_criterion_selects_exactly_its_events",
        rule_id="windows.inclusive",
    ),
    _server(
        "billing-event-type-first-only",
        "of several eventType values only the first is read",
        "[matching_events_found] the search by eventType, two values (either matches)",
        _event_type_first_only,
        select="test_each_criterion_selects_exactly_its_events",
        rule_id="event-type.any-of-several",
    ),
    _server(
        "billing-event-type-comma-unsplit",
        "a comma-separated eventType is read as its first type",
        "[matching_events_found] the search by eventType, two values comma-separated",
        _event_type_comma_unsplit,
        select="test_each_criterion_selects_exactly_its_events",
        rule_id="event-type.comma-separated",
    ),
    _server(
        "billing-event-type-string-prefix",
        "eventType matches as a string prefix (/event/billing/pay takes payments)",
        "[criteria_satisfied]",
        _event_type_string_prefix,
        select="test_each_criterion_selects_exactly_its_events",
        rule_id="event-type.whole-segments",
    ),
    _server(
        "billing-no-criterion-200",
        "a search without criteria answers every event, not 204",
        "[no_criterion_204] a search without any criterion answered 200, not 204",
        _no_criterion_200,
        select="test_no_criterion_answers_204",
        rule_id="criteria.none-204",
    ),
    _server(
        "billing-paging-is-a-criterion",
        "limit or offset alone counts as a search (200, not 204)",
        "[no_criterion_204] a search without any criterion answered 200, not 204",
        _paging_is_a_criterion,
        select="test_no_criterion_answers_204",
        rule_id="criteria.paging-is-no-criterion",
    ),
    _server(
        "billing-nothing-found-204",
        "a search matching nothing answers 204, not 200 []",
        "[no_criterion_204] a search with criteria answered 204",
        _nothing_found_204,
        select="test_criteria_matching_nothing_answer_an_empty_list",
        rule_id="criteria.nothing-found-200",
    ),
    _server(
        "billing-limit-zero-unlimited",
        "limit=0 is taken as no limit",
        "[limit_respected] limit=0, the page holds",
        _limit_zero_unlimited,
        select="test_criteria_matching_nothing_answer_an_empty_list",
        rule_id="paging.limit-zero-empty",
    ),
    _server(
        "billing-default-limit",
        "without limit a page holds 50 events",
        "[matching_events_found] the sample's own window",
        _default_limit,
        select="test_pages_partition_the_result",
        rule_id="paging.no-cap-by-default",
    ),
    _server(
        "billing-offset-past-end-clamped",
        "an offset past the last result answers the first page, not []",
        "[limit_respected] the page should hold 0 events",
        _offset_past_end_clamped,
        select="test_criteria_matching_nothing_answer_an_empty_list",
        rule_id="paging.offset-past-end-empty",
    ),
    _server(
        "billing-any-token",
        "any bearer token gets in",
        "[credentials_rejected] GET /bcws/webresources/v1.0/events with an unknown token",
        _any_token,
        select="test_bad_credentials_rejected",
        rule_id="auth.bad-token-401",
    ),
    _server(
        "billing-challenge-basic",
        "a 401 challenges with Basic, not Bearer",
        "[bearer_challenge] the 401 challenges with Basic",
        _challenge_basic,
        select="test_bad_credentials_rejected",
        rule_id="auth.bearer-challenge",
    ),
    _server(
        "billing-204-before-auth",
        "a search without criteria is 204 before the credentials are checked",
        "[credentials_rejected] GET /bcws/webresources/v1.0/events with no credentials "
        "answered 204",
        _no_criterion_204_before_auth,
        select="test_bad_credentials_rejected",
        rule_id="order.credentials-first",
    ),
    _server(
        "billing-accept-before-parameters",
        "Accept is checked before the parameters (406 where 400 is due)",
        "[checked_in_order] limit=-1 with Accept: text/csv answered 406, expected 400",
        _accept_before_parameters,
        select="test_checks_come_in_the_documented_order",
        rule_id="order.parameters-before-accept",
    ),
    _server(
        "billing-criteria-before-accept",
        "no criterion is 204 before Accept is checked",
        "[checked_in_order] no criterion with Accept: text/csv answered 204, expected 406",
        _criteria_before_accept,
        select="test_checks_come_in_the_documented_order",
        rule_id="order.accept-before-criteria",
    ),
    _server(
        "billing-unknown-parameters-ignored",
        "parameters the operation does not define are ignored",
        "[invalid_parameter_refused] a parameter the operation does not define (accountID)",
        _unknown_parameters_ignored,
        select="test_undefined_and_empty_parameters_refused",
        rule_id="parameters.undefined-400",
    ),
    _server(
        "billing-empty-criteria-ignored",
        "an empty id or event type is taken as not given",
        "[invalid_parameter_refused] an empty accountId answered 204",
        _empty_criteria_ignored,
        select="test_undefined_and_empty_parameters_refused",
        rule_id="parameters.empty-400",
    ),
    _server(
        "billing-event-ref-newsfeed",
        "eventRef is a newsfeed id, not the event's own",
        "[event_ref_is_id]",
        _event_ref_newsfeed,
        select="test_no_criterion_answers_204 or test_pages_partition_the_result",
        rule_id="records.event-ref-is-id",
    ),
    _server(
        "billing-object-ref-is-account",
        "objectRef names the account, not the item",
        "[object_ref_is_item]",
        _object_ref_is_account,
        select="test_pages_partition_the_result",
        rule_id="records.object-ref-is-item",
    ),
    _server(
        "billing-resource-id-usd",
        "resourceId is always 840, whatever the currency",
        "[resource_id_is_currency]",
        _resource_id_usd,
        select="test_pages_partition_the_result",
        rule_id="records.resource-id-is-currency",
    ),
    _server(
        "billing-amount-of-all-impacts",
        "amount is not the sum of the impacts in the currency",
        "[amount_sums_currency_impacts]",
        _amount_of_all_impacts,
        select="test_pages_partition_the_result",
        rule_id="records.amount-sums-currency-impacts",
    ),
    _server(
        "billing-payments-with-service",
        "payments carry a serviceRef",
        "[account_events_have_no_service]",
        _payments_with_service,
        select="test_pages_partition_the_result",
        rule_id="records.account-level-no-service",
    ),
    _server(
        "billing-error-status-400",
        "every error says status 400",
        "[error_names_status] the 401 answer says status 400",
        _error_status_400,
        select="test_bad_credentials_rejected",
        rule_id="errors.status-is-status",
    ),
    _server(
        "billing-error-title-generic",
        "every error's title is 'Error'",
        "[error_names_status] the 401 answer's title is 'Error'",
        _error_title_generic,
        select="test_bad_credentials_rejected",
        rule_id="errors.title-is-reason-phrase",
    ),
    _server(
        "billing-xml-errors",
        "a client that asked for XML gets its errors as XML",
        "FAIL content_type_conformance",
        _xml_errors,
        select="test_errors_are_json_for_xml_clients",
        rule_id="errors.always-json",
    ),
    _server(
        "billing-wildcard-not-acceptable",
        "Accept: application/* is 406",
        "[answered_with] Accept: application/* (covers JSON): expected 200, got 406",
        _wildcard_not_acceptable,
        select="test_unsupported_media_type_refused",
        rule_id="accept.wildcards-served",
    ),
    _server(
        "billing-times-as-dates",
        "created is an ISO date-time, not epoch ms",
        "FAIL response_schema_conformance",
        _times_as_dates,
        select="test_pages_partition_the_result",
        rule_id="records.times-epoch-ms",
    ),
    _server(
        "billing-huge-limit-accepted",
        "a limit past int32 is taken as no limit",
        "FAIL negative_data_rejection",
        _huge_limit_accepted,
        select="test_conformance",
        rule_id="parameters.range-400",
    ),
    _server(
        "billing-criteria-or",
        "accountId and eventType together match either (OR)",
        "[criteria_satisfied]",
        _criteria_or,
        select="test_each_criterion_selects_exactly_its_events",
        rule_id="search.every-criterion-narrows",
    ),
    _server(
        "billing-records-without-bill",
        "records leave out billRef",
        "FAIL response_schema_conformance",
        _records_without_bill,
        select="test_pages_partition_the_result",
        rule_id="records.fields",
    ),
    _server(
        "billing-type-id-always-charge",
        "every record's typeId is 5 (charge)",
        "[type_id_is_category]",
        _type_id_always_charge,
        select="test_pages_partition_the_result",
        rule_id="records.type-id-is-category",
    ),
]

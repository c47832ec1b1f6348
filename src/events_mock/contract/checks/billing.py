"""Billing Care search rules no schema can express, as named checks (see `registry`).

The schema says what an event record looks like; a search that returns well-formed records of
the wrong events, pages that overlap, or an XML document missing a record all pass it. These
checks judge the answer against the search that was sent (`flows.billing.Search`, the spec's
oracle).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from http import HTTPStatus
from itertools import pairwise
from typing import Any

from schemathesis import Case, CheckContext, Response
from schemathesis.specs.openapi.checks import positive_data_acceptance

from events_mock.contract.checks.common import (
    COMMON,
    applies,
    is_negative,
    json_body,
    operation_id_of,
    sent_url,
)
from events_mock.contract.context import RunContext
from events_mock.contract.flows.billing import (
    XML,
    Search,
    is_type_or_subtype,
    json_as_xml_leaves,
    order_key,
    record_id,
    xml_records,
)
from events_mock.contract.registry import CheckSet
from events_mock.contract.violations import fail, snippet

__all__ = ["BILLING"]

BILLING = CheckSet("billing-care", includes=[COMMON])


# ---------------------------------------------------------------------------------------------
# Flow checks


@BILLING.flow_check
def criteria_satisfied(
    ctx: RunContext, search: Search, records: Sequence[Any], response: Response
) -> None:
    """Every returned event satisfies every criterion of the search."""
    for position, record in enumerate(records, start=1):
        unmet = search.unmet(record) if isinstance(record, Mapping) else ["not an object"]
        if unmet:
            fail(
                f"event {position} of {len(records)} ({record_id(record)}) does not match the "
                f"search: {'; '.join(unmet)}",
                response,
            )


@BILLING.flow_check
def matching_events_found(
    ctx: RunContext,
    expected: Sequence[Mapping[str, Any]],
    records: Sequence[Any],
    response: Response,
    why: str,
) -> None:
    """Events known to match the search are in its answer: no criterion narrows too much."""
    found = {record_id(r) for r in records}
    missing = [record_id(e) for e in expected if record_id(e) not in found]
    if missing:
        fail(
            f"{why}: the answer ({len(records)} events) lacks {', '.join(map(str, missing))}, "
            "which matches it",
            response,
        )


@BILLING.flow_check
def ordered_by_created(ctx: RunContext, records: Sequence[Any], response: Response) -> None:
    """Results come by `created`, ties by id: the order that keeps pages from overlapping."""
    keys = [order_key(r) for r in records if isinstance(r, Mapping)]
    for position, (before, after) in enumerate(pairwise(keys), start=1):
        try:
            wrong = after < before
        except TypeError:
            wrong = False  # a record without `created` is the schema checks' business
        if wrong:
            fail(
                f"event {position + 1} {after} comes after event {position} {before}: results "
                "must be ordered by created, then id",
                response,
            )


@BILLING.flow_check
def limit_respected(
    ctx: RunContext,
    records: Sequence[Any],
    limit: int | None,
    response: Response,
    expected: int | None = None,
) -> None:
    """A page holds at most `limit` events; exactly as many as remain after `offset` when the
    whole result is known."""
    if limit is not None and len(records) > limit:
        fail(f"limit={limit}, the page holds {len(records)} events", response)
    if expected is not None and len(records) != expected:
        fail(
            f"the page should hold {expected} events (limit={limit}), it holds {len(records)}",
            response,
        )


@BILLING.flow_check
def pages_partition(
    ctx: RunContext,
    pages: Sequence[Sequence[Any]],
    whole: Sequence[Any],
    responses: Sequence[Response],
) -> None:
    """Pages do not overlap, and together (in order) are the unpaginated result."""
    seen: dict[str, int] = {}
    for number, page in enumerate(pages, start=1):
        for record in page:
            rid = str(record_id(record))
            if rid in seen:
                fail(
                    f"event {rid} is on page {seen[rid]} and again on page {number}",
                    *responses[seen[rid] - 1 : number],
                )
            seen[rid] = number
    paged = [record_id(r) for page in pages for r in page]
    unpaged = [record_id(r) for r in whole]
    if paged != unpaged:
        missing = [rid for rid in unpaged if rid not in set(paged)]
        detail = f"missing {missing[:3]}" if missing else "in another order"
        fail(
            f"the {len(pages)} pages hold {len(paged)} events, the unpaginated result "
            f"{len(unpaged)} ({detail})",
            *responses[-1:],
        )


@BILLING.flow_check
def no_criterion_204(ctx: RunContext, search: Search, response: Response) -> None:
    """204 exactly when no criterion is given (`limit` and `offset` are not criteria); a search
    that matches nothing is 200 with `[]`."""
    criteria = search.has_criteria()
    if response.status_code == 204 and criteria:
        fail("a search with criteria answered 204 (no criteria)", response)
    if response.status_code == 200 and not criteria:
        fail("a search without any criterion answered 200, not 204", response)
    if response.status_code == 204 and response.content:
        fail(f"the 204 has a body: {snippet(response)}", response)


@BILLING.flow_check
def inverted_window_refused(
    ctx: RunContext, response: Response, windows: Sequence[tuple[str, str]]
) -> None:
    """A window whose start is after its end is a 400, though each bound alone is valid."""
    if response.status_code != 400:
        names = ", ".join(f"{low} > {high}" for low, high in windows)
        fail(
            f"a search with {names} answered {response.status_code}, expected 400",
            response,
        )


@BILLING.flow_check
def xml_same_records(ctx: RunContext, xml: Response, json_records: Sequence[Any]) -> None:
    """`Accept: application/xml` answers an `<events>` document with the JSON answer's records."""
    content_type = ",".join(xml.headers.get("content-type", []))
    if xml.status_code != 200 or XML not in content_type:
        fail(
            f"Accept: {XML} answered {xml.status_code} {content_type or 'without a type'}",
            xml,
        )
    try:
        records = xml_records(xml.text)
    except Exception as error:  # noqa: BLE001 - any parse failure is the target's
        fail(f"the XML answer does not parse: {error}", xml)
        return
    if len(records) != len(json_records):
        fail(
            f"the XML answer holds {len(records)} events, the JSON answer {len(json_records)}",
            xml,
        )
    for position, (leaves, record) in enumerate(zip(records, json_records, strict=True), start=1):
        wanted = json_as_xml_leaves(record)
        if leaves != wanted:
            extra = sorted(set(leaves) - set(wanted))[:3]
            missing = sorted(set(wanted) - set(leaves))[:3]
            fail(
                f"XML event {position} ({record_id(record)}) differs from the JSON one: "
                f"missing {missing}, extra {extra}",
                xml,
            )


@BILLING.flow_check
def not_acceptable(ctx: RunContext, response: Response, accept: str) -> None:
    """An `Accept` naming no media type the operation produces is 406."""
    if response.status_code != 406:
        fail(
            f"Accept: {accept} answered {response.status_code}, expected 406",
            response,
        )


@BILLING.flow_check
def negative_paging_refused(ctx: RunContext, response: Response, parameter: str) -> None:
    """A negative `limit` or `offset` is 400, not an empty page nor the whole result."""
    if response.status_code != 400:
        fail(
            f"{parameter} < 0 answered {response.status_code}, expected 400",
            response,
        )


@BILLING.flow_check
def invalid_parameter_refused(ctx: RunContext, response: Response, why: str) -> None:
    """A parameter the operation does not define, or an empty id or event type, is 400: never
    ignored (ignored, a typo'd criterion widens the search to everything)."""
    if response.status_code != 400:
        fail(f"{why} answered {response.status_code}, expected 400", response)


@BILLING.flow_check
def checked_in_order(ctx: RunContext, response: Response, expected: int, why: str) -> None:
    """The documented order of checks: credentials (401), parameters (400), `Accept` (406),
    criteria (204)."""
    if response.status_code != expected:
        fail(
            f"{why} answered {response.status_code}, expected {expected} (the order of checks "
            "is 401, 400, 406, 204)",
            response,
        )


@BILLING.flow_check
def bearer_challenge(ctx: RunContext, response: Response) -> None:
    """A 401 challenges with `WWW-Authenticate: Bearer` (the spec: always; RFC 6750 section 3)."""
    challenges = response.headers.get("www-authenticate") or []
    schemes = [value.strip().split(" ", 1)[0].strip(",").lower() for value in challenges]
    if "bearer" not in schemes:
        shown = ", ".join(challenges) if challenges else "no WWW-Authenticate header"
        fail(f"the 401 challenges with {shown}, not Bearer (RFC 6750)", response)


@BILLING.flow_check
def error_names_status(ctx: RunContext, response: Response) -> None:
    """An error's `status` repeats the HTTP status and its `title` is the reason phrase."""
    body = json_body(response)
    if not isinstance(body, Mapping):
        return
    status, title = body.get("status"), body.get("title")
    if isinstance(status, int) and status != response.status_code:
        fail(f"the {response.status_code} answer says status {status}", response)
    phrase = _reason_phrase(response.status_code)
    if isinstance(title, str) and phrase is not None and title != phrase:
        fail(
            f"the {response.status_code} answer's title is {title!r}, not its reason phrase "
            f"{phrase!r}",
            response,
        )


@BILLING.flow_check
def event_ref_is_id(ctx: RunContext, records: Sequence[Any], response: Response) -> None:
    """`eventRef` is the event's own id (the spec's record: `eventRef` equals `id`)."""
    for record in _objects(records):
        ref = record.get("eventRef")
        if isinstance(ref, Mapping) and ref.get("id") != record_id(record):
            fail(f"event {record_id(record)} has eventRef {ref.get('id')!r}", response)


@BILLING.flow_check
def object_ref_is_item(ctx: RunContext, records: Sequence[Any], response: Response) -> None:
    """`objectRef` is the same item as `itemRef`."""
    for record in _objects(records):
        obj, item = record.get("objectRef"), record.get("itemRef")
        if (
            isinstance(obj, Mapping)
            and isinstance(item, Mapping)
            and obj.get("id") != item.get("id")
        ):
            fail(
                f"event {record_id(record)}: objectRef {obj.get('id')!r} is not its itemRef "
                f"{item.get('id')!r}",
                response,
            )


@BILLING.flow_check
def resource_id_is_currency(ctx: RunContext, records: Sequence[Any], response: Response) -> None:
    """The newsfeed `resourceId` is the account's currency, `currency`."""
    for record in _objects(records):
        resource, currency = record.get("resourceId"), record.get("currency")
        if "resourceId" in record and "currency" in record and resource != currency:
            fail(
                f"event {record_id(record)}: resourceId {resource!r}, currency {currency!r}",
                response,
            )


@BILLING.flow_check
def amount_sums_currency_impacts(
    ctx: RunContext, records: Sequence[Any], response: Response
) -> None:
    """The newsfeed `amount` is the sum of the balance impacts in the event's currency."""
    for record in _objects(records):
        amount, impacts = record.get("amount"), record.get("balanceImpacts")
        if not isinstance(amount, int | float) or not isinstance(impacts, list):
            continue
        currency = record.get("currency")
        total = sum(
            (
                Decimal(str(i.get("amount", 0)))
                for i in impacts
                if isinstance(i, Mapping) and i.get("resourceId") == currency
            ),
            Decimal(0),
        )
        if abs(Decimal(str(amount)) - total) > Decimal("0.000001"):
            fail(
                f"event {record_id(record)}: amount {amount} but its impacts in currency "
                f"{currency} sum to {total}",
                response,
            )


ACCOUNT_LEVEL = ("payment", "adjustment", "dispute", "settlement")
"""The spec's account-level events, which no service generates (`serviceRef` null)."""


@BILLING.flow_check
def account_events_have_no_service(
    ctx: RunContext, records: Sequence[Any], response: Response
) -> None:
    """Payments, adjustments, disputes and settlements belong to the account: `serviceRef` is
    null."""
    for record in _objects(records):
        event_type = record.get("eventType")
        account_level = isinstance(event_type, str) and any(
            is_type_or_subtype(event_type, f"/event/billing/{kind}") for kind in ACCOUNT_LEVEL
        )
        if account_level and record.get("serviceRef") is not None:
            fail(
                f"event {record_id(record)} ({event_type}) is account-level but has "
                f"serviceRef {record.get('serviceRef')!r}",
                response,
            )


NEWSFEED_CATEGORIES = {"payment": 1, "adjustment": 2, "dispute": 3, "settlement": 4}
"""The spec's newsfeed categories (`Event.typeId`) of the account-level event classes."""


@BILLING.flow_check
def type_id_is_category(ctx: RunContext, records: Sequence[Any], response: Response) -> None:
    """`typeId` is the newsfeed category of the event's class (1 payment, 2 adjustment,
    3 dispute, 4 settlement)."""
    for record in _objects(records):
        event_type, type_id = record.get("eventType"), record.get("typeId")
        if not isinstance(event_type, str) or "typeId" not in record:
            continue
        for kind, category in NEWSFEED_CATEGORIES.items():
            if is_type_or_subtype(event_type, f"/event/billing/{kind}") and type_id != category:
                fail(
                    f"event {record_id(record)} ({event_type}) has typeId {type_id!r}, the "
                    f"{kind} category is {category}",
                    response,
                )


# ---------------------------------------------------------------------------------------------
# Response checks: run by Schemathesis on every response of Billing Care


@BILLING.response_check
def billing_search_answered(
    ctx: RunContext, checking: CheckContext, response: Response, case: Case
) -> bool | None:
    """Every answer to a search: 204 exactly without criteria; the events returned match the
    criteria, in the documented order, no more than `limit`."""
    if operation_id_of(case) != "getEvents":
        return True
    search = Search.from_url(sent_url(response))
    if is_negative(case) or not search.judgeable() or response.status_code not in (200, 204):
        return True
    no_criterion_204(ctx, search, response)
    records = json_body(response) if _is_json(response) else None
    if response.status_code != 200 or not isinstance(records, list):
        return True
    criteria_satisfied(ctx, search, records, response)
    ordered_by_created(ctx, records, response)
    limit_respected(ctx, records, search.integer("limit"), response)
    return None


@BILLING.response_check
def billing_records_consistent(
    ctx: RunContext, checking: CheckContext, response: Response, case: Case
) -> bool | None:
    """Every record answered, whatever the search: its newsfeed fields agree with its event
    fields, and account-level events have no service."""
    if operation_id_of(case) != "getEvents" or response.status_code != 200:
        return True
    records = json_body(response) if _is_json(response) else None
    if not isinstance(records, list):
        return True
    event_ref_is_id(ctx, records, response)
    object_ref_is_item(ctx, records, response)
    resource_id_is_currency(ctx, records, response)
    amount_sums_currency_impacts(ctx, records, response)
    account_events_have_no_service(ctx, records, response)
    type_id_is_category(ctx, records, response)
    return None


@BILLING.response_check
def billing_error_answered(
    ctx: RunContext, checking: CheckContext, response: Response, case: Case
) -> bool | None:
    """Any error: `status` and `title` say its status; a 401 challenges with Bearer."""
    if response.status_code < 400:
        return True
    error_names_status(ctx, response)
    if response.status_code == 401:
        bearer_challenge(ctx, response)
    return None


@BILLING.response_check(replaces="positive_data_acceptance")
def billing_valid_search_accepted(
    ctx: RunContext, checking: CheckContext, response: Response, case: Case
) -> bool | None:
    """Schemathesis' "valid data is accepted", but for the rules OpenAPI 3.0 cannot say: a
    window whose start is after its end is valid per parameter and refused with 400, and so is
    an `eventType` value that splits (at its commas) into an empty event type."""
    if not applies(case, "getEvents", response, response.status_code):
        return True
    search = Search.from_url(sent_url(response))
    inverted = search.inverted_windows()
    if inverted:
        inverted_window_refused(ctx, response, inverted)
    elif search.empty_event_type():
        invalid_parameter_refused(
            ctx, response, "an eventType whose comma-separated parts include an empty one"
        )
    elif not checking.config.positive_data_acceptance.enabled:
        positive_data_acceptance(checking, response, case)
    return None


def _objects(records: Sequence[Any]) -> list[Mapping[str, Any]]:
    return [record for record in records if isinstance(record, Mapping)]


def _reason_phrase(status: int) -> str | None:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return None


def _is_json(response: Response) -> bool:
    return "json" in ",".join(response.headers.get("content-type", []))

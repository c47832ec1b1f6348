"""Billing Care "Get Events" rules, in the order `spec/billing-care-events.yaml` states them.

The vendor's "Get Events" page only names the parameters; the spec fixes the search semantics
(its description's list), and the rules here are that list, sentence by sentence, then the
operation's responses and the record schema.
"""

from __future__ import annotations

from events_mock.contract.rules import Rule

__all__ = ["RULES"]

SPEC = "spec billing-care-events.yaml"
SEARCH = f"{SPEC}: info.description (Search semantics)"
PAGE = 'the vendor\'s "Get Events" page'

RULES: tuple[Rule, ...] = (
    # -- info.description: Search semantics -------------------------------------------------
    Rule(
        "billing-care.search.every-criterion-narrows",
        "Every criterion given narrows the result (logical AND): each returned event "
        "satisfies all of them.",
        SEARCH,
        check="criteria_satisfied",
    ),
    Rule(
        "billing-care.search.id-criteria-exact",
        "`accountId`, `billId`, `billUnitId`, `itemId` and `serviceId` match the `id` of "
        "`accountRef`, `billRef`, `billInfoRef`, `itemRef` and `serviceRef` exactly.",
        f"{SEARCH}; parameters accountId .. serviceId",
        check="criteria_satisfied",
    ),
    Rule(
        "billing-care.search.plus-as-space",
        "A space in an id criterion is read as `+` (a client that forgot to percent-encode "
        "the `+` of a Billing Care id is served).",
        SEARCH,
        check="matching_events_found",
    ),
    Rule(
        "billing-care.search.no-service-never-matches",
        "Events without a service (`serviceRef: null`) never match `serviceId`.",
        SEARCH,
        check="criteria_satisfied",
    ),
    Rule(
        "billing-care.windows.inclusive",
        "Time windows are inclusive at both ends: `startTime` <= event `startTime`, event "
        "`endTime` <= `endTime`, `created` and `effectiveT` within their windows; an event at "
        "a bound is found.",
        f"{SEARCH}; parameters startTime .. effectiveEndTime",
        check="matching_events_found",
    ),
    Rule(
        "billing-care.windows.inverted-400",
        "A window whose start is after its end is a 400, though each bound alone is valid.",
        f"{SEARCH}; GET /events 400",
        check="inverted_window_refused",
    ),
    Rule(
        "billing-care.event-type.subclasses",
        "`eventType` matches its own type and every subclass (`/event/billing/payment` "
        "matches `/event/billing/payment/cc`).",
        f"{SEARCH}; parameter eventType",
        check="matching_events_found",
    ),
    Rule(
        "billing-care.event-type.whole-segments",
        "A class ends at a `/`: `/event/billing/pay` does not match `/event/billing/payment`.",
        SEARCH,
        check="criteria_satisfied",
    ),
    Rule(
        "billing-care.event-type.any-of-several",
        "Several `eventType` values (repeated parameter) match an event of any of them.",
        f"{SPEC}: parameter eventType",
        check="matching_events_found",
    ),
    Rule(
        "billing-care.event-type.comma-separated",
        "A comma-separated `eventType` value is split into types (event types never contain "
        "commas).",
        f"{SPEC}: parameter eventType",
        check="matching_events_found",
    ),
    Rule(
        "billing-care.order.created-then-id",
        "Results are ordered by `created` ascending, ties broken by `id.id` in string order, "
        "whatever the criteria.",
        SEARCH,
        check="ordered_by_created",
    ),
    Rule(
        "billing-care.paging.pages-partition",
        "Pages of the same query never overlap, and together (in order) are the unpaginated "
        "result.",
        f"{SEARCH}; parameter offset",
        check="pages_partition",
    ),
    Rule(
        "billing-care.paging.limit",
        "`limit` caps how many events are returned; a page holds exactly as many as remain "
        "after `offset`, up to `limit`.",
        f"{SEARCH}; parameter limit",
        check="limit_respected",
    ),
    Rule(
        "billing-care.paging.limit-zero-empty",
        "`limit=0` returns an empty page.",
        f"{SEARCH}; parameter limit",
        check="limit_respected",
    ),
    Rule(
        "billing-care.paging.no-cap-by-default",
        "Without `limit` there is no cap: every matching event is returned.",
        f"{SEARCH}; parameter limit",
        check="matching_events_found",
    ),
    Rule(
        "billing-care.paging.negative-400",
        "A negative `limit` or `offset` is a 400, not an empty page nor the whole result.",
        f"{SEARCH}; GET /events 400",
        check="negative_paging_refused",
    ),
    Rule(
        "billing-care.paging.offset-past-end-empty",
        "An offset past the last result returns `[]`.",
        SEARCH,
        check="limit_respected",
    ),
    Rule(
        "billing-care.criteria.none-204",
        "A request with no criterion at all is answered 204 with an empty body.",
        f"{SEARCH}; GET /events 204; {PAGE} (204 Response)",
        check="no_criterion_204",
    ),
    Rule(
        "billing-care.criteria.paging-is-no-criterion",
        "`limit` and `offset` are not criteria: a request with only those is 204.",
        f"{SEARCH}; parameters limit, offset",
        check="no_criterion_204",
    ),
    Rule(
        "billing-care.criteria.any-criterion-searches",
        "A request with any criterion (each of them alone included) is a search: never 204.",
        f"{SEARCH}; GET /events 204",
        check="no_criterion_204",
    ),
    Rule(
        "billing-care.criteria.nothing-found-200",
        "A search that matches nothing is 200 with `[]`.",
        SEARCH,
        check="no_criterion_204",
    ),
    # -- info.description: Order of checks --------------------------------------------------
    Rule(
        "billing-care.order.credentials-first",
        "Credentials are checked first: wrong credentials are 401 whatever else is wrong or "
        "missing (no criterion, a bad parameter).",
        f"{SPEC}: info.description (Order of checks)",
        check="credentials_rejected",
    ),
    Rule(
        "billing-care.order.parameters-before-accept",
        "Parameters are checked before `Accept`: a bad parameter with an `Accept` nothing "
        "satisfies is 400.",
        f"{SPEC}: info.description (Order of checks)",
        check="checked_in_order",
    ),
    Rule(
        "billing-care.order.accept-before-criteria",
        "`Accept` is checked before the criteria: no criterion with an `Accept` nothing "
        "satisfies is 406, not 204.",
        f"{SPEC}: info.description (Order of checks)",
        check="checked_in_order",
    ),
    # -- info.description: Records, Times, Errors, XML ---------------------------------------
    Rule(
        "billing-care.records.event-ref-is-id",
        "`id` is the event's own id, so `eventRef` equals `id`.",
        f"{SPEC}: info.description (Records); schema Event.eventRef",
        check="event_ref_is_id",
    ),
    Rule(
        "billing-care.records.object-ref-is-item",
        "`objectRef` equals `itemRef`.",
        f"{SPEC}: info.description (Records); schema Event.objectRef",
        check="object_ref_is_item",
    ),
    Rule(
        "billing-care.records.times-epoch-ms",
        "Every time field is an integer, milliseconds since the epoch (as the page's example "
        "serializes `created`).",
        f"{SPEC}: info.description (Times); {PAGE} (example response)",
        check="response_schema_conformance",
    ),
    Rule(
        "billing-care.errors.always-json",
        "Errors (400, 401, 406, 500) are `application/json`, also for clients that asked for XML.",
        f"{SPEC}: info.description (Errors)",
        check="content_type_conformance",
    ),
    Rule(
        "billing-care.errors.status-is-status",
        "An error's `status` repeats the HTTP status.",
        f"{SPEC}: info.description (Errors); schema Error",
        check="error_names_status",
    ),
    Rule(
        "billing-care.errors.title-is-reason-phrase",
        "An error's `title` is the HTTP reason phrase of its status.",
        f"{SPEC}: schema Error",
        check="error_names_status",
    ),
    Rule(
        "billing-care.xml.same-records",
        "`Accept: application/xml` renders the same records as the JSON form: root "
        "`<events>`, one `<event>` per record, one element per field, lists as repeated "
        "elements, null fields left out.",
        f"{SPEC}: info.description (XML); {PAGE} (Supported Media Types)",
        check="xml_same_records",
    ),
    Rule(
        "billing-care.limits.mock-limits",
        "Over the mock's limits (head over 64 KiB: 431; more than 256 query parameters: 400; "
        "slow head: 408; all connections busy: 503 with Retry-After) the answer is in this "
        "API's error shape.",
        f"{SPEC}: info.description (Limits of the mock)",
        unchecked="a limit of the mock's own configuration (`events-mock serve` options), not "
        "of the service: a deployment's limit is its own and no request the suite should send "
        "reaches it",
    ),
    # -- GET /events: parameters and responses ----------------------------------------------
    Rule(
        "billing-care.parameters.undefined-400",
        "A parameter this operation does not define is a 400 (a misspelt criterion never "
        "widens the search).",
        f"{SPEC}: GET /events 400",
        check="invalid_parameter_refused",
    ),
    Rule(
        "billing-care.parameters.empty-400",
        "An empty id or event type is a 400, a comma-separated `eventType` part included.",
        f"{SPEC}: GET /events 400; schema IdCriterion; parameter eventType",
        check="invalid_parameter_refused",
    ),
    Rule(
        "billing-care.parameters.range-400",
        "A parameter of the wrong type or out of range (outside int32 for `limit`/`offset`, "
        "int64 for times) is a 400.",
        f"{SPEC}: GET /events 400; parameters limit, offset; schema EpochMillis; {PAGE} "
        "(400 Response)",
        check="negative_data_rejection",
    ),
    Rule(
        "billing-care.auth.bad-token-401",
        "A missing or unknown bearer token is 401.",
        f"{SPEC}: GET /events 401; securitySchemes bearerAuth; the Billing Care REST API "
        "reference (OAuth 2.0 bearer token)",
        check="credentials_rejected",
    ),
    Rule(
        "billing-care.auth.bearer-challenge",
        "A 401 carries `WWW-Authenticate: Bearer`.",
        f"{SPEC}: GET /events 401 headers.WWW-Authenticate; RFC 6750 section 3",
        check="bearer_challenge",
    ),
    Rule(
        "billing-care.accept.not-acceptable-406",
        "An `Accept` naming no media type the operation produces is 406.",
        f"{SPEC}: GET /events 406",
        check="not_acceptable",
    ),
    Rule(
        "billing-care.accept.wildcards-served",
        "A wildcard `Accept` covering JSON (`*/*`, `application/*`, a list with JSON at a "
        "lower quality) is served.",
        f"{SPEC}: GET /events 406",
        check="answered_with",
    ),
    Rule(
        "billing-care.errors.internal-500",
        "An internal error is a 500 in the `Error` shape.",
        f"{SPEC}: GET /events 500; {PAGE} (500 Response)",
        unchecked="only a failure inside the target produces it: no request can ask for one "
        "(`events-mock` answers it only to an injected fault)",
    ),
    # -- components.schemas.Event ------------------------------------------------------------
    Rule(
        "billing-care.records.fields",
        "Every record has the fields a client of either the event schema or the newsfeed "
        "example reads (`id`, `created`, `accountRef`, `billInfoRef`, `billRef`, `itemRef`, "
        "`serviceRef`, `eventRef`, `eventType`, the times, `batchId`, `balanceImpacts`).",
        f"{SPEC}: info.description (Records); schema Event; {PAGE} (event schema, example)",
        check="response_schema_conformance",
    ),
    Rule(
        "billing-care.records.type-id-is-category",
        "The newsfeed `typeId` is the category of the event's class (1 payment, 2 adjustment, "
        "3 dispute, 4 settlement).",
        f"{SPEC}: schema Event.typeId",
        check="type_id_is_category",
    ),
    Rule(
        "billing-care.records.account-level-no-service",
        "Account-level events (payments, adjustments, disputes, settlements) have "
        "`serviceRef: null`.",
        f"{SPEC}: schema Event.serviceRef",
        check="account_events_have_no_service",
    ),
    Rule(
        "billing-care.records.amount-sums-currency-impacts",
        "The newsfeed `amount` is the sum of the event's balance impacts in its currency.",
        f"{SPEC}: schema Event.amount",
        check="amount_sums_currency_impacts",
    ),
    Rule(
        "billing-care.records.resource-id-is-currency",
        "The newsfeed `resourceId` is the same as `currency`.",
        f"{SPEC}: schema Event.resourceId",
        check="resource_id_is_currency",
    ),
)

"""The Event Collector's rules, in the order `spec/event-collector.yaml` states them.

The spec follows the vendor's Event Collector API page and its integration rules (tenants,
bearer tokens, base64 JSON payloads); where the page contradicts itself the spec says which way
it went, and the rule here is the spec's.
"""

from __future__ import annotations

from events_mock.contract.rules import Rule

__all__ = ["RULES"]

SPEC = "spec event-collector.yaml"
MOCK_LIMIT = (
    "a limit of the mock's own configuration (`events-mock serve` options), not of the "
    "service: a deployment's limit is its own and no request the suite should send reaches it"
)

RULES: tuple[Rule, ...] = (
    # -- info.description: Tenancy ------------------------------------------------------------
    Rule(
        "event-collector.tenancy.isolated",
        "An event created by one tenant cannot be read by another: its id answers 404 there.",
        f"{SPEC}: info.description (Tenancy); GET /api/v1/events/{{eventId}} description; "
        "the vendor's integration rules (isolated tenants)",
        check="tenant_isolated",
        needs=frozenset({"writes", "second-tenant"}),
    ),
    Rule(
        "event-collector.tenancy.foreign-id-indistinguishable",
        "Another tenant's event id is answered exactly like an id that never existed (same "
        "status, same body), so ids do not leak across tenants.",
        f"{SPEC}: info.description (Tenancy); responses NotFound",
        check="tenant_isolated",
        needs=frozenset({"writes", "second-tenant"}),
    ),
    # -- info.description: Status codes ---------------------------------------------------------
    Rule(
        "event-collector.status.create-201",
        "Creating an event answers 201, never 200.",
        f"{SPEC}: info.description (Status codes); the vendor's page labels its example "
        '"201 (Created)"',
        check="answered_with",
        needs=frozenset({"writes"}),
    ),
    Rule(
        "event-collector.status.method-not-allowed-405",
        "A method no path lists (DELETE, PUT, PATCH on the events) answers 405: the API "
        "deletes nothing.",
        f"{SPEC}: info.description (Status codes: 204 is not used, 405 keeps its HTTP meaning)",
        check="unsupported_method",
    ),
    Rule(
        "event-collector.status.not-json-415",
        "A create body that is not `application/json`, or has no `Content-Type`, answers 415: "
        "it is never guessed to be JSON.",
        f"{SPEC}: info.description (Status codes); responses UnsupportedMediaType; RFC 9110 "
        "section 8.3",
        check="media_type_refused",
        needs=frozenset({"writes"}),
    ),
    # -- info.description: Strict JSON -----------------------------------------------------------
    Rule(
        "event-collector.json.strict-body",
        "A body whose JSON RFC 8259 leaves to implementations (a key repeated in one object, a "
        "lone surrogate) answers 400 and nothing is stored.",
        f"{SPEC}: info.description (Strict JSON); RFC 8259 sections 4 and 8.2",
        check="strict_json_refused",
        needs=frozenset({"writes"}),
    ),
    Rule(
        "event-collector.json.strict-base64",
        "The JSON inside a base64 field follows the same rules: NaN, nesting over 128 levels, "
        "a number too large to be finite, an integer of more than 4300 digits, a lone "
        "surrogate or a repeated key answer 400 naming the field.",
        f"{SPEC}: info.description (Strict JSON)",
        check="refused_naming_field",
        needs=frozenset({"writes"}),
    ),
    # -- info.description: Errors ------------------------------------------------------------------
    Rule(
        "event-collector.errors.code-is-status",
        "Every error answer has the `Error` shape and its `code` is the HTTP status of the answer.",
        f"{SPEC}: info.description (Errors); schema Error",
        check="error_code_is_status",
    ),
    Rule(
        "event-collector.errors.json",
        "Every answer, errors included, is `application/json` as its response documents.",
        f"{SPEC}: every response's content; RFC 9110 section 8.3",
        check="content_type_conformance",
    ),
    Rule(
        "event-collector.limits.mock-limits",
        "Over the mock's limits (head over 64 KiB: 431; more than 256 query parameters: 400; "
        "slow head or body: 408; all connections busy: 503 with Retry-After) the answer is in "
        "this API's error shape.",
        f"{SPEC}: info.description (Limits of the mock)",
        unchecked=MOCK_LIMIT,
    ),
    # -- POST /api/v1/events ----------------------------------------------------------------------
    Rule(
        "event-collector.create.id-uuid4",
        "Each stored event is assigned an id that is a UUID4.",
        f"{SPEC}: POST /api/v1/events description; schema Event.id",
        check="id_is_uuid4",
        needs=frozenset({"writes"}),
    ),
    Rule(
        "event-collector.create.id-unique",
        "Every accepted event gets an id of its own, however alike the events: the same event "
        "sent twice is stored twice.",
        f"{SPEC}: POST /api/v1/events description (a unique id); the vendor's page (\"a new "
        'Event resource with unique id")',
        check="ids_unique",
        needs=frozenset({"writes"}),
    ),
    Rule(
        "event-collector.create.echo-exact",
        "The stored event is answered back exactly as sent plus `id`: nothing changed, nothing "
        "dropped (an empty `entity_name` included).",
        f"{SPEC}: POST /api/v1/events description; schema Event",
        check="event_echoed",
        needs=frozenset({"writes"}),
    ),
    Rule(
        "event-collector.create.base64-byte-for-byte",
        "The base64 strings are kept byte for byte, not decoded and encoded again.",
        f"{SPEC}: POST /api/v1/events description; schema Base64Json",
        check="payload_round_trip",
        needs=frozenset({"writes"}),
    ),
    Rule(
        "event-collector.create.location",
        "The 201 carries `Location: /api/v1/events/{id}` naming the created event.",
        f"{SPEC}: POST /api/v1/events 201 headers.Location",
        check="location_names_event",
        needs=frozenset({"writes"}),
    ),
    Rule(
        "event-collector.create.invalid-body-400",
        "A body that does not fit `EventRequest` (a missing required field, a value outside an "
        "enumeration, a wrong type) is refused and nothing is stored.",
        f"{SPEC}: responses BadRequest; schemas EventRequest, EventSource, EventType, Operation",
        check="negative_case_refused",
        needs=frozenset({"writes"}),
    ),
    # -- links.GetEvent, GET /api/v1/events/{eventId} ---------------------------------------------
    Rule(
        "event-collector.read.equals-created",
        "The created event read back by the tenant that created it (by its id or at its "
        "`Location`) equals the creation's answer.",
        f"{SPEC}: POST /api/v1/events links.GetEvent; GET /api/v1/events/{{eventId}} 200",
        check="read_back_equals_created",
        needs=frozenset({"writes"}),
    ),
    Rule(
        "event-collector.read.the-event-asked",
        "Reading an event by id answers the event with that id.",
        f"{SPEC}: GET /api/v1/events/{{eventId}} description",
        check="event_is_the_one_asked",
        needs=frozenset({"writes"}),
    ),
    Rule(
        "event-collector.read.unknown-id-404",
        "An id no event of the tenant has, of any form (a UUID or any other string), answers "
        "404, not 400.",
        f"{SPEC}: GET /api/v1/events/{{eventId}} parameter eventId; the vendor's page (\"Id "
        'is passed as a path param")',
        check="answered_with",
    ),
    # -- components.securitySchemes.bearerAuth, parameters.TenantHeader ---------------------------
    Rule(
        "event-collector.auth.bad-token-401",
        "A missing, malformed or unknown bearer token answers 401.",
        f"{SPEC}: securitySchemes bearerAuth; responses Unauthorized",
        check="credentials_rejected",
    ),
    Rule(
        "event-collector.auth.foreign-tenant-403",
        "A valid token issued to a tenant other than the one named in `X-TWC-Tenant` answers "
        "403: the token grants its own tenant only.",
        f"{SPEC}: securitySchemes bearerAuth; parameters TenantHeader; responses Forbidden",
        check="tenant_forbidden",
    ),
    Rule(
        "event-collector.auth.bearer-challenge",
        "A 401 carries `WWW-Authenticate: Bearer`.",
        f"{SPEC}: responses Unauthorized headers.WWW-Authenticate; RFC 6750 section 3",
        check="bearer_challenge",
    ),
    Rule(
        "event-collector.tenancy.header-required",
        "A request with a valid token and no `X-TWC-Tenant` header answers 400.",
        f"{SPEC}: parameters TenantHeader; responses BadRequest",
        check="answered_with",
    ),
    Rule(
        "event-collector.tenancy.authentication-first",
        "Authentication is checked first: a wrong token without `X-TWC-Tenant` still answers 401.",
        f"{SPEC}: parameters TenantHeader",
        check="credentials_rejected",
    ),
    Rule(
        "event-collector.tenancy.one-header",
        "Two or more `X-TWC-Tenant` headers answer 400, with a valid token or not.",
        f"{SPEC}: parameters TenantHeader",
        check="duplicate_tenant_refused",
    ),
    # -- components.schemas ------------------------------------------------------------------------
    Rule(
        "event-collector.schema.documented-values-accepted",
        "Every listed value is accepted: each `event_source` of the union (APPLICATION and the "
        "page's eight), both `event_type`s, each `operation`.",
        f"{SPEC}: schemas EventSource, EventType, Operation",
        check="documented_value_accepted",
        needs=frozenset({"writes"}),
    ),
    Rule(
        "event-collector.schema.event-type-echoed",
        "The answer echoes the `event_type` that was sent: a FAULT stays a FAULT.",
        f"{SPEC}: schema EventType",
        check="event_echoed",
        needs=frozenset({"writes"}),
    ),
    Rule(
        "event-collector.schema.base64-strict",
        "A base64 field that is not standard base64 (RFC 4648 alphabet, padding, no line "
        "breaks) of a UTF-8 JSON document answers 400.",
        f"{SPEC}: schema Base64Json; the vendor's integration rules (payloads are base64 of JSON)",
        check="refused_naming_field",
        needs=frozenset({"writes"}),
    ),
    Rule(
        "event-collector.schema.base64-error-names-field",
        "The 400 for a bad base64 field names the field.",
        f"{SPEC}: schema Base64Json; schema Error.message",
        check="refused_naming_field",
        needs=frozenset({"writes"}),
    ),
    Rule(
        "event-collector.schema.key-attributes-free",
        "`key_attributes` takes any key (the empty one, non-ASCII ones) with string values.",
        f"{SPEC}: schema KeyAttributes",
        check="answered_with",
        needs=frozenset({"writes"}),
    ),
    Rule(
        "event-collector.schema.optional-fields",
        "No `event_payload` field is required, nor `entity_id` or `entity_name`: an event with "
        "only `event_source`, `event_type` and a payload without `operation` is stored.",
        f"{SPEC}: schemas EventPayload, EventRequest",
        check="answered_with",
        needs=frozenset({"writes"}),
    ),
    Rule(
        "event-collector.schema.unknown-fields-400",
        "An unknown field, at the top or in `event_payload`, and a client-sent `id` answer 400 "
        "naming the field: never silently dropped.",
        f"{SPEC}: schemas EventPayload, EventRequest",
        check="unknown_field_refused",
        needs=frozenset({"writes"}),
    ),
    Rule(
        "event-collector.schema.no-defaults",
        "Optional fields that were not sent are not answered: no nulls, no empty defaults.",
        f"{SPEC}: schema Event",
        check="event_echoed",
        needs=frozenset({"writes"}),
    ),
    # -- components.responses ---------------------------------------------------------------------
    Rule(
        "event-collector.limits.body-too-large-413",
        "A body larger than the server accepts answers 413 and nothing is stored.",
        f"{SPEC}: responses PayloadTooLarge",
        unchecked=MOCK_LIMIT,
    ),
    Rule(
        "event-collector.limits.store-full-507",
        "When the server holds as many events as it can, a create answers 507 and nothing is "
        "stored.",
        f"{SPEC}: responses StoreFull",
        unchecked="needs the target's store filled to its bound: the suite would have to "
        "store millions of events on a deployment others use",
    ),
)

"""The Barchart Event Tracking API's rules: `spec/barchart-events.yaml`, sentence by sentence,
and the vendor's pages it relies on (see `events_mock.contract.rules`)."""

from __future__ import annotations

from events_mock.contract.rules import Rule

__all__ = ["RULES"]

REFERENCE = "Barchart Event Tracking API reference"
PATHS = f"{REFERENCE}, Paths page"
COMPONENTS = f"{REFERENCE}, Components page"
GUIDE = 'the export guide "A basic usage guide for generating reports"'
SDK = "the vendor's JavaScript SDK @barchart/events-client-js 6.0.0"
WRITES = frozenset({"writes"})
MOCK_LIMIT = (
    "a limit of the mock set by an `events-mock serve` option, not a rule of the service: a "
    "deployment's limits are its own (tests/reliability holds the mock to its limits)"
)

RULES: tuple[Rule, ...] = (
    # -- POST /events ------------------------------------------------------------------------
    Rule(
        "barchart.events.answered-200",
        "A valid batch is answered 200 (the documented status), never another 2xx.",
        "POST /events responses; " + PATHS,
        check="status_code_conformance",
        needs=WRITES,
    ),
    Rule(
        "barchart.events.empty-batch-accepted",
        "An empty `events` array is accepted (200, an empty answer) and stores nothing.",
        "spec description, choices: `events` is required in POST /events",
        check="answered_with",
        needs=WRITES,
    ),
    Rule(
        "barchart.events.echo-unchanged",
        "The answer repeats every event as it was sent: codes, timestamp, context and version.",
        "POST /events description; schema EventFull; " + COMPONENTS,
        check="batch_assigned",
        needs=WRITES,
    ),
    Rule(
        "barchart.events.every-item-echoed",
        "The answer holds every event sent, once each, identical ones included.",
        "POST /events description (the answer repeats every event)",
        check="batch_assigned",
        needs=WRITES,
    ),
    Rule(
        "barchart.events.null-context-echoed",
        "A `null` context value is stored and answered as `null`, not as text.",
        "schema Event.context; " + SDK + " (its EventFactory)",
        check="batch_assigned",
        needs=WRITES,
    ),
    Rule(
        "barchart.events.version-echoed",
        "An event's optional `version` is stored and echoed.",
        "schema Event.version; " + COMPONENTS,
        check="batch_assigned",
        needs=WRITES,
    ),
    Rule(
        "barchart.events.one-batch-id",
        "Every event of one request carries the same batch id, given to that request.",
        "POST /events description; schema EventFull.batch",
        check="batch_assigned",
        needs=WRITES,
    ),
    Rule(
        "barchart.events.batches-distinct",
        "Two requests are two batches: their events never share a batch id.",
        "POST /events description (the batch id given to this request); schema EventFull.batch",
        check="batches_distinct",
        needs=WRITES,
    ),
    Rule(
        "barchart.events.sequence-is-position",
        "`sequence` is the event's 1-based position in its batch, in posting order.",
        "POST /events description; schema EventFull.sequence",
        check="batch_assigned",
        needs=WRITES,
    ),
    Rule(
        "barchart.events.invalid-batch-refused",
        "A batch holding any invalid event is refused with 400.",
        "POST /events description",
        check="answered_with",
        needs=WRITES,
    ),
    Rule(
        "barchart.events.invalid-batch-stores-nothing",
        "Nothing of a refused batch is stored: its valid events appear in no export.",
        "POST /events description",
        check="export_exactly",
        needs=WRITES,
    ),
    Rule(
        "barchart.events.closed-codes",
        "Customer, product and event type are closed code lists: an unknown code is refused.",
        "schemas CustomerCode, ProductCode, EventTypeCode; " + SDK,
        check="negative_data_rejection",
        needs=WRITES,
    ),
    Rule(
        "barchart.events.type-of-its-product",
        "An event whose type is another product's is refused with 400, nothing stored.",
        "schema Event description; the vendor's catalog of event types",
        check="barchart_valid_requests_accepted",
        needs=WRITES,
    ),
    Rule(
        "barchart.events.refusal-names-field",
        "The 400 for an event of another product's type names the field (`events[1].type`).",
        "schema Event description",
        unchecked="the wording of a message is informative: the reference gives none, so a "
        "deployment's own words conform; the suite judges statuses and codes",
    ),
    Rule(
        "barchart.events.every-item-exported",
        "Every accepted event appears in an export over it exactly once, however many "
        "identical events one batch holds.",
        "POST /events description (accepts and saves new events); " + GUIDE,
        check="export_exactly",
        needs=WRITES,
    ),
    Rule(
        "barchart.events.too-large-413",
        "A body or batch past the size limits is refused with 413 REQUEST_TOO_LARGE, nothing "
        "stored.",
        "POST /events 413; responses PayloadTooLarge",
        unchecked=MOCK_LIMIT,
    ),
    Rule(
        "barchart.events.store-full-507",
        "When the store is full a batch is refused with 507 EVENT_STORE_FULL, nothing stored.",
        "POST /events 507",
        unchecked=MOCK_LIMIT,
    ),
    # -- request bodies ----------------------------------------------------------------------
    Rule(
        "barchart.requests.json-media-type",
        "A request body that is not `application/json`, or has no Content-Type, is refused "
        "with 415 REQUEST_UNSUPPORTED_MEDIA_TYPE.",
        "spec description, choices; responses UnsupportedMediaType; RFC 9110 8.3",
        check="refused_with",
        needs=WRITES,
    ),
    Rule(
        "barchart.requests.strict-json",
        "JSON that RFC 8259 leaves to implementations (repeated keys, NaN, deep nesting, "
        "huge integers, lone surrogates) is refused with 400 REQUEST_INVALID, nothing stored.",
        "spec description, choices; RFC 8259 4, 6, 8.2",
        check="refused_with",
        needs=WRITES,
    ),
    Rule(
        "barchart.requests.malformed-json-400",
        "A body that is not JSON, or JSON cut short, is refused with 400 REQUEST_INVALID.",
        "responses BadRequest (malformed JSON)",
        check="refused_with",
        needs=WRITES,
    ),
    Rule(
        "barchart.requests.error-array",
        "Every failure of the API (but 401) is answered in the error-array shape "
        "`[{value: {code, message}, children}]`.",
        "schemas ErrorList, Error; " + COMPONENTS + " (ServerError)",
        check="response_schema_conformance",
    ),
    Rule(
        "barchart.requests.error-media-type",
        "Error answers have the Content-Type exactly `application/json`.",
        SDK + " (it reads error answers only then)",
        check="error_media_type_exact",
    ),
    Rule(
        "barchart.requests.refusal-message",
        "A 400's message quotes the offending value as JSON and ends with where it is.",
        "responses BadRequest",
        unchecked="the wording of a message is informative: the reference gives none, so a "
        "deployment's own words conform; the suite judges statuses and codes",
    ),
    # -- POST /reports -----------------------------------------------------------------------
    Rule(
        "barchart.reports.starts-running",
        "A new job answers at once with the status RUNNING: RUNNING is the only initial status.",
        "POST /reports description and 200; schema ReportStatus.status; " + PATHS,
        check="job_started_running",
        needs=WRITES,
    ),
    Rule(
        "barchart.reports.filter-wrapped",
        'The filter is sent wrapped (`{"filter": {...}}`): the guide\'s prose body without '
        "the wrapper is refused with 400.",
        "spec description, choices; " + GUIDE + " (its cURL line)",
        check="refused_with",
        needs=WRITES,
    ),
    Rule(
        "barchart.reports.times-as-strings-accepted",
        "Filter times are accepted as integers and as strings of digits.",
        "schema FilterTime; spec description, choices; " + COMPONENTS,
        check="answered_with",
        needs=WRITES,
    ),
    Rule(
        "barchart.reports.filter-echoed-as-integers",
        "The job repeats the filter as sent, its times as integers whichever form was sent.",
        "schema FilterTime; schema ReportFilterEcho",
        check="filter_echoed",
        needs=WRITES,
    ),
    Rule(
        "barchart.reports.filter-echo-own-members",
        "The echoed filter holds only the filter's own members, never `output`.",
        "schema ReportFilterEcho; " + SDK + " (strict parsing)",
        check="response_schema_conformance",
        needs=WRITES,
    ),
    Rule(
        "barchart.reports.options-echoed",
        "The job answers in a top-level `output` exactly the export options it was started "
        "with, from either place of the request, and no `output` when none were given.",
        "schema ReportStatus.output; schema ReportOutput",
        check="filter_echoed",
        needs=WRITES,
    ),
    Rule(
        "barchart.reports.conflicting-options-refused",
        "An export option given different values in `output` and `filter.output` is refused "
        "with 400, no job started.",
        "POST /reports 400; schema ReportRequest",
        check="barchart_valid_requests_accepted",
        needs=WRITES,
    ),
    Rule(
        "barchart.reports.timing-day",
        "`timing.day` is the calendar day (UTC) the job started, `timing.start` its instant.",
        "schema ReportStatus.timing; " + COMPONENTS,
        check="timing_consistent",
        needs=WRITES,
    ),
    Rule(
        "barchart.reports.jobs-full-507",
        "Past the live-job limit a report is refused with 507 EVENT_JOBS_FULL.",
        "POST /reports 507",
        unchecked=MOCK_LIMIT,
    ),
    # -- GET /reports/{source}/availability ----------------------------------------------------
    Rule(
        "barchart.jobs.status-is-the-asked-job",
        "The status read for a source is that job's (its `source` is the one asked for).",
        "parameters Source; schema ReportStatus.source",
        check="job_is_the_one_asked",
        needs=WRITES,
    ),
    Rule(
        "barchart.jobs.unchanged-between-reads",
        "Every read of a job repeats the filter and `timing.start` it was created with.",
        "schema ReportStatus",
        check="job_unchanged",
        needs=WRITES,
    ),
    Rule(
        "barchart.jobs.finishes-within-15-minutes",
        "A job leaves RUNNING within 15 minutes.",
        "POST /reports description; " + GUIDE,
        check="finishes_in_time",
        needs=WRITES,
    ),
    Rule(
        "barchart.jobs.moves-exactly-once",
        "RUNNING moves exactly once to a terminal status, which then never changes.",
        "GET availability description; schema ReportStatus.status",
        check="status_moves_once",
        needs=WRITES,
    ),
    Rule(
        "barchart.jobs.timing-end-when-finished",
        "`timing.end` appears when, and only when, the job has finished, never before "
        "`timing.start`.",
        "GET availability description; " + COMPONENTS,
        check="timing_consistent",
        needs=WRITES,
    ),
    Rule(
        "barchart.jobs.small-report-completes",
        "A report over a handful of events ends COMPLETE.",
        "GET availability description (TIMEOUT is for too many matching events)",
        check="job_completed",
        needs=WRITES,
    ),
    Rule(
        "barchart.jobs.bad-filter-fails",
        "A report asking a product for another product's types ends FAILED.",
        "schema Event description; GET availability description (FAILED: bad filter)",
        check="job_failed",
        needs=WRITES,
    ),
    Rule(
        "barchart.jobs.too-many-events-timeout",
        "A report over too many matching events ends TIMEOUT.",
        "GET availability description; " + GUIDE,
        unchecked="how many events are too many is the service's own (the mock's "
        "`--timeout-events`): a deployment cannot be made to time out on purpose",
    ),
    Rule(
        "barchart.jobs.unknown-source-404",
        "An unknown source is 404 EVENT_JOB_GET_FAILED_NO_JOB on both report reads.",
        "responses NoSuchJob; spec description, choices",
        check="refused_with",
    ),
    Rule(
        "barchart.jobs.overlong-source-400",
        "A source longer than 200 characters is an invalid request (400) on both report reads.",
        "parameters Source; spec description, choices",
        check="refused_with",
    ),
    Rule(
        "barchart.jobs.expire-after-ttl",
        "A finished job is forgotten `--job-ttl` of mock time after it ends and then answers "
        "404 like an unknown one.",
        "responses NoSuchJob",
        unchecked="how long a finished job is kept is a setting of the mock (24 h by "
        "default); the reference only says the files are temporary",
    ),
    # -- GET /reports/{source} -----------------------------------------------------------------
    Rule(
        "barchart.links.refused-while-running",
        "A link asked for while the job runs is refused with 409 EVENT_JOB_GET_FAILED_RUNNING.",
        "GET /reports/{source} 409; spec description, choices",
        check="refused_with",
        needs=WRITES,
    ),
    Rule(
        "barchart.links.refused-after-failure",
        "A job that ended FAILED gives no link: 409 EVENT_JOB_GET_FAILED.",
        "GET /reports/{source} 409; spec description, choices",
        check="refused_with",
        needs=WRITES,
    ),
    Rule(
        "barchart.links.refused-after-timeout",
        "A job that ended TIMEOUT gives no link: 409 EVENT_JOB_GET_FAILED.",
        "GET /reports/{source} 409; spec description, choices",
        check="refused_with",
        needs=frozenset({"writes", "control"}),
    ),
    Rule(
        "barchart.links.link-for-complete-job",
        "A COMPLETE job's link request answers 200 with an absolute http(s) link to a `.csv` file.",
        "GET /reports/{source} description and 200; " + PATHS,
        check="link_is_download_url",
        needs=WRITES,
    ),
    Rule(
        "barchart.links.no-credentials-needed",
        "The link downloads without credentials.",
        "GET /reports/{source} description; schema of its 200",
        check="downloads_without_credentials",
        needs=WRITES,
    ),
    Rule(
        "barchart.links.fresh-link-any-time",
        "A new link can be asked for at any time, and downloads the same file.",
        "GET /reports/{source} description",
        check="export_exactly",
        needs=WRITES,
    ),
    Rule(
        "barchart.links.earlier-link-still-good",
        "Asking for a new link leaves the earlier ones good for their 15 minutes.",
        "GET /reports/{source} description (good for 15 minutes; retired only past `--max-links`)",
        check="link_still_valid",
        needs=WRITES,
    ),
    Rule(
        "barchart.links.altered-link-refused",
        "A link whose token is altered or removed downloads nothing: the link is the "
        "capability, anyone without it is refused.",
        "GET /reports/{source} description (needs no credentials: the link grants the file)",
        check="forged_link_refused",
        needs=WRITES,
    ),
    Rule(
        "barchart.links.link-grants-its-report-only",
        "A link grants its own report only: one report's file with another's token is refused.",
        "GET /reports/{source} description (a link to the export file of a job)",
        check="foreign_link_refused",
        needs=WRITES,
    ),
    Rule(
        "barchart.links.good-for-15-minutes",
        "A link still downloads just before 15 minutes after it was issued and answers 403 "
        "once they have passed.",
        "GET /reports/{source} description and 200 schema; " + PATHS,
        check="link_expires",
        needs=frozenset({"writes", "clock"}),
    ),
    Rule(
        "barchart.links.fresh-link-restarts-15-minutes",
        "A link asked for again is fresh: good for 15 minutes from then, whenever the first "
        "one expires.",
        "GET /reports/{source} description (ask again at any time for a fresh one)",
        check="link_still_valid",
        needs=frozenset({"writes", "clock"}),
    ),
    Rule(
        "barchart.links.max-links",
        "Past `--max-links` live links, issuing one more retires the oldest (its download "
        "answers 403).",
        "GET /reports/{source} description",
        unchecked=MOCK_LIMIT,
    ),
    # -- the export file ---------------------------------------------------------------------
    Rule(
        "barchart.export.delimited-with-header",
        "The export starts with a header row of the documented columns (`timestamp`, `type`, "
        "the product's own), then rows of as many fields, split by the delimiter, `|` when "
        "none was asked for.",
        "schema ReportOutput.delimiter; the reference's export format (pipe-delimited, .csv)",
        check="export_delimited",
        needs=WRITES,
    ),
    Rule(
        "barchart.export.delimiter-where-the-sdk-sends-it",
        "The delimiter sent in the top-level `output` (where the SDK sends it) is the one the "
        "file is written with.",
        "schema ReportRequest; " + SDK,
        check="export_delimited",
        needs=WRITES,
    ),
    Rule(
        "barchart.export.exactly-the-selected-events",
        "The export holds exactly the events the filter selects: customer, product, types and "
        "the window, none missing, none added.",
        "schema ReportFilter; " + GUIDE,
        check="export_exactly",
        needs=WRITES,
    ),
    Rule(
        "barchart.export.bounds-inclusive",
        "`start` and `end` are inclusive: events at either bound are exported, one ms outside "
        "are not.",
        "schema ReportFilter (the first and the final event to extract); " + COMPONENTS,
        check="export_exactly",
        needs=WRITES,
    ),
    Rule(
        "barchart.export.types-filter",
        "`types` limits the export to those types; omitted means every type.",
        "schema ReportFilter.types",
        check="export_exactly",
        needs=WRITES,
    ),
    Rule(
        "barchart.export.open-start",
        "Without `start` a report is not bounded before: it holds the events up to `end`.",
        "schema ReportFilter (start and end optional); " + GUIDE + " (if provided)",
        check="export_includes",
        needs=WRITES,
    ),
    Rule(
        "barchart.export.null-is-empty-column",
        "A `null` context value is exported as an empty column.",
        "schema Event.context",
        check="export_exactly",
        needs=WRITES,
    ),
    Rule(
        "barchart.export.bucket-options-change-nothing",
        "`bucketName` and `bucketKey` change nothing else: the file is still downloaded from "
        "the job's link, whole.",
        "schema ReportOutput",
        check="export_exactly",
        needs=WRITES,
    ),
    # -- GET /service/version, GET /service/authenticate ---------------------------------------
    Rule(
        "barchart.service.version-without-credentials",
        "GET /service/version needs no credentials.",
        "GET /service/version (no security); " + PATHS,
        check="answered_with",
    ),
    Rule(
        "barchart.service.schema",
        "Every answer fits its documented schema (the service's `version` and `name`, the "
        "nested `service.service`, a job's members, the link).",
        "schemas Service, ReportStatus and each operation's responses",
        check="response_schema_conformance",
    ),
    Rule(
        "barchart.service.authenticate-answers-the-caller",
        "GET /service/authenticate answers the user it authenticated: two users get two "
        "different ids, each the same every time.",
        "GET /service/authenticate description; " + PATHS,
        check="authenticate_answers_caller",
        needs=frozenset({"second-tenant"}),
    ),
    # -- credentials and HTTP ------------------------------------------------------------------
    Rule(
        "barchart.auth.credentials-required",
        "Every secured operation answers 401 to missing, empty or other-scheme credentials.",
        "securitySchemes Basic; responses Unauthorized; " + PATHS,
        check="credentials_rejected",
    ),
    Rule(
        "barchart.auth.password-checked",
        "A known user with a wrong password, or an unknown user, is refused with 401.",
        "securitySchemes Basic; RFC 7617",
        check="credentials_rejected",
    ),
    Rule(
        "barchart.auth.malformed-token-401",
        "A Basic token that is not base64 or has no `:` answers 401, like wrong credentials.",
        "securitySchemes Basic",
        check="credentials_rejected",
    ),
    Rule(
        "barchart.auth.basic-challenge",
        "Every 401 carries `WWW-Authenticate: Basic realm=...`.",
        "responses Unauthorized; RFC 7235 3.1, 4.1; RFC 7617 2",
        check="basic_challenge_sent",
    ),
    Rule(
        "barchart.auth.challenge-charset",
        'The Basic challenge says `charset="UTF-8"`.',
        "securitySchemes Basic; RFC 7617 2.1",
        check="basic_challenge_sent",
    ),
    Rule(
        "barchart.auth.latin-1-fallback",
        "Credentials that are not UTF-8 are read as Latin-1.",
        "securitySchemes Basic",
        unchecked="needs a user whose name or password is not ASCII, which a deployment's "
        "given credentials are not known to have",
    ),
    Rule(
        "barchart.http.head-like-get",
        "HEAD of a GET operation answers as GET would, without a body.",
        "RFC 9110 9.3.2 (a server MUST support GET and HEAD)",
        check="head_like_get",
    ),
    Rule(
        "barchart.http.405-with-allow",
        "A method no operation of a path takes is answered 405 with `Allow` listing those it "
        "takes.",
        "RFC 9110 15.5.6 (a 405 MUST carry Allow)",
        check="unsupported_method",
    ),
    Rule(
        "barchart.http.documented-content-type",
        "Answers have their documented Content-Type (`application/json`).",
        "each operation's responses; " + GUIDE + " (Semantics)",
        check="content_type_conformance",
        needs=WRITES,
    ),
    Rule(
        "barchart.http.no-server-error",
        "A request the spec allows is never answered 500.",
        "responses ServerError (an unspecified failure, not an answer to valid input)",
        check="not_a_server_error",
    ),
    Rule(
        "barchart.http.https-only",
        "The service only communicates over HTTPS.",
        GUIDE + " (Security)",
        unchecked="how a deployment is reached is the URL CI gives `--base-url`; the mock "
        "serves plain HTTP on loopback",
    ),
    Rule(
        "barchart.http.mock-limits",
        "Past the mock's head, query, timeout and connection limits: 431, 400, 408, 503, in "
        "the error shape.",
        "spec description (Limits of the mock)",
        unchecked=MOCK_LIMIT,
    ),
)

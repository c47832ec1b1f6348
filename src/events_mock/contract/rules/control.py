"""The control plane's rules, in the order `spec/control.yaml` states them.

The control plane is events-mock's own API, so every target of `verify --api control` is an
events-mock; what a rule cannot be checked on is a target set up otherwise (a control token,
a caller on another machine), or what no flow exercises yet, which the rule says.
"""

from __future__ import annotations

from events_mock.contract.rules import Rule

__all__ = ["RULES"]

SPEC = "spec control.yaml"
WRITES = frozenset({"writes"})
"""The flows work in a sandbox they make: a `--read-only` run makes none."""

RULES: tuple[Rule, ...] = (
    # -- info.description -------------------------------------------------------------------
    Rule(
        "control.access.loopback-only",
        "Without a control token only loopback callers may use the control plane; anyone else "
        "gets 403.",
        f"{SPEC}: info.description (Access); responses ControlForbidden",
        unchecked="needs a caller on another machine: the suite reaches the target from where "
        "it runs, and a run from another machine is refused before it starts",
    ),
    Rule(
        "control.access.token-401",
        "With `--control-token`, every call without `Authorization: Bearer TOKEN` is 401 with "
        "a Bearer challenge.",
        f"{SPEC}: info.description (Access); responses ControlUnauthorized; RFC 6750 section 3",
        check="control_token_required",
        needs=frozenset({"writes", "token"}),
    ),
    Rule(
        "control.access.control-header",
        "A call that changes something without `X-Mock-Control` or a JSON body is refused 403 "
        "and changes nothing.",
        f"{SPEC}: info.description (Access); parameters ControlHeader",
        check="refused",
        needs=WRITES,
    ),
    Rule(
        "control.faults.never-control",
        "Fault rules never apply to `/__mock/` itself.",
        f"{SPEC}: info.description; POST /faults description",
        check="faults_spare_control",
        needs=WRITES,
    ),
    Rule(
        "control.journal.never-control",
        "The journal records requests to the mocked APIs only, never to `/__mock/`.",
        f"{SPEC}: info.description; GET /journal summary",
        check="journal_in_order",
        needs=WRITES,
    ),
    Rule(
        "control.errors.problem-status",
        "Errors use the RFC 9457 problem shape, whose `status` is the HTTP status.",
        f"{SPEC}: info.description; schema Problem; RFC 9457 section 3.1.2",
        check="problem_status_is_status",
    ),
    Rule(
        "control.body.untyped-415",
        "A body with no `Content-Type` is 415.",
        f"{SPEC}: info.description; responses ControlUnsupportedMediaType",
        check="refused",
        needs=WRITES,
    ),
    Rule(
        "control.json.strict",
        "JSON that RFC 8259 leaves to implementations (NaN, say, for a clock rate) is 400 and "
        "changes nothing.",
        f"{SPEC}: info.description; RFC 8259",
        check="refused",
        needs=WRITES,
    ),
    Rule(
        "control.limits.mock-limits",
        "Over the mock's limits (head over 64 KiB: 431; more than 256 query parameters: 400; "
        "slow head or body: 408; all connections busy: 503) the answer is a problem.",
        f"{SPEC}: info.description (Limits of the mock)",
        unchecked="a limit of the mock's own configuration (`events-mock serve` options): "
        "reaching it takes requests no flow should send to a server others use",
    ),
    # -- GET / --------------------------------------------------------------------------------
    Rule(
        "control.index.every-operation",
        "The index lists every operation in the spec's order, with its method, full path and "
        "summary.",
        f"{SPEC}: GET / description",
        check="index_lists_operations",
    ),
    Rule(
        "control.index.vary",
        "The index says `Vary: Accept`: the same URL answers JSON or HTML.",
        f"{SPEC}: GET / 200 headers.Vary; RFC 9110 section 12.5.5",
        check="index_lists_operations",
    ),
    # -- the clock ------------------------------------------------------------------------------
    Rule(
        "control.clock.advance-exact",
        "Advancing the clock by N seconds moves it exactly N seconds forward (never backwards).",
        f"{SPEC}: POST /clock/advance description",
        check="clock_advanced",
        needs=WRITES,
    ),
    Rule(
        "control.clock.set",
        "Setting the clock answers exactly that instant and rate; setting it back is allowed.",
        f"{SPEC}: POST /clock/set description",
        check="clock_set",
        needs=WRITES,
    ),
    Rule(
        "control.clock.freeze",
        "Freezing the clock sets its rate to 0: it stands still until changed explicitly.",
        f"{SPEC}: POST /clock/freeze description",
        check="clock_frozen",
        needs=WRITES,
    ),
    Rule(
        "control.clock.iso-is-now",
        "A clock's `iso` is the same instant as its `now`, in ISO 8601 UTC.",
        f"{SPEC}: schema Clock.iso",
        check="clock_consistent",
    ),
    Rule(
        "control.clock.frozen-is-rate-0",
        "A clock is `frozen` exactly when its rate is 0.",
        f"{SPEC}: schema ClockRate; POST /clock/freeze description",
        check="clock_consistent",
    ),
    # -- jobs -----------------------------------------------------------------------------------
    Rule(
        "control.jobs.listed",
        "`GET /jobs` lists every live job, in the order they were started.",
        f"{SPEC}: GET /jobs 200",
        check="jobs_listed",
        needs=WRITES,
    ),
    Rule(
        "control.jobs.expire",
        "A job expired (`--job-ttl` of mock time after it ended) is gone: from `GET /jobs` and "
        "404 by its source.",
        f"{SPEC}: GET /jobs 200",
        check="gone",
        needs=WRITES,
    ),
    Rule(
        "control.jobs.forced",
        "`POST /jobs/{source}/status` ends a running job now with that status and message; "
        "asking an ended job for its own status again changes nothing.",
        f"{SPEC}: POST /jobs/{{source}}/status",
        check="job_forced",
        needs=WRITES,
    ),
    Rule(
        "control.jobs.status-final",
        "An ended job asked for another status is refused 409: a status never goes backwards.",
        f"{SPEC}: POST /jobs/{{source}}/status description",
        check="refused",
        needs=WRITES,
    ),
    Rule(
        "control.jobs.remaining-ended-409",
        "Setting how much longer an ended job runs is refused 409.",
        f"{SPEC}: POST /jobs/{{source}}/remaining description",
        check="refused",
        needs=WRITES,
    ),
    Rule(
        "control.jobs.unknown-404",
        "An unknown job is 404.",
        f"{SPEC}: responses ControlNotFound",
        check="refused",
        needs=WRITES,
    ),
    # -- faults ---------------------------------------------------------------------------------
    Rule(
        "control.faults.defaults",
        "A new rule answers what it was given and the spec's defaults for the rest (method "
        "`*`, after 0, probability 1, no latency, no drop, not malformed), counters at 0 and "
        "`remaining` equal to `times`.",
        f"{SPEC}: POST /faults 201; schemas FaultRuleInput, FaultRule",
        check="fault_as_added",
        needs=WRITES,
    ),
    Rule(
        "control.faults.listed-in-order",
        "`GET /faults` lists every rule in the order they are tried.",
        f"{SPEC}: GET /faults 200",
        check="fault_rules_listed",
        needs=WRITES,
    ),
    Rule(
        "control.faults.fire",
        "A rule with `status` answers the matching request at once with that status in the "
        "mocked API's own error shape, with `Retry-After` when `retry_after` is given.",
        f"{SPEC}: schema FaultRuleInput",
        check="fault_fired",
        needs=WRITES,
    ),
    Rule(
        "control.faults.times",
        "A rule fires `times` times, then never again: the next request reaches the API.",
        f"{SPEC}: schema FaultRuleInput.times",
        check="fault_spent",
        needs=WRITES,
    ),
    Rule(
        "control.faults.counters",
        "`matched`, `fired` and `remaining` count the requests the rule matched and acted on.",
        f"{SPEC}: schema FaultRule",
        check="fault_counted",
        needs=WRITES,
    ),
    Rule(
        "control.faults.after",
        "`after` matching requests pass untouched before the rule starts firing.",
        f"{SPEC}: schema FaultRuleInput.after",
        check="fault_sequence",
        needs=WRITES,
    ),
    Rule(
        "control.faults.malformed",
        "`malformed` lets the request through and cuts the answer's body in half.",
        f"{SPEC}: schema FaultRuleInput",
        check="fault_malformed",
        needs=WRITES,
    ),
    Rule(
        "control.faults.drop",
        "`drop` closes the connection without any answer.",
        f"{SPEC}: schema FaultRuleInput",
        check="fault_dropped",
        needs=WRITES,
    ),
    Rule(
        "control.faults.latency",
        "`latency_ms` waits that many real milliseconds before answering.",
        f"{SPEC}: schema FaultRuleInput.latency_ms",
        check="fault_delayed",
        needs=WRITES,
    ),
    Rule(
        "control.faults.first-decides",
        "Rules are tried in order: the first rule that fires decides what happens.",
        f"{SPEC}: POST /faults description",
        check="fault_sequence",
        needs=WRITES,
    ),
    Rule(
        "control.faults.seeded",
        "A rule's `probability` with a `seed` fires in the same sequence every time.",
        f"{SPEC}: schema FaultRuleInput.seed",
        check="fault_reproducible",
        needs=WRITES,
    ),
    Rule(
        "control.faults.removed",
        "A removed rule is gone: 404 from then on.",
        f"{SPEC}: DELETE /faults/{{id}} 204",
        check="gone",
        needs=WRITES,
    ),
    Rule(
        "control.faults.cleared",
        "After `DELETE /faults` no rule is left.",
        f"{SPEC}: DELETE /faults 204",
        check="emptied",
        needs=WRITES,
    ),
    # -- the journal ----------------------------------------------------------------------------
    Rule(
        "control.journal.oldest-first",
        "The journal holds the most recent requests, oldest first, with increasing ids.",
        f"{SPEC}: GET /journal summary; schema JournalEntry.id",
        check="journal_in_order",
        needs=WRITES,
    ),
    Rule(
        "control.journal.redacted",
        "Credentials never appear in the journal: `Authorization` and secret-named headers, "
        "parameters and members are `[REDACTED]`.",
        f"{SPEC}: GET /journal description",
        check="journal_redacted",
        needs=WRITES,
    ),
    Rule(
        "control.journal.filters-narrow",
        "Every filter narrows the journal: each entry answered has the value asked for.",
        f"{SPEC}: GET /journal description",
        check="journal_filtered",
        needs=WRITES,
    ),
    Rule(
        "control.journal.limit-latest",
        "`limit` keeps the most recent entries.",
        f"{SPEC}: GET /journal description",
        check="journal_limit_keeps_latest",
        needs=WRITES,
    ),
    Rule(
        "control.journal.bounded",
        "An entry keeps each body's first 64 KiB, each header value, path and query's first "
        "8 KiB (flagged); the journal keeps at most `capacity` entries and `max_bytes`, "
        "dropping the oldest. Checked: one request over each bound of an entry, and the "
        "journal's entries and bytes within `capacity` and `max_bytes`; dropping the oldest "
        "only on a target whose capacity is at most 100 (`serve --journal-size`), a bigger "
        "one (1000 by default) is not filled.",
        f"{SPEC}: GET /journal description; schemas Journal, JournalEntry",
        check="journal_bounded",
        needs=WRITES,
    ),
    Rule(
        "control.journal.cleared",
        "After `DELETE /journal` the journal is empty.",
        f"{SPEC}: DELETE /journal 204",
        check="emptied",
        needs=WRITES,
    ),
    # -- reset and state ------------------------------------------------------------------------
    Rule(
        "control.reset.fresh",
        "`POST /reset` empties the fault rules and the journal and puts every API's data back "
        "as the server started it.",
        f"{SPEC}: POST /reset description",
        check="emptied",
        needs=WRITES,
    ),
    Rule(
        "control.state.round-trip",
        "Importing an exported state restores it: exported again it is the same document.",
        f"{SPEC}: GET /state description; PUT /state",
        check="state_round_trip",
        needs=WRITES,
    ),
    Rule(
        "control.state.conflict-409",
        "A state document that contradicts itself (two events with one id in a tenant) is 409 "
        "and changes nothing: all or nothing.",
        f"{SPEC}: PUT /state description; responses StateConflict",
        check="state_conflict_refused",
        needs=WRITES,
    ),
    # -- sandboxes ------------------------------------------------------------------------------
    Rule(
        "control.sandboxes.isolated",
        "A sandbox is a mock of its own: what is made in it (a fault rule) is not seen in the "
        "default world nor in another sandbox.",
        f"{SPEC}: POST /sandboxes description",
        check="sandbox_isolated",
        needs=WRITES,
    ),
    Rule(
        "control.sandboxes.listed",
        "`GET /sandboxes` lists every live sandbox.",
        f"{SPEC}: GET /sandboxes description",
        check="sandbox_listed",
        needs=WRITES,
    ),
    Rule(
        "control.sandboxes.no-nesting",
        "Making a sandbox from inside one is refused 409.",
        f"{SPEC}: POST /sandboxes description; responses SandboxConflict",
        check="refused",
        needs=WRITES,
    ),
    Rule(
        "control.sandboxes.deleted",
        "A deleted sandbox is gone at once: its id is 404, for reading it and for calls in it.",
        f"{SPEC}: DELETE /sandboxes/{{id}} description",
        check="gone",
        needs=WRITES,
    ),
    Rule(
        "control.sandboxes.expire",
        "A sandbox expires after `--sandbox-ttl` seconds of real time without a request; "
        "reading it counts as using it.",
        f"{SPEC}: POST /sandboxes description; GET /sandboxes/{{id}} description",
        unchecked="real time, not the mock's clock: a check would wait the target's "
        "`--sandbox-ttl` (an hour by default)",
    ),
    Rule(
        "control.sandboxes.bounded-507",
        "Past `--max-sandboxes` (or the sandboxes' common event bound) a new sandbox is 507 "
        "and nothing is made.",
        f"{SPEC}: POST /sandboxes description; responses SandboxLimit",
        unchecked="needs the target's sandboxes filled to its bound, on a server others may "
        "be using",
    ),
)

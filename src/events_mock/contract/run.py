"""One run of the contract suite: the target, how to reach and wait for it, what it covered.

A `ContractRun` is made once per run, before pytest collects the suite: the suite's tests that
Schemathesis builds from a schema are built at collection from the run's (see `fixtures`),
already pointed at the target, with the run's credentials, seed and limits. Everything a run
learns lives on it (its `RunContext`), none of it in a module: runs in one process never meet.
"""

from __future__ import annotations

import contextlib
import copy
import secrets
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from schemathesis import Case, GenerationMode, Response
from schemathesis.config import HttpBearerAuthConfig
from schemathesis.core import NOT_SET, NotSet
from schemathesis.core.result import Err
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.schemas import OpenApiSchema

from events_mock.contract.checks.common import answered_with
from events_mock.contract.clocks import ControlPlaneClock, InProcessClock, JobClock, WallClock
from events_mock.contract.context import RunContext
from events_mock.contract.footprint import PrivateWindow as PrivateWindow
from events_mock.contract.footprint import RunMark, describe_left
from events_mock.contract.identity import Identity, UsageError, resolve_identities
from events_mock.contract.options import PHASES, ContractOptions
from events_mock.contract.proven import ProvenCoverage
from events_mock.contract.registry import CheckSet, SchemathesisCheck
from events_mock.contract.strategies import declining_undrawable
from events_mock.contract.targets import CONTRACT_APIS, ContractApi
from events_mock.contract.throttle import ThrottledAdapter, TokenBucket

SANDBOX_CREDENTIALS = ("users", "tenants", "billing_tokens")
TRANSPORT_REFUSALS = ("408", "413", "414", "431")
"""Statuses a conforming server answers a request it will not read (timeout, body, URI or
head too large, RFC 9110 / RFC 6585): right answers to a negative case, documented or not."""
SANDBOX_DELETE_HEADERS = {"X-Mock-Control": "1"}
"""A control call without a body: the header says it is no cross-site form post."""
SANDBOXED = (
    "a fresh sandbox of the target (an events-mock), deleted when the run ends: the target's "
    "own clock, events and jobs are untouched"
)
"""What of the embedded mock's settings a sandbox of the target is created with."""

REQUEST_TIMEOUT = 30.0
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# The Schemathesis checks that judge one response on its own, without sending more requests:
# what the flows' requests are held to, with the API's own response checks (`ContractApi.checks`).
BUILTIN_RESPONSE_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
TRANSPORT_HEADERS = frozenset(
    {
        "connection",
        "content-length",
        "host",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
"""Framing and hop-by-hop headers (RFC 9110 7.6.1, 8.6; RFC 9112 6.1): the web server in front
of an API answers a bogus one in its own way before the API sees the request."""


@dataclass
class Coverage:
    """Which operations the run exercised in which phase, and how each Schemathesis check fared."""

    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    passed: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    proven: ProvenCoverage | None = None
    """By documented response, with the checks each passed (`verify --coverage FILE`)."""

    def after_validate(self, context: Any, case: Case, response: Response, results: list) -> None:
        phase = case.meta.phase.name.value if case.meta is not None else "flows"
        self.requests[(case.operation.label, phase)] += 1
        if self.proven is not None:
            operation_id = case.operation.definition.raw.get("operationId")
            self.proven.validated(operation_id, response, results)
        for result in results:
            counter = self.failed if result.failure is not None else self.passed
            counter[result.name] += 1


class ContractRun:
    def __init__(self, options: ContractOptions) -> None:
        if options.api not in CONTRACT_APIS:
            raise UsageError(f"unknown API {options.api!r}; known: {', '.join(CONTRACT_APIS)}")
        self.options = options
        self.api: ContractApi = CONTRACT_APIS[options.api]
        self.embedded = options.base_url is None
        self.identity, self.other = resolve_identities(
            self.api.name,
            self.api.scheme,
            self.api.tenant_header,
            embedded=self.embedded,
            auth=options.auth,
            token=options.token,
            tenant=options.tenant,
            other_tenant=options.other_tenant,
            other_user=options.other_user,
            default=self.api.default_identity,
            default_other=self.api.default_other,
        )
        """Who the run acts as, and another tenant (tenant APIs; None: isolation not covered)."""
        self.seed = options.seed if options.seed is not None else secrets.randbelow(2**32)
        self.run_id = secrets.token_hex(4)
        self.tag = options.tag or f"contract-{self.run_id}"
        """What everything this run stores carries (`--tag`, CI's choice; random by default)."""
        self.window = PrivateWindow.pick()
        self.mark = RunMark(self.tag, self.window)
        self.footprint = self.api.footprint() if self.api.footprint is not None else None
        self.left: Counter[str] = Counter()
        """What the target's answers say this run stored there (events, jobs)."""
        self.bucket = TokenBucket(options.rate) if options.rate is not None else None
        self.coverage = Coverage(proven=ProvenCoverage(self.api.name, self.api.spec))
        self.context = RunContext()
        """What this run's checks share: the ledger, wrong credentials safe to print, memory."""
        self.checks: CheckSet = self.api.checks()
        self._own_checks = self.checks.bind(self.context)
        self._own_checks_without_history = self.checks.bind(self.context, history=False)
        self._server: Any = None
        self._sandbox: str | None = None
        """The target's sandbox this run works in (its `/__mock/sandboxes/<id>` URL), if any."""
        self._clock: JobClock | None = None
        self._schema: OpenApiSchema | None = None
        self.target, self.session = self._open_target()
        self.base_url = api_root(self.target, self.api.base_path)
        """Where the spec's paths start: the target, plus the spec's base path if it has one."""

    def _open_target(self) -> tuple[str, requests.Session]:
        """Where this run sends its requests, and the one session every request goes through.

        The one place a run decides its target: the URL (against an events-mock, a sandbox of
        it: `_enter_sandbox`), and in the session the headers every request carries (the API's
        `request_headers`) and the `--rate` budget. Schemathesis' generated requests, the
        flows' and the suite's own reads all take this session (`call_kwargs`), so none
        escapes the budget or the headers.
        """
        session = requests.Session()
        # Nothing of requests' own defaults: Schemathesis sends its own headers, and a session's
        # defaults would be added to every generated request.
        session.headers.clear()
        session.headers.update(dict(self.api.request_headers))
        if self.bucket is not None:
            for prefix in ("http://", "https://"):
                session.mount(prefix, ThrottledAdapter(self.bucket))
        if self.embedded:
            target = self._start_embedded_mock()
        else:
            target = str(self.options.base_url).rstrip("/")
            target = self._enter_sandbox(target, session) or target
        return target, session

    def _enter_sandbox(self, target: str, session: requests.Session) -> str | None:
        """A fresh sandbox of the target when it is an events-mock, else None.

        The run then leaves the target's own world as it was (clock, events, jobs): the
        sandbox is deleted when the run ends. It has the target's own users and tenants, so
        wrong credentials are refused as they would be outside it. Not with `--no-sandbox`,
        not for `--read-only` runs (they read the target's own data) nor for the control API
        (its own sandbox endpoints are what it fuzzes); any answer but 201 (another service,
        a control plane closed to this caller) means: no sandbox.
        """
        if self.options.read_only or self.options.no_sandbox or self.api.name == "control":
            return None
        try:
            answer = session.post(f"{target}/__mock/sandboxes", json={}, timeout=10)
            created = answer.json() if answer.status_code == 201 else None
        except (requests.RequestException, ValueError):
            return None
        if not isinstance(created, dict) or not isinstance(created.get("url"), str):
            return None
        self._sandbox = f"{target}/__mock/sandboxes/{created['id']}"
        return str(created["url"]).rstrip("/")

    def call_kwargs(self) -> dict[str, Any]:
        """What every `Case.call` of this run is given: its session (see `_open_target`)."""
        return {"session": self.session}

    def _start_embedded_mock(self) -> str:
        """The mock on a loopback port, its clock frozen so only the suite moves it."""
        from events_mock.app import EventsMock, MockConfig
        from events_mock.clock import MockClock
        from events_mock.framework.live_server import LiveServer

        clock = MockClock.frozen(MockClock().now_ms())
        settings = self.api.mock_settings(self.identity, self.other)
        mock = EventsMock(MockConfig(clock=clock, **settings))
        self._server = LiveServer(mock.app).start()
        self._clock = InProcessClock(clock)
        return self._server.url

    def close(self) -> None:
        if self._sandbox is not None:
            with contextlib.suppress(requests.RequestException):
                self.session.delete(self._sandbox, headers=SANDBOX_DELETE_HEADERS, timeout=10)
            self._sandbox = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        self.session.close()

    @property
    def clock(self) -> JobClock:
        """How to wait for jobs, decided on first use: only flows that start jobs need one."""
        if self._clock is None:
            self._clock = ControlPlaneClock.offered_by(self.target, self.session) or WallClock()
        return self._clock

    # -- the schema ------------------------------------------------------------------------

    def schema(self) -> OpenApiSchema:
        """The API's spec, pointed at the target and configured for this run."""
        if self._schema is None:
            self._schema = self._load_schema()
        return self._schema

    def _load_schema(self) -> OpenApiSchema:
        if self.api.formats is not None:
            self.api.formats()
        # An explicit config: a `schemathesis.toml` lying around must not change the verdict.
        schema = schemathesis.openapi.from_path(self.api.spec, config=schemathesis.Config())
        config = schema.config
        config.update(base_url=self.base_url, request_timeout=REQUEST_TIMEOUT)
        self._authenticate(config)
        config.generation.update(
            max_examples=self.options.max_examples,
            modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
            database="none",
        )
        config.phases.update(phases=list(self.options.phases))
        # A server may refuse what is too big to read before any API sees it (the spec's
        # description says so, not each operation): negative cases can be that big.
        rejection = config.checks.negative_data_rejection
        rejection.expected_statuses = [*rejection.expected_statuses, *TRANSPORT_REFUSALS]
        replaced = [builtin for builtin, _ in self.checks.replaced_builtins()]
        if replaced:
            config.checks.update(excluded_check_names=replaced)
        config.seed = self.seed
        if self.options.read_only:
            # Only operations that store nothing, and no undeclared methods but TRACE on them.
            config.phases.coverage.unexpected_methods = {"trace"}
            safe = schema.include(method=list(SAFE_METHODS))
            # A clone of the same kind (include() returns self.clone(); it is typed BaseSchema).
            assert isinstance(safe, OpenApiSchema)
            schema = safe
        schema.hooks.register_hook_with_name(self.coverage.after_validate, "after_validate")
        schema.hooks.register_hook_with_name(without_transport_headers, "map_headers")
        schema.hooks.register_hook_with_name(declining_undrawable, "before_generate_body")
        # Generated bodies carry the run's mark: fuzzing, coverage and stateful cases through
        # `map_case`, the spec's examples through `before_add_examples`.
        schema.hooks.register_hook_with_name(self._mark_case, "map_case")
        schema.hooks.register_hook_with_name(self._mark_examples, "before_add_examples")
        schema.hooks.register_hook_with_name(self._count_left, "after_call")
        return schema

    # -- what the run leaves behind ----------------------------------------------------------

    def marked(self, operation_id: str, body: Any) -> Any:
        """A copy of `body` (of `operation_id`) with the run's tag and in its window, where the
        API's footprint says how. A copy: an example's body is the spec's own object."""
        if self.footprint is None or isinstance(body, NotSet):
            return body
        body = copy.deepcopy(body)
        self.footprint.mark(operation_id, body, self.mark)
        return body

    def _mark_case(self, context: Any, case: Case) -> Case:
        operation_id = case.operation.definition.raw.get("operationId", "")
        case.body = self.marked(operation_id, case.body)
        return case

    def _mark_examples(self, context: Any, examples: list[Case]) -> None:
        for case in examples:
            self._mark_case(context, case)

    def _count_left(self, context: Any, case: Case, response: Response) -> None:
        """Count what the answer says was stored: the summary tells how much the run left."""
        if self.footprint is None:
            return
        operation_id = case.operation.definition.raw.get("operationId", "")
        try:
            body = response.json()
        except ValueError:
            body = None
        self.left.update(self.footprint.left(operation_id, response.status_code, body))

    def _authenticate(self, config: Any) -> None:
        """Every generated request carries the run's credentials, and its tenant where the
        operation takes one (a fixed value: a generated tenant would only ever be refused)."""
        identity = self.identity
        if identity.scheme == "basic":
            config.update(basic_auth=(identity.name, identity.secret))
        elif identity.scheme == "bearer" and self.api.bearer_scheme:
            bearer = HttpBearerAuthConfig(bearer=identity.secret)
            config.auth.openapi.schemes[self.api.bearer_scheme] = bearer
        if identity.tenant_header and identity.name:
            config.update(parameters={f"header.{identity.tenant_header}": identity.name})

    def operation(self, operation_id: str) -> APIOperation:
        return self.schema().find_operation_by_id(operation_id)

    def secured_operations(self) -> list[APIOperation]:
        """Operations whose spec requires credentials (and, with `--read-only`, store nothing).

        An operation that also lists the empty requirement (`{}`, as the control plane's do)
        takes credentials but does not require them: nothing there has to be refused.
        """
        schema = self.schema()
        default = schema.raw_schema.get("security", [])
        secured = []
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                raise result.err()
            operation = result.ok()
            requirements = operation.definition.raw.get("security", default)
            if requirements and all(requirements):
                secured.append(operation)
        return secured

    # -- talking to the target -------------------------------------------------------------

    def call(
        self,
        operation_id: str,
        *,
        path_parameters: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        body: Any = NOT_SET,
        headers: Mapping[str, str | None] | None = None,
        identity: Identity | None = None,
        authorization: str | None | NotSet = NOT_SET,
        expect: int | None = None,
        why: str = "",
    ) -> Response:
        """Send one request of the spec and hold the answer to every response-level check.

        With `expect`, the status is checked first: "expected 200, got 500" says more than the
        schema violations a wrong status brings along.
        """
        case = self.make_case(
            operation_id,
            path_parameters=path_parameters,
            query=query,
            body=body,
            headers=headers,
            identity=identity,
            authorization=authorization,
        )
        response = case.call(**self.call_kwargs())
        self.validate(case, response, expect=expect, why=why)
        return response

    def send(
        self,
        operation_id: str,
        *,
        path_parameters: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        body: Any = NOT_SET,
        headers: Mapping[str, str | None] | None = None,
        identity: Identity | None = None,
    ) -> tuple[Case, Response]:
        """Send without judging: for fixtures that only set the scene (tests judge later)."""
        case = self.make_case(
            operation_id,
            path_parameters=path_parameters,
            query=query,
            body=body,
            headers=headers,
            identity=identity,
        )
        return case, case.call(**self.call_kwargs())

    def response_checks(self, *, history: bool = True) -> list[SchemathesisCheck]:
        """The checks a flow's answers are held to; without `history`, none that compare an
        answer with the job's earlier reads (for answers judged later than received)."""
        from schemathesis.checks import CHECKS, load_all_checks

        load_all_checks()
        # The registry is typed to hold check classes too; these names are check functions.
        builtin = CHECKS.get_by_names(BUILTIN_RESPONSE_CHECKS)
        return [*builtin, *self.own_response_checks(history=history)]  # type: ignore[list-item]

    def own_response_checks(self, *, history: bool = True) -> list[SchemathesisCheck]:
        """The API's own response checks, bound to this run: what generated tests add to
        Schemathesis' built-in ones (`additional_checks`)."""
        return list(self._own_checks if history else self._own_checks_without_history)

    def validate(
        self,
        case: Case,
        response: Response,
        *,
        expect: int | None = None,
        why: str = "",
        received_earlier: bool = False,
    ) -> None:
        """Hold an answer to the response checks; one `received_earlier` than the last reads
        of its job is not judged against them."""
        if expect is not None:
            answered_with(self.context, response, expect, why or case.operation.label)
        case.validate_response(response, checks=self.response_checks(history=not received_earlier))

    def make_case(
        self,
        operation_id: str,
        *,
        path_parameters: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        body: Any = NOT_SET,
        headers: Mapping[str, str | None] | None = None,
        identity: Identity | None = None,
        authorization: str | None | NotSet = NOT_SET,
    ) -> Case:
        """A request of the spec as `identity` (default: the run's) would send it.

        `authorization` replaces its credentials (None: none at all); `headers` add to its
        headers or, with None as the value, remove one (the tenant header, say).
        """
        operation = self.operation(operation_id)
        sent: dict[str, str | None] = dict((identity or self.identity).headers())
        if not isinstance(authorization, NotSet):
            sent["Authorization"] = authorization
        sent.update(headers or {})
        return operation.Case(
            path_parameters=dict(path_parameters or {}),
            query=dict(query) if query else None,
            body=body,
            headers={name: value for name, value in sent.items() if value is not None},
        )

    def post_raw(self, operation_id: str, body: bytes, media_type: str | None) -> Response:
        """Send bytes no `Case` would: a body of another media type, or JSON no reader can
        carry. As the run's identity, through its session; judged by the caller."""
        operation = self.operation(operation_id)
        headers: dict[str, str | None] = {**self.identity.headers(), "Content-Type": media_type}
        raw = self.session.request(
            operation.method.upper(),
            self.base_url + operation.path,
            data=body,
            headers=headers,
            timeout=REQUEST_TIMEOUT,
        )
        self.coverage.requests[(operation.label, "flows")] += 1
        return Response.from_requests(raw, verify=True)

    def request_raw(self, method: str, url: str, *, identity: Identity | None = None) -> Response:
        """One request outside the spec's operations (a HEAD), as `identity` (None: the run's
        own) would send it; judged by the caller."""
        headers: dict[str, str | None] = {
            "Authorization": None,
            **(identity or self.identity).headers(),
        }
        raw = self.session.request(method, url, headers=headers, timeout=REQUEST_TIMEOUT)
        return Response.from_requests(raw, verify=True)

    def control_url(self) -> str | None:
        """The target's control plane (`/__mock`), if it is an events-mock: jobs can then be
        ended with a chosen status. Known once the clock is (`clock`)."""
        if isinstance(self.clock, (InProcessClock, ControlPlaneClock)):
            return self.target + "/__mock"
        return None

    def met_needs(self, asked: Collection[str] = ("clock", "control")) -> set[str]:
        """Which of the inventory's `NEEDS` this run meets (`events_mock.contract.rules`).
        The target's control plane is probed for its clock only if `asked` needs it, and
        never by a read-only run."""
        met = set()
        if not self.options.read_only:
            met.add("writes")
        if self.other is not None:
            met.add("second-tenant")
        if self.identity.scheme == "bearer" and self.identity.secret:
            met.add("token")
        probe = not self.options.read_only and bool({"clock", "control"} & set(asked))
        if (self._clock is not None or probe) and isinstance(
            self.clock, (InProcessClock, ControlPlaneClock)
        ):
            met |= {"clock", "control"}
        return met

    def download(self, url: str) -> Response:
        """Follow a report link as anyone holding it would: without credentials."""
        raw = self.session.get(url, timeout=REQUEST_TIMEOUT, headers={"Authorization": None})
        self.coverage.requests[("GET <report link>", "flows")] += 1
        if self.coverage.proven is not None:
            self.coverage.proven.downloaded(raw.status_code)
        return Response.from_requests(raw, verify=True)

    def preflight(self) -> str | None:
        """Why the suite cannot run against this target at all, if it cannot."""
        ping = self.make_case(
            self.api.ping_operation,
            path_parameters=example_path_parameters(self.operation(self.api.ping_operation)),
            authorization=None,
        )
        try:
            ping.call(**self.call_kwargs(), timeout=REQUEST_TIMEOUT)
        except requests.RequestException as error:
            return f"cannot reach {self.base_url}: {error}"
        if self.api.whoami_operation is None:
            return None
        whoami = self.operation(self.api.whoami_operation)
        for identity, hint in ((self.identity, self._hint()), (self.other, self._other_hint())):
            if identity is None:
                continue
            case = self.make_case(
                self.api.whoami_operation,
                path_parameters=example_path_parameters(whoami),
                identity=identity,
            )
            answer = case.call(**self.call_kwargs(), timeout=REQUEST_TIMEOUT)
            if answer.status_code not in (401, 403):
                continue
            said = f"{whoami.method.upper()} {whoami.path} answered {answer.status_code}"
            if identity.scheme == "none":
                return f"{self.base_url} does not answer without credentials ({said}): {hint}"
            return (
                f"{self.base_url} rejects the credentials of {identity.label(quoted=True)} "
                f"({said}): pass valid ones with {hint}"
            )
        return None

    def _other_hint(self) -> str:
        return "--other-user" if self.api.scheme == "basic" else "--other-tenant"

    def _hint(self) -> str:
        if self.api.scheme == "basic":
            return "--auth NAME:PASSWORD"
        if self.api.tenant_header:
            return "--token TOKEN --tenant NAME"
        return "--token TOKEN"

    def describe(self) -> list[tuple[str, str]]:
        """What this run is, for the header of its report."""
        target = "embedded mock on " + self.target if self.embedded else self.target
        if self.base_url != self.target:
            target += f" (API at {self.base_url[len(self.target) :]})"
        lines = [
            ("API", f"{self.api.name} ({self.api.spec.name})"),
            ("target", f"{target} {self.identity.describe()}"),
        ]
        if self.api.tenant_header:
            lines.append(("tenants", self.isolation_coverage()))
        run = f"seed {self.seed}; fuzzing {self.options.max_examples} cases per operation"
        if "stateful" in self.api.suite:
            run += f", {self.options.max_examples} stateful scenarios"
        if self.options.phases != PHASES:
            run += "; phases " + ", ".join(self.options.phases)
        lines.append(("run", run))
        if self.options.read_only:
            lines.append(("mode", "read-only: only operations that store nothing"))
        elif self._sandbox is not None:
            lines.append(("sandbox", SANDBOXED))
        elif self.api.stores:
            lines.append(("stores", self.recognised_by()))
        if self.bucket is not None:
            lines.append(("rate", f"at most {self.bucket.rate:g} requests per second"))
        return lines

    def recognised_by(self) -> str:
        """How to tell what this run stored from real traffic: its tag, its window."""
        return self.api.stores.format(tag=self.tag, window=self.window)

    def left_behind(self) -> str:
        """The closing summary's line: what the run left on the target, how to recognise it."""
        if self.options.read_only:
            return "nothing (--read-only)"
        if self._sandbox is not None:
            return "nothing (its sandbox is deleted)"
        if self.footprint is None:
            return self.api.stores or "nothing (it only reads)"
        return f"{describe_left(self.left)}: {self.recognised_by()}"

    def isolation_coverage(self) -> str:
        if self.other is None:
            return "isolation NOT COVERED: pass --other-tenant NAME:TOKEN (a second tenant)"
        return f"isolation checked against tenant {self.other.name}"


def api_root(target: str, base_path: str) -> str:
    """The URL the spec's paths hang off: a host given without the spec's base path gets it."""
    target = target.rstrip("/")
    if not base_path or target.endswith(base_path):
        return target
    return target + base_path


def parameter_example(parameter: Any) -> Any:
    """The spec's example of a parameter (on it, or on its schema), None without one."""
    definition = parameter.definition
    return definition.get("example", definition.get("schema", {}).get("example"))


def example_path_parameters(operation: APIOperation) -> dict[str, Any]:
    """Path parameters from the spec's examples (any other value for those without one)."""
    values = {}
    for parameter in operation.path_parameters:
        example = parameter_example(parameter)
        values[parameter.name] = example if example is not None else "example"
    return values


def without_transport_headers(
    context: Any, headers: dict[str, str] | None
) -> dict[str, str] | None:
    """Generated headers minus `TRANSPORT_HEADERS`: fuzzing adds arbitrary header names, and a
    `Transfer-Encoding: Io` is refused by any HTTP server, which says nothing of the API."""
    if not headers:
        return headers
    return {name: value for name, value in headers.items() if name.lower() not in TRANSPORT_HEADERS}

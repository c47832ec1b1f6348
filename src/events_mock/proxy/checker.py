"""Holding one exchange to the spec: the request before it is forwarded, the answer after.

The schema is the contract suite's (`ContractApi.spec` loaded by Schemathesis, with the API's
string formats registered); answers are judged by the suite's own response checks: Schemathesis'
built-in ones and the API's `CheckSet` bound to one `RunContext`, so rules that compare an
answer with earlier ones (a job's status only moving forward) see every exchange the proxy saw.
Requests are checked here (Schemathesis judges answers only): each declared parameter against
its schema, the body's media type and schema, and credentials present where the spec secures.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import requests
import schemathesis
from schemathesis import Case, Response
from schemathesis.core import NOT_SET
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.schemas import OpenApiSchema

from events_mock.contract.context import RunContext
from events_mock.contract.registry import SchemathesisCheck
from events_mock.contract.run import BUILTIN_RESPONSE_CHECKS
from events_mock.contract.targets import CONTRACT_APIS, ContractApi
from events_mock.contract.violations import ContractViolation

__all__ = ["ExchangeChecker", "ProxyViolation"]


@dataclass(frozen=True)
class ProxyViolation:
    """One rule an exchange broke: its name, and what was expected and seen."""

    rule: str
    message: str
    side: str = "request"
    """Which side broke it: the client's `request`, or the server's `response`."""

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "message": self.message, "side": self.side}


@dataclass(frozen=True)
class SeenRequest:
    """A request as the proxy received it (headers lower-cased)."""

    method: str
    path: str
    """Below the spec's base path."""
    query_string: str
    headers: Mapping[str, str]
    body: bytes


class ExchangeChecker:
    """The checks of one API over the whole life of one proxy."""

    def __init__(self, api: str) -> None:
        if api not in CONTRACT_APIS:
            raise ValueError(f"unknown API {api!r}; known: {', '.join(CONTRACT_APIS)}")
        self.api: ContractApi = CONTRACT_APIS[api]
        if self.api.formats is not None:
            self.api.formats()
        self.schema: OpenApiSchema = schemathesis.openapi.from_path(
            self.api.spec, config=schemathesis.Config()
        )
        self.base_path = self.api.base_path
        self.context = RunContext()
        checks = self.api.checks()
        replaced = {builtin for builtin, _ in checks.replaced_builtins()}
        from schemathesis.checks import CHECKS, load_all_checks

        load_all_checks()
        names = [name for name in BUILTIN_RESPONSE_CHECKS if name not in replaced]
        builtin: list[Any] = list(CHECKS.get_by_names(names))
        self.checks: list[SchemathesisCheck] = [*builtin, *checks.bind(self.context)]
        self._lock = threading.Lock()
        """Checks remember jobs across exchanges: one exchange judged at a time."""
        self._results: list[Any] = []
        """The check results of the exchange being judged, by Schemathesis' `after_validate`:
        each failure with the name of the check that failed."""
        self.schema.hooks.register_hook_with_name(self._collect, "after_validate")

    def operation(self, method: str, path: str) -> APIOperation | None:
        """The spec's operation for a request path (below the spec's base path), if any. Not
        for HEAD, which no spec declares: it is GET's answer without the body the GET
        operation's schema describes (RFC 9110 9.3.2), forwarded unjudged."""
        if method.upper() == "HEAD":
            return None
        if self.base_path:
            if not path.startswith(self.base_path):
                return None
            path = path[len(self.base_path) :] or "/"
        return self.schema.find_operation_by_path(method, path)

    def _collect(self, context: Any, case: Case, response: Response, results: list) -> None:
        self._results.extend(results)

    # -- requests --------------------------------------------------------------------------

    def check_request(self, request: SeenRequest) -> tuple[Case | None, list[ProxyViolation]]:
        """The case the request is (None: no operation of the spec) and what it broke."""
        operation = self.operation(request.method, request.path)
        if operation is None:
            return None, []
        violations: list[ProxyViolation] = []
        query = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(request.query_string).items()}
        path_parameters = _path_parameters(operation, request.path, self.base_path)
        for location, values in (
            ("path", path_parameters),
            ("query", query),
            ("header", request.headers),
        ):
            violations += _parameters_violations(operation, location, values)
        violations += self._security_violations(operation, request.headers)
        body, media_type, body_violations = _body(operation, request)
        violations += body_violations
        case = operation.Case(
            path_parameters=path_parameters,
            query=query or None,
            headers=dict(request.headers),
            body=body,
            media_type=media_type,
        )
        return case, violations

    def _security_violations(
        self, operation: APIOperation, headers: Mapping[str, str]
    ) -> list[ProxyViolation]:
        raw = self.schema.raw_schema
        requirements = operation.definition.raw.get("security", raw.get("security", []))
        if not requirements or not all(requirements):
            return []
        schemes = raw.get("components", {}).get("securitySchemes", {})
        for requirement in requirements:
            if all(_credentials_present(schemes.get(name, {}), headers) for name in requirement):
                return []
        wanted = " or ".join("+".join(requirement) for requirement in requirements)
        return [ProxyViolation("security_present", f"credentials expected ({wanted}), none sent")]

    # -- answers ---------------------------------------------------------------------------

    def check_response(
        self,
        case: Case,
        request: SeenRequest,
        url: str,
        status: int,
        headers: list[tuple[str, str]],
        content: bytes,
        elapsed: float,
    ) -> list[ProxyViolation]:
        """Every response check of the suite on this answer, each failure by its check."""
        response = _response(request, url, status, headers, content, elapsed)
        with self._lock:
            self._results = []
            # What failed is read from the results the hook collected, each by its check.
            with contextlib.suppress(AssertionError, BaseExceptionGroup):
                case.validate_response(response, checks=self.checks)
            failed = [r for r in self._results if r.failure is not None]
        violations = [_as_violation(result.name, result.failure) for result in failed]
        return violations

    def check_download(
        self,
        columns: list[str],
        delimiter: str,
        request: SeenRequest,
        url: str,
        status: int,
        headers: list[tuple[str, str]],
        content: bytes,
    ) -> tuple[list[list[str]], list[ProxyViolation]]:
        """A report's download, by the suite's export rules: its rows and what it broke."""
        response = _response(request, url, status, headers, content, 0.0)
        rules = self.api.checks().flow_checks()
        violations = []
        rows: list[list[str]] = []
        with self._lock:
            for call in (
                lambda: rules["downloads_without_credentials"](self.context, response),
                lambda: rules["export_delimited"](self.context, response, columns, delimiter),
            ):
                try:
                    found = call()
                except ContractViolation as violation:
                    message = " ".join(violation.message.split())
                    violations.append(ProxyViolation(violation.check, message, "response"))
                else:
                    rows = found if isinstance(found, list) else rows
        return rows, violations


def _response(
    request: SeenRequest,
    url: str,
    status: int,
    headers: list[tuple[str, str]],
    content: bytes,
    elapsed: float,
) -> Response:
    """The exchange as Schemathesis' checks read one (its request as `requests` prepares it)."""
    prepared = requests.Request(
        request.method, url, headers=dict(request.headers), data=request.body or None
    ).prepare()
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        grouped.setdefault(name, []).append(value)
    return Response(
        status_code=status,
        headers=grouped,
        content=content,
        request=prepared,
        elapsed=elapsed,
        verify=True,
    )


def _as_violation(name: str, error: BaseException) -> ProxyViolation:
    """A check's failure: `[rule] message` from the API's checks, Schemathesis' own otherwise."""
    failures = getattr(error, "exceptions", None) or [error]
    messages = []
    for failure in failures:
        title = getattr(failure, "title", "")
        message = getattr(failure, "message", "") or str(failure)
        text = message if message.startswith("[") or title in message else f"{title}: {message}"
        messages.append(" ".join(text.split()))
    message = "; ".join(messages)
    if message.startswith("[") and "] " in message:
        rule, message = message[1:].split("] ", 1)
        return ProxyViolation(rule, message, "response")
    return ProxyViolation(name, message, "response")


def _path_parameters(operation: APIOperation, path: str, base_path: str) -> dict[str, str]:
    from urllib.parse import unquote

    template = operation.path.strip("/").split("/")
    sent = path[len(base_path) :].strip("/").split("/")
    return {
        part[1:-1]: unquote(value)
        for part, value in zip(template, sent, strict=False)
        if part.startswith("{") and part.endswith("}")
    }


def _parameters_violations(
    operation: APIOperation, location: str, values: Mapping[str, Any]
) -> list[ProxyViolation]:
    container = {
        "path": operation.path_parameters,
        "query": operation.query,
        "header": operation.headers,
    }[location]
    lowered = {k.lower(): v for k, v in values.items()} if location == "header" else values
    violations = []
    for parameter in container:
        name = parameter.name.lower() if location == "header" else parameter.name
        if name == "authorization" and location == "header":
            continue  # credentials: `security_present`'s business
        if name not in lowered:
            if parameter.is_required:
                violations.append(
                    ProxyViolation(
                        "parameters_conform", f"{location} parameter {parameter.name} is required"
                    )
                )
            continue
        value = _coerced(parameter.definition.get("schema", {}), lowered[name])
        if not parameter.is_valid(value):
            violations.append(
                ProxyViolation(
                    "parameters_conform",
                    f"{location} parameter {parameter.name}: {value!r} does not fit its schema",
                )
            )
    return violations


def _coerced(schema: Mapping[str, Any], value: Any) -> Any:
    """A parameter's text as the type its schema declares, where it reads as one."""
    kind = schema.get("type")
    if kind == "array":
        items = value if isinstance(value, list) else str(value).split(",")
        return [_coerced(schema.get("items", {}), item) for item in items]
    if isinstance(value, list):
        value = value[-1]
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def _body(operation: APIOperation, request: SeenRequest) -> tuple[Any, str | None, list]:
    """The request's body as the case holds it, its media type, and what it broke."""
    alternatives = list(operation.body)
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";")[0].strip().lower() or None
    if not alternatives:
        return NOT_SET, None, []
    required = bool(operation.definition.raw.get("requestBody", {}).get("required"))
    if not request.body:
        if required:
            return NOT_SET, None, [ProxyViolation("body_conforms", "a request body is required")]
        return NOT_SET, None, []
    declared = [alternative.media_type for alternative in alternatives]
    alternative = operation.get_body_for_media_type(media_type) if media_type else None
    if alternative is None:
        message = f"content type {content_type or '(none)'!r}, expected one of {declared}"
        return NOT_SET, None, [ProxyViolation("content_type_sent", message)]
    if "json" not in alternative.media_type:
        return request.body, media_type, []
    try:
        body = json.loads(request.body)
    except ValueError:
        return request.body, media_type, [ProxyViolation("body_conforms", "the body is not JSON")]

    errors = _schema_errors(alternative, body)
    return body, media_type, [ProxyViolation("body_conforms", error) for error in errors[:3]]


def _schema_errors(alternative: Any, body: Any) -> list[str]:
    import jsonschema_rs

    validator = jsonschema_rs.validator_for(alternative.validation_schema)
    return [
        f"{error.message} (at /{'/'.join(map(str, error.instance_path))})"
        for error in validator.iter_errors(body)
    ]


def _credentials_present(scheme: Mapping[str, Any], headers: Mapping[str, str]) -> bool:
    kind = scheme.get("type")
    if kind == "http":
        prefix = str(scheme.get("scheme", "")).lower() + " "
        return headers.get("authorization", "").lower().startswith(prefix)
    if kind == "apiKey" and scheme.get("in") == "header":
        return str(scheme.get("name", "")).lower() in headers
    return True

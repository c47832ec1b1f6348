"""Credentials: every secured operation refuses missing, malformed and wrong ones.

Schemathesis' `ignored_auth` only tries "none" and one generated value; a server that checks the
user name but not the password, crashes on a token that is not base64, or lets a tenant's token
act for another tenant passes it. Each secured operation here gets one request per kind of bad
credentials, built from its examples: 401 for credentials that prove nothing, 403 for a valid
token used for a tenant it was not issued to.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pytest
from schemathesis.core import NOT_SET
from schemathesis.schemas import APIOperation

from events_mock.contract.checks.common import credentials_rejected, tenant_forbidden
from events_mock.contract.fixtures import RUN_KEY
from events_mock.contract.plugin import describe_failure
from events_mock.contract.run import ContractRun, parameter_example


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per secured operation of the run's spec."""
    if "operation" in metafunc.fixturenames:
        secured = metafunc.config.stash[RUN_KEY].secured_operations()
        metafunc.parametrize("operation", secured, ids=lambda operation: operation.label)


@dataclass(frozen=True)
class BadCredentials:
    kind: str
    """What is wrong, as the report says it."""
    authorization: Any = NOT_SET
    """The Authorization header sent instead of the run's (None: none at all)."""
    headers: dict[str, str] | None = None
    """Other headers changed (the tenant)."""
    status: int = 401


def bad_credentials(run: ContractRun) -> list[BadCredentials]:
    """Only values that carry a real secret stay hidden in reproduction lines."""
    if run.identity.scheme == "basic":
        return _bad_basic(run)
    if run.identity.scheme == "bearer":
        return _bad_bearer(run) + _other_tenants(run)
    return []


def _bad_basic(run: ContractRun) -> list[BadCredentials]:
    name, password, tag = run.identity.name, run.identity.secret, run.tag
    reveal = run.context.reveal

    def basic(user: str, secret: str) -> str:
        return "Basic " + _b64(f"{user}:{secret}")

    return [
        BadCredentials("no credentials", None),
        BadCredentials("an empty Basic token", reveal("Basic")),
        BadCredentials("a Basic token that is not base64", reveal("Basic %%not*base64%%")),
        BadCredentials("a Basic token without a colon", reveal("Basic " + _b64(name))),
        BadCredentials("another scheme (Bearer)", reveal(f"Bearer {tag}")),
        BadCredentials("a wrong password", reveal(basic(name, f"not-the-password-{tag}"))),
        BadCredentials("an unknown user with the right password", basic(f"nobody-{tag}", password)),
    ]


def _bad_bearer(run: ContractRun) -> list[BadCredentials]:
    identity, tag = run.identity, run.tag
    reveal = run.context.reveal
    return [
        BadCredentials("no credentials", None),
        BadCredentials("an empty Bearer token", reveal("Bearer")),
        BadCredentials("a token with characters no token has", reveal("Bearer %%{not}%%")),
        BadCredentials("an unknown token", reveal(f"Bearer not-a-token-{tag}")),
        BadCredentials(
            "the token under another scheme (Basic)",
            "Basic " + _b64(f"{identity.name or 'client'}:{identity.secret}"),
        ),
    ]


def _other_tenants(run: ContractRun) -> list[BadCredentials]:
    """A valid token for a tenant it was not issued to: 403 (known, not allowed there)."""
    header = run.api.tenant_header
    if not header:
        return []
    bad = [
        BadCredentials(
            "the token, for a tenant it was not issued to",
            headers={header: f"nobody-{run.tag}"},
            status=403,
        )
    ]
    if run.other is not None:
        bad.append(
            BadCredentials(
                f"tenant {run.other.name}'s token, for tenant {run.identity.name}",
                run.other.authorization(),
                status=403,
            )
        )
    return bad


def test_bad_credentials_rejected(contract: ContractRun, operation: APIOperation) -> None:
    path_parameters, body = example_request(operation)
    # The spec's example as the run's own: stored by a target that ignores credentials, it is
    # still recognisable.
    body = contract.marked(operation.definition.raw["operationId"], body)
    problems: list[Exception] = []
    for bad in bad_credentials(contract):
        case = contract.make_case(
            operation.definition.raw["operationId"],
            path_parameters=path_parameters,
            body=body,
            authorization=bad.authorization,
            headers=bad.headers,
        )
        response = case.call(**contract.call_kwargs())
        try:
            if bad.status == 403:
                tenant_forbidden(contract.context, bad.kind, response)
            else:
                credentials_rejected(contract.context, bad.kind, response)
            case.validate_response(response, checks=contract.response_checks())
        except AssertionError as problem:
            problems.append(problem)
    if problems:
        revealed = contract.context.revealed
        raise AssertionError("\n\n".join(describe_failure(p, revealed) for p in problems))


def example_request(operation: APIOperation) -> tuple[dict[str, Any], Any]:
    """Path parameters and body from the spec's examples: a request that fits the operation."""
    raw = operation.definition.raw
    path_parameters = {}
    for parameter in operation.path_parameters:
        example = parameter_example(parameter)
        if example is None:
            pytest.skip(f"{operation.label}: no example for path parameter {parameter.name}")
        path_parameters[parameter.name] = example
    body: Any = NOT_SET
    content = raw.get("requestBody", {}).get("content", {})
    if content:
        media = next(iter(content.values()))
        if "example" not in media:
            pytest.skip(f"{operation.label}: no request body example")
        body = media["example"]
    return path_parameters, body


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()

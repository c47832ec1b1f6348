"""Credentials: every secured operation answers 401 to missing, malformed and wrong ones.

Schemathesis' `ignored_auth` only tries "none" and one generated value; a server that checks the
user name but not the password, or crashes on a token that is not base64, passes it. Each
secured operation here gets one request per kind of bad credentials, built from its examples.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from schemathesis.core import NOT_SET
from schemathesis.schemas import APIOperation

from events_mock.contract import checks
from events_mock.contract.plugin import current_run, describe_failure
from events_mock.contract.run import ContractRun

__all__ = ["test_bad_credentials_rejected"]

_SECURED = current_run().secured_operations()


def bad_credentials(run: ContractRun) -> list[tuple[str, str | None]]:
    """(what is wrong, Authorization value); only the one carrying the real password is secret."""
    name, password = run.auth
    tag = run.tag

    def basic(user: str, secret: str) -> str:
        return "Basic " + _b64(f"{user}:{secret}")

    return [
        ("no credentials", None),
        ("an empty Basic token", checks.reveal("Basic")),
        ("a Basic token that is not base64", checks.reveal("Basic %%not*base64%%")),
        ("a Basic token without a colon", checks.reveal("Basic " + _b64(name))),
        ("another scheme (Bearer)", checks.reveal(f"Bearer {tag}")),
        ("a wrong password", checks.reveal(basic(name, f"not-the-password-{tag}"))),
        ("an unknown user with the right password", basic(f"nobody-{tag}", password)),
    ]


@pytest.mark.parametrize("operation", _SECURED, ids=lambda operation: operation.label)
def test_bad_credentials_rejected(contract: ContractRun, operation: APIOperation) -> None:
    path_parameters, body = example_request(operation)
    problems: list[Exception] = []
    for kind, authorization in bad_credentials(contract):
        case = contract.make_case(
            operation.definition.raw["operationId"],
            path_parameters=path_parameters,
            body=body,
            authorization=authorization,
        )
        response = case.call()
        try:
            checks.credentials_rejected(kind, response)
            case.validate_response(response, checks=contract.response_checks())
        except AssertionError as problem:
            problems.append(problem)
    if problems:
        raise AssertionError("\n\n".join(describe_failure(problem) for problem in problems))


def example_request(operation: APIOperation) -> tuple[dict[str, Any], Any]:
    """Path parameters and body from the spec's examples: a request that fits the operation."""
    raw = operation.definition.raw
    path_parameters = {}
    for parameter in operation.path_parameters:
        definition = parameter.definition
        example = definition.get("example", definition.get("schema", {}).get("example"))
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

"""Checks and helpers every API's checks share: the documented status, refused credentials.

Also the small readers every check needs: a response's JSON body, the operation a case is of,
a path parameter as sent, whether the input was generated to be invalid.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote, urlsplit

from schemathesis import Case, Response
from schemathesis.core.parameters import ParameterLocation

from events_mock.contract.context import RunContext
from events_mock.contract.registry import CheckSet
from events_mock.contract.violations import fail

__all__ = [
    "COMMON",
    "answered_with",
    "applies",
    "credentials_rejected",
    "has_negative_body",
    "is_negative",
    "json_body",
    "negative_case_refused",
    "operation_id_of",
    "sent_path_parameter",
    "sent_url",
    "tenant_forbidden",
]

COMMON = CheckSet("common")


@COMMON.flow_check
def answered_with(ctx: RunContext, response: Response, status: int, why: str) -> None:
    """The documented status for this situation."""
    if response.status_code != status:
        fail(f"{why}: expected {status}, got {response.status_code}", response)


@COMMON.flow_check
def credentials_rejected(ctx: RunContext, kind: str, response: Response) -> None:
    """A secured operation answers 401 to missing, malformed or wrong credentials."""
    _refused_with_status(401, kind, response)


@COMMON.flow_check
def tenant_forbidden(ctx: RunContext, kind: str, response: Response) -> None:
    """A valid token used for another tenant is 403: the caller is known, not allowed there."""
    _refused_with_status(403, kind, response)


@COMMON.flow_check
def negative_case_refused(ctx: RunContext, response: Response, stored_status: int) -> None:
    """A body generated not to fit the spec is refused, never stored: stored, it is data no
    client would send, on a target others use, and no tag can be relied on to mark it."""
    if response.status_code == stored_status:
        fail(
            f"{response.request.method} {urlsplit(sent_url(response)).path} stored a body that "
            f"does not fit the spec (answered {response.status_code}); it must be refused (4xx)",
            response,
        )


def _refused_with_status(status: int, kind: str, response: Response) -> None:
    if response.status_code != status:
        fail(
            f"{response.request.method} {urlsplit(sent_url(response)).path} with {kind} "
            f"answered {response.status_code}, expected {status}",
            response,
        )


# ---------------------------------------------------------------------------------------------
# Helpers


def applies(case: Case, operation_id: str, response: Response, status: int) -> bool:
    """This operation answered this status to input that fits the spec (negative input that is
    accepted is `negative_data_rejection`'s business)."""
    return (
        operation_id_of(case) == operation_id
        and response.status_code == status
        and not is_negative(case)
    )


def is_negative(case: Case) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_negative


def has_negative_body(case: Case) -> bool:
    """The body itself was generated not to fit the spec (as sent: Schemathesis revalidates a
    case its hooks changed), not only a header or a parameter."""
    if case.meta is None:
        return False
    body = case.meta.components.get(ParameterLocation.BODY)
    return body is not None and body.mode.is_negative


def operation_id_of(case: Case) -> str | None:
    return case.operation.definition.raw.get("operationId")


def sent_path_parameter(case: Case, response: Response, name: str) -> str | None:
    """A path parameter as the request carried it (phases differ in how they keep it)."""
    template = case.operation.path.strip("/").split("/")
    sent = urlsplit(sent_url(response)).path.strip("/").split("/")
    sent = sent[len(sent) - len(template) :] if len(sent) >= len(template) else []
    if len(sent) != len(template) or "{" + name + "}" not in template:
        return None
    return unquote(sent[template.index("{" + name + "}")])


def sent_url(response: Response) -> str:
    """The URL the request went to. requests types a prepared request's URL as optional, for
    one not prepared yet; every request Schemathesis sent has one."""
    url = response.request.url
    assert url is not None, "a sent request has a URL"
    return url


def json_body(response: Response) -> Any:
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError, UnicodeDecodeError):
        return None

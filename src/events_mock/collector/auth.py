"""Connexion glue for the tenant bearer-token check; the decision itself is `TenantTokens`.

Connexion's security middleware runs before request validation and only knows two outcomes
of a token check: a token-info dict (let through) or None (401). The 403 case, a valid token
sent for another tenant, is raised from inside the check as a `ProblemException(status=403)`:
Connexion collects it and re-raises it as the most specific failure, so it reaches the app's
`ProblemException` error handler like every other error and is rendered in the API's shape.
(`OAuthScopeProblem` would not: it is a Starlette `HTTPException`, not a `ProblemException`.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connexion.exceptions import ProblemException
from connexion.security import BearerSecurityHandler

from events_mock.auth import checked_by
from events_mock.collector.tenants import Access, TenantTokens

TENANT_HEADER = "X-TWC-Tenant"

TokenCheck = Callable[..., "dict[str, Any] | None"]


def make_token_check(tenants: TenantTokens) -> TokenCheck:
    """The check Connexion calls with the token (and the request) for each secured request.

    Without an `X-TWC-Tenant` header a valid token is let through: request validation, which
    runs next, answers 400 naming the missing header, which tells the client more than 403.
    """

    def check_token(token: str, request: Any = None) -> dict[str, Any] | None:
        tenant = request.headers.get(TENANT_HEADER) if request is not None else None
        access = tenants.access(token, tenant)
        if access is Access.UNAUTHENTICATED:
            return None
        if access is Access.FORBIDDEN:
            raise ProblemException(
                status=403,
                title="Forbidden",
                detail=f"The token does not grant access to tenant {tenant!r}",
            )
        return {"sub": tenant, "tenant": tenant}

    return check_token


def bearer_handler_class(tenants: TenantTokens) -> type[BearerSecurityHandler]:
    return checked_by(BearerSecurityHandler, make_token_check(tenants))

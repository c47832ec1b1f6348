"""Event Collector tenants: which tenants a bearer token belongs to, and the token check.

Every configured token is compared, in constant time, whatever matched earlier
(`credentials.owners`): the time a check takes then depends on how many tenants exist, never
on which token was sent or how much of it was right.

Connexion's security middleware runs before request validation and only knows two outcomes
of a token check: a token-info dict (let through) or None (401). The 403 case, a valid token
sent for another tenant, is raised from inside the check as a `ProblemException(status=403)`:
Connexion collects it and re-raises it as the most specific failure, so it reaches the app's
`ProblemException` error handler like every other error and is rendered in the API's shape.
(`OAuthScopeProblem` would not: it is a Starlette `HTTPException`, not a `ProblemException`.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

from connexion.exceptions import ProblemException
from connexion.security import BearerSecurityHandler

from events_mock.credentials import owners
from events_mock.framework.security import bearer_security
from events_mock.seam import getter

__all__ = [
    "TENANT_HEADER",
    "Access",
    "TenantTokens",
    "TokenCheck",
    "bearer_handler_class",
    "make_token_check",
]

TENANT_HEADER = "X-TWC-Tenant"


class Access(Enum):
    GRANTED = "granted"
    UNAUTHENTICATED = "unauthenticated"
    """Unknown token: answered 401."""
    FORBIDDEN = "forbidden"
    """A valid token, issued to another tenant than the one asked for: answered 403."""


class TenantTokens:
    """Tenant name -> its bearer token, fixed when the mock is configured."""

    def __init__(self, tenants: Mapping[str, str]) -> None:
        for name, token in tenants.items():
            if not isinstance(name, str) or not name:
                raise ValueError("tenant names must be non-empty strings")
            if not isinstance(token, str) or not token.strip():
                raise ValueError(f"tenant {name!r}: the token must be a non-empty string")
        self._tokens = {
            name: token.encode("utf-8", errors="surrogatepass") for name, token in tenants.items()
        }

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._tokens)

    def owners(self, token: str) -> frozenset[str]:
        """The tenants this token was issued to (normally one, or none if unknown)."""
        sent = token.encode("utf-8", errors="surrogatepass")
        return frozenset(owners(sent, self._tokens.items()))

    def access(self, token: str, tenant: str | None) -> Access:
        """Whether the token may act for `tenant`; `None` (no tenant named) needs a valid token."""
        owning = self.owners(token)
        if not owning:
            return Access.UNAUTHENTICATED
        if tenant is None or tenant in owning:
            return Access.GRANTED
        return Access.FORBIDDEN


TokenCheck = Callable[..., "dict[str, Any] | None"]


def make_token_check(tenants: TenantTokens | Callable[[], TenantTokens]) -> TokenCheck:
    """The check Connexion calls with the token (and the request) for each secured request.

    Without an `X-TWC-Tenant` header a valid token is let through: request validation, which
    runs next, answers 400 naming the missing header, which tells the client more than 403.
    Two or more of them are refused 400 before the token is looked at: the framework would
    read one, a proxy or the journal another, and the request would act for a tenant its
    sender may not have meant.
    """
    tenants_of = getter(tenants)

    def check_token(token: str, request: Any = None) -> dict[str, Any] | None:
        tenant = _only_tenant(request) if request is not None else None
        access = tenants_of().access(token, tenant)
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


def _only_tenant(request: Any) -> str | None:
    """The one `X-TWC-Tenant` header's value (None without one); 400 for several."""
    named = request.headers.getlist(TENANT_HEADER)
    if len(named) > 1:
        raise ProblemException(
            status=400,
            title="Bad Request",
            detail=f"{len(named)} {TENANT_HEADER} headers were sent; exactly one is allowed",
        )
    return named[0] if named else None


def bearer_handler_class(
    tenants: TenantTokens | Callable[[], TenantTokens],
) -> type[BearerSecurityHandler]:
    return bearer_security(make_token_check(tenants))

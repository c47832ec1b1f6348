"""Which tenants a bearer token belongs to, found without leaking anything through timing.

Every configured token is compared, in constant time, whatever matched earlier: the time a
check takes then depends on how many tenants exist, never on which token was sent or how
much of it was right.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from enum import Enum


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
        matches = [
            (name, hmac.compare_digest(sent, expected)) for name, expected in self._tokens.items()
        ]
        return frozenset(name for name, matched in matches if matched)

    def access(self, token: str, tenant: str | None) -> Access:
        """Whether the token may act for `tenant`; `None` (no tenant named) needs a valid token."""
        owners = self.owners(token)
        if not owners:
            return Access.UNAUTHENTICATED
        if tenant is None or tenant in owners:
            return Access.GRANTED
        return Access.FORBIDDEN

"""Bearer-token checks for Billing Care, plugged into Connexion's bearer security handler.

FACTS §3: the real service takes an OAuth 2.0 bearer token. The mock does not issue tokens;
it knows a fixed set of them (name -> token) and answers whose a presented token is.
Comparisons run in constant time over every known token, so neither the time taken nor an
early exit tells a caller how close a guess was.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping

from connexion.security import BearerSecurityHandler

from events_mock.auth import checked_by

TokenCheck = Callable[[str], "dict | None"]


class BearerTokens:
    """The tokens the mock accepts, given as client name -> token."""

    def __init__(self, tokens: Mapping[str, str]) -> None:
        if any(not token for token in tokens.values()):
            raise ValueError("bearer tokens must not be empty")
        self._tokens = [(name, token.encode()) for name, token in tokens.items()]

    def check(self, token: str) -> dict | None:
        """`{"sub": name}` for a known token, else None (Connexion then answers 401)."""
        given = token.encode("utf-8", "surrogateescape")
        owner = None
        for name, expected in self._tokens:
            if hmac.compare_digest(expected, given) and owner is None:
                owner = name
        return {"sub": owner} if owner is not None else None


def bearer_security(check: TokenCheck) -> type[BearerSecurityHandler]:
    return checked_by(BearerSecurityHandler, check)

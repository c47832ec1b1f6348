"""Billing Care's bearer tokens: whose a presented token is.

The real service takes an OAuth 2.0 bearer token (the vendor's API reference). The mock does
not issue tokens; it knows a fixed set of them (name -> token) and answers whose a presented
token is (`framework.security.bearer_security` plugs the check into Connexion). Comparisons
run in constant time over every known token (`credentials.owners`), so neither the time taken
nor an early exit tells a caller how close a guess was.
"""

from __future__ import annotations

from collections.abc import Mapping

from events_mock.credentials import owners

__all__ = ["BearerTokens"]


class BearerTokens:
    """The tokens the mock accepts, given as client name -> token."""

    def __init__(self, tokens: Mapping[str, str]) -> None:
        if any(not token for token in tokens.values()):
            raise ValueError("bearer tokens must not be empty")
        self._tokens = [(name, token.encode()) for name, token in tokens.items()]

    def check(self, token: str) -> dict | None:
        """`{"sub": name}` for a known token, else None (Connexion then answers 401)."""
        found = owners(token.encode("utf-8", "surrogateescape"), self._tokens)
        return {"sub": found[0]} if found else None

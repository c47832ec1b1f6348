"""Credential checks plugged into Connexion's security handlers.

Connexion decides from the spec which operations need which scheme; these checks only answer
whether given credentials are right. Comparisons run in constant time and over every known
user, so neither the time taken nor an early exit tells an attacker which part was wrong.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable, Mapping
from typing import TypeVar

from connexion.security import AbstractSecurityHandler, BasicSecurityHandler

H = TypeVar("H", bound=AbstractSecurityHandler)


def checked_by(handler_class: type[H], check: Callable[..., dict | None]) -> type[H]:
    """A Connexion security handler class whose credential check is `check`.

    Connexion's `security_map` wants classes, and would otherwise look the check up by name in
    the spec (`x-basicInfoFunc`); a closure keeps the specs free of mock internals and lets
    several mocks with different users run side by side.
    """

    class Checked(handler_class):  # type: ignore[valid-type,misc]
        # Connexion inspects the check's signature on every request; it never changes.
        _accepts_kwarg = staticmethod(functools.cache(handler_class._accepts_kwarg))

        def _resolve_func(self, security_scheme: dict) -> Callable[..., dict | None]:
            return check

    return Checked


def basic_security(check: Callable[[str, str], dict | None]) -> type[BasicSecurityHandler]:
    return checked_by(BasicSecurityHandler, check)


class Users:
    """Basic-auth users, given as name -> password."""

    def __init__(self, users: Mapping[str, str]) -> None:
        self._users = {name.encode(): password.encode() for name, password in users.items()}

    def check(self, username: str, password: str) -> dict | None:
        given_name, given_password = username.encode(), password.encode()
        matched = False
        for name, expected in self._users.items():
            name_ok = hmac.compare_digest(name, given_name)
            password_ok = hmac.compare_digest(expected, given_password)
            matched |= name_ok and password_ok
        return {"sub": username} if matched and username else None


def parse_credentials(value: str) -> tuple[str, str]:
    """'NAME:PASSWORD' -> (name, password); the password may itself contain ':'."""
    name, sep, password = value.partition(":")
    if not sep or not name or not password:
        raise ValueError(f"expected NAME:PASSWORD, got {value!r}")
    return name, password

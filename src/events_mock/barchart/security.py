"""Barchart's Basic-auth users: whether a user name and password are right.

Connexion decides from the spec which operations need Basic auth (`framework.security` plugs
this check into its handler); here only the answer is decided. Every user's name and
password are compared in constant time (`credentials.same_secret`), whatever matched first.
"""

from __future__ import annotations

from collections.abc import Mapping

from events_mock.credentials import same_secret

__all__ = ["Users"]


class Users:
    """Basic-auth users, given as name -> password."""

    def __init__(self, users: Mapping[str, str]) -> None:
        self._users = {name.encode(): password.encode() for name, password in users.items()}

    def check(self, username: str, password: str) -> dict | None:
        given_name, given_password = username.encode(), password.encode()
        matched = False
        for name, expected in self._users.items():
            name_ok = same_secret(name, given_name)
            password_ok = same_secret(expected, given_password)
            matched |= name_ok and password_ok
        return {"sub": username} if matched and username else None

"""Credentials, framework-free: the NAME:SECRET option format and constant-time comparisons.

Every API's security module (`barchart.security`, `collector.security`, `billing.security`)
compares what a client sent with every configured secret through `owners`, so neither the
time a check takes nor an early exit tells a caller which secret, or how much of it, was
right. The command line (`serve`, `verify`) and pytest's options read NAME:SECRET values
through `credentials`. `basic_credentials` reads a Basic token as the challenges ask
(`charset="UTF-8"`, RFC 7617).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hmac
from collections.abc import Iterable

__all__ = ["basic_credentials", "credentials", "owners", "parse_credentials", "same_secret"]


def same_secret(given: bytes, expected: bytes) -> bool:
    """Whether two secrets are equal, in time that does not depend on where they differ."""
    return hmac.compare_digest(given, expected)


def owners(given: bytes, secrets: Iterable[tuple[str, bytes]]) -> list[str]:
    """The names whose secret equals `given`, in order; every secret is compared, always."""
    matches = [(name, same_secret(given, expected)) for name, expected in secrets]
    return [name for name, matched in matches if matched]


def parse_credentials(value: str) -> tuple[str, str]:
    """'NAME:PASSWORD' -> (name, password); the password may itself contain ':'."""
    name, sep, password = value.partition(":")
    if not sep or not name or not password:
        raise ValueError(f"expected NAME:PASSWORD, got {value!r}")
    return name, password


def credentials(value: str) -> tuple[str, str]:
    """`parse_credentials` as an argparse `type` (`--auth NAME:PASSWORD` and the like)."""
    try:
        return parse_credentials(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def basic_credentials(token: str) -> tuple[str, str] | None:
    """A Basic token (the base64 after `Basic `) -> (user, password).

    None when it is not base64 or has no `:` (a malformed header). The challenge says
    `charset="UTF-8"` (RFC 7617), so bytes are read as UTF-8; bytes that are not UTF-8 are read
    as Latin-1, the pre-RFC 7617 default that `requests` still sends for non-ASCII passwords.
    Every byte string is some Latin-1 text, so this never fails: wrong bytes are wrong
    credentials.
    """
    try:
        decoded = base64.b64decode(token)
    except (binascii.Error, ValueError):
        return None
    user, sep, password = decoded.partition(b":")
    return (_text(user), _text(password)) if sep else None


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")

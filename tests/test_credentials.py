from __future__ import annotations

import argparse
import base64

import pytest

from events_mock.credentials import basic_credentials, credentials, owners, parse_credentials


def test_parse_credentials() -> None:
    assert parse_credentials("a:b:c") == ("a", "b:c")
    for bad in ("nocolon", ":pw", "user:"):
        with pytest.raises(ValueError):
            parse_credentials(bad)


def test_credentials_is_an_argparse_type() -> None:
    assert credentials("a:b:c") == ("a", "b:c")
    with pytest.raises(argparse.ArgumentTypeError, match="expected NAME:PASSWORD"):
        credentials("nocolon")


def test_owners_compares_every_secret() -> None:
    secrets = [("a", b"x"), ("b", b"y"), ("c", b"x")]
    assert owners(b"x", secrets) == ["a", "c"]
    assert owners(b"z", secrets) == []


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def test_basic_credentials_are_read_as_utf_8() -> None:
    assert basic_credentials(b64("jürgen:päss:wörd".encode())) == ("jürgen", "päss:wörd")
    assert basic_credentials(b64(b":")) == ("", "")


@pytest.mark.parametrize("token", [b64(b"no-colon"), "!!!", "a"])
def test_malformed_basic_credentials_are_none(token: str) -> None:
    assert basic_credentials(token) is None


@pytest.mark.parametrize(
    ("raw", "read"),
    [
        ("jürgen:pässwörd".encode("latin-1"), ("jürgen", "pässwörd")),
        (b"u:\xff", ("u", "\xff")),
        (b"\xc3(:p", ("\xc3(", "p")),
    ],
)
def test_basic_credentials_that_are_not_utf_8_are_read_as_latin_1(raw: bytes, read) -> None:
    assert basic_credentials(b64(raw)) == read

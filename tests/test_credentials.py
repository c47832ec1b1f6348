from __future__ import annotations

import argparse

import pytest

from events_mock.credentials import credentials, owners, parse_credentials


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

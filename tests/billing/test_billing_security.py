"""Bearer token checks."""

from __future__ import annotations

import pytest

from events_mock.billing.security import BearerTokens


def test_known_tokens_name_their_owner() -> None:
    tokens = BearerTokens({"alice": "a-token", "bob": "b-token"})
    assert tokens.check("a-token") == {"sub": "alice"}
    assert tokens.check("b-token") == {"sub": "bob"}


@pytest.mark.parametrize("token", ["", "a-toke", "a-token ", "A-TOKEN", "ä-token", "\udcff"])
def test_other_tokens_are_refused(token: str) -> None:
    assert BearerTokens({"alice": "a-token"}).check(token) is None


def test_no_tokens_refuses_everyone() -> None:
    assert BearerTokens({}).check("anything") is None


def test_empty_tokens_cannot_be_configured() -> None:
    with pytest.raises(ValueError):
        BearerTokens({"alice": ""})

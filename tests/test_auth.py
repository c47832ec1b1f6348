from __future__ import annotations

import pytest

from events_mock.auth import Users, parse_credentials


def test_users_accept_only_exact_credentials() -> None:
    users = Users({"alice": "s3cret", "bob": "pa:ss"})
    assert users.check("alice", "s3cret") == {"sub": "alice"}
    assert users.check("bob", "pa:ss") == {"sub": "bob"}
    assert users.check("alice", "pa:ss") is None
    assert users.check("alice", "s3cret ") is None
    assert users.check("carol", "s3cret") is None
    assert users.check("", "") is None


def test_parse_credentials() -> None:
    assert parse_credentials("a:b:c") == ("a", "b:c")
    for bad in ("nocolon", ":pw", "user:"):
        with pytest.raises(ValueError):
            parse_credentials(bad)

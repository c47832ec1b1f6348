from __future__ import annotations

from events_mock.barchart.security import Users


def test_users_accept_only_exact_credentials() -> None:
    users = Users({"alice": "s3cret", "bob": "pa:ss"})
    assert users.check("alice", "s3cret") == {"sub": "alice"}
    assert users.check("bob", "pa:ss") == {"sub": "bob"}
    assert users.check("alice", "pa:ss") is None
    assert users.check("alice", "s3cret ") is None
    assert users.check("carol", "s3cret") is None
    assert users.check("", "") is None

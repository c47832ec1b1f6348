"""The journal without HTTP: bounded, filterable, and never holding a credential."""

from __future__ import annotations

from typing import Any

import pytest

from events_mock.control.journal import (
    REDACTED,
    UNREADABLE,
    Exchange,
    Journal,
    body_view,
    redact_headers,
    redact_json,
    redact_query,
)


def record(journal: Journal, **fields) -> None:
    entry = {"time": 0, "api": "barchart", "method": "GET", "path": "/service/version"}
    journal.record(**{**entry, **fields})


def test_credentials_are_redacted_from_headers_but_the_scheme_stays() -> None:
    headers = redact_headers(
        [
            ("Authorization", "Basic ZGVtbzpkZW1v"),
            ("Proxy-Authorization", "Bearer abc.def"),
            ("Cookie", "session=1"),
            ("X-Api-Key", "k"),
            ("X-Auth-Token", "t"),
            ("X-TWC-Tenant", "tenant-a"),
            ("Accept", "application/json"),
            ("Accept", "text/csv"),
        ]
    )
    assert headers == {
        "authorization": f"Basic {REDACTED}",
        "proxy-authorization": f"Bearer {REDACTED}",
        "cookie": REDACTED,
        "x-api-key": REDACTED,
        "x-auth-token": REDACTED,
        "x-twc-tenant": "tenant-a",
        "accept": "application/json, text/csv",
    }


def test_secret_query_parameters_and_json_members_are_redacted() -> None:
    assert redact_query("token=abc&source=JOB-1&access_token=x&author=me") == {
        "token": [REDACTED],
        "source": ["JOB-1"],
        "access_token": [REDACTED],
        "author": ["me"],
    }
    body = b'{"client_secret": "s", "nested": [{"password": "p", "name": "n"}], "events": []}'
    assert body_view(body, "application/json", truncated=False) == {
        "client_secret": REDACTED,
        "nested": [{"password": REDACTED, "name": "n"}],
        "events": [],
    }


def test_bodies_that_are_not_json_are_kept_as_text() -> None:
    assert body_view(b"", "application/json", False) is None
    assert body_view(b"{not json", "application/json", False) == "{not json"
    assert body_view(b'{"a": 1', "application/json", True) == '{"a": 1'
    assert body_view(b"grant_type=x&password=p", "application/x-www-form-urlencoded", False) == {
        "grant_type": ["x"],
        "password": [REDACTED],
    }


def test_the_journal_keeps_only_the_most_recent_entries() -> None:
    journal = Journal(capacity=3)
    for n in range(5):
        record(journal, path=f"/p{n}")
    assert [entry.path for entry in journal] == ["/p2", "/p3", "/p4"]
    assert [entry.id for entry in journal] == [3, 4, 5]
    assert journal.recorded == 5
    assert len(journal) == 3


def test_filters_narrow_and_limit_keeps_the_most_recent() -> None:
    journal = Journal()
    record(journal, method="POST", path="/events", status=200)
    record(journal, path="/reports/JOB-1/availability", status=503, tenant="a")
    record(journal, path="/reports/JOB-1/availability", status=200, tenant="b")
    record(journal, path="/service/version", status=200, api="other")
    assert [e.id for e in journal.entries(method="post")] == [1]
    assert [e.id for e in journal.entries(path="/reports/{source}/availability")] == [2, 3]
    assert [e.id for e in journal.entries(status=200, api="barchart")] == [1, 3]
    assert [e.id for e in journal.entries(tenant="b")] == [3]
    assert [e.id for e in journal.entries(since=2)] == [3, 4]
    assert [e.id for e in journal.entries(limit=2)] == [3, 4]
    assert journal[0].id == 1


def test_clear_empties_and_restarts_ids() -> None:
    journal = Journal()
    record(journal)
    journal.clear()
    assert journal.entries() == [] and journal.recorded == 0
    record(journal)
    assert journal.entries()[0].id == 1


def test_json_shape() -> None:
    journal = Journal(capacity=10)
    record(journal, status=503, fault="fault-1")
    document = journal.to_json()
    assert document["capacity"] == 10 and document["recorded"] == 1
    assert document["entries"][0] == {
        "id": 1,
        "time": 0,
        "api": "barchart",
        "method": "GET",
        "path": "/service/version",
        "query": {},
        "headers": {},
        "headers_truncated": False,
        "body": None,
        "body_truncated": False,
        "status": 503,
        "response_headers": {},
        "response_body": None,
        "response_body_truncated": False,
        "duration_ms": 0.0,
        "fault": "fault-1",
        "tenant": None,
    }


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Journal(capacity=0)


def test_an_entry_shows_the_raw_exchange_only_redacted() -> None:
    journal = Journal()
    raw = Exchange(
        query_string=b"token=abc&source=JOB-1",
        headers=((b"authorization", b"Basic ZGVtbzpkZW1v"), (b"content-type", b"application/json")),
        body=b'{"password": "p", "n": 1}',
        response_headers=((b"set-cookie", b"s=1"),),
    )
    record(journal, _exchange=raw)
    shown = journal.entries()[0].to_json()
    assert shown["query"] == {"token": [REDACTED], "source": ["JOB-1"]}
    assert shown["headers"]["authorization"] == f"Basic {REDACTED}"
    assert shown["body"] == {"password": REDACTED, "n": 1}
    assert shown["response_headers"] == {"set-cookie": REDACTED}
    assert "ZGVtbzpkZW1v" not in repr(journal.entries()[0]) + str(shown)


def test_redaction_walks_any_depth_without_recursion() -> None:
    deep: Any = {"password": "p", "n": 1}
    for _ in range(10_000):  # past any recursion limit
        deep = {"token": "t", "inner": [deep]}
    redacted = redact_json(deep)
    for _ in range(10_000):
        assert redacted["token"] == REDACTED
        redacted = redacted["inner"][0]
    assert redacted == {"password": REDACTED, "n": 1}


def test_json_the_api_refused_is_shown_without_parsing_and_without_secrets() -> None:
    """A body past the strict decoder's rules once made every journal read answer 500."""
    secret = b'{"x": ' + b'{"token": ' * 500 + b'"s3cret"' + b"}" * 500 + b"}"
    assert body_view(secret, "application/json", False) == UNREADABLE
    assert body_view(b'{"a": [' * 2000 + b"]}" * 2000, "application/json", False).startswith("{")
    assert body_view(b'{"rate": NaN}', "application/json", False) == '{"rate": NaN}'
    assert body_view(b'{"s": "\\ud800"}', "application/json", False) == UNREADABLE
    assert body_view(b'{"a": 1, "a": 2}', "application/json", False) == '{"a": 1, "a": 2}'
    journal = Journal()
    journal.record(
        time=0,
        api="a",
        method="POST",
        path="/x",
        _exchange=Exchange(headers=((b"content-type", b"application/json"),), body=secret),
    )
    assert journal.to_json()["entries"][0]["body"] == UNREADABLE

"""What the journal keeps is bounded by its limits, not by what a client sends.

Sizes are the journal's own accounting (`Journal.bytes`), not the process's memory: a header
of megabytes costs an entry 8 KiB, and the total stays under `max_bytes`.
"""

from __future__ import annotations

from typing import Any

import requests

from events_mock.control.journal import (
    DEFAULT_HEADERS_LIMIT,
    DEFAULT_VALUE_LIMIT,
    ENTRY_OVERHEAD,
    REDACTED,
    UNREADABLE,
    Exchange,
    Journal,
    body_view,
)

MIB = 1024 * 1024
AUTH = ("demo", "demo")


def record(journal: Journal, exchange: Exchange, **fields: Any) -> None:
    entry = {"time": 0, "api": "barchart", "method": "GET", "path": "/service/version"}
    journal.record(**{**entry, **fields}, _exchange=exchange)


def test_a_huge_header_costs_an_entry_its_first_8_kib() -> None:
    journal = Journal()
    huge = (b"x-padding", b"a" * (8 * MIB))
    for _ in range(50):
        record(journal, Exchange(headers=(huge, (b"accept", b"*/*"))))
    entry = journal[-1]
    assert entry.headers_truncated
    assert entry.headers["x-padding"] == "a" * DEFAULT_VALUE_LIMIT + " [TRUNCATED]"
    assert entry.headers["accept"] == "*/*"
    per_entry = journal.bytes / len(journal)
    assert per_entry < DEFAULT_VALUE_LIMIT + 100 + ENTRY_OVERHEAD  # 8 MiB sent, 8 KiB kept


def test_an_entrys_headers_stop_at_64_kib_in_all_but_later_small_ones_stay() -> None:
    journal = Journal()
    many = tuple((f"x-h{n}".encode(), b"v" * 4000) for n in range(100))
    record(journal, Exchange(headers=(*many, (b"content-type", b"application/json"))))
    entry = journal[0]
    kept = sum(len(name) + len(value) for name, value in entry.headers.items())
    assert entry.headers_truncated and kept <= DEFAULT_HEADERS_LIMIT
    assert 10 < len(entry.headers) < 100
    assert entry.headers["content-type"] == "application/json"
    assert journal.bytes <= DEFAULT_HEADERS_LIMIT + ENTRY_OVERHEAD + 100


def test_the_path_and_the_query_string_are_cut_too() -> None:
    journal = Journal()
    record(journal, Exchange(query_string=b"q=" + b"z" * MIB), path="/" + "p" * MIB)
    entry = journal[0]
    assert entry.headers_truncated
    assert len(entry.path) == DEFAULT_VALUE_LIMIT + len(" [TRUNCATED]")
    assert entry.path.endswith(" [TRUNCATED]")
    assert journal.bytes < 3 * DEFAULT_VALUE_LIMIT + ENTRY_OVERHEAD


def test_small_exchanges_are_kept_as_they_are_uncut() -> None:
    journal = Journal()
    raw = Exchange(headers=((b"accept", b"*/*"),), body=b"{}", response_body=b"[]")
    record(journal, raw)
    entry = journal[0]
    assert not (entry.headers_truncated or entry.body_truncated or entry.response_body_truncated)
    assert entry._exchange is raw  # nothing copied on the recording path
    assert journal.bytes == ENTRY_OVERHEAD + len("/service/version") + 9 + 2 + 2


def test_the_total_bytes_bound_drops_the_oldest_entries_first() -> None:
    journal = Journal(capacity=1000, max_bytes=20_000)
    for n in range(30):
        record(journal, Exchange(body=b"b" * 3000), path=f"/p{n}")
    assert journal.bytes <= 20_000
    paths = [entry.path for entry in journal]
    assert paths == [f"/p{n}" for n in range(30 - len(paths), 30)]  # the newest, in order
    assert len(paths) == 20_000 // (3000 + ENTRY_OVERHEAD + 4)
    assert journal.recorded == 30
    assert journal.to_json()["bytes"] == journal.bytes
    assert journal.to_json()["max_bytes"] == 20_000
    journal.clear()
    assert journal.bytes == 0


def test_the_newest_entry_is_kept_even_when_alone_over_the_bound() -> None:
    journal = Journal(max_bytes=10)
    record(journal, Exchange(body=b"first"), path="/a")
    record(journal, Exchange(body=b"second"), path="/b")
    assert [entry.path for entry in journal] == ["/b"]


def test_bodies_are_cut_at_the_limit_even_when_given_longer() -> None:
    journal = Journal(body_limit=10)
    record(journal, Exchange(body=b"x" * 100, response_body=b"y" * 100))
    entry = journal[0]
    assert entry.body_truncated and entry.response_body_truncated
    assert entry.body == "x" * 10 and entry.response_body == "y" * 10


def test_the_answers_body_is_kept_and_redacted_like_the_requests() -> None:
    journal = Journal()
    link = "http://mock/exports/JOB-1.csv?token=s3cret-link-t0ken&x=1"
    raw = Exchange(
        response_headers=((b"content-type", b"application/json"),),
        response_body=b'{"link": "%s", "password": "pw"}' % link.encode(),
    )
    record(journal, raw)
    shown = journal[0].to_json()
    assert shown["response_body"] == {
        "link": f"http://mock/exports/JOB-1.csv?token={REDACTED}&x=1",
        "password": REDACTED,
    }
    assert shown["response_body_truncated"] is False


def test_cut_json_is_shown_with_its_secret_members_redacted() -> None:
    cut = b'{"events": [1, 2], "password": "pw", "token": "t0k", "link": "/e?token=abc&a=1", "x'
    assert body_view(cut, "application/json", truncated=True) == (
        f'{{"events": [1, 2], "password": "{REDACTED}", "token": "{REDACTED}", '
        f'"link": "/e?token={REDACTED}&a=1", "x'
    )
    cut_in_secret = b'{"a": 1, "client_secret": "half-of-it'
    assert "half-of-it" not in body_view(cut_in_secret, "application/json", truncated=True)
    nested = b'{"credentials": {"user": "u", "pin": "1234"}, "more": "'
    assert body_view(nested, "application/json", truncated=True) == UNREADABLE
    assert body_view(b'{"a": 1, "b', "application/json", truncated=True) == '{"a": 1, "b'


def test_text_bodies_hide_the_tokens_of_links_in_them() -> None:
    text = b"see /exports/JOB-1.csv?token=abc&x=1 for the file"
    assert body_view(text, "text/plain", truncated=False) == (
        f"see /exports/JOB-1.csv?token={REDACTED}&x=1 for the file"
    )


def test_over_http_a_refusal_shows_why_and_a_download_link_no_token(events_api: Any) -> None:
    url = events_api.url
    refused = requests.post(f"{url}/events", json={"events": [{"customer": 1}]})
    assert refused.status_code == 400
    entry = events_api.journal[-1]
    assert entry.status == 400 and entry.response_body == refused.json()
    assert entry.response_body[0]["value"]["message"]

    requests.post(f"{url}/events", json={"events": []})
    report = {"filter": {"customer": "BARCHART", "product": "ALERT"}}
    source = requests.post(f"{url}/reports", json=report, auth=AUTH).json()["source"]
    events_api.jobs.set_remaining(source, 0)
    link = requests.get(f"{url}/reports/{source}", auth=AUTH).json()["link"]
    token = link.split("token=")[1]
    shown = events_api.journal[-1].to_json()
    assert shown["response_body"]["link"].endswith(f"token={REDACTED}")
    assert token not in str(events_api.journal.to_json())


def test_over_http_a_long_header_is_cut_and_the_journal_says_so(events_api: Any) -> None:
    requests.get(f"{events_api.url}/service/version", headers={"X-Padding": "a" * 12_000})
    entry = events_api.journal[-1]
    assert entry.status == 200 and entry.headers_truncated
    assert len(entry.headers["x-padding"]) == DEFAULT_VALUE_LIMIT + len(" [TRUNCATED]")
    assert events_api.journal.bytes < 2 * DEFAULT_VALUE_LIMIT
    assert entry.response_body == requests.get(f"{events_api.url}/service/version").json()

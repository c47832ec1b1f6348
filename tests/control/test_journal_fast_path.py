"""The journal's shortcut for bodies without secret-looking keys redacts exactly as before."""

from __future__ import annotations

import json

import pytest

from events_mock.control.journal import body_view, redact_json

BODIES = [
    {"events": [{"customer": "BARCHART", "type": "A", "context": ["token-in-a-value"]}]},
    {"token": "t", "nested": [{"password": "p", "ok": 1}]},
    {"tok\u0065n": "escaped", "x": {"Api_Key": "k"}},
    {"\u212aey": "kelvin", "x-api-\u212aey": "k", "plain": "v"},
    {"authorization": "a", "session_id": "s", "AUTH": "x", "author": "not secret"},
    [{"SECRET": 1}, {"list": [{"credentials": 2}]}],
    {"events": []},
    "just a string",
    42,
]


@pytest.mark.parametrize("value", BODIES, ids=lambda v: json.dumps(v)[:40])
@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_same_view_as_a_full_walk(value, ensure_ascii: bool) -> None:
    raw = json.dumps(value, ensure_ascii=ensure_ascii).encode()
    assert body_view(raw, "application/json", False) == redact_json(json.loads(raw))

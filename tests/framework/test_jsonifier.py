"""`FastJsonifier` writes what Connexion's jsonifier writes (up to whitespace)."""

from __future__ import annotations

import datetime
import decimal
import json
import uuid

from connexion.jsonifier import Jsonifier

from events_mock.framework.jsonifier import FastJsonifier


def test_fast_jsonifier_answers_like_connexions() -> None:
    values = [
        {"a": [1, 2.5, None, True, "é"], "b": {"c": "\ud800"}},
        {1: "int key", None: "none key"},
        {"when": datetime.datetime(2019, 10, 14, 17, 26), "day": datetime.date(2019, 10, 14)},
        {"id": uuid.UUID(int=1), "amount": decimal.Decimal("1.5"), "big": 2**70},
        ("tuple", 1),
    ]
    for value in values:
        fast, stock = FastJsonifier().dumps(value), Jsonifier().dumps(value)
        assert json.loads(fast) == json.loads(stock)
        assert (fast.decode() if isinstance(fast, bytes) else fast).endswith("\n")

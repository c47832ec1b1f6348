"""A clock's `iso` is exactly its `now`, to the millisecond, up to the end of year 9999."""

from __future__ import annotations

import pytest

from events_mock.control.plane import MAX_MS, iso


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "1970-01-01T00:00:00.000Z"),
        (1_571_029_260_001, "2019-10-14T05:01:00.001Z"),
        (253_402_300_799_998, "9999-12-31T23:59:59.998Z"),
        (MAX_MS, "9999-12-31T23:59:59.999Z"),
    ],
)
def test_iso_is_the_instant_to_the_millisecond(ms: int, text: str) -> None:
    assert iso(ms) == text

"""`declining_undrawable`: a body Schemathesis cannot draw is declined, any other error raised."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis.core.errors import InvalidSchema

from events_mock.contract.strategies import declining_undrawable


def failing_when_zero(message: str) -> st.SearchStrategy[int]:
    @st.composite
    def draw_one(draw: st.DrawFn) -> int:
        value = draw(st.integers(0, 3))
        if value == 0:
            raise InvalidSchema(message)
        return value

    return draw_one()


def test_an_undrawable_body_is_declined_and_another_drawn() -> None:
    drawn: list[Any] = []

    @settings(max_examples=60, database=None, derandomize=True)
    @given(
        declining_undrawable(
            None, failing_when_zero("Cannot generate an array with 1 demanded elements")
        )
    )
    def body(value: int) -> None:
        drawn.append(value)

    body()
    assert drawn and 0 not in drawn


def test_any_other_invalid_schema_is_the_specs_and_raised() -> None:
    @settings(max_examples=60, database=None, derandomize=True)
    @given(declining_undrawable(None, failing_when_zero("Invalid `$ref`")))
    def body(value: int) -> None:
        pass

    with pytest.raises(InvalidSchema, match=r"Invalid `\$ref`"):
        body()

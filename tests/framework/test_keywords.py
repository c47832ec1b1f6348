"""`selects_any` judges a `-k` expression as pytest does (the guard of its one pytest internal)."""

from __future__ import annotations

import pytest

from events_mock.framework.keywords import selects_any

LABELS = ["GET /clock", "PUT /state", "PUT /state/barchart", "POST /faults"]
EXPRESSIONS = [
    "test_conformance",
    "test_conformance and GET and /clock",
    "PUT and /state and not /state/",
    "not test_conformance",
    "faults or clock",
    "flows",
    "suite",
]


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_verdicts_equal_pytests_own_selection(expression: str, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        suite=f"""
        import pytest
        @pytest.mark.parametrize("label", {LABELS!r}, ids=str)
        def test_conformance(label):
            pass
        """
    )
    outcome = pytester.runpytest("suite.py", "-k", expression, "-p", "no:cacheprovider")
    selected = outcome.parseoutcomes().get("passed", 0)
    names = [(f"test_conformance[{label}]", "suite.py") for label in LABELS]
    assert selects_any(expression, names) == (selected > 0)
    single = [selects_any(expression, [name]) for name in names]
    assert sum(single) == selected


def test_an_expression_pytest_refuses_selects_rather_than_hides() -> None:
    assert selects_any("and (", [("test_conformance[GET /clock]",)])

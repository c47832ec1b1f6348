"""Whether a pytest `-k` expression selects a test, judged as pytest itself judges it.

`verify -k EXPR` may leave every generated test out; building them (Schemathesis reads every
operation) costs more than a selected run, so the suite asks first. pytest has no public API
for this: `_pytest.mark.expression.Expression` is the parser `-k` uses.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["selects_any"]


def selects_any(expression: str, candidates: Iterable[tuple[str, ...]]) -> bool:
    """Whether `expression` selects a test known by any of the name tuples in `candidates` (a
    term selects a test when it is part of one of its names). When in doubt (an expression
    pytest will refuse and report itself), yes."""
    from _pytest.mark.expression import Expression

    try:
        compiled = Expression.compile(expression)
    except Exception:  # noqa: BLE001 - pytest reports a bad expression itself
        return True
    return any(compiled.evaluate(_NamesMatcher(names)) for names in candidates)


class _NamesMatcher:
    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = [name.lower() for name in names]

    def __call__(self, term: str, /, **kwargs: str | int | bool | None) -> bool:
        return any(term.lower() in name for name in self.names)

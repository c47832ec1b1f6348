"""Named checks, registered by their decorators: a check's name is its function's name.

Two kinds, as in Schemathesis:

- flow checks `(ctx, ...)` take what one or several requests returned (a batch, a job's
  history, an export file) and are called by the suite's flow tests;
- response checks `(ctx, checking, response, case)` run on every response the suite receives,
  generated, stateful or sent by a flow (`checking` is Schemathesis' own `CheckContext`). They
  only pick the responses they apply to and hand them to flow checks.

Every API has one `CheckSet` (`events_mock.contract.checks.<api>`), which its entry in
`targets` names; the sets are plain registries of functions, filled when their module is
imported. A run binds its set to its `RunContext`: the checks that run are the API's own, so
none has to ask which API a response came from.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar, overload

from schemathesis import Case, CheckContext, Response

from events_mock.contract.context import RunContext
from events_mock.contract.violations import ContractViolation, Violation

__all__ = ["CheckSet", "ResponseCheck", "ResponseCheckFunction", "SchemathesisCheck"]

P = ParamSpec("P")
T = TypeVar("T")
ResponseCheckFunction = Callable[[RunContext, CheckContext, Response, Case], "bool | None"]
SchemathesisCheck = Callable[[CheckContext, Response, Case], "bool | None"]
R = TypeVar("R", bound=ResponseCheckFunction)


@dataclass(frozen=True)
class ResponseCheck:
    name: str
    function: ResponseCheckFunction
    history: bool = False
    """Whether it judges an answer by the earlier reads of its job (see `ContractRun.validate`)."""
    replaces: str | None = None
    """The built-in Schemathesis check it stands in for: that one is turned off for the API."""

    def bind(self, ctx: RunContext) -> SchemathesisCheck:
        """The check as Schemathesis calls it, for one run. A violation reads as its message
        only, since Schemathesis prints the response and the cURL line itself."""
        function, name = self.function, self.name

        def check(checking: CheckContext, response: Response, case: Case) -> bool | None:
            try:
                return function(ctx, checking, response, case)
            except Violation as violation:
                raise AssertionError(f"[{name}] {violation.message}") from None
            except ContractViolation as violation:
                raise AssertionError(f"[{violation.check}] {violation.message}") from None

        # Schemathesis names a check's results after the function.
        check.__name__ = check.__qualname__ = name
        check.__doc__ = function.__doc__
        return check


class CheckSet:
    """The named checks of one API (`includes`: the sets it builds on, e.g. `common`)."""

    def __init__(self, name: str, *, includes: Sequence[CheckSet] = ()) -> None:
        self.name = name
        self.includes = tuple(includes)
        self._flow_checks: dict[str, Callable[..., Any]] = {}
        self._response_checks: dict[str, ResponseCheck] = {}

    def __repr__(self) -> str:
        return f"CheckSet({self.name!r})"

    # -- registering ---------------------------------------------------------------------

    def flow_check(
        self, func: Callable[Concatenate[RunContext, P], T]
    ) -> Callable[Concatenate[RunContext, P], T]:
        """Register a flow check: each call counts in the run's ledger under the function's
        name, and a `fail()` inside it becomes a `ContractViolation` of that name."""
        name = func.__name__
        self._register(name)

        @functools.wraps(func)
        def run(ctx: RunContext, *args: P.args, **kwargs: P.kwargs) -> T:
            try:
                result = func(ctx, *args, **kwargs)
            except Violation as violation:
                ctx.ledger.failed[name] += 1
                raise violation.named(name, ctx.revealed) from None
            except ContractViolation:
                ctx.ledger.failed[name] += 1
                raise
            ctx.ledger.passed[name] += 1
            return result

        self._flow_checks[name] = run
        return run

    @overload
    def response_check(self, func: R) -> R: ...

    @overload
    def response_check(
        self, *, history: bool = False, replaces: str | None = None
    ) -> Callable[[R], R]: ...

    def response_check(
        self, func: Any = None, *, history: bool = False, replaces: str | None = None
    ) -> Any:
        """Register a response check, run by Schemathesis on every response of the API."""

        def register(function: R) -> R:
            self._register(function.__name__)
            check = ResponseCheck(function.__name__, function, history=history, replaces=replaces)
            self._response_checks[check.name] = check
            return function

        return register(func) if func is not None else register

    def _register(self, name: str) -> None:
        if name in self._flow_checks or name in self._response_checks:
            raise ValueError(f"{self!r} already has a check named {name!r}")

    # -- reading -------------------------------------------------------------------------

    def flow_checks(self) -> dict[str, Callable[..., Any]]:
        """Every flow check by name, the included sets' first."""
        found: dict[str, Callable[..., Any]] = {}
        for included in self.includes:
            found.update(included.flow_checks())
        return {**found, **self._flow_checks}

    def response_checks(self) -> list[ResponseCheck]:
        """Every response check, the included sets' first, each in the order registered."""
        found = [check for included in self.includes for check in included.response_checks()]
        return found + list(self._response_checks.values())

    def replaced_builtins(self) -> list[tuple[str, str]]:
        """(built-in Schemathesis check, the response check standing in for it)."""
        return [(c.replaces, c.name) for c in self.response_checks() if c.replaces is not None]

    def bind(self, ctx: RunContext, *, history: bool = True) -> list[SchemathesisCheck]:
        """The response checks for one run; without `history`, none that compare an answer with
        a job's earlier reads."""
        return [c.bind(ctx) for c in self.response_checks() if history or not c.history]

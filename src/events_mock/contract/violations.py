"""How a broken contract rule is raised and how it reads.

A check states what is wrong with `fail(message, *responses)`; the check's decorator (see
`registry`) turns that into a `ContractViolation` under the check's own name, so no check spells
its name twice. A `ContractViolation` carries the requests that show the problem and renders
them as cURL lines a reader can paste (credentials hidden, see `curl`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NoReturn

from schemathesis import Response

from events_mock.contract.curl import curl_command

__all__ = ["ContractViolation", "Violation", "fail", "snippet"]


class Violation(Exception):
    """What a check found wrong, before its decorator names it.

    Not an `AssertionError`: raised outside a named check it is the suite's bug, and is reported
    as the suite breaking, not as a verdict on the target.
    """

    def __init__(self, message: str, responses: Sequence[Response] = ()) -> None:
        self.message = message
        self.responses = tuple(responses)
        super().__init__(f"fail() outside a named check: {message}")

    def named(self, check: str, revealed: Collection[str] = ()) -> ContractViolation:
        return ContractViolation(check, self.message, self.responses, revealed=revealed)


def fail(message: str, *responses: Response) -> NoReturn:
    """Break the rule of the check that is running, shown by these responses."""
    raise Violation(message, responses)


class ContractViolation(AssertionError):
    """A broken contract rule: which check, what was wrong, and the requests that show it."""

    def __init__(
        self,
        check: str,
        message: str,
        responses: Sequence[Response] = (),
        *,
        revealed: Collection[str] = (),
    ) -> None:
        self.check = check
        self.message = message
        self.responses = tuple(responses)
        self.revealed = frozenset(revealed)
        """Authorization values deliberately wrong, so printed in full in the cURL lines."""
        super().__init__(self.render())

    def render(self) -> str:
        text = f"[{self.check}] {self.message}"
        for response in self.responses:
            text += f"\n\n    [{response.status_code}] {snippet(response)}"
            text += "\n\n    Reproduce with:\n\n        "
            text += curl_command(response.request, revealed=self.revealed)
        return text


def snippet(response: Response, limit: int = 300) -> str:
    try:
        text = response.text
    except Exception:  # noqa: BLE001 - a body that cannot be read is shown as such
        return "<unreadable body>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + " ..."

"""What the checks of one run share: its ledger, the credentials safe to print, their memory.

One `RunContext` per `ContractRun`, handed to every check as its first argument (as Schemathesis
hands its checks a `CheckContext`): nothing a run learns is kept in a module, so two runs in
one process, one after the other or side by side, never see each other's jobs or events.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = ["Ledger", "RunContext"]

M = TypeVar("M")


@dataclass
class Ledger:
    """How often each named check ran and failed during one run."""

    passed: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)

    def names(self) -> list[str]:
        return sorted(set(self.passed) | set(self.failed))


@dataclass
class RunContext:
    ledger: Ledger = field(default_factory=Ledger)
    revealed: set[str] = field(default_factory=set)
    """Authorization values that are deliberately wrong and so safe to print in full."""
    _memories: dict[type, Any] = field(default_factory=dict, repr=False)

    def reveal(self, authorization: str) -> str:
        """Mark a deliberately wrong Authorization value as printable in reproduction lines."""
        self.revealed.add(authorization)
        return authorization

    def memory(self, kind: type[M]) -> M:
        """What one API's checks remember during this run (a job's earlier reads, the events
        as created), an instance of `kind` made on first use."""
        if kind not in self._memories:
            self._memories[kind] = kind()
        return self._memories[kind]

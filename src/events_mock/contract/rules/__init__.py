"""The rule inventory: every rule the specs state, with the check that enforces it.

One source for three readers: `docs/contract-rules.md` is generated from it
(`scripts/generate_contract_rules.py`), a test ties every rule to a registered check and to
the broken server in `tests/contract/` that breaks exactly that rule, and `verify` reports at
the end which rules the run exercised on its target and which it could not, and why.

Each API's rules are in `rules/<api>.py` as `RULES`, in the order its spec states them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["NEEDS", "Rule"]

NEEDS = {
    "writes": "the run may store data on the target (not read-only)",
    "clock": "the target's clock can be moved (an events-mock control plane)",
    "second-tenant": "credentials of a second tenant or user are given",
    "control": "the target is an events-mock with its control plane reachable",
}
"""What a rule's check needs from a target beyond reading it; a run without one says which
rules it therefore could not exercise."""


@dataclass(frozen=True)
class Rule:
    id: str
    """`<api>.<area>.<short-name>`, stable: broken servers and docs refer to it."""
    statement: str
    """The rule, as one sentence a reader can check a server against."""
    source: str
    """Where it is stated: the spec location (`POST /events description`, `schema Event`), or
    the vendor's public page by name."""
    check: str | None = None
    """The registered check (or Schemathesis built-in) that enforces it."""
    unchecked: str | None = None
    """Why no check can enforce it against a deployment (exactly one of check/unchecked)."""
    needs: frozenset[str] = field(default_factory=frozenset)
    """Keys of `NEEDS` the check requires of the target."""

    def __post_init__(self) -> None:
        if (self.check is None) == (self.unchecked is None):
            raise ValueError(f"rule {self.id}: give exactly one of check and unchecked")
        unknown = set(self.needs) - set(NEEDS)
        if unknown:
            raise ValueError(f"rule {self.id}: unknown needs {sorted(unknown)}")

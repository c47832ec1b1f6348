"""The rule inventory: every rule the specs state, with the check that enforces it.

One source for three readers: `docs/contract-rules.md` is generated from it
(`scripts/generate_contract_rules.py`), a test ties every rule to a registered check and to
the broken server in `tests/contract/` that breaks exactly that rule, and `verify` reports at
the end which rules the run exercised on its target and which it could not, and why.

Each API's rules are in `rules/<api>.py` as `RULES`, in the order its spec states them;
`RULE_MODULES` says which module holds which API's (keyed like `contract.targets`), and
`rules_of` imports one only when asked, so a run reads only its own API's inventory.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

__all__ = [
    "BUILTIN_CHECKS",
    "NEEDS",
    "WITHOUT",
    "RULE_MODULES",
    "Rule",
    "all_rules",
    "rules_of",
    "unmet_needs",
]

NEEDS = {
    "writes": "the run may store data on the target (not read-only)",
    "clock": "the target's clock can be moved (an events-mock control plane)",
    "second-tenant": "credentials of a second tenant or user are given",
    "control": "the target is an events-mock with its control plane reachable",
    "token": "the target requires a bearer token and the run is given it (the control plane: "
    "a mock started with `--control-token`, verified with `--token`)",
}
"""What a rule's check needs from a target beyond reading it; a run without one says which
rules it therefore could not exercise."""

WITHOUT = {
    "writes": "read-only mode",
    "clock": "no clock control",
    "second-tenant": "no second tenant or user",
    "control": "not an events-mock",
    "token": "no token given",
}
"""How `verify` says a need is not met, in its closing summary."""

BUILTIN_CHECKS: Mapping[str, tuple[str, ...]] = {
    "not_a_server_error": ("Server error",),
    "status_code_conformance": ("Undocumented status code",),
    "content_type_conformance": (
        "Undocumented Content-Type",
        "Missing Content-Type header",
        "Malformed media type",
    ),
    "response_headers_conformance": ("Missing required response headers", "Response header"),
    "response_schema_conformance": (
        "Response violates schema",
        "is a required property",
        "was unexpected",
        "is not of type",
        "is not one of",
    ),
    "negative_data_rejection": ("Schema-violating request accepted",),
    "positive_data_acceptance": ("Schema-valid request rejected",),
    "missing_required_header": ("Missing required header accepted",),
    "unsupported_method": ("Wrong response to undeclared method", "without required `Allow`"),
    "allow_header_conformance": ("Allow header mismatch",),
    "ignored_auth": ("Authentication not enforced", "API accepts requests without authentication"),
    "ensure_resource_availability": ("Created resource not found",),
    "use_after_free": ("Deleted resource still available",),
}
"""The Schemathesis checks a rule may name as its check, each with the words its failures
are reported in (what a broken server's `evidence` must contain to prove that check)."""


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


RULE_MODULES: Mapping[str, str] = {
    "barchart": "events_mock.contract.rules.barchart",
    "event-collector": "events_mock.contract.rules.collector",
    "billing-care": "events_mock.contract.rules.billing",
    "control": "events_mock.contract.rules.control",
}
"""Which module holds each API's `RULES`. An API whose module does not exist yet has no
inventory: `rules_of` answers an empty one, and the inventory test says so."""


def rules_of(api: str) -> tuple[Rule, ...]:
    """The API's rules in the order its spec states them; none if it has no inventory."""
    name = RULE_MODULES.get(api)
    if name is None:
        return ()
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as missing:
        if missing.name != name:
            raise
        return ()
    return tuple(module.RULES)


def all_rules() -> dict[str, tuple[Rule, ...]]:
    """Every API's rules, by API, in `RULE_MODULES` order."""
    return {api: rules_of(api) for api in RULE_MODULES}


def unmet_needs(rule: Rule, met: Collection[str]) -> list[str]:
    """Why a run with these needs met cannot exercise `rule` (empty: it can)."""
    return [WITHOUT[need] for need in sorted(rule.needs) if need not in met]

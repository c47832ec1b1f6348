"""The Event Collector's, Billing Care's and the control plane's rule inventories against the
code: every rule is checked by a check its API really runs (or says why it cannot be), and every
checked rule has a broken server that breaks it and is caught by that check.

The shared inventory test covers every API; this one only ties these three modules, so it can
run before that one exists.
"""

from __future__ import annotations

import pytest
from schemathesis.checks import CHECKS, load_all_checks

from events_mock.contract.rules import NEEDS, Rule
from events_mock.contract.rules import billing as billing_rules
from events_mock.contract.rules import collector as collector_rules
from events_mock.contract.rules import control as control_rules
from events_mock.contract.targets import CONTRACT_APIS
from tests.contract.broken_servers import BROKEN_SERVERS

INVENTORIES = {
    "event-collector": collector_rules.RULES,
    "billing-care": billing_rules.RULES,
    "control": control_rules.RULES,
}


def builtin_checks() -> set[str]:
    load_all_checks()
    return set(CHECKS.get_all_names())


def own_checks(api: str) -> set[str]:
    checks = CONTRACT_APIS[api].checks()
    return set(checks.flow_checks()) | {check.name for check in checks.response_checks()}


def evidence_names(rule: Rule, builtins: set[str]) -> tuple[str, ...]:
    """How a verify report names the check: `[name]` for the suite's own checks, the check's
    line in the coverage summary for Schemathesis' built-in ones."""
    return (f"FAIL {rule.check}",) if rule.check in builtins else (f"[{rule.check}]",)


@pytest.mark.parametrize("api", list(INVENTORIES))
def test_every_rule_is_checked_by_a_check_its_api_runs_or_says_why_not(api: str) -> None:
    rules = INVENTORIES[api]
    builtins = builtin_checks()
    known = own_checks(api) | builtins
    ids = [rule.id for rule in rules]
    assert len(ids) == len(set(ids)), "duplicate rule ids"
    for rule in rules:
        assert rule.id.startswith(f"{api}.") and rule.id.count(".") == 2, rule.id
        assert rule.statement.endswith(".") and rule.source, rule.id
        assert set(rule.needs) <= set(NEEDS), rule.id
        if rule.check is not None:
            assert rule.check in known, f"{rule.id}: {rule.check} is no check of {api}"
        else:
            assert rule.unchecked and len(rule.unchecked) > 30, f"{rule.id}: say why"


@pytest.mark.parametrize("api", list(INVENTORIES))
def test_every_checked_rule_has_a_broken_server_caught_by_its_check(api: str) -> None:
    builtins = builtin_checks()
    servers = [server for server in BROKEN_SERVERS if server.api == api]
    by_rule: dict[str, list[str]] = {}
    for server in servers:
        by_rule.setdefault(server.rule_id, []).append(server.evidence)
    missing = []
    for rule in INVENTORIES[api]:
        if rule.check is None:
            continue
        names = evidence_names(rule, builtins)
        evidence = by_rule.get(rule.id, [])
        if not any(name in text for text in evidence for name in names):
            missing.append(f"{rule.id} ({rule.check}): {evidence or 'no broken server'}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("api", list(INVENTORIES))
def test_every_broken_server_breaks_a_rule_of_the_inventory(api: str) -> None:
    ids = {rule.id for rule in INVENTORIES[api]}
    unknown = [s.name for s in BROKEN_SERVERS if s.api == api and s.rule_id not in ids]
    assert not unknown, unknown

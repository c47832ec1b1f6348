"""The rule inventory is tied to the code: every rule has its check and the broken server
proving it, or a stated reason; every broken server breaks a rule of the inventory; and
docs/contract-rules.md is what the generator writes from them."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import pytest

from events_mock.contract.rules import BUILTIN_CHECKS, NEEDS, RULE_MODULES, Rule, rules_of
from events_mock.contract.targets import CONTRACT_APIS
from tests.contract.broken_servers import BROKEN_SERVERS

ROOT = Path(__file__).resolve().parents[2]
APIS = list(RULE_MODULES)


def inventory(api: str) -> tuple[Rule, ...]:
    rules = rules_of(api)
    if not rules:
        pytest.skip(f"{api} has no rule inventory yet ({RULE_MODULES[api]})")
    return rules


def registered_checks(api: str) -> set[str]:
    checks = CONTRACT_APIS[api].checks()
    return set(checks.flow_checks()) | {check.name for check in checks.response_checks()}


@pytest.mark.parametrize("api", APIS)
def test_every_rule_has_a_check_or_a_reason(api: str) -> None:
    for rule in inventory(api):
        assert (rule.check is None) != (rule.unchecked is None), rule.id
        assert rule.statement.strip() and rule.source.strip(), rule.id
        assert (rule.unchecked or "x").strip(), f"{rule.id}: an empty reason"
        assert set(rule.needs) <= set(NEEDS), rule.id


def test_rule_ids_are_unique_across_apis() -> None:
    ids = Counter(rule.id for api in APIS for rule in rules_of(api))
    assert [rule_id for rule_id, n in ids.items() if n > 1] == []


@pytest.mark.parametrize("api", APIS)
def test_every_check_is_registered_or_a_listed_builtin(api: str) -> None:
    known = registered_checks(api) | set(BUILTIN_CHECKS)
    unknown = [(r.id, r.check) for r in inventory(api) if r.check and r.check not in known]
    assert unknown == [], f"checks neither registered for {api} nor listed built-ins"


@pytest.mark.parametrize("api", APIS)
def test_every_checked_rule_has_a_broken_server(api: str) -> None:
    proven = {server.rule_id for server in BROKEN_SERVERS if server.api == api}
    unproven = [rule.id for rule in inventory(api) if rule.check and rule.id not in proven]
    assert unproven == [], "checked rules no broken server breaks"


@pytest.mark.parametrize("api", APIS)
def test_every_broken_server_breaks_a_known_rule_through_its_check(api: str) -> None:
    rules = {rule.id: rule for rule in inventory(api)}
    for server in (s for s in BROKEN_SERVERS if s.api == api):
        rule = rules.get(server.rule_id)
        assert rule is not None, f"{server.name}: unknown rule_id {server.rule_id!r}"
        assert rule.check is not None, f"{server.name}: {rule.id} is unchecked"
        # `[check]` opens a failure of our checks; `FAIL check` is the report's line for a
        # failed check of either kind; a built-in's own failure titles name it too.
        markers = (f"[{rule.check}]", f"FAIL {rule.check}", *BUILTIN_CHECKS.get(rule.check, ()))
        assert any(marker in server.evidence for marker in markers), (
            f"{server.name}: its evidence {server.evidence!r} does not name {rule.check}"
        )


def test_the_documents_are_what_the_generator_writes() -> None:
    spec = importlib.util.spec_from_file_location(
        "generate_contract_rules", ROOT / "scripts" / "generate_contract_rules.py"
    )
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    for path, text in generator.current().items():
        assert path.read_text() == text, (
            f"{path.name} is stale: run python scripts/generate_contract_rules.py"
        )


def test_a_rule_without_check_or_reason_cannot_be_written() -> None:
    with pytest.raises(ValueError, match="exactly one of check and unchecked"):
        Rule("x.y.z", "a rule", "nowhere")
    with pytest.raises(ValueError, match="unknown needs"):
        Rule("x.y.z", "a rule", "nowhere", check="c", needs=frozenset({"telepathy"}))


def test_the_closing_summary_says_why_rules_were_not_exercised() -> None:
    """A target with no control plane and no second user, on which only `export_exactly` and
    `credentials_rejected` ran: each rule is counted once, under the first reason it fails."""
    from collections import Counter as Ledger
    from types import SimpleNamespace

    from events_mock.contract.report import rule_lines

    ran = Ledger({"export_exactly": 3, "credentials_rejected": 7})
    run = SimpleNamespace(
        api=SimpleNamespace(name="barchart"),
        options=SimpleNamespace(select=None),
        met_needs=lambda asked: {"writes"},
        context=SimpleNamespace(ledger=SimpleNamespace(passed=ran, failed=Ledger())),
        coverage=SimpleNamespace(passed=Ledger(), failed=Ledger()),
    )
    lines = "\n".join(rule_lines(run))  # type: ignore[arg-type]
    rules = rules_of("barchart")
    checked = [r for r in rules if r.check]
    exercised = [r for r in checked if r.check in ran and r.needs <= {"writes"}]
    assert lines.startswith(f"  {len(exercised)} of {len(checked)} checked inventory rules")
    assert "not exercised (no clock control): 2\n    barchart.links.good-for-15-minutes" in lines
    assert (
        "not exercised (not an events-mock): 1\n    barchart.links.refused-after-timeout" in lines
    )
    assert "(no second tenant or user): 1\n    barchart.service.authenticate-answers" in lines
    assert "not exercised (its check did not run)" in lines
    assert "barchart.export.bounds-inclusive" not in lines

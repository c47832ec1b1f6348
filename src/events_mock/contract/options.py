"""What a contract run is asked to do, and the options that say it.

`events-mock verify` (argparse) and `pytest contract_tests` (pytest's parser, which is argparse
underneath) take the same options: both are declared once here, with their `dest` prefixed for
pytest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from events_mock.credentials import credentials

DEFAULT_API = "barchart"
DEFAULT_JOB_TIMEOUT = 900.0
"""Seconds: the documented promise is that a report job finishes within 15 minutes."""
DEFAULT_MAX_EXAMPLES = 100
PHASES = ("examples", "coverage", "fuzzing", "stateful")
"""Schemathesis's phases, each generating cases its own way (`st run --phases` names them so)."""


@dataclass(frozen=True)
class ContractOptions:
    base_url: str | None = None
    """The deployment to verify; `None` starts the embedded mock."""
    # Secrets stay out of `repr`: a failing test may print the options.
    auth: tuple[str, str] | None = field(default=None, repr=False)
    """Basic credentials (Barchart)."""
    token: str | None = field(default=None, repr=False)
    """A bearer token (the Event Collector, Billing Care, the control plane)."""
    tenant: str | None = None
    """The tenant `token` acts for (the Event Collector)."""
    other_tenant: tuple[str, str] | None = field(default=None, repr=False)
    """Another tenant and its token, for the isolation checks (the Event Collector)."""
    other_user: tuple[str, str] | None = field(default=None, repr=False)
    """Another user's Basic credentials, for the identity checks (Barchart)."""
    api: str = DEFAULT_API
    job_timeout: float = DEFAULT_JOB_TIMEOUT
    max_examples: int = DEFAULT_MAX_EXAMPLES
    seed: int | None = None
    read_only: bool = False
    no_sandbox: bool = False
    """Work in an events-mock target's own world even though it offers sandboxes."""
    tag: str | None = None
    """What everything the run stores carries; `None`: `contract-<run id>`, random."""
    rate: float | None = None
    """At most this many requests per second to the target; `None`: no limit."""
    select: str | None = None
    """A pytest `-k` expression: run only the suite's tests it matches (`verify -k EXPR`)."""
    coverage: str | None = None
    """Write which documented responses the run saw, and the checks they passed, here."""
    phases: tuple[str, ...] = PHASES
    """The Schemathesis phases the generated tests run; the flows run whatever this says."""


def _option_table(apis: Sequence[str]) -> list[tuple[str, str, dict[str, Any]]]:
    """(flag, ContractOptions field, argparse keywords) for every option of a run."""
    return [
        ("--base-url", "base_url", {
            "metavar": "URL",
            "help": "deployment to verify, a host (the spec's base path is added); "
            "default: start the embedded mock",
        }),
        ("--api", "api", {
            "default": DEFAULT_API,
            "choices": list(apis),
            "help": f"which API's spec to verify against (default: {DEFAULT_API})",
        }),
        ("--auth", "auth", {
            "type": credentials,
            "metavar": "NAME:PASSWORD",
            "help": "Basic credentials (barchart; default demo:demo)",
        }),
        ("--token", "token", {
            "metavar": "TOKEN",
            "help": "bearer token (event-collector, billing-care, control; default: the "
            "embedded mock's demo token)",
        }),
        ("--tenant", "tenant", {
            "metavar": "NAME",
            "help": "the tenant --token acts for, sent as X-TWC-Tenant (event-collector)",
        }),
        ("--other-tenant", "other_tenant", {
            "type": credentials,
            "metavar": "NAME:TOKEN",
            "help": "a second tenant, to check that tenants cannot read each other's events "
            "(event-collector; without it, isolation is reported as not covered)",
        }),
        ("--other-user", "other_user", {
            "type": credentials,
            "metavar": "NAME:PASSWORD",
            "help": "a second user, to check that GET /service/authenticate answers who the "
            "caller is (barchart; without it, that rule is reported as not exercised)",
        }),
        ("--job-timeout", "job_timeout", {
            "type": float,
            "default": DEFAULT_JOB_TIMEOUT,
            "metavar": "SECONDS",
            "help": "longest wait for one report job (default: 900, the documented "
            "15 minutes); the mock's clock is advanced instead when possible",
        }),
        ("--max-examples", "max_examples", {
            "type": int,
            "default": DEFAULT_MAX_EXAMPLES,
            "metavar": "N",
            "help": "cases per operation when fuzzing, and stateful scenarios "
            f"(default: {DEFAULT_MAX_EXAMPLES})",
        }),
        ("--phases", "phases", {
            "type": _phases,
            "metavar": "LIST",
            "help": "the Schemathesis phases of the generated tests, comma-separated, from "
            f"{','.join(PHASES)} (default: all)",
        }),
        ("--seed", "seed", {
            "type": int,
            "metavar": "N",
            "help": "seed for generated cases, to reproduce a run (default: random)",
        }),
        ("--read-only", "read_only", {
            "action": "store_true",
            "help": "only operations that store nothing, for shared environments",
        }),
        ("--no-sandbox", "no_sandbox", {
            "action": "store_true",
            "help": "against an events-mock, work in its own world instead of a fresh sandbox "
            "(which is deleted afterwards and leaves the target untouched)",
        }),
        ("--tag", "tag", {
            "type": _tag,
            "metavar": "TAG",
            "help": "the tag everything the run stores carries, so it can be told from real "
            "traffic (default: contract-<random run id>, printed in the summary)",
        }),
        ("--rate", "rate", {
            "type": _rate,
            "metavar": "N",
            "help": "at most N requests per second to the target, across the whole run, for "
            "rate-limited staging environments (default: no limit)",
        }),
        ("-k", "select", {
            "metavar": "EXPR",
            "help": "run only the suite's tests matching EXPR, as pytest's -k "
            "(e.g. -k test_conformance); the rest are reported as skipped",
        }),
        ("--coverage", "coverage", {
            "metavar": "FILE",
            "help": "write which documented responses the target gave and which checks they "
            "passed, as a coverage document (JSON; docs/coverage.md)",
        }),
    ]  # fmt: skip


def _tag(text: str) -> str:
    """A tag is printable, without separators: it goes into context values and ids."""
    if not text or not text.isprintable() or any(c in text for c in " ,|;\t"):
        raise ValueError(text)
    return text


def _phases(text: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(part.strip() for part in text.split(",")))
    if not chosen or any(phase not in PHASES for phase in chosen):
        raise ValueError(text)
    return chosen


def _rate(text: str) -> float:
    rate = float(text)
    if not rate > 0:
        raise ValueError(text)
    return rate


PYTEST_OWN = frozenset({"select"})
"""Options pytest itself has (`-k`): under plain pytest (`dest_prefix` given) its own does it."""


def add_options(add: Callable[..., Any], apis: Sequence[str], dest_prefix: str = "") -> None:
    """Declare every option through `add` (`ArgumentParser.add_argument`, `addoption`)."""
    for flag, name, keywords in _option_table(apis):
        if dest_prefix and name in PYTEST_OWN:
            continue
        add(flag, dest=dest_prefix + name, **keywords)


def options_from(get: Callable[[str], Any], dest_prefix: str = "") -> ContractOptions:
    """The options parsed under `dest_prefix`; `get` answers None for one never declared."""
    values = {}
    for name in ContractOptions.__dataclass_fields__:
        value = get(dest_prefix + name)
        if value is not None:
            values[name] = value
    return ContractOptions(**values)

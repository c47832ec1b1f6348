"""The APIs the contract suite can verify, and what it needs to know about each.

Adding an API means one entry here: its spec, the suite modules that test it (the generic
schema-level, stateful and credential modules, then its own flows), and the operations the
suite uses to check, before anything else, that the target answers and accepts the credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from events_mock.apis import spec_path
from events_mock.app import DEMO_USERS

GENERIC_SUITE = ("schema_level", "stateful", "credentials")


@dataclass(frozen=True)
class ContractApi:
    name: str
    spec: Path
    flows: tuple[str, ...]
    """Modules of `events_mock.contract.suite` with this API's own flow tests."""
    ping_operation: str
    """An operation that needs no credentials: the target answers it or is unreachable."""
    whoami_operation: str | None
    """A secured operation that only reads: 401 means the given credentials are wrong."""
    default_auth: tuple[str, str]
    """The embedded mock's demo user, used when no `--auth` is given."""
    response_checks: tuple[str, ...] = ()
    """Its checks registered with Schemathesis (`events_mock.contract.checks`), which the flows'
    answers are held to as well as generated ones."""
    history_checks: tuple[str, ...] = ()
    """Those among them that judge an answer by the job's earlier reads."""

    @property
    def suite(self) -> tuple[str, ...]:
        return GENERIC_SUITE + self.flows


CONTRACT_APIS: dict[str, ContractApi] = {
    "barchart": ContractApi(
        name="barchart",
        spec=spec_path("barchart-events.yaml"),
        flows=("barchart_events", "barchart_reports"),
        ping_operation="getServiceVersion",
        whoami_operation="authenticate",
        default_auth=next(iter(DEMO_USERS.items())),
        response_checks=(
            "barchart_events_echoed",
            "barchart_report_started",
            "barchart_job_progress",
            "barchart_job_refusals",
            "barchart_link_follows_job",
        ),
        history_checks=("barchart_job_progress", "barchart_link_follows_job"),
    ),
}

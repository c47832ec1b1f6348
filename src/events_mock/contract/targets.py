"""The APIs `events-mock verify` can check (its targets), and what it needs to know about each.

Adding an API means one entry here: its spec, the suite modules that test it (the generic
schema-level, stateful and credential modules, then its own flows), its checks (a module of
`events_mock.contract.checks`), how callers prove who they are, the operations the suite uses
to check, before anything else, that the target answers and accepts the credentials, and how
to configure the embedded mock for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from events_mock.app import DEMO_BILLING_TOKENS, DEMO_TENANTS, DEMO_USERS
from events_mock.contract.identity import Identity, Scheme
from events_mock.control import ControlSettings
from events_mock.seam import base_path, load_spec, spec_path

if TYPE_CHECKING:
    from events_mock.contract.footprint import Footprint
    from events_mock.contract.registry import CheckSet

__all__ = ["CONTRACT_APIS", "ContractApi", "MockSettings"]

GENERIC_SUITE = ("schema_level", "stateful", "credentials")
TENANT_HEADER = "X-TWC-Tenant"
EMBEDDED_BILLING_EVENTS = 400
"""The embedded mock's Billing Care data set: about eight accounts with every event type, small
enough that a fuzzed search matching everything is still a quick answer to validate."""

MockSettings = Callable[[Identity, "Identity | None"], dict[str, Any]]
"""(the run's identity, another tenant's) -> `MockConfig` fields for the embedded mock."""


@dataclass(frozen=True)
class ContractApi:
    name: str
    spec: Path
    flows: tuple[str, ...]
    """Modules of `events_mock.contract.suite` with this API's own flow tests."""
    ping_operation: str
    """An operation any target of this API answers, whatever the credentials: reachability."""
    whoami_operation: str | None
    """A secured operation that only reads: 401 means the given credentials are wrong."""
    scheme: Scheme
    """How callers prove who they are (`bearer` may be optional, as the control plane's)."""
    default_identity: Identity
    """The embedded mock's demo credentials, used when none are given."""
    mock_settings: MockSettings
    checks: Callable[[], CheckSet]
    """Its checks (imported on first use: `events-mock serve` needs no Schemathesis). Their
    response checks run on every answer, the flows' as well as generated ones."""
    default_other: Identity | None = None
    """A second tenant the embedded mock serves, for the isolation checks."""
    tenant_header: str | None = None
    generic: tuple[str, ...] = GENERIC_SUITE
    stores: str = ""
    """How to recognise what a run leaves on the target, for the report's header and summary
    (`{tag}`, `{window}` filled in)."""
    footprint: Callable[[], Footprint] | None = None
    """How generated writes are marked with the run's tag and window, and what its answers say
    was stored (imported on first use, like `checks`); None: the API stores nothing."""
    jobs: bool = False
    """Whether its flows wait for jobs (and so need a clock to move or to wait on)."""
    formats: Callable[[], None] | None = None
    """Registers the Hypothesis strategies its spec's string formats need (Schemathesis keeps
    them globally), so that generated valid requests are valid for the API too."""
    request_headers: tuple[tuple[str, str], ...] = ()
    """Headers every request of a run carries, generated or not: what the spec requires of
    every caller beyond credentials."""

    @property
    def suite(self) -> tuple[str, ...]:
        return self.generic + self.flows

    @cached_property
    def base_path(self) -> str:
        """Where the spec's paths start on a host: Billing Care's `/bcws/webresources/v1.0`."""
        return base_path(load_spec(self.spec))

    @cached_property
    def bearer_scheme(self) -> str | None:
        """The name of the spec's bearer security scheme, which Schemathesis fills in."""
        schemes = load_spec(self.spec).get("components", {}).get("securitySchemes", {})
        return next(
            (
                name
                for name, scheme in schemes.items()
                if scheme.get("type") == "http" and scheme.get("scheme", "").lower() == "bearer"
            ),
            None,
        )


def _barchart_mock(identity: Identity, other: Identity | None) -> dict[str, Any]:
    return {"users": {i.name: i.secret for i in (identity, other) if i is not None}}


def _collector_mock(identity: Identity, other: Identity | None) -> dict[str, Any]:
    return {"tenants": {i.name: i.secret for i in (identity, other) if i is not None}}


def _billing_mock(identity: Identity, other: Identity | None) -> dict[str, Any]:
    return {
        "billing_tokens": {"contract": identity.secret},
        "billing_events": EMBEDDED_BILLING_EVENTS,
    }


def _control_mock(identity: Identity, other: Identity | None) -> dict[str, Any]:
    return {"control": ControlSettings(token=identity.secret or None)}


def _collector_formats() -> None:
    """Base64 of JSON for `format: byte`; imported late: `events-mock serve` needs no Hypothesis."""
    from events_mock.contract.strategies import register_schemathesis_formats

    register_schemathesis_formats()


def _barchart_checks() -> CheckSet:
    from events_mock.contract.checks.barchart import BARCHART

    return BARCHART


def _collector_checks() -> CheckSet:
    from events_mock.contract.checks.collector import COLLECTOR

    return COLLECTOR


def _billing_checks() -> CheckSet:
    from events_mock.contract.checks.billing import BILLING

    return BILLING


def _barchart_footprint() -> Footprint:
    from events_mock.contract.flows.barchart import FOOTPRINT

    return FOOTPRINT


def _collector_footprint() -> Footprint:
    from events_mock.contract.flows.collector import FOOTPRINT

    return FOOTPRINT


def _control_checks() -> CheckSet:
    from events_mock.contract.checks.control import CONTROL

    return CONTROL


def _demo(mapping: dict[str, str]) -> tuple[str, str]:
    return next(iter(mapping.items()))


CONTRACT_APIS: dict[str, ContractApi] = {
    "barchart": ContractApi(
        name="barchart",
        spec=spec_path("barchart-events.yaml"),
        ping_operation="getServiceVersion",
        whoami_operation="authenticate",
        scheme="basic",
        default_identity=Identity("basic", *_demo(DEMO_USERS)),
        default_other=Identity("basic", "other", "other-password"),
        mock_settings=_barchart_mock,
        flows=("barchart_events", "barchart_service", "barchart_reports"),
        checks=_barchart_checks,
        stores="events tagged {tag} (their first context value), timestamps from {window}",
        footprint=_barchart_footprint,
        jobs=True,
    ),
    "event-collector": ContractApi(
        name="event-collector",
        spec=spec_path("event-collector.yaml"),
        flows=("collector_events",),
        ping_operation="getEvent",
        whoami_operation="getEvent",
        scheme="bearer",
        tenant_header=TENANT_HEADER,
        default_identity=Identity("bearer", *_demo(DEMO_TENANTS), TENANT_HEADER),
        default_other=Identity("bearer", "contract-other", "contract-other-token", TENANT_HEADER),
        mock_settings=_collector_mock,
        checks=_collector_checks,
        stores="events whose entity_id (or, without one, event_payload.entity_id) starts "
        "with {tag}",
        footprint=_collector_footprint,
        formats=_collector_formats,
    ),
    "billing-care": ContractApi(
        name="billing-care",
        spec=spec_path("billing-care-events.yaml"),
        flows=("billing_search",),
        ping_operation="getEvents",
        whoami_operation="getEvents",
        scheme="bearer",
        default_identity=Identity("bearer", "", _demo(DEMO_BILLING_TOKENS)[1]),
        mock_settings=_billing_mock,
        checks=_billing_checks,
        # One operation and nothing to link: no stateful phase.
        generic=("schema_level", "credentials"),
    ),
    "control": ContractApi(
        name="control",
        spec=spec_path("control.yaml"),
        flows=("control_plane",),
        ping_operation="getClock",
        whoami_operation="getClock",
        scheme="bearer",
        default_identity=Identity("none"),
        mock_settings=_control_mock,
        checks=_control_checks,
        # Credentials are optional (loopback callers need none): nothing to refuse. No links.
        generic=("schema_level",),
        stores="fuzzes the target mock's own clock, faults, journal and state",
        formats=_collector_formats,  # state documents hold Event Collector events
        # The spec's `ControlHeader` (on every call, not generated): without it (or a JSON
        # body) a state change is refused.
        request_headers=(("X-Mock-Control", "1"),),
    ),
}

"""One world of the mock: everything a client can change, in one object.

A server serves one default world and any number of sandboxes (`events_mock.sandboxes`), all
through one Connexion app: its handlers, security checks and middleware find the current
world's services per request (`Worlds.current`), so a sandbox costs its own stores and control
plane, never a second app. What never changes after start-up (the catalog, the generated
Billing Care data set) is shared by every world; a world only holds what it may change, made by
its `WorldStore` (`events_mock.stores`): in this process, or on Redis under the world's id.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, MutableSequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from events_mock.barchart.catalog import Catalog
from events_mock.barchart.jobs import JobSettings
from events_mock.barchart.security import Users
from events_mock.barchart.service import BarchartService
from events_mock.barchart.state import BarchartState
from events_mock.billing.dataset import BillingDataset
from events_mock.billing.security import BearerTokens
from events_mock.billing.state import BillingState
from events_mock.clock import MockClock
from events_mock.collector.security import TenantTokens
from events_mock.collector.service import CollectorService
from events_mock.collector.state import CollectorState
from events_mock.control import ControlPlane, ControlSettings
from events_mock.seam import ApiState, MockApi
from events_mock.stores.backend import MemoryWorldStore, WorldStore

if TYPE_CHECKING:
    from events_mock.sandboxes.registry import Sandboxes

__all__ = ["CURRENT", "SharedData", "World", "WorldSettings"]


@dataclass(frozen=True)
class SharedData:
    """Start-up data no world ever changes in place: one copy serves them all."""

    catalog: Catalog
    billing_data: BillingDataset
    """Immutable: Billing Care's state import replaces a world's data set, never edits it."""


@dataclass(frozen=True)
class WorldSettings:
    """What one world is made of; the default world's come from `MockConfig`."""

    users: Mapping[str, str]
    tenants: Mapping[str, str]
    billing_tokens: Mapping[str, str]
    jobs: JobSettings
    max_events_per_request: int
    max_stored_events: int
    max_stored_bytes: int
    control: ControlSettings


class World:
    """The clock, the services, the credentials and the control plane of one mock world."""

    def __init__(
        self,
        settings: WorldSettings,
        shared: SharedData,
        apis: MutableSequence[MockApi],
        *,
        clock: MockClock | None = None,
        default: bool = False,
        store: WorldStore | None = None,
    ) -> None:
        """`apis` are the server's (shared, their handlers find this world per request); this
        world's control plane gets copies whose states are this world's. The `default` world
        takes the server's list itself (its states set to its own), a live list as before
        sandboxes: an API changed or added there is the default control plane's at once."""
        self.settings = settings
        self.store = store = store or MemoryWorldStore()
        self.clock = clock or store.clock(None, 1.0)
        events = store.event_store(settings.max_stored_events, settings.max_stored_bytes)
        self.barchart = BarchartService(
            store=events,
            jobs=store.report_jobs(events, self.clock, shared.catalog, settings.jobs),
            catalog=shared.catalog,
            max_events_per_request=settings.max_events_per_request,
        )
        self.collector = CollectorService(
            store.tenant_store(settings.max_stored_events, settings.max_stored_bytes)
        )
        self.billing = store.billing(shared.billing_data)
        self.users = Users(settings.users)
        self.tenants = TenantTokens(settings.tenants)
        self.billing_tokens = BearerTokens(settings.billing_tokens)
        states: dict[str, ApiState] = {
            "barchart": BarchartState(self.barchart),
            "event-collector": CollectorState(self.collector),
            "billing-care": BillingState(self.billing),
        }
        own: MutableSequence[MockApi] = [
            dataclasses.replace(api, state=states[api.name]) if api.name in states else api
            for api in apis
        ]
        if default:
            apis[:] = own
            own = apis
        self.apis: MutableSequence[MockApi] = own
        control = settings.control
        self.control = ControlPlane(
            self.clock,
            self.apis,
            control,
            faults=store.fault_rules(control.fault_seed, control.max_fault_rules),
            journal=store.journal(
                control.journal_size, control.journal_body_limit, control.journal_bytes
            ),
            coverage=store.coverage(),
        )

    def stored_events(self) -> int:
        """Barchart and Event Collector events held: what the sandboxes' total bound counts."""
        return len(self.barchart.store) + len(self.collector.store)


CURRENT: ContextVar[tuple[Sandboxes, World] | None] = ContextVar(
    "events_mock_current_world", default=None
)
"""The world of the request being served, with the server it belongs to (several mocks may
run in one process); unset: the default world. Set by `events_mock.sandboxes.router`."""

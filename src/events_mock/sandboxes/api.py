"""`/__mock/sandboxes` (spec/control.yaml): creating, listing and deleting sandboxes.

These operations belong to the server, not to one world, so they are served beside the
control plane's handlers (`control.api.create_api(extra_operations=...)`) and only from the
default world: a sandbox cannot make sandboxes (409).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableSequence
from typing import Any

from connexion import request as current_request
from connexion.lifecycle import ConnexionResponse

from events_mock.clock import LATEST_MS, MockClock
from events_mock.control.api import Answer, no_content, ok, problem
from events_mock.sandboxes.budget import BudgetedEventStore, BudgetedTenantEventStore
from events_mock.sandboxes.registry import Sandbox, SandboxError, Sandboxes
from events_mock.sandboxes.router import PATH_PREFIX
from events_mock.seam import MockApi, StateConflict, StateError
from events_mock.stores.backend import MemoryWorldStore, WorldStore
from events_mock.world import SharedData, World, WorldSettings

__all__ = ["sandbox_operations", "sandbox_world"]


def sandbox_world(
    settings: WorldSettings,
    shared: SharedData,
    apis: MutableSequence[MockApi],
    sandboxes: Sandboxes,
    *,
    clock: Mapping[str, Any] | None = None,
    users: Mapping[str, str] | None = None,
    tenants: Mapping[str, str] | None = None,
    billing_tokens: Mapping[str, str] | None = None,
    state: Any = None,
    store: WorldStore | None = None,
) -> World:
    """A fresh world for a sandbox: the server's settings, its own stores (within the
    sandboxes' common budget), clock and, when given, credentials and starting state.

    The clock starts where the default world's is now, at its rate, unless `clock` says
    otherwise. Raises `SandboxError` 400/409 for options it cannot take, 507 past the budget.
    `store`: the sandbox's shared store (`sandboxes.redis_registry`), which gives the world
    its clock (started as `clock` says if the store holds none yet) and its stores, bounded
    per world only; without it, in-memory stores within the common budget.
    """
    default = sandboxes.default
    assert default is not None
    limit = sandboxes.settings.max_total_events

    def room() -> int:
        return limit - sandboxes.total_events()

    try:
        world_settings = WorldSettings(
            users=dict(users) if users is not None else settings.users,
            tenants=dict(tenants) if tenants is not None else settings.tenants,
            billing_tokens=(
                dict(billing_tokens) if billing_tokens is not None else settings.billing_tokens
            ),
            jobs=settings.jobs,
            max_events_per_request=settings.max_events_per_request,
            max_stored_events=settings.max_stored_events,
            max_stored_bytes=settings.max_stored_bytes,
            control=settings.control,
        )
        start = _clock(default.clock, clock or {})
        budgeted = store is None
        if store is not None:
            world_clock = store.clock(start.now_ms(), start.rate)
        else:
            world_clock = start
            store = MemoryWorldStore(
                event_store=lambda capacity, max_bytes: BudgetedEventStore(
                    capacity, max_bytes, room
                ),
                tenant_store=lambda capacity, max_bytes: BudgetedTenantEventStore(
                    capacity, max_bytes, room
                ),
            )
        world = World(world_settings, shared, apis, clock=world_clock, store=store)
    except ValueError as error:  # e.g. an empty tenant name: no schema of the spec can say it
        raise SandboxError(409, str(error)) from None
    if state is not None:
        try:
            world.control.import_state(state)
        except StateConflict as error:
            raise SandboxError(409, str(error)) from None
        except StateError as error:
            raise SandboxError(400, str(error)) from None
        if clock:  # asked for explicitly: wins over the document's clock
            wanted = _clock(world.clock, clock)
            world.control.set_clock(wanted.now_ms(), wanted.rate)
        held = world.stored_events()
        if budgeted and held > room():
            raise SandboxError(
                507,
                f"The state holds {held} events; the sandboxes may hold {limit} together"
                f" and {max(room(), 0)} more fit now.",
            )
    return world


def _clock(base: MockClock, settings: Mapping[str, Any]) -> MockClock:
    rate = 0.0 if settings.get("frozen") else settings.get("rate", base.rate)
    now = settings.get("now", base.now_ms())
    if not 0 <= now <= LATEST_MS:
        raise ValueError("the clock must stay between 1970 and the end of year 9999")
    return MockClock(start_ms=now, rate=rate)


Operation = Callable[..., Awaitable[Any]]


def sandbox_operations(sandboxes: Sandboxes) -> dict[str, Operation]:
    """The management operations by operationId, over `sandboxes`."""

    def managed_here() -> None:
        if not sandboxes.in_default_world():
            raise problem(409, "Sandboxes are managed from the default world, not a sandbox.")

    def described(sandbox: Sandbox) -> dict[str, Any]:
        base = str(current_request.base_url).rstrip("/")
        ttl = sandboxes.settings.ttl_seconds
        return sandbox.to_json(f"{base}{PATH_PREFIX}{sandbox.id}", ttl, _monotonic(sandboxes))

    async def create_sandbox(body: Mapping[str, Any] | None = None) -> Answer:
        managed_here()
        # Connexion hands an explicit JSON `null` over as no body at all, unvalidated.
        if body is None:
            raise problem(400, "The body is a SandboxInput object ({} for all defaults).")
        options = dict(body)
        try:
            sandbox = sandboxes.create(**options)
        except SandboxError as error:
            raise problem(error.status, error.message) from None
        return ok(described(sandbox), 201)

    async def list_sandboxes() -> Answer:
        managed_here()
        return ok([described(sandbox) for sandbox in sandboxes.all()])

    async def get_sandbox(id: str) -> Answer:
        managed_here()
        try:
            return ok(described(sandboxes.get(id)))
        except SandboxError as error:
            raise problem(error.status, error.message) from None

    async def delete_sandbox(id: str) -> ConnexionResponse:
        managed_here()
        try:
            sandboxes.delete(id)
        except SandboxError as error:
            raise problem(error.status, error.message) from None
        return no_content()

    return {
        "createSandbox": create_sandbox,
        "listSandboxes": list_sandboxes,
        "getSandbox": get_sandbox,
        "deleteSandbox": delete_sandbox,
    }


def _monotonic(sandboxes: Sandboxes) -> float:
    return sandboxes.monotonic()

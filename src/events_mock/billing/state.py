"""Billing Care's part of the control plane's state: the data set searches run over.

The shape is `BillingCareState` in spec/control.yaml: either the generator's inputs (a few
bytes that make the same data set again, which is what a mock exports until records are
loaded) or the records themselves. Reset goes back to the data set the mock started with.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from events_mock.billing.dataset import DatasetError, DuplicateEventId, generate, load_records
from events_mock.billing.service import BillingService
from events_mock.seam import StateConflict, StateError, getter

__all__ = ["BillingState"]


class BillingState:
    """`events_mock.seam.ApiState` over a `BillingService`: its current data set."""

    def __init__(self, service: BillingService | Callable[[], BillingService]) -> None:
        self._service_of = getter(service)

    @property
    def service(self) -> BillingService:
        """The current world's (`events_mock.world`): one handler object serves them all."""
        return self._service_of()

    def export(self) -> dict[str, Any]:
        data = self.service.data
        if data.generated_from is not None:
            seed, count = data.generated_from
            return {"generated": {"seed": seed, "events": count}}
        return {"events": copy.deepcopy(list(data.records))}

    def prepare(self, data: Mapping[str, Any]) -> Callable[[], None]:
        try:
            if "generated" in data:
                dataset = generate(int(data["generated"]["seed"]), int(data["generated"]["events"]))
            else:
                dataset = load_records(data.get("events"))
        except DuplicateEventId as error:
            raise StateConflict(f"billing-care: {error}") from None
        except (DatasetError, KeyError, TypeError, ValueError) as error:
            raise StateError(f"billing-care: {error}") from None
        return lambda: self.service.replace(dataset)

    def reset(self) -> None:
        self.service.reset()

"""Billing Care's part of the control plane's state: the data set searches run over.

The shape is `BillingCareState` in spec/control.yaml: either the generator's inputs (a few
bytes that make the same data set again, which is what a mock exports until records are
loaded) or the records themselves. Reset goes back to the data set the mock started with.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from events_mock.apis import StateConflict, StateError
from events_mock.billing.dataset import DatasetError, DuplicateEventId, generate, load_records

if TYPE_CHECKING:
    from events_mock.billing.handlers import BillingCareHandlers


class BillingState:
    def __init__(self, handlers: BillingCareHandlers) -> None:
        self.handlers = handlers
        self.initial = handlers.data

    def export(self) -> dict[str, Any]:
        data = self.handlers.data
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

        def commit() -> None:
            self.handlers.data = dataset

        return commit

    def reset(self) -> None:
        self.handlers.data = self.initial

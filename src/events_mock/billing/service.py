"""Everything the Billing Care mock holds: the data set searches run over, and the one it
started with (what a reset goes back to).

Plain Python, no HTTP: the handlers search `data`, the control plane's `state` replaces it.
A data set is immutable, so replacing it is one assignment: a search in flight keeps the set
it started on.
"""

from __future__ import annotations

from events_mock.billing.dataset import BillingDataset, Record, generate
from events_mock.billing.search import EventQuery, search

__all__ = ["BillingService"]


class BillingService:
    def __init__(self, data: BillingDataset | None = None) -> None:
        """Serve `data` (None: `generate()`, seed 4, 2000 events)."""
        self.initial = data if data is not None else generate()
        """The start-up data set."""
        self._data = self.initial

    @property
    def data(self) -> BillingDataset:
        """The data set searches run over now."""
        return self._data

    def search(self, query: EventQuery) -> list[Record]:
        return search(self.data, query)

    def replace(self, data: BillingDataset) -> None:
        self._data = data

    def reset(self) -> None:
        self._data = self.initial

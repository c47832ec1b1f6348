from __future__ import annotations

import pytest

from events_mock.billing.dataset import BillingDataset, generate


@pytest.fixture(scope="session")
def data() -> BillingDataset:
    """The data set the server uses by default (seed 4, 2000 events)."""
    return generate()


@pytest.fixture(scope="session")
def small_data() -> BillingDataset:
    return generate(seed=7, count=300)

"""`RedisBillingService`: an imported data set is stored once and served by every worker."""

from __future__ import annotations

from collections.abc import Callable

from events_mock.billing.dataset import generate, load_records
from tests.stores.conftest import Worker


def test_an_import_on_one_worker_is_searched_on_every_other(
    make_worker: Callable[..., Worker],
) -> None:
    one, two = make_worker().billing, make_worker().billing
    started = two.data
    assert started is two.initial and started.generated_from == (4, 50)
    one.replace(generate(9, 20))
    imported = two.data
    assert imported.generated_from == (9, 20) and len(imported) == 20
    assert two.data is imported  # parsed once per version, then kept
    records = list(generate(5, 3).records)
    two.replace(load_records(records))
    assert list(one.data.records) == list(load_records(records).records)
    one.reset()
    assert two.data is two.initial


def test_records_with_integers_past_64_bits_are_kept_exactly(
    make_worker: Callable[..., Worker],
) -> None:
    one, two = make_worker().billing, make_worker().billing
    record = {**generate(5, 1).records[0], "extension": {"big": 2**70, "text": "ünï"}}
    dataset = load_records([record])  # an extension may hold any JSON
    one.replace(dataset)
    assert list(two.data.records) == [record]

"""The events the Billing Care mock searches: generated from a seed, or loaded from JSON.

Generated data (see `generator`) gives every client team the same realistic installation on
every run; loading exists so a control plane can swap in records a team wrote for a scenario.
Loaded records are checked against the spec's `Event` schema, so the mock never serves a
record its own spec says is impossible.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from jsonschema.exceptions import best_match

from events_mock import strict_json
from events_mock.billing.generator import generate_records
from events_mock.billing.spec import schema_validator

DEFAULT_SEED = 4
DEFAULT_EVENT_COUNT = 2000
MAX_GENERATED_EVENTS = 20_000
"""About a second and 80 MB to generate: a bigger set is no more realistic, only slower."""

Record = dict[str, Any]


class DatasetError(ValueError):
    """Records that cannot be loaded: not valid against the spec, or ids not unique."""


class DuplicateEventId(DatasetError):
    """Two records with one id: each is valid, together they cannot be a data set."""


def order_key(record: Mapping[str, Any]) -> tuple[int, str]:
    """The one order results come in: by creation, then id, so pages of a query never overlap."""
    return record["created"], record["id"]["id"]


class BillingDataset:
    """An immutable set of event records, kept in `order_key` order.

    The constructor trusts its input's shape (it is used by the generator); records from
    outside go through `load_records`, which validates them against the spec first.
    """

    def __init__(
        self,
        records: Iterable[Mapping[str, Any]],
        *,
        copy_records: bool = True,
        generated_from: tuple[int, int] | None = None,
    ) -> None:
        copied = (copy.deepcopy(dict(r)) if copy_records else dict(r) for r in records)
        ordered = sorted(copied, key=order_key)
        seen: set[str] = set()
        for record in ordered:
            event_id = record["id"]["id"]
            if event_id in seen:
                raise DuplicateEventId(f"duplicate event id {event_id!r}")
            seen.add(event_id)
        self._records: tuple[Record, ...] = tuple(ordered)
        self.generated_from = generated_from
        """(seed, count) when `generate` made the set: enough to make it again."""

    @property
    def records(self) -> tuple[Record, ...]:
        """The records in result order. Treat them as read-only: they are shared, not copied."""
        return self._records

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[Record]:
        return iter(self._records)

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(list(self._records), indent=indent)


def load_records(records: Any) -> BillingDataset:
    """Validate a list of event records (e.g. posted to a control plane) and make a data set."""
    if not isinstance(records, list):
        raise DatasetError("expected a JSON array of event records")
    validator = schema_validator("Event")
    for index, record in enumerate(records):
        error = best_match(validator.iter_errors(record))
        if error is not None:
            where = "/".join(str(part) for part in error.absolute_path) or "(record)"
            raise DatasetError(f"record {index}: {where}: {error.message}")
    return BillingDataset(records)


def load_json(text: str | bytes) -> BillingDataset:
    try:
        records = strict_json.loads(text)
    except strict_json.NotAcceptedJSON as exc:
        raise DatasetError(f"not JSON the mock accepts: {exc}") from None
    return load_records(records)


@functools.lru_cache(maxsize=4)
def generate(seed: int = DEFAULT_SEED, count: int = DEFAULT_EVENT_COUNT) -> BillingDataset:
    """`count` events for about count/50 accounts, the same for the same seed on every run.

    Cached: a data set is immutable, so every mock built with the same seed shares one.
    """
    if not 0 <= count <= MAX_GENERATED_EVENTS:
        raise DatasetError(f"can generate 0 to {MAX_GENERATED_EVENTS} events, not {count}")
    # Fresh records nobody else holds: copying them only cost start-up time (0.3 s).
    return BillingDataset(
        generate_records(seed, count), copy_records=False, generated_from=(seed, count)
    )

"""What a run leaves on a shared target, and how its writes are made recognisable.

A run against staging stores what it sends. So that nobody mistakes it for real traffic, and
so that anybody can find it again, everything a run stores carries its tag and, where the API
dates its data, lies in its private time window. The flows build their bodies that way; the
bodies Schemathesis generates are marked by the run's hooks (`ContractRun`), through each API's
`Footprint`. After every call the run counts what the answer says was stored, for the summary.

Nothing here names an API: each API's footprint lives beside its flows (`flows/<api>.py`).
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["Footprint", "PrivateWindow", "RunMark", "describe_left"]

# Far enough in the past that no real client posts there, wide enough that two runs never meet.
WINDOW_RANGE_MS = (
    int(datetime(1990, 1, 1, tzinfo=UTC).timestamp() * 1000),
    int(datetime(2010, 1, 1, tzinfo=UTC).timestamp() * 1000),
)
WINDOW_MS = 3_600_000
MARGIN_MS = 60_000
"""Before the report hour: the flows' near misses (`start - 1`) lie there."""
GENERATED_GAP_MS = 600_000
"""After the report hour, before generated events: the flows' own batches lie there."""


@dataclass(frozen=True)
class PrivateWindow:
    """A random hour in the past that only this run's reports select, and the span around it
    that only this run posts into.

    `start`..`end` (one hour, inclusive) is what the flows' reports select: only the flows post
    there, so a report of it holds exactly their events. Everything the run posts lies in
    `first`..`last`: a minute before the hour (near misses) and the hour after it (the flows'
    batches, then generated events from `generated_first` on). Random per run even with a
    fixed `--seed`: two runs of the same seed against one shared server must not meet.
    """

    start: int
    end: int

    @classmethod
    def pick(cls) -> PrivateWindow:
        low, high = WINDOW_RANGE_MS
        start = low + MARGIN_MS + secrets.randbelow(high - low - 3 * WINDOW_MS)
        return cls(start, start + WINDOW_MS - 1)

    @property
    def first(self) -> int:
        return self.start - MARGIN_MS

    @property
    def last(self) -> int:
        return self.end + WINDOW_MS

    @property
    def generated_first(self) -> int:
        return self.end + 1 + GENERATED_GAP_MS

    def contains(self, timestamp: int) -> bool:
        """Whether `timestamp` lies where this run posts (`first`..`last`)."""
        return self.first <= timestamp <= self.last

    def generated(self, timestamp: int) -> int:
        """A generated timestamp moved into the generated part of the span (one already there
        is kept: marking twice changes nothing)."""
        if self.generated_first <= timestamp <= self.last:
            return timestamp
        return self.generated_first + timestamp % (self.last - self.generated_first + 1)

    def __str__(self) -> str:
        first = datetime.fromtimestamp(self.first / 1000, tz=UTC)
        last = datetime.fromtimestamp(self.last / 1000, tz=UTC)
        return f"{first:%Y-%m-%d %H:%M:%S} to {last:%Y-%m-%d %H:%M:%S} UTC"


@dataclass(frozen=True)
class RunMark:
    """What makes a run's data its own: its tag, and its private window."""

    tag: str
    window: PrivateWindow


@dataclass(frozen=True)
class Footprint:
    """How one API's writes are marked, and what its answers say they stored.

    `mark(operation_id, body, mark)` marks a generated body in place, keeping it as valid or as
    invalid as it was (Schemathesis revalidates a case after its hooks change it anyway), and
    leaves alone what it cannot mark without changing that. `left(operation_id, status, body)`
    counts what an answer says was stored (`{"events": 2}`, `{"jobs": 1}`). That a target
    never stores invalid input is the API's checks' business (`negative_case_refused`).
    """

    mark: Callable[[str, Any, RunMark], None]
    left: Callable[[str, int, Any], Counter[str]]


def describe_left(left: Counter[str]) -> str:
    """`3 events, 1 job`; `nothing` for an empty count."""
    parts = [f"{n} {k.removesuffix('s') if n == 1 else k}" for k, n in sorted(left.items())]
    return ", ".join(parts) or "nothing"

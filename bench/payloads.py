"""Deterministic, valid Barchart events for every measurement (same seed, same events)."""

from __future__ import annotations

import random
from typing import Any

T0 = 1_571_029_200_000
# (product, type, context length): PORTFOLIO types fill the export's columns at different places.
PORTFOLIO_TYPES = (
    ("PORTFOLIO", "PORTFOLIO-APPLICATION-LOADED", 1),
    ("PORTFOLIO", "PORTFOLIO-CREATED", 2),
    ("PORTFOLIO", "PORTFOLIO-TRANSACTION-CREATED", 4),
    ("PORTFOLIO", "PORTFOLIO-BROKERAGE-REPORT-DOWNLOADED", 3),
    ("PORTFOLIO", "PORTFOLIO-DIVIDEND-STRATEGY-CHANGED", 3),
)
MIXED_TYPES = PORTFOLIO_TYPES + (
    ("ALERT", "ALERT-CREATED", 3),
    ("WATCHLIST", "WATCHLIST-CREATED", 2),
)


def events(count: int, *, seed: int = 1, mixed: bool = False) -> list[dict[str, Any]]:
    """`count` events in shuffled timestamp order, one in five with a `version`."""
    rng = random.Random(seed)
    kinds = MIXED_TYPES if mixed else PORTFOLIO_TYPES
    made = []
    for n in range(count):
        product, kind, width = kinds[rng.randrange(len(kinds))]
        event: dict[str, Any] = {
            "customer": "BARCHART" if mixed is False or n % 3 else "TGAM",
            "product": product,
            "type": kind,
            "timestamp": T0 + rng.randrange(86_400_000),
            "context": [f"{key}-{rng.randrange(100_000)}" for key in range(width)],
        }
        if n % 5 == 0:
            event["version"] = "4.1.0"
        made.append(event)
    return made


def post_body(size: int = 10) -> dict[str, Any]:
    """The body of the POST /events scenario: `size` events of several products."""
    return {"events": events(size, seed=7, mixed=True)}

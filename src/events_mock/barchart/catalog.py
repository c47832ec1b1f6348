"""The codes the real Barchart service accepts, and the export columns they imply.

The spec's enums are generated from the same file (scripts/generate_catalog_enums.py), so the
request validator and the export renderer can never disagree about a code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOG_PATH = Path(__file__).resolve().parent.parent / "data" / "barchart-catalog.json"

# The vendor documents these products' export columns explicitly (the export guide); other products
# export the union of their event types' context keys, in catalog order.
DOCUMENTED_COLUMNS: dict[str, tuple[str, ...]] = {
    "WATCHLIST": (
        "userId",
        "watchlistId",
        "symbol",
        "viewName",
        "viewType",
        "dataMode",
        "classFilter",
    ),
    "PORTFOLIO": (
        "userId",
        "portfolioId",
        "positionId",
        "frame",
        "viewName",
        "showClosedPositions",
        "dividendStrategy",
        "cashAdjustmentStrategy",
    ),
    "ALERT": ("userId", "alertId"),
    "CMDTYVIEW": ("userId", "sessionId", "browser", "workspace"),
}
# The documented CMDTYVIEW column `workspace` is filled from the catalog's `workspaceId` key.
COLUMN_SOURCE_KEY = {"workspace": "workspaceId"}


@dataclass(frozen=True)
class Catalog:
    customers: tuple[str, ...]
    products: tuple[str, ...]
    context_keys: dict[str, tuple[str, ...]]
    """Event type code -> ordered names of its context values."""
    product_of: dict[str, str]
    """Event type code -> the product it belongs to."""

    def columns(self, product: str) -> tuple[str, ...]:
        """The product-specific export columns (after `timestamp` and `type`)."""
        if product in DOCUMENTED_COLUMNS:
            return DOCUMENTED_COLUMNS[product]
        keys: dict[str, None] = {}
        for code, owner in self.product_of.items():
            if owner == product:
                keys.update(dict.fromkeys(self.context_keys[code]))
        return tuple(keys)

    def column_positions(self, product: str) -> dict[str, tuple[int | None, ...]]:
        """For each event type: where each export column's value sits in its context array."""
        columns = self.columns(product)
        positions = {}
        for code, keys in self.context_keys.items():
            index = {key: i for i, key in enumerate(keys)}
            positions[code] = tuple(index.get(COLUMN_SOURCE_KEY.get(c, c)) for c in columns)
        return positions


@cache
def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    raw = json.loads(path.read_text())
    types = raw["eventTypes"]
    return Catalog(
        customers=tuple(raw["customers"]),
        products=tuple(raw["products"]),
        context_keys={t["code"]: tuple(t["contextKeys"]) for t in types},
        product_of={t["code"]: t["product"] for t in types},
    )

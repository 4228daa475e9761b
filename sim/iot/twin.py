"""The digital twin: observed state built from transactions and sensor readings.

Policies read only these objects. A ``StockRecord`` is what the information system believes
about one location and SKU; the physical stock lives in ``sim.world`` and is never handed to a
policy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


class StockRecord:
    """Recorded on-hand, on-order and backorders of one (location, SKU)."""

    __slots__ = ("backorders", "last_sync", "location", "on_hand", "on_order", "sku", "tx")

    def __init__(self, location: str, sku: str, on_hand: int) -> None:
        self.location = location
        self.sku = sku
        self.on_hand = on_hand
        self.on_order = 0
        self.backorders = 0
        # Net units moved by recorded transactions so far; lets a delayed sensor reading be
        # brought forward by the transactions recorded since it was taken.
        self.tx = 0
        self.last_sync = -math.inf

    @property
    def position(self) -> int:
        """Inventory position as recorded: on hand + on order - backorders."""
        return self.on_hand + self.on_order - self.backorders

    def __repr__(self) -> str:
        return (
            f"StockRecord({self.location}/{self.sku}: on_hand={self.on_hand}, "
            f"on_order={self.on_order}, backorders={self.backorders})"
        )


@dataclass
class TruckView:
    """Last known position of a truck and the latest engine-health reading."""

    x: float = math.nan
    y: float = math.nan
    t_seen: float = -math.inf
    health: float = math.nan


@dataclass
class Twin:
    records: dict[tuple[str, str], StockRecord] = field(default_factory=dict)
    trucks: dict[str, TruckView] = field(default_factory=dict)

    def record(self, location: str, sku: str, on_hand: int) -> StockRecord:
        rec = StockRecord(location, sku, on_hand)
        self.records[(location, sku)] = rec
        return rec

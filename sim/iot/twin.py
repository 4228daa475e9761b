"""The digital twin: observed state built from transactions and sensor readings.

Policies read only these objects. A ``StockRecord`` is what the information system believes
about one location and SKU; the physical stock lives in ``sim.world`` and is never handed to a
policy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


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


class TruckView:
    """What the twin hears of one truck: GPS fixes and engine-health readings.

    Readings along a leg are computed when the leg starts, with their arrival times; the view
    answers with what had *arrived* by the time asked, never with what is still on the bus.
    """

    def __init__(self) -> None:
        self._gps: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._health: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add_gps(
        self, t_event: np.ndarray, t_received: np.ndarray, x: np.ndarray, y: np.ndarray
    ) -> None:
        self._gps = [*self._gps[-1:], (t_event, t_received, x, y)]

    def add_health(self, t_event: np.ndarray, t_received: np.ndarray, value: np.ndarray) -> None:
        self._health = [*self._health[-1:], (t_event, t_received, value)]

    def position(self, now: float) -> tuple[float, float, float] | None:
        """(time of the fix, x, y) of the latest fix received by ``now``; None if none."""
        for t_event, t_received, x, y in reversed(self._gps):
            arrived = np.flatnonzero(t_received <= now)  # NaN (lost) never arrives
            if len(arrived):
                k = arrived[np.argmax(t_event[arrived])]
                return float(t_event[k]), float(x[k]), float(y[k])
        return None

    def health(self, now: float) -> tuple[float, float] | None:
        """(time of the reading, value) of the latest engine-health reading received by ``now``."""
        for t_event, t_received, value in reversed(self._health):
            arrived = np.flatnonzero(t_received <= now)
            if len(arrived):
                k = arrived[np.argmax(t_event[arrived])]
                return float(t_event[k]), float(value[k])
        return None


@dataclass
class Twin:
    records: dict[tuple[str, str], StockRecord] = field(default_factory=dict)
    trucks: dict[str, TruckView] = field(default_factory=dict)

    def truck(self, name: str) -> TruckView:
        view = self.trucks.get(name)
        if view is None:
            view = self.trucks[name] = TruckView()
        return view

    def record(self, location: str, sku: str, on_hand: int) -> StockRecord:
        rec = StockRecord(location, sku, on_hand)
        self.records[(location, sku)] = rec
        return rec

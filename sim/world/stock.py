"""Physical stock at one location for one SKU: plain numbers, FIFO lots when perishable.

Every flow is counted (``received``, ``sold``, ``shrunk``, ``spoiled``, ``shipped``), so that
``initial + received = sold + shrunk + spoiled + shipped + on_hand`` holds exactly at any time,
and time integrals (on hand, |record - true|, stockout time) are accumulated at every change.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.iot.twin import StockRecord
    from sim.records import TimeSeries

FLOW_FIELDS = (
    "initial",
    "received",
    "sold",
    "shrunk",
    "spoiled",
    "shipped",
    "demand",
    "lost",
    "backordered",
    "customers",
    "customers_served",
    "orders",
    "on_hand_hours",
    "record_error_hours",
    "stockout_hours",
    "backorder_hours",
    "lead_time_unit_hours",
)


def sample_index_at(t: float, interval: float) -> int:
    """The index of the first sample at or after ``t``, samples being at ``k * interval``."""
    k = math.ceil(t / interval)
    while k * interval < t:  # the division may round either way
        k += 1
    while k > 0 and (k - 1) * interval >= t:
        k -= 1
    return k


class StockPoint:
    """Stock of one SKU at one location, with its record in the twin."""

    def __init__(
        self,
        location: str,
        sku: str,
        initial: int,
        record: StockRecord,
        shelf_life: float | None,
        timeseries: TimeSeries,
    ) -> None:
        self.location = location
        self.sku = sku
        self.on_hand = initial
        self.record = record
        self.shelf_life = shelf_life
        self.lots: deque[list[float]] | None = (
            deque([[shelf_life, float(initial)]]) if shelf_life is not None and initial else None
        )
        if shelf_life is not None and self.lots is None:
            self.lots = deque()
        self.last_t = 0.0
        self.backlog = 0  # customer backorders owed (backorder mode only)
        # flows and time integrals
        self.initial = initial
        self.received = 0
        self.sold = 0
        self.shrunk = 0
        self.spoiled = 0
        self.shipped = 0
        self.demand = 0
        self.lost = 0
        self.backordered = 0
        self.customers = 0
        self.customers_served = 0
        self.orders = 0
        self.on_hand_hours = 0.0
        self.record_error_hours = 0.0
        self.stockout_hours = 0.0
        self.backorder_hours = 0.0
        self.lead_time_unit_hours = 0.0  # units received x hours since they were ordered
        self._ts = timeseries
        self._ts_id = timeseries.register(location, sku) if timeseries.enabled else -1
        # samples are taken at k * interval; the next one to take, and its time
        self.sample_index = 0
        self.next_sample = 0.0 if timeseries.enabled else math.inf

    # -- bookkeeping -----------------------------------------------------------------------

    def account(self, t: float) -> None:
        """Accumulate the time integrals up to ``t`` (call before any change at ``t``)."""
        if t > self.next_sample:
            self._sample(t)
        dt = t - self.last_t
        if dt > 0:
            on_hand = self.on_hand
            self.on_hand_hours += on_hand * dt
            self.record_error_hours += abs(self.record.on_hand - on_hand) * dt
            if on_hand <= 0:
                self.stockout_hours += dt
            if self.backlog:
                self.backorder_hours += self.backlog * dt
            self.last_t = t

    def _sample(self, t: float) -> None:
        """The samples before ``t`` not taken yet: the levels have not changed since."""
        ts = self._ts
        end = sample_index_at(t, ts.interval)
        count = end - self.sample_index
        if count > 0:
            ts.add_run(
                self.sample_index,
                count,
                self._ts_id,
                self.on_hand,
                self.record.on_hand,
                self.backlog,
            )
            self.sample_index = end
            self.next_sample = end * ts.interval

    def flows(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in FLOW_FIELDS}

    # -- lots ------------------------------------------------------------------------------

    def take_lots(self, qty: int) -> list[tuple[float, int]]:
        """Remove ``qty`` units FIFO and return them as (expiry, units) lots."""
        if self.lots is None:
            return [(math.inf, qty)] if qty else []
        taken: list[tuple[float, int]] = []
        lots = self.lots
        while qty > 0:
            lot = lots[0]
            units = min(qty, int(lot[1]))
            taken.append((lot[0], units))
            lot[1] -= units
            qty -= units
            if lot[1] <= 0:
                lots.popleft()
        return taken

    def add_lots(self, lots: list[tuple[float, int]]) -> None:
        if self.lots is None:
            return
        for expiry, units in lots:
            # Lots usually arrive in expiry order; keep the deque sorted when they do not.
            if self.lots and self.lots[-1][0] > expiry:
                items = sorted([*self.lots, [expiry, float(units)]])
                self.lots = deque(items)
            else:
                self.lots.append([expiry, float(units)])

    def expire_until(self, t: float) -> None:
        """Write off every lot that expires at or before ``t``, each at its expiry time."""
        lots = self.lots
        while lots and lots[0][0] <= t:
            expiry, units = lots.popleft()
            self.account(expiry)
            units_i = int(units)
            self.on_hand -= units_i
            self.spoiled += units_i
            # Expiry dates are known to the information system: a recorded write-off.
            self.record.on_hand -= units_i
            self.record.tx -= units_i

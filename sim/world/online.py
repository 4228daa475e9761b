"""Online orders: placed by customers in zones of the network, fulfilled by one warehouse.

Each order is confirmed at once, allocated from the warehouse's stock (or owed until the next
supplier receipt), picked and packed, and delivered by a truck to its zone. Orders are few, so
each is one SimPy timeout; its lifecycle goes to the event log when order tracking is on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.records import EventLog
from sim.world.demand import CustomerStream

if TYPE_CHECKING:
    from sim.iot.twin import TruckView
    from sim.scenario import OnlineSpec
    from sim.world.warehouse import Warehouse


class OnlineOrder:
    """One customer's order: a destination for the warehouse's lines."""

    __slots__ = (
        "_entity",
        "_sku_code",
        "delivered_at",
        "env",
        "eta_error",
        "location",
        "placed",
        "promised",
        "qty",
        "remaining",
        "sku",
        "spoiled",
    )

    def __init__(
        self, env: simpy.Environment, zone: str, sku: str, qty: int, promise: float, log: EventLog
    ) -> None:
        self.env = env
        self.location = zone
        self.sku = sku
        self.qty = qty
        self.remaining = qty
        self.placed = env.now
        self.promised = env.now + promise
        self.delivered_at = math.nan
        self.eta_error = math.nan  # |quoted - actual arrival| of its (last) truck, hours
        self.spoiled = 0
        self._entity = log.code(zone)
        self._sku_code = log.code(sku)

    tracked = True  # the customer is told when the truck will arrive

    def receive(self, lots: list[tuple[float, int]], ordered_at: float) -> None:
        self._arrived(sum(units for _, units in lots))

    def cancel_inbound(self, qty: int) -> None:
        self.spoiled += qty
        self._arrived(qty)

    def _arrived(self, units: int) -> None:
        self.remaining -= units
        if self.remaining <= 0:
            self.delivered_at = self.env.now


class Quoter:
    """Promises quoted from the twin when an order is placed: the order waits for picking and
    for a truck (each line ahead of it takes the next truck to be free, as the twin expects),
    then loading, the drive as the routing plan expects it, and unloading; plus a margin."""

    def __init__(
        self,
        warehouse: Warehouse,
        trucks: list[TruckView],
        drive_hours: Callable[[str, float], float],
        unload_hours: float,
        margin: float,
    ) -> None:
        self.warehouse = warehouse
        self.trucks = trucks
        self.drive_hours = drive_hours
        self.unload_hours = unload_hours
        self.margin = margin

    def promise(self, zone: str, now: float) -> float:
        """Hours from now to the promised delivery."""
        warehouse = self.warehouse
        free = sorted(view.expected_free(now) for view in self.trucks)
        ahead = len(warehouse.ready) + warehouse.lists_picking
        rounds, k = divmod(ahead, len(free))
        # a truck busy with `rounds` trips first: each a round trip to this zone, roughly
        round_trip = warehouse.loading.mean + 2 * self.drive_hours(zone, now) + self.unload_hours
        truck_free = free[k] + rounds * round_trip
        start = max(now + warehouse.picking.mean, truck_free) + warehouse.loading.mean
        arrive = start + self.drive_hours(zone, start) + self.unload_hours
        return arrive + self.margin - now


class OnlineDemand:
    """The stream of online orders: the demand profiles, SKU shares and zones of the spec."""

    def __init__(
        self,
        env: simpy.Environment,
        spec: OnlineSpec,
        warehouse: Warehouse,
        zones: list[str],
        week_profile: list[float],
        rng: np.random.Generator,
        log: EventLog,
        quoter: Quoter | None = None,
    ) -> None:
        self.env = env
        self.spec = spec
        self.quoter = quoter
        self.warehouse = warehouse
        self.zones = zones
        self.rng = rng
        self.log = log
        self.stream = CustomerStream(
            spec.orders_per_day, week_profile, [], spec.quantity.build(), rng
        )
        self.skus = list(spec.skus)
        weights = np.array([spec.skus[s] for s in self.skus], dtype=float)
        self.shares = weights / weights.sum()
        self.orders: list[OnlineOrder] = []

    def run(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        hour = 0
        while True:
            times, quantities = self.stream.window(hour, 168)
            skus = self.rng.choice(len(self.skus), size=len(times), p=self.shares)
            zones = self.rng.integers(0, len(self.zones), size=len(times))
            for t, qty, sku, zone in zip(
                times.tolist(), quantities.tolist(), skus, zones, strict=True
            ):
                yield env.timeout(t - env.now)
                where = self.zones[zone]
                promise = (
                    self.quoter.promise(where, env.now)
                    if self.quoter is not None
                    else self.spec.promise
                )
                order = OnlineOrder(env, where, self.skus[sku], int(qty), promise, self.log)
                self.orders.append(order)
                self.warehouse.receive_order(order, int(qty))
            hour += 168
            yield env.timeout(max(0.0, hour - env.now))

    def table(self) -> list[dict[str, Any]]:
        return [
            {
                "placed": o.placed,
                "zone": o.location,
                "sku": o.sku,
                "qty": o.qty,
                "promised": o.promised,
                "delivered_at": o.delivered_at,
                "eta_error": o.eta_error,
                "spoiled": o.spoiled,
            }
            for o in self.orders
        ]

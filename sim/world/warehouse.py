"""Warehouses (stock, dock doors, picking, store orders) and suppliers (lead times).

A store's order is allocated at once from stock (FIFO lots) and picked; what cannot be
allocated waits in a first-come backlog served by the next supplier receipt. Picked lines wait
for a truck; trucks take them a store at a time.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Protocol

import simpy

from sim.distributions import Sampler
from sim.iot.bus import Link
from sim.records import KIND, EventLog
from sim.world.stock import StockPoint
from sim.world.store import call_at

if TYPE_CHECKING:
    from sim.policies.replenishment import ReplenishmentPolicy
    from sim.world.truck import Truck

ORDER_PLACED = KIND["order_placed"]
ORDER_PICKED = KIND["order_picked"]
SUPPLIER_ORDER = KIND["supplier_order"]
SUPPLIER_RECEIPT = KIND["supplier_receipt"]


class Destination(Protocol):
    """Where a line goes: a store shelf, an online customer order, a downstream warehouse."""

    location: str
    sku: str
    _entity: int
    _sku_code: int

    def receive(self, lots: list[tuple[float, int]], ordered_at: float) -> None: ...

    def cancel_inbound(self, qty: int) -> None: ...


class Line:
    """Units of one SKU picked for one destination, with the lots they come from."""

    __slots__ = ("cold", "dest", "lots", "ordered_at", "qty", "weight")

    def __init__(
        self,
        dest: Destination,
        qty: int,
        lots: list[tuple[float, int]],
        ordered_at: float,
        cold: bool,
        weight: float,
    ) -> None:
        self.dest = dest
        self.qty = qty
        self.lots = lots
        self.ordered_at = ordered_at
        self.cold = cold
        self.weight = weight

    def split(self, units: int) -> Line:
        """Take ``units`` off this line (oldest lots first) as a new line."""
        taken: list[tuple[float, int]] = []
        left = units
        rest: list[tuple[float, int]] = []
        for expiry, lot_units in self.lots:
            take = min(left, lot_units)
            if take:
                taken.append((expiry, take))
                left -= take
            if lot_units - take:
                rest.append((expiry, lot_units - take))
        self.lots = rest
        self.qty -= units
        return Line(self.dest, units, taken, self.ordered_at, self.cold, self.weight)


class Owed:
    """Units ordered that the warehouse could not allocate yet, first come first served."""

    __slots__ = ("dest", "ordered_at", "units")

    def __init__(self, dest: Destination, units: int, ordered_at: float) -> None:
        self.dest = dest
        self.units = units
        self.ordered_at = ordered_at


class WarehouseStock(StockPoint):
    def __init__(
        self, *args: object, policy: ReplenishmentPolicy, lead_time: Sampler, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.policy = policy
        self.lead_time = lead_time
        self.owed: deque[Owed] = deque()
        # set by its warehouse: where it orders (None: from its supplier) and how it receives
        self.upstream: Warehouse | None = None
        self.warehouse: Warehouse | None = None
        self._entity = 0
        self._sku_code = 0

    # as a destination of an upstream warehouse's lines
    def receive(self, lots: list[tuple[float, int]], ordered_at: float) -> None:
        assert self.warehouse is not None
        self.warehouse._receive(self, sum(units for _, units in lots), lots, ordered_at)

    def cancel_inbound(self, qty: int) -> None:
        assert self.warehouse is not None
        self.warehouse._advance(self)
        self.record.on_order -= qty


class DockStats:
    """Inbound dock counters and time integrals (trucks waiting, doors busy)."""

    FIELDS = ("arrivals", "served", "wait_hours", "queue_area", "busy_area")

    def __init__(self) -> None:
        self.arrivals = 0
        self.served = 0  # deliveries whose unloading started
        self.wait_hours = 0.0  # their waits for a door
        self.queue_area = 0.0  # integral of trucks waiting
        self.busy_area = 0.0  # integral of doors busy
        self._waiting = 0
        self._busy = 0
        self._t = 0.0

    def advance(self, now: float) -> None:
        dt = now - self._t
        self.queue_area += self._waiting * dt
        self.busy_area += self._busy * dt
        self._t = now

    def arrive(self, now: float) -> None:
        self.advance(now)
        self.arrivals += 1
        self._waiting += 1

    def start(self, now: float, waited: float) -> None:
        self.advance(now)
        self._waiting -= 1
        self._busy += 1
        self.served += 1
        self.wait_hours += waited

    def finish(self, now: float) -> None:
        self.advance(now)
        self._busy -= 1

    def counters(self, now: float) -> dict[str, float]:
        self.advance(now)
        return {name: float(getattr(self, name)) for name in self.FIELDS}


class DockDoors(simpy.Resource):
    """A warehouse's outbound dock doors: a ``simpy.Resource`` whose free door can be taken
    without a request.

    A request and its release are two SimPy events and four objects even when a door is free,
    as it nearly always is (some 2.5% of a large run). ``take_free`` takes a free door at once
    when nobody waits for one; ``hand_back`` gives it back as a release would: the first
    waiting request gets it in a later step of the same instant. Requests queue as usual.
    """

    def take_free(self) -> bool:
        """Take a door now if one is free and no request waits (else request one)."""
        if len(self.users) < self.capacity and not self.put_queue:
            self.users.append(_TAKEN)  # type: ignore[arg-type]
            return True
        return False

    def hand_back(self, door: simpy.resources.resource.Request | None) -> None:
        """Give back a door: ``None`` for one taken with ``take_free``, else its request."""
        if door is not None:
            self.release(door)
            return
        self.users.remove(_TAKEN)  # type: ignore[arg-type]
        if self.put_queue:  # what a release does: serve the queue when its event is processed
            freed = self._env.event()
            freed.callbacks.append(self._trigger_put)
            freed.succeed()


_TAKEN = object()  # a door taken by ``DockDoors.take_free``, among the resource's users


class Warehouse:
    def __init__(
        self,
        env: simpy.Environment,
        name: str,
        docks: int,
        picking: Sampler,
        loading: Sampler,
        log: EventLog,
        tracking: Link | None,
        service_bays: int = 1,
        inbound: tuple[int, Sampler] | None = None,
    ) -> None:
        self.env = env
        self.name = name
        self.docks = DockDoors(env, capacity=docks)
        self.bays = simpy.Resource(env, capacity=service_bays)  # maintenance of its own trucks
        # supplier deliveries queue for inbound dock doors when they have an unloading time
        self.inbound = simpy.Resource(env, capacity=inbound[0]) if inbound else None
        self._unloading = inbound[1] if inbound else None
        self.inbound_doors = inbound[0] if inbound else 0
        self.dock = DockStats()
        self.picking = picking
        self.loading = loading
        self.log = log
        self.tracking = tracking  # order lifecycle messages, when order tracking is on
        self.stock: dict[str, WarehouseStock] = {}
        self.cold: dict[str, bool] = {}
        self.weight: dict[str, float] = {}
        self.ready: list[Line] = []
        self._pick_lists: dict[str, tuple[float, list[Line]]] = {}
        self.lists_picking = 0  # pick lists being picked now
        # idle trucks in the order they came to wait, each with the event that sends it off
        self._idle: list[tuple[Truck, simpy.Event]] = []
        self._sending: list[tuple[Truck, simpy.Event]] | None = None  # a dispatch is due
        self._servicing = False  # whether any truck waiting here may be sent for service
        self._code = log.code(name)

    def add_stock(self, stock: WarehouseStock, cold: bool, weight: float) -> None:
        stock.warehouse = self
        stock._entity = self._code
        stock._sku_code = self.log.code(stock.sku)
        self.stock[stock.sku] = stock
        self.cold[stock.sku] = cold
        self.weight[stock.sku] = weight

    def start(self) -> None:
        for stock in self.stock.values():
            first = stock.policy.first_review_at
            if first is not None:
                call_at(self.env, first, lambda s=stock: self._review(s))  # type: ignore[misc]
            else:
                self._check(stock)

    def _advance(self, stock: WarehouseStock) -> None:
        now = self.env.now
        stock.expire_until(now)
        stock.account(now)

    def advance_all(self) -> None:
        for stock in self.stock.values():
            self._advance(stock)

    # -- store orders ------------------------------------------------------------------------

    def receive_order(self, dest: Destination, qty: int) -> None:
        """A store's replenishment order or an online customer order."""
        stock = self.stock[dest.sku]
        self._advance(stock)
        now = self.env.now
        stock.demand += qty
        if self.tracking is not None:
            arrived = self.tracking.arrival(now)
            self.log.add(
                ORDER_PLACED, now, arrived, dest._entity, self._code, dest._sku_code, float(qty)
            )
        given = min(qty, stock.on_hand)
        if given:
            self._allocate(stock, dest, given, now)
        if qty > given:
            owed = qty - given
            stock.owed.append(Owed(dest, owed, now))
            stock.backlog += owed
            stock.backordered += owed
            stock.record.backorders += owed
        self._check(stock)

    def _allocate(
        self, stock: WarehouseStock, dest: Destination, qty: int, ordered_at: float
    ) -> None:
        lots = stock.take_lots(qty)
        stock.on_hand -= qty
        stock.shipped += qty
        stock.record.on_hand -= qty
        stock.record.tx -= qty
        line = Line(dest, qty, lots, ordered_at, self.cold[stock.sku], self.weight[stock.sku])
        now = self.env.now
        # Lines allocated at the same moment for the same place (a store's SKUs reviewed
        # together, a receipt clearing a backlog) are one pick list: picked together, ready
        # together, and so loaded on one truck.
        pending = self._pick_lists.get(dest.location)
        if pending is not None and pending[0] == now:
            pending[1].append(line)
            return
        pick_list = [line]
        self._pick_lists[dest.location] = (now, pick_list)
        self.lists_picking += 1
        call_at(self.env, now + self.picking(), lambda: self._picked(pick_list))

    def _picked(self, lines: list[Line]) -> None:
        now = self.env.now
        self.lists_picking -= 1
        for line in lines:
            if self.tracking is not None:
                dest = line.dest
                self.log.add(
                    ORDER_PICKED,
                    now,
                    self.tracking.arrival(now),
                    self._code,
                    dest._entity,
                    dest._sku_code,
                    float(line.qty),
                )
            self.ready.append(line)
        if self._idle and self._sending is None:
            # the trucks idle now are offered the work in one step, after this one
            self._sending, self._idle = self._idle, []
            dispatch = self.env.event()
            dispatch.callbacks.append(self._dispatch)
            dispatch.succeed()

    def wait_for_work(self, truck: Truck) -> simpy.Event:
        """An idle truck's wait: the event's value is the trip it is sent on, or None when it
        should look again (its maintenance policy may want it serviced first)."""
        event = self.env.event()
        self._idle.append((truck, event))
        self._servicing = self._servicing or truck.may_service
        return event

    def _dispatch(self, _event: simpy.Event) -> None:
        """Offer the ready lines to the idle trucks, in the order they came to wait. Only the
        trucks that get a trip (or are due for service) are woken: waking every idle truck
        to look for itself had cost a few wasted process switches per trip."""
        sending, self._sending = self._sending, None
        assert sending is not None
        for index, (truck, event) in enumerate(sending):
            if truck.due_for_service():
                event.succeed(None)
                continue
            if not self.ready and not self._servicing:
                self._idle += sending[index:]  # nothing left to send anyone on
                return
            trip = self.take_trip(truck.refrigerated, truck.group.capacity_kg)
            if trip:
                event.succeed(trip)
            else:
                self._idle.append((truck, event))  # after any that came to wait meanwhile

    def take_trip(self, refrigerated: bool, capacity_kg: float) -> list[Line]:
        """Lines for one store that fit the truck; a reefer truck serves cold lines first."""
        ready = self.ready
        if not ready:
            return []
        # (plain loops: called three times a store-day, over six lines on average)
        if refrigerated:
            for first in ready:
                if first.cold:
                    break
            else:
                first = ready[0]
        else:
            for first in ready:
                if not first.cold:
                    break
            else:
                return []
        where = first.dest.location
        room = capacity_kg
        trip: list[Line] = []
        whole: list[Line] = []  # lines taken whole, out of the ready ones after the loop
        for line in ready:
            if line.dest.location != where or (line.cold and not refrigerated):
                continue
            units = min(line.qty, int(room // line.weight))
            if units <= 0:
                break
            if units == line.qty:
                whole.append(line)
                trip.append(line)
            else:
                trip.append(line.split(units))
            room -= units * line.weight
        for line in whole:
            ready.remove(line)
        return trip

    # -- supply ------------------------------------------------------------------------------

    def _check(self, stock: WarehouseStock) -> None:
        if stock.policy.review_period:
            return
        if stock.record.position <= stock.policy.trigger:
            self._order(stock)

    def _review(self, stock: WarehouseStock) -> None:
        self._advance(stock)
        self._order(stock)
        period = stock.policy.review_period
        assert period is not None
        call_at(self.env, self.env.now + period, lambda: self._review(stock))

    def _order(self, stock: WarehouseStock) -> None:
        qty = stock.policy.decide(stock.record)
        if qty <= 0:
            return
        now = self.env.now
        stock.record.on_order += qty
        stock.orders += 1
        self.log.add(
            SUPPLIER_ORDER, now, now, self._code, self._code, self.log.code(stock.sku), float(qty)
        )
        if stock.upstream is not None:  # from another warehouse, on its trucks
            stock.upstream.receive_order(stock, qty)
        elif self.inbound is None:
            call_at(self.env, now + stock.lead_time(), lambda: self._receive_supply(stock, qty))
        else:
            call_at(self.env, now + stock.lead_time(), lambda: self._supply_arrives(stock, qty))

    def _supply_arrives(self, stock: WarehouseStock, qty: int) -> None:
        self.env.process(self._unload_supply(stock, qty))

    def _unload_supply(self, stock: WarehouseStock, qty: int) -> Generator[simpy.Event, Any, None]:
        """A supplier's truck at the inbound docks: wait for a door, unload, book the receipt."""
        assert self.inbound is not None and self._unloading is not None
        env = self.env
        dock = self.dock
        arrived = env.now
        dock.arrive(arrived)
        with self.inbound.request() as door:
            yield door
            dock.start(env.now, env.now - arrived)
            yield env.timeout(self._unloading())
        dock.finish(env.now)
        self._receive_supply(stock, qty)

    def _receive_supply(self, stock: WarehouseStock, qty: int) -> None:
        now = self.env.now
        expiry = now + stock.shelf_life if stock.shelf_life is not None else math.inf
        self._receive(stock, qty, [(expiry, qty)], None)

    def _receive(
        self,
        stock: WarehouseStock,
        qty: int,
        lots: list[tuple[float, int]],
        ordered_at: float | None,
    ) -> None:
        """Goods in, from a supplier or an upstream warehouse: book them, serve what is owed."""
        self._advance(stock)
        now = self.env.now
        self.log.add(
            SUPPLIER_RECEIPT, now, now, self._code, self._code, self.log.code(stock.sku), float(qty)
        )
        if ordered_at is not None:
            stock.lead_time_unit_hours += qty * (now - ordered_at)
        stock.on_hand += qty
        stock.add_lots(lots)
        stock.received += qty
        rec = stock.record
        rec.on_hand += qty
        rec.on_order -= qty
        rec.tx += qty
        owed = stock.owed
        while owed and stock.on_hand > 0:
            entry = owed[0]
            give = min(entry.units, stock.on_hand)
            self._allocate(stock, entry.dest, give, entry.ordered_at)
            stock.backlog -= give
            rec.backorders -= give
            entry.units -= give
            if entry.units == 0:
                owed.popleft()
        self._check(stock)

"""A store shelf (one SKU at one store): customers, shrinkage and shelf reads, consumed lazily.

Customers are many and decisions few. A shelf draws its customers, shrinkage losses and sensor
reads a day at a time and applies them in a plain loop only up to the moment something needs
it: a delivery, a count, the end of the warm-up, or the next time its *record* can reach the
reorder trigger. That moment is found by running the same loop ahead without committing
(``_run(..., commit=False)``), and it is the only SimPy event the shelf schedules. Stock levels
and integrals still change at the exact customer times, so KPIs are exact.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from heapq import heappop, heappush
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.records import KIND, NAN, EventLog
from sim.world.demand import CustomerStream, poisson_times
from sim.world.stock import StockPoint

if TYPE_CHECKING:
    from sim.distributions import Distribution
    from sim.iot.twin import StockRecord
    from sim.policies.replenishment import ReplenishmentPolicy
    from sim.records import TimeSeries

CUSTOMER, SHRINK, READ = 0, 1, 2
WINDOW_HOURS = 24
INF = math.inf
SHELF_READ = KIND["shelf_read"]
COUNT = KIND["count"]


def call_at(env: simpy.Environment, t: float, callback: Callable[[], None]) -> None:
    """Run ``callback`` at time ``t`` with one bare timeout (no process)."""
    event = env.timeout(max(0.0, t - env.now))
    event.callbacks.append(lambda _event: callback())


class ShrinkSource:
    def __init__(self, per_hour: float, quantity: Distribution, rng: np.random.Generator) -> None:
        self.per_hour = per_hour
        self.quantity = quantity
        self.rng = rng


class ReadSource:
    """Periodic shelf reads: misses, noise, bus latency and loss, all drawn per window."""

    def __init__(
        self,
        interval: float,
        read_rate: float,
        noise_sd: float,
        latency: Distribution,
        loss: float,
        rng: np.random.Generator,
        source_code: int,
    ) -> None:
        self.interval = interval
        self.read_rate = read_rate
        self.noise_sd = noise_sd
        self.latency = latency
        self.loss = loss
        self.rng = rng
        self.phase = float(rng.uniform(0, interval))
        self.source_code = source_code

    def window(self, start: float, end: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        first = math.ceil((start - self.phase) / self.interval)
        last = math.ceil((end - self.phase) / self.interval)
        times = self.phase + self.interval * np.arange(first, last, dtype=float)
        rng = self.rng
        n = len(times)
        read = rng.random(n) < self.read_rate
        noise = rng.normal(0.0, self.noise_sd, n) if self.noise_sd > 0 else np.zeros(n)
        latency = self.latency.sample(rng, n)
        latency[rng.random(n) < self.loss] = -1.0  # lost on the bus: emitted, never received
        return times[read], noise[read], latency[read]


class Shelf(StockPoint):
    def __init__(
        self,
        env: simpy.Environment,
        location: str,
        sku: str,
        initial: int,
        record: StockRecord,
        shelf_life: float | None,
        timeseries: TimeSeries,
        policy: ReplenishmentPolicy,
        customers: CustomerStream,
        shrink: ShrinkSource | None,
        reads: ReadSource | None,
        log: EventLog,
        backorder_mode: bool,
        horizon: float,
    ) -> None:
        super().__init__(location, sku, initial, record, shelf_life, timeseries)
        self.env = env
        self.policy = policy
        self._trigger: float | None = None if policy.review_period else policy.trigger
        self.customers_src = customers
        self.shrink_src = shrink
        self.reads_src = reads
        self.log = log
        self.backorder_mode = backorder_mode
        self.horizon = horizon
        self.order_fn: Callable[[Shelf, int], None] = lambda shelf, qty: None
        self._t: list[float] = []
        self._code: list[int] = []
        self._a: list[float] = []
        self._b: list[float] = []
        self._i = 0
        self._window_end = 0  # hours drawn so far
        self._reads: list[tuple[float, float, int, int]] = []  # (t_received, t_event, value, tx)
        self._gen = 0
        self._entity = log.code(location)
        self._sku_code = log.code(sku)

    # -- drawing ---------------------------------------------------------------------------

    def _extend(self) -> None:
        start = self._window_end
        self._window_end = start + WINDOW_HOURS
        c_times, c_qty = self.customers_src.window(start, WINDOW_HOURS)
        times = [c_times]
        codes = [np.zeros(len(c_times), dtype=np.int64)]
        first = [c_qty.astype(float)]
        second = [np.zeros(len(c_times))]
        if self.shrink_src is not None:
            src = self.shrink_src
            s_times = poisson_times(src.per_hour, float(start), float(WINDOW_HOURS), src.rng)
            times.append(s_times)
            codes.append(np.full(len(s_times), SHRINK, dtype=np.int64))
            first.append(src.quantity.sample(src.rng, len(s_times)).astype(float))
            second.append(np.zeros(len(s_times)))
        if self.reads_src is not None:
            r_times, noise, latency = self.reads_src.window(float(start), float(self._window_end))
            times.append(r_times)
            codes.append(np.full(len(r_times), READ, dtype=np.int64))
            first.append(noise)
            second.append(latency)
        if len(times) > 1:
            all_t = np.concatenate(times)
            order = np.argsort(all_t, kind="stable")
            self._t += all_t[order].tolist()
            self._code += np.concatenate(codes)[order].tolist()
            self._a += np.concatenate(first)[order].tolist()
            self._b += np.concatenate(second)[order].tolist()
        else:
            self._t += c_times.tolist()
            self._code += codes[0].tolist()
            self._a += c_qty.tolist()
            self._b += second[0].tolist()

    # -- the loop ----------------------------------------------------------------------------

    def _run(self, until: float, commit: bool) -> float:
        """Apply everything up to ``until``; or, without ``commit``, find the next decision.

        One loop serves both, so the look-ahead cannot disagree with what then happens. Returns
        the time of the first reorder decision (look-ahead) or ``inf``.
        """
        times, codes, first, second = self._t, self._code, self._a, self._b
        i = self._i
        rec = self.record
        on_hand = self.on_hand
        backlog = self.backlog
        r_on = rec.on_hand
        r_tx = rec.tx
        r_sync = rec.last_sync
        r_back = rec.backorders
        on_order = rec.on_order
        lots = self.lots
        heap = self._reads
        if not commit:
            if lots is not None:
                lots = deque([lot[:] for lot in lots])
            heap = list(heap)
        trigger = self._trigger
        continuous = trigger is not None
        if trigger is None:
            trigger = -INF
        backorder_mode = self.backorder_mode
        # flows and integrals, committed at the end
        last_t = self.last_t
        on_hand_hours = self.on_hand_hours
        error_hours = self.record_error_hours
        stockout_hours = self.stockout_hours
        backorder_hours = self.backorder_hours
        sold = self.sold
        shrunk = self.shrunk
        spoiled = self.spoiled
        demand = self.demand
        lost = self.lost
        backordered = self.backordered
        customers = self.customers
        served = self.customers_served
        next_sample = self.next_sample
        log = self.log
        reads = self.reads_src
        limit_hours = math.ceil(until)
        decision = INF

        while True:
            if i >= len(times):
                while i >= len(times) and self._window_end < limit_hours:
                    self._extend()
            t = times[i] if i < len(times) else INF
            t_read = heap[0][0] if heap else INF
            t_exp = lots[0][0] if lots else INF
            if t_exp <= t and t_exp <= t_read:
                tn = t_exp
            elif t_read <= t:
                tn = t_read
            else:
                tn = t
            if tn > until:
                break
            if commit:
                if tn > next_sample:
                    self.on_hand, rec.on_hand = on_hand, r_on
                    self.next_sample = next_sample
                    self._sample(tn)
                    next_sample = self.next_sample
                dt = tn - last_t
                if dt > 0:
                    on_hand_hours += on_hand * dt
                    error_hours += abs(r_on - on_hand) * dt
                    if on_hand <= 0:
                        stockout_hours += dt
                    if backlog:
                        backorder_hours += backlog * dt
                    last_t = tn
            if tn == t_exp and lots:
                units = int(lots.popleft()[1])
                on_hand -= units
                spoiled += units
                r_on -= units  # expiry dates are known: a recorded write-off
                r_tx -= units
            elif tn == t_read and heap:
                _, t_event, value, tx_then = heappop(heap)
                if t_event > r_sync:
                    r_on = value + (r_tx - tx_then)
                    r_sync = t_event
            else:
                code = codes[i]
                if code == CUSTOMER:
                    qty = int(first[i])
                    i += 1
                    take = qty if on_hand >= qty else on_hand
                    short = qty - take
                    if take:
                        on_hand -= take
                        r_on -= take
                        r_tx -= take
                        if lots is not None:
                            left = take
                            while left:
                                lot = lots[0]
                                if lot[1] <= left:
                                    left -= int(lot[1])
                                    lots.popleft()
                                else:
                                    lot[1] -= left
                                    left = 0
                    if commit:
                        customers += 1
                        demand += qty
                        sold += take
                        if not short:
                            served += 1
                        elif backorder_mode:
                            backordered += short
                        else:
                            lost += short
                    if short and backorder_mode:
                        backlog += short
                        r_back += short
                elif code == SHRINK:
                    loss = int(first[i])
                    i += 1
                    if loss > on_hand:
                        loss = on_hand
                    if loss:
                        on_hand -= loss
                        if commit:
                            shrunk += loss
                        if lots is not None:
                            left = loss
                            while left:
                                lot = lots[0]
                                if lot[1] <= left:
                                    left -= int(lot[1])
                                    lots.popleft()
                                else:
                                    lot[1] -= left
                                    left = 0
                    continue  # shrinkage leaves no transaction: the record cannot move
                else:
                    noise = first[i]
                    latency = second[i]
                    i += 1
                    value = on_hand + round(noise) if noise else on_hand
                    if value < 0:
                        value = 0
                    if latency >= 0:
                        heappush(heap, (tn + latency, tn, value, r_tx))
                    if commit and reads is not None:
                        log.add(
                            SHELF_READ,
                            tn,
                            tn + latency if latency >= 0 else NAN,
                            reads.source_code,
                            self._entity,
                            self._sku_code,
                            float(value),
                        )
                    continue  # a reading changes the record only when it is received
            if continuous and r_on + on_order - r_back <= trigger:
                if not commit:
                    decision = tn
                    break
                self._store_state(i, on_hand, backlog, r_on, r_tx, r_sync, r_back, lots)
                self._order_now()
                on_order = rec.on_order

        if commit:
            self._store_state(i, on_hand, backlog, r_on, r_tx, r_sync, r_back, lots)
            self.last_t = last_t
            self.on_hand_hours = on_hand_hours
            self.record_error_hours = error_hours
            self.stockout_hours = stockout_hours
            self.backorder_hours = backorder_hours
            self.sold = sold
            self.shrunk = shrunk
            self.spoiled = spoiled
            self.demand = demand
            self.lost = lost
            self.backordered = backordered
            self.customers = customers
            self.customers_served = served
            self.next_sample = next_sample
            if i > 4096:  # drop what has been consumed
                del times[:i], codes[:i], first[:i], second[:i]
                self._i = 0
        return decision

    def _store_state(
        self,
        i: int,
        on_hand: int,
        backlog: int,
        r_on: int,
        r_tx: int,
        r_sync: float,
        r_back: int,
        lots: deque[list[float]] | None,
    ) -> None:
        rec = self.record
        self._i = i
        self.on_hand = on_hand
        self.backlog = backlog
        rec.on_hand = r_on
        rec.tx = r_tx
        rec.last_sync = r_sync
        rec.backorders = r_back
        self.lots = lots

    # -- decisions and scheduling ------------------------------------------------------------

    def _order_now(self) -> None:
        qty = self.policy.order_quantity(self.record.position)
        if qty > 0:
            self.record.on_order += qty
            self.orders += 1
            self.order_fn(self, qty)

    def advance(self) -> None:
        """Apply everything up to now and bring the integrals up to now."""
        now = self.env.now
        self._run(now, commit=True)
        self.account(now)

    def reschedule(self) -> None:
        """Find the next reorder decision from the current state and wait for it."""
        self._gen += 1
        if self._trigger is None:
            return
        when = self._run(self.horizon, commit=False)
        if when < INF:
            gen = self._gen
            call_at(self.env, when, lambda: self._wake(gen, when))

    def _wake(self, gen: int, when: float) -> None:
        if gen != self._gen:
            return  # superseded by a later delivery or count
        self._run(max(self.env.now, when), commit=True)
        self.reschedule()

    def start(self) -> None:
        if self.policy.review_period:
            call_at(self.env, self.policy.review_period, self._review)
        self.reschedule()

    def _review(self) -> None:
        self.advance()
        self._order_now()
        period = self.policy.review_period
        assert period is not None
        call_at(self.env, self.env.now + period, self._review)

    # -- outside events ----------------------------------------------------------------------

    def receive(self, lots: list[tuple[float, int]]) -> None:
        """A delivery is unloaded: stock and record go up, backorders are served first."""
        self.advance()
        qty = sum(units for _, units in lots)
        rec = self.record
        self.on_hand += qty
        self.add_lots(lots)
        self.received += qty
        rec.on_hand += qty
        rec.on_order -= qty
        rec.tx += qty
        if self.backlog:
            fill = min(self.backlog, self.on_hand)
            self.take_lots(fill)
            self.on_hand -= fill
            self.sold += fill
            self.backlog -= fill
            rec.backorders -= fill
            rec.on_hand -= fill
            rec.tx -= fill
        if self._trigger is not None and rec.position <= self._trigger:
            self._order_now()
        self.reschedule()

    def cancel_inbound(self, qty: int) -> None:
        """Units ordered that will never arrive (spoiled in transit): the record learns it."""
        self.advance()
        self.record.on_order -= qty
        if self._trigger is not None and self.record.position <= self._trigger:
            self._order_now()
        self.reschedule()

    def count(self, source_code: int) -> None:
        """A physical count: the record is set to the truth."""
        self.advance()
        now = self.env.now
        rec = self.record
        rec.on_hand = self.on_hand
        rec.last_sync = now
        self.log.add(
            COUNT, now, now, source_code, self._entity, self._sku_code, float(self.on_hand)
        )
        if self._trigger is not None and rec.position <= self._trigger:
            self._order_now()
        self.reschedule()

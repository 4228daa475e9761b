"""A store shelf (one SKU at one store): customers, shrinkage and shelf reads, in bulk.

Customers are many and decisions few. A shelf draws its customers, shrinkage losses and sensor
reads two weeks at a time and applies them in one compiled pass (``sim.world.kernels``), only
up to the moment something needs the shelf: a delivery, a count, the end of the warm-up, or
the next time its *record* reaches the reorder trigger. That moment is found by simulating
ahead from the committed state (``_simulate``), starting no earlier than the outflow could
possibly bring it (``_earliest_decision``); the result is kept, and the SimPy event scheduled
for the decision commits it, unless a delivery or count came first. Stock levels and integrals
change at the exact customer times, so the KPIs are exact.

Between two such moments the shelf only loses stock (a customer who finds too little takes
what is left), and the record is the last received reading (or the starting record) moved by
the sales recorded since. The same pass takes the time-series samples and the shelf reads for
the event log; outside changes (deliveries, counts) need no record of their own, since the
samples after them come from a later pass or from the levels that held since.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.iot.bus import Link
from sim.records import KIND, EventLog
from sim.world.demand import CustomerStream, ScheduledCustomers, poisson_times
from sim.world.kernels import (
    CAPTURE,
    CUSTOMER,
    RECEIPT,
    SHRINK,
    earliest_decision,
    shelf_segment,
)
from sim.world.stock import StockPoint, sample_index_at

if TYPE_CHECKING:
    from sim.distributions import Distribution
    from sim.iot.twin import StockRecord
    from sim.policies.replenishment import ReplenishmentPolicy
    from sim.records import TimeSeries

# a shelf read is two events (codes in sim.world.kernels): its capture and, unless lost, its
# receipt
READ = CAPTURE  # what a script of events calls a shelf read
WINDOW_HOURS = 336  # two weeks: look-aheads seldom cross a window's end
# a shelf's time-series samples (and shelf reads) are kept until it has about half this many
# (five days of hourly samples), then handed over in one block
SAMPLE_BUFFER = 256
INF = math.inf
SHELF_READ = KIND["shelf_read"]
COUNT = KIND["count"]


def widened(buffer: np.ndarray, used: int) -> np.ndarray:
    """A buffer twice as wide, with the first ``used`` columns copied (a full sample or read
    buffer)."""
    wider = np.empty((buffer.shape[0], 2 * buffer.shape[1] + 16))
    wider[:, :used] = buffer[:, :used]
    return wider


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
    """Periodic shelf reads: misses and noise, then the bus (latency, loss), drawn per window."""

    def __init__(
        self,
        interval: float,
        read_rate: float,
        noise_sd: float,
        link: Link,
        rng: np.random.Generator,
        source_code: int,
    ) -> None:
        self.interval = interval
        self.read_rate = read_rate
        self.noise_sd = noise_sd
        self.link = link
        self.rng = rng
        self.phase = float(rng.uniform(0, interval))
        self.source_code = source_code

    def window(self, start: float, end: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Times, noise and latency (-1: lost on the bus) of the reads taken in [start, end)."""
        first = math.ceil((start - self.phase) / self.interval)
        last = math.ceil((end - self.phase) / self.interval)
        times = self.phase + self.interval * np.arange(first, last, dtype=float)
        rng = self.rng
        n = len(times)
        read = rng.random(n) < self.read_rate
        noise = rng.normal(0.0, self.noise_sd, n) if self.noise_sd > 0 else np.zeros(n)
        times, noise = times[read], noise[read]
        latency = self.link.arrivals(times) - times
        latency[np.isnan(latency)] = -1.0  # lost: emitted, never received
        return times, noise, latency


class _State:
    """A shelf's state as simulated ahead, not yet committed."""

    __slots__ = (
        "backlog",
        "backorder_hours",
        "backordered",
        "customers",
        "demand",
        "last_t",
        "lost",
        "lots",
        "on",
        "on_hand_hours",
        "pos",
        "r",
        "r_back",
        "r_sync",
        "read_fill",
        "record_error_hours",
        "sample_fill",
        "sample_index",
        "served",
        "shrunk",
        "sold",
        "spoiled",
        "stockout_hours",
        "tx",
    )

    def __init__(self, shelf: Shelf) -> None:
        rec = shelf.record
        self.pos = shelf._pos
        self.on = shelf.on_hand
        self.backlog = shelf.backlog
        self.r = rec.on_hand
        self.tx = rec.tx
        self.r_sync = rec.last_sync
        self.r_back = rec.backorders
        self.lots = None if shelf.lots is None else deque([lot[:] for lot in shelf.lots])
        self.last_t = shelf.last_t
        self.on_hand_hours = shelf.on_hand_hours
        self.record_error_hours = shelf.record_error_hours
        self.stockout_hours = shelf.stockout_hours
        self.backorder_hours = shelf.backorder_hours
        self.sold = shelf.sold
        self.shrunk = shelf.shrunk
        self.spoiled = shelf.spoiled
        self.demand = shelf.demand
        self.lost = shelf.lost
        self.backordered = shelf.backordered
        self.customers = shelf.customers
        self.served = shelf.customers_served
        # time-series samples are taken on the way into the shelf's sample buffer, after its
        # committed ones
        self.sample_index = shelf.sample_index
        self.sample_fill = shelf._sample_fill
        self.read_fill = shelf._read_fill  # reads captured, after the committed ones

    def account(self, t: float) -> None:
        dt = t - self.last_t
        if dt > 0:
            self.on_hand_hours += self.on * dt
            self.record_error_hours += abs(self.r - self.on) * dt
            if self.on <= 0:
                self.stockout_hours += dt
            if self.backlog:
                self.backorder_hours += self.backlog * dt
            self.last_t = t


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
        customers: CustomerStream | ScheduledCustomers,
        shrink: ShrinkSource | None,
        reads: ReadSource | None,
        log: EventLog,
        backorder_mode: bool,
        horizon: float,
    ) -> None:
        super().__init__(location, sku, initial, record, shelf_life, timeseries)
        self.env = env
        self.policy = policy
        # per review period (periodic review only): units ordered, units demanded as recorded
        self.period_orders: list[int] = []
        self.period_demand: list[int] = []
        self._recorded_at_review = 0
        self._trigger: float | None = None if policy.review_period else policy.trigger
        self.customers_src = customers
        self.shrink_src = shrink
        self.reads_src = reads
        self.log = log
        self.backorder_mode = backorder_mode
        self.horizon = horizon
        self.order_fn: Callable[[Shelf, int], None] = lambda shelf, qty: None
        # drawn events, time-sorted: kind code and quantity (customers, shrinkage) or read id
        self._t = np.empty(0)
        self._code = np.empty(0, dtype=np.int8)
        self._q = np.empty(0, dtype=np.int64)
        self._pos = 0
        self._window_end = 0  # hours drawn so far
        # shelf reads by id: taken at, received at (nan: lost), noise; value and recorded
        # transactions at the time taken are filled in when the read is simulated
        self._read_t = np.empty(0)
        self._read_recv = np.empty(0)
        self._read_noise = np.empty(0)
        self._read_value = np.empty(0, dtype=np.int64)
        self._read_tx = np.empty(0, dtype=np.int64)
        self._read_base = 0  # id of the first read still held (older ones are dropped)
        self._has_reads = False
        self._carry_t = np.empty(0)  # receipts that fall after the window drawn so far
        self._carry_id = np.empty(0, dtype=np.int64)
        self._gen = 0
        self._stash: tuple[int, _State] | None = None
        self._version = 0  # bumped by every commit: a kept look-ahead is valid only before it
        self._entity = log.code(location)
        self._sku_code = log.code(sku)
        # time-series samples (rows: times, on hand, record, backlog): the first
        # ``_sample_fill`` are committed, those after them belong to a look-ahead
        self._samples = np.empty((4, SAMPLE_BUFFER if timeseries.enabled else 0))
        self._sample_fill = 0
        if timeseries.enabled:
            timeseries.held_by(self.flush_samples)
        # shelf reads captured, for the event log (rows: taken, received, value), kept the
        # same way
        self._reads = np.empty((3, SAMPLE_BUFFER if reads is not None else 0))
        self._read_fill = 0
        if reads is not None:
            log.held_by(self.flush_reads)

    # -- drawing ---------------------------------------------------------------------------

    def _add_reads(self, times: np.ndarray, noise: np.ndarray, latency: np.ndarray) -> np.ndarray:
        """Register reads taken at ``times``; return their ids. A negative latency: lost."""
        first = self._read_base + len(self._read_t)
        self._has_reads = self._has_reads or len(times) > 0
        ids = np.arange(first, first + len(times), dtype=np.int64)
        received = np.where(latency >= 0, times + latency, np.nan)
        self._read_t = np.concatenate([self._read_t, times])
        self._read_recv = np.concatenate([self._read_recv, received])
        self._read_noise = np.concatenate([self._read_noise, noise])
        self._read_value = np.concatenate([self._read_value, np.zeros(len(times), dtype=np.int64)])
        self._read_tx = np.concatenate([self._read_tx, np.zeros(len(times), dtype=np.int64)])
        return ids

    def _append_events(self, parts: list[tuple[np.ndarray, int, np.ndarray]], end: float) -> None:
        """Merge (times, code, quantity-or-id) parts into the event buffer, up to ``end``.

        Receipts of reads that arrive after ``end`` are carried over to a later window.
        """
        if self._has_reads or len(self._carry_t):
            receipts = [(self._carry_t, self._carry_id)]
            for _times, code, values in parts:
                if code == CAPTURE:
                    received = self._read_recv[values - self._read_base]
                    delivered = ~np.isnan(received)
                    receipts.append((received[delivered], values[delivered]))
            r_t = np.concatenate([r[0] for r in receipts])
            r_id = np.concatenate([r[1] for r in receipts])
            now = r_t < end
            self._carry_t, self._carry_id = r_t[~now], r_id[~now]
            parts = [*parts, (r_t[now], RECEIPT, r_id[now])]
        times = np.concatenate([p[0] for p in parts])
        codes = np.repeat(
            np.array([p[1] for p in parts], dtype=np.int8), [len(p[0]) for p in parts]
        )
        values = np.concatenate([p[2] for p in parts]).astype(np.int64, copy=False)
        # sort by time; at equal times, in the order customers, shrinkage, captures, receipts:
        # the parts come in that order, and a stable sort keeps it among equal times
        order = np.argsort(times, kind="stable")
        self._t = np.concatenate([self._t, times[order]])
        self._code = np.concatenate([self._code, codes[order]])
        self._q = np.concatenate([self._q, values[order]])

    def _extend(self) -> None:
        start = self._window_end
        end = start + WINDOW_HOURS
        self._window_end = end
        c_times, c_qty = self.customers_src.window(start, WINDOW_HOURS)
        parts = [(c_times, CUSTOMER, c_qty)]
        if self.shrink_src is not None:
            src = self.shrink_src
            s_times = poisson_times(src.per_hour, float(start), float(WINDOW_HOURS), src.rng)
            parts.append((s_times, SHRINK, src.quantity.sample(src.rng, len(s_times))))
        if self.reads_src is not None:
            r_times, noise, latency = self.reads_src.window(float(start), float(end))
            parts.append((r_times, CAPTURE, self._add_reads(r_times, noise, latency)))
        self._append_events(parts, float(end))

    # -- simulating ahead --------------------------------------------------------------------

    def _simulate(self, until: float, look_ahead: bool = False) -> tuple[float, _State]:
        """From the committed state, run to ``until`` or to the first reorder decision.

        Returns the decision time (``inf`` if none) and the state right after it. Nothing is
        committed: the caller commits the state, or keeps it for the decision's wake-up.
        """
        state = _State(self)
        trigger = self._trigger
        while True:
            lots = state.lots
            next_expiry = lots[0][0] if lots else INF
            window_end = float(self._window_end)
            stop = min(until, next_expiry, window_end)
            decision = self._segment(state, stop)
            if decision < INF:
                return decision, state
            # the sales of the segment may have used up the lot that was about to expire
            if lots and lots[0][0] <= stop:
                next_expiry = lots[0][0]
                state.account(next_expiry)
                if self._ts.enabled:
                    self._samples_before(state, next_expiry)
                units = int(lots.popleft()[1])
                state.on -= units
                state.spoiled += units
                state.r -= units  # expiry dates are known: a recorded write-off
                state.tx -= units
                position = state.r + self.record.on_order - state.r_back
                if trigger is not None and position <= trigger:
                    return next_expiry, state
            elif stop >= until or (look_ahead and self._stuck(state)):
                return INF, state
            elif stop >= window_end:
                self._extend()

    def _stuck(self, state: _State) -> bool:
        """True when no decision can come before an outside event (a delivery, a count).

        An empty shelf sells nothing, so its record moves only by readings, and a reading of
        an empty shelf is at least zero: if even a zero record keeps the position above the
        trigger, looking further ahead is wasted. (Backorders keep lowering the position, so
        a backordering shelf is never stuck.)
        """
        if state.on > 0 or self.backorder_mode or self._trigger is None:
            return False
        lowest_record = 0 if self._has_reads else state.r
        return lowest_record + self.record.on_order - state.r_back > self._trigger

    def _segment(self, state: _State, stop: float) -> float:
        """Apply the drawn events with times up to ``stop`` to ``state`` (one compiled pass,
        ``kernels.shelf_segment``, and another after widening a full buffer); return the
        decision time, ``inf`` if none came."""
        trigger = self._trigger
        series = self._ts.enabled
        while True:
            begin = state.pos
            (
                end,
                decision,
                state.on,
                state.r,
                state.tx,
                state.r_sync,
                state.r_back,
                backlog,
                last_t,
                on_hand_h,
                error_h,
                stockout_h,
                backorder_h,
                customers,
                wanted,
                sold,
                taken,
                served,
                state.sample_index,
                state.sample_fill,
                state.read_fill,
                full,
            ) = shelf_segment(
                self._t,
                self._code,
                self._q,
                begin,
                float(stop),
                self._read_t,
                self._read_recv,
                self._read_noise,
                self._read_value,
                self._read_tx,
                self._read_base,
                state.on,
                state.r,
                state.tx,
                float(state.r_sync),
                state.r_back,
                state.backlog,
                self.record.on_order,
                trigger is not None,
                0.0 if trigger is None else float(trigger),
                self.backorder_mode,
                float(state.last_t),
                series,
                state.sample_index,
                self._ts.interval,
                self._samples,
                state.sample_fill,
                self._reads,
                state.read_fill,
            )
            if end > begin:
                state.pos = end
                state.last_t = last_t
                state.on_hand_hours += on_hand_h
                state.record_error_hours += error_h
                state.stockout_hours += stockout_h
                state.customers += customers
                state.demand += wanted
                state.sold += sold
                state.shrunk += taken - sold
                state.served += served
                shorts = wanted - sold
                if self.backorder_mode:
                    state.backorder_hours += backorder_h
                    state.backordered += shorts
                    state.backlog = backlog
                else:
                    state.lost += shorts
                if state.lots is not None and taken:
                    lots = state.lots
                    consumed = taken
                    while consumed:
                        lot = lots[0]
                        if lot[1] <= consumed:
                            consumed -= int(lot[1])
                            lots.popleft()
                        else:
                            lot[1] -= consumed
                            consumed = 0
            if not full:
                return decision
            # a buffer filled up before the event at ``end``: widen it and go on from there
            if state.sample_fill == self._samples.shape[1]:
                self._samples = widened(self._samples, state.sample_fill)
            if state.read_fill == self._reads.shape[1]:
                self._reads = widened(self._reads, state.read_fill)

    def _samples_before(self, state: _State, t: float) -> None:
        """The samples before ``t`` not taken yet: the levels have held since the last event."""
        interval = self._ts.interval
        end = sample_index_at(t, interval)
        count = end - state.sample_index
        if count > 0:
            fill = state.sample_fill
            while fill + count > self._samples.shape[1]:
                self._samples = widened(self._samples, fill)
            block = self._samples[:, fill : fill + count]
            block[0] = np.arange(state.sample_index, end) * interval
            block[1:] = np.array([[state.on], [state.r], [state.backlog]])
            state.sample_fill = fill + count
            state.sample_index = end

    def _commit(self, state: _State) -> None:
        """Make a simulated state the shelf's own; log its reads and time-series samples."""
        rec = self.record
        if self.reads_src is not None:
            self._read_fill = state.read_fill
            if self._read_fill >= SAMPLE_BUFFER // 2:
                self.flush_reads()
        if self._ts.enabled:
            self._sample_fill = state.sample_fill
            if self._sample_fill >= SAMPLE_BUFFER // 2:
                self.flush_samples()
            self.sample_index = state.sample_index
            self.next_sample = state.sample_index * self._ts.interval
        self._pos = state.pos
        self.on_hand = state.on
        self.backlog = state.backlog
        rec.on_hand = state.r
        rec.tx = state.tx
        rec.last_sync = state.r_sync
        rec.backorders = state.r_back
        self.lots = state.lots
        self.last_t = state.last_t
        self.on_hand_hours = state.on_hand_hours
        self.record_error_hours = state.record_error_hours
        self.stockout_hours = state.stockout_hours
        self.backorder_hours = state.backorder_hours
        self.sold = state.sold
        self.shrunk = state.shrunk
        self.spoiled = state.spoiled
        self.demand = state.demand
        self.lost = state.lost
        self.backordered = state.backordered
        self.customers = state.customers
        self.customers_served = state.served
        self._version += 1
        if self._pos > 2048:  # drop what has been consumed
            self._t = self._t[self._pos :]
            self._code = self._code[self._pos :]
            self._q = self._q[self._pos :]
            self._pos = 0
            self._drop_old_reads()

    def flush_samples(self) -> None:
        """Hand the committed time-series samples to the time series."""
        if self._sample_fill:
            self._ts.add_block(self._samples[:, : self._sample_fill], self._ts_id)
            self._sample_fill = 0
            if self._samples.shape[1] > SAMPLE_BUFFER:  # widened by a long look-ahead
                self._samples = np.empty((4, SAMPLE_BUFFER))

    def flush_reads(self) -> None:
        """Log the committed shelf reads."""
        if self._read_fill:
            assert self.reads_src is not None
            reads = self._reads[:, : self._read_fill].copy()
            self.log.add_many(
                SHELF_READ,
                reads[0],
                reads[1],
                self.reads_src.source_code,
                self._entity,
                self._sku_code,
                reads[2],
            )
            self._read_fill = 0
            if self._reads.shape[1] > SAMPLE_BUFFER:
                self._reads = np.empty((3, SAMPLE_BUFFER))

    def _drop_old_reads(self) -> None:
        """Forget reads that no event still drawn, nor a carried receipt, refers to."""
        if not self._has_reads:
            return
        is_read = self._code >= CAPTURE
        referenced = [self._q[is_read], self._carry_id]
        held = np.concatenate(referenced)
        oldest = int(held.min()) if len(held) else self._read_base + len(self._read_t)
        drop = oldest - self._read_base
        if drop > 0:
            self._read_t = self._read_t[drop:]
            self._read_recv = self._read_recv[drop:]
            self._read_noise = self._read_noise[drop:]
            self._read_value = self._read_value[drop:]
            self._read_tx = self._read_tx[drop:]
            self._read_base = oldest

    # -- decisions and scheduling ------------------------------------------------------------

    def _order_now(self) -> None:
        qty = self.policy.decide(self.record)
        if self.policy.review_period:
            self.period_orders.append(qty)
        if qty > 0:
            self.record.on_order += qty
            self.orders += 1
            self.order_fn(self, qty)

    def advance(self, until: float | None = None) -> None:
        """Commit everything up to now (ordering at any decision on the way); integrate to now."""
        now = self.env.now if until is None else until
        while True:
            decision, state = self._simulate(now)
            self._commit(state)
            if decision == INF:
                break
            self._order_now()
        self.account(now)

    def reschedule(self) -> None:
        """Wait for the next reorder decision: simulate ahead to it, or to when it could be.

        Right after an order the position is well above the trigger and the delivery usually
        comes before the next decision could; so first bound the earliest moment a decision is
        possible, and only look ahead in earnest from there. With nothing on order, only a
        count could come first: look ahead at once, saving the timer.
        """
        self._gen += 1
        self._stash = None
        if self._trigger is None:
            return
        earliest = self._earliest_decision() if self.record.on_order else self.env.now
        if earliest > self.env.now:
            gen = self._gen
            call_at(self.env, earliest, lambda: self._look_ahead(gen))
        else:
            self._look_ahead(self._gen)

    def _earliest_decision(self) -> float:
        """A time before which no decision can come (without a delivery or count first):
        when the outflow drawn could first bring the recorded position to the trigger
        (``kernels.earliest_decision``), or an expiry write-off, if sooner."""
        rec = self.record
        trigger = self._trigger
        assert trigger is not None
        earliest = earliest_decision(
            self._t,
            self._code,
            self._q,
            self._pos,
            self._read_t,
            self._read_noise,
            self._read_value,
            self._read_tx,
            self._read_base,
            self._has_reads,
            self.on_hand,
            rec.on_hand,
            rec.tx,
            rec.on_order,
            rec.backorders,
            float(trigger),
            float(self.last_t),
        )
        if earliest == -INF:
            return self.env.now
        if earliest == INF:
            earliest = float(self._window_end)
        if self.lots:
            earliest = min(earliest, self.lots[0][0])  # an expiry write-off lowers the record
        return max(self.env.now, earliest)

    def _look_ahead(self, gen: int) -> None:
        if gen != self._gen:
            return  # superseded by a delivery or count
        when, state = self._simulate(self.horizon, look_ahead=True)
        if when < INF:
            gen = self._gen
            self._stash = (self._version, state)
            call_at(self.env, when, lambda: self._wake(gen, when))

    def _wake(self, gen: int, when: float) -> None:
        if gen != self._gen:
            return  # superseded by a later delivery or count
        stash = self._stash
        if stash is not None and stash[0] == self._version:
            self._commit(stash[1])
            self._order_now()
        else:
            # something was committed since the look-ahead (the warm-up snapshot, say):
            # simulate again from there; the same draws lead to the same decision
            self.advance(max(self.env.now, when))
        self.reschedule()

    def start(self) -> None:
        """Review at time zero (a shelf that starts at or below its trigger orders at once)."""
        first = self.policy.first_review_at
        if first is not None:
            call_at(self.env, first, self._review)
        elif self._trigger is not None and self.record.position <= self._trigger:
            self._order_now()
        self.reschedule()

    def _review(self) -> None:
        self.advance()
        recorded = (self.demand - self.lost) - self._recorded_at_review
        self._recorded_at_review += recorded
        self.record.close_period(recorded)
        self.period_demand.append(recorded)
        self._order_now()
        period = self.policy.review_period
        assert period is not None
        call_at(self.env, self.env.now + period, self._review)

    # -- outside events ----------------------------------------------------------------------

    def receive(self, lots: list[tuple[float, int]], ordered_at: float | None = None) -> None:
        """A delivery is unloaded: stock and record go up, backorders are served first."""
        self.advance()
        qty = sum(units for _, units in lots)
        if ordered_at is not None:
            self.lead_time_unit_hours += qty * (self.env.now - ordered_at)
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

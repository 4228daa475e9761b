"""The lazy store shelf, on hand-checkable scripts of customers, shrinkage and sensor reads.

The shelf schedules a SimPy event only when its *record* reaches the reorder trigger; these tests
assert the exact times and quantities of the orders that follow from a script.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import simpy

from sim.iot.twin import StockRecord
from sim.policies.replenishment import BaseStock, MinMax, Periodic, ReorderPoint
from sim.records import EventLog, TimeSeries
from sim.world import store
from sim.world.store import CUSTOMER, READ, SHRINK, Shelf


class ScriptedShelf(Shelf):
    """A shelf whose customers, shrinkage and reads come from a fixed script."""

    script: list[tuple[float, int, float, float]]

    def _extend(self) -> None:
        end = 10.0**9
        self._window_end = int(end)
        sales = [(t, code, a) for t, code, a, _ in self.script if code != READ]
        reads = [(t, a, b) for t, code, a, b in self.script if code == READ]
        parts = [
            (np.array([t], dtype=float), code, np.array([int(a)], dtype=np.int64))
            for t, code, a in sales
        ]
        if reads:
            times = np.array([r[0] for r in reads])
            ids = self._add_reads(
                times, np.array([r[1] for r in reads]), np.array([r[2] for r in reads])
            )
            parts.append((times, READ, ids))
        self._append_events(parts, end)


def make_shelf(
    script: list[tuple[float, int, float, float]],
    s: int = 2,
    big_s: int = 5,
    initial: int = 5,
    backorder: bool = False,
    series: TimeSeries | None = None,
) -> tuple[simpy.Environment, ScriptedShelf, list[tuple[float, int]]]:
    env = simpy.Environment()
    log = EventLog(None, 0, enabled=False)
    shelf = ScriptedShelf(
        env,
        "S1",
        "A",
        initial,
        StockRecord("S1", "A", initial),
        None,
        series if series is not None else TimeSeries(None, 0, False, 1.0),
        MinMax(s=s, S=big_s),
        customers=None,  # type: ignore[arg-type]
        shrink=None,
        reads=None,
        log=log,
        backorder_mode=backorder,
        horizon=1000.0,
    )
    shelf.script = script
    orders: list[tuple[float, int]] = []

    def order(_shelf: Any, qty: int) -> None:
        orders.append((env.now, qty))

    shelf.order_fn = order
    shelf.start()
    return env, shelf, orders


def customers(*times: float, qty: int = 1) -> list[tuple[float, int, float, float]]:
    return [(t, CUSTOMER, float(qty), 0.0) for t in times]


def test_orders_when_the_record_reaches_s_and_not_before() -> None:
    env, shelf, orders = make_shelf(customers(1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5))
    env.run(until=50)
    shelf.advance()
    # 5 -> 4 -> 3 -> 2 at t=3.5: order S - position = 5 - 2 = 3; no delivery comes, so after
    # two more sales the shelf is empty and the last two customers are lost.
    assert orders == [(3.5, 3)]
    assert (shelf.sold, shelf.lost, shelf.on_hand) == (5, 2, 0)
    assert shelf.record.position == 3
    # empty from 5.5 to 50
    assert shelf.stockout_hours == 50 - 5.5
    # on hand 5 until 1.5, 4 until 2.5, 3 until 3.5, 2 until 4.5, 1 until 5.5
    assert shelf.on_hand_hours == 5 * 1.5 + 4 + 3 + 2 + 1


def test_a_delivery_restarts_the_look_ahead() -> None:
    env, shelf, orders = make_shelf(customers(1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5))

    def deliver() -> Any:
        yield env.timeout(6.0)
        shelf.receive([(np.inf, 3)])

    env.process(deliver())
    env.run(until=50)
    shelf.advance()
    # at 6.0: on hand 0 + 3, on order 3 - 3: position 3; the sale at 6.5 takes it to 2
    assert orders == [(3.5, 3), (6.5, 3)]
    assert (shelf.sold, shelf.lost, shelf.received) == (7, 0, 3)


def test_shrinkage_is_invisible_until_a_count() -> None:
    script = [(1.0, SHRINK, 2.0, 0.0), (2.0, SHRINK, 2.0, 0.0)]
    env, shelf, orders = make_shelf(script)

    def count() -> Any:
        yield env.timeout(10.0)
        shelf.count(0)

    env.process(count())
    env.run(until=20)
    shelf.advance()
    # The truth fell to 1 at t=2, but the record stayed at 5: the policy saw nothing to do.
    # The count at t=10 sets the record to 1: position 1 <= s = 2, order 5 - 1 = 4.
    assert orders == [(10.0, 4)]
    assert shelf.shrunk == 4 and shelf.on_hand == 1
    # |record - true| was 2 from t=1 to 2 and 4 from 2 to 10, then 0
    assert shelf.record_error_hours == 2 * 1 + 4 * 8


def test_a_read_resets_the_record_when_it_is_received() -> None:
    # Shrinkage of 3 at t=1; a noiseless read at t=2 arrives over the bus at t=2.5.
    script = [(1.0, SHRINK, 3.0, 0.0), (2.0, READ, 0.0, 0.5)]
    env, shelf, orders = make_shelf(script)
    env.run(until=20)
    shelf.advance()
    assert orders == [(2.5, 3)]
    assert shelf.record.on_hand == 2


def test_a_read_lost_on_the_bus_changes_nothing() -> None:
    script = [(1.0, SHRINK, 3.0, 0.0), (2.0, READ, 0.0, -1.0)]
    env, shelf, orders = make_shelf(script)
    env.run(until=20)
    shelf.advance()
    assert orders == []
    assert shelf.record.on_hand == 5


def test_a_delayed_read_is_brought_forward_by_later_sales() -> None:
    # The read at t=2 sees 2 units (5 - 3 shrunk); a sale at t=2.2 is recorded before the
    # reading arrives at t=3: the record must become 2 - 1 = 1, not 2.
    script = [(1.0, SHRINK, 3.0, 0.0), (2.0, READ, 0.0, 1.0), *customers(2.2)]
    env, shelf, orders = make_shelf(script, s=0, big_s=5)
    env.run(until=20)
    shelf.advance()
    assert shelf.record.on_hand == 1 == shelf.on_hand
    assert orders == []


def test_policies_see_only_the_recorded_position() -> None:
    # A policy object is handed integers from the twin; it holds no reference to the world.
    policy = MinMax(s=2, S=5)
    assert policy.order_quantity(2) == 3 and policy.order_quantity(3) == 0
    assert policy.get_params() == {"kind": "s_S", "s": 2, "S": 5}


def reference(
    script: list[tuple[float, int, float, float]],
    s: int,
    big_s: int,
    initial: int,
    backorder: bool,
    until: float,
) -> dict[str, Any]:
    """The obvious event-by-event shelf: what the vectorised shelf must reproduce exactly."""
    events = []
    for t, code, a, b in script:
        if code == READ:
            events.append((t, 2, "capture", a, b))
            if b >= 0:
                events.append((t + b, 3, "receipt", t, None))
        else:
            events.append((t, code, "customer" if code == CUSTOMER else "shrink", a, b))
    events.sort(key=lambda e: (e[0], e[1]))
    on, r, tx, sync, back, on_order = initial, initial, 0, -np.inf, 0, 0
    captured: dict[float, tuple[int, int]] = {}
    orders, sold, lost, shrunk, on_hours, err_hours, last = [], 0, 0, 0, 0.0, 0.0, 0.0
    levels: list[tuple[float, int, int]] = [(-1.0, on, r)]
    for t, _, kind, a, _b in events:
        if t > until:
            break
        on_hours += on * (t - last)
        err_hours += abs(r - on) * (t - last)
        last = t
        changed = False
        if kind == "customer":
            take = min(int(a), on)
            on, r, tx, sold = on - take, r - take, tx - take, sold + take
            short = int(a) - take
            if backorder:
                back += short
            else:
                lost += short
            changed = take > 0 or (backorder and short > 0)
        elif kind == "shrink":
            loss = min(int(a), on)
            on, shrunk = on - loss, shrunk + loss
        elif kind == "capture":
            captured[t] = (max(0, on + round(a)), tx)
        else:
            value, tx_then = captured[a]
            if a > sync:
                r, sync, changed = value + (tx - tx_then), a, True
        if changed and r + on_order - back <= s:
            qty = big_s - (r + on_order - back)
            on_order += qty
            orders.append((t, qty))
        levels.append((t, on, r))
    on_hours += on * (until - last)
    err_hours += abs(r - on) * (until - last)
    return {
        "orders": orders,
        "sold": sold,
        "lost": lost,
        "shrunk": shrunk,
        "on_hand": on,
        "record": r,
        "on_hand_hours": on_hours,
        "error_hours": err_hours,
        "levels": levels,
    }


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("backorder", [False, True])
def test_vectorised_shelf_matches_the_event_by_event_reference(seed: int, backorder: bool) -> None:
    rng = np.random.default_rng(seed)
    until = 200.0
    script: list[tuple[float, int, float, float]] = []
    for t in np.sort(rng.uniform(0, until, 150)):
        script.append((float(t), CUSTOMER, float(rng.integers(1, 4)), 0.0))
    for t in np.sort(rng.uniform(0, until, 15)):
        script.append((float(t), SHRINK, float(rng.integers(1, 3)), 0.0))
    for t in np.arange(0.5, until, 3.0):
        latency = -1.0 if rng.random() < 0.1 else float(rng.exponential(2.0))
        script.append((float(t), READ, float(rng.normal(0, 1.5)), latency))
    env, shelf, orders = make_shelf(script, s=10, big_s=40, initial=40, backorder=backorder)
    env.run(until=until)
    shelf.advance()
    expected = reference(script, 10, 40, 40, backorder, until)
    assert orders == expected["orders"]
    assert (shelf.sold, shelf.lost, shelf.shrunk) == (
        expected["sold"],
        expected["lost"],
        expected["shrunk"],
    )
    assert (shelf.on_hand, shelf.record.on_hand) == (expected["on_hand"], expected["record"])
    assert shelf.on_hand_hours == pytest.approx(expected["on_hand_hours"])
    assert shelf.record_error_hours == pytest.approx(expected["error_hours"])


def test_periodic_review_orders_only_at_review_times() -> None:
    env = simpy.Environment()
    shelf = ScriptedShelf(
        env,
        "S1",
        "A",
        10,
        StockRecord("S1", "A", 10),
        None,
        TimeSeries(None, 0, False, 1.0),
        Periodic(review="24h", S=10),
        customers=None,  # type: ignore[arg-type]
        shrink=None,
        reads=None,
        log=EventLog(None, 0, enabled=False),
        backorder_mode=False,
        horizon=1000.0,
    )
    shelf.script = customers(1.0, 2.0, 30.0, qty=2)
    orders: list[tuple[float, int]] = []
    shelf.order_fn = lambda _s, qty: orders.append((env.now, qty))
    shelf.start()
    env.run(until=80)
    # reviews at 24, 48, 72: 4 sold by the first, 2 more by the second, nothing by the third
    # (the orders never arrive, so the position stays at S after each review)
    assert orders == [(24.0, 4), (48.0, 2)]


def test_base_stock_replaces_every_sale() -> None:
    env, shelf, orders = make_shelf(customers(1.0, 2.0, 3.5), s=0, big_s=5)
    shelf.policy = BaseStock(level=5)
    shelf._trigger = shelf.policy.trigger
    shelf.reschedule()
    env.run(until=10)
    assert orders == [(1.0, 1), (2.0, 1), (3.5, 1)]


def test_reorder_point_orders_whole_batches() -> None:
    policy = ReorderPoint(r=3, Q=4)
    assert policy.order_quantity(4) == 0
    assert policy.order_quantity(3) == 4
    assert policy.order_quantity(-2) == 8  # two batches bring the position above r again
    assert policy.initial_stock() == 7


@pytest.mark.parametrize("buffer", [256, 4])  # 4: buffers widened and handed over many times
def test_time_series_samples_are_the_state_after_every_event_up_to_them(
    tmp_path: Any, buffer: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "SAMPLE_BUFFER", buffer)
    rng = np.random.default_rng(7)
    until = 100.0
    script: list[tuple[float, int, float, float]] = [
        (float(t), CUSTOMER, float(rng.integers(1, 4)), 0.0)
        for t in np.sort(rng.uniform(0, until, 80))
    ]
    script += [(float(t), SHRINK, 1.0, 0.0) for t in np.sort(rng.uniform(0, until, 10))]
    script += [(float(t), READ, float(rng.normal(0, 1)), 0.3) for t in np.arange(0.5, until, 2.0)]
    series = TimeSeries(tmp_path / "ts.parquet", 0, True, 1.0)
    env, shelf, _ = make_shelf(script, s=10, big_s=40, initial=40, series=series)
    env.run(until=until)
    shelf.advance()
    series.close()
    table = pd.read_parquet(tmp_path / "ts.parquet")
    expected = reference(script, 10, 40, 40, False, until)["levels"]
    assert list(table.t) == [float(h) for h in range(100)]
    for row in table.itertuples():
        level = [lv for lv in expected if lv[0] <= row.t][-1]
        assert (row.on_hand, row.record) == (level[1], level[2]), row.t


def test_time_series_shows_a_delivery_from_its_time_on(tmp_path: Any) -> None:
    # Sales at 1.5 and 2.5 bring the shelf to 2 = s: an order of 3 at 2.5, delivered at 6.3,
    # after which nothing happens: the samples between the events come from the shelf's
    # compiled pass, those after the last from the levels that held since.
    series = TimeSeries(tmp_path / "ts.parquet", 0, True, 1.0)
    script = [(1.5, CUSTOMER, 1.0, 0.0), (2.5, CUSTOMER, 2.0, 0.0)]
    env, shelf, orders = make_shelf(script, s=2, big_s=5, initial=5, series=series)

    def deliver() -> Any:
        yield env.timeout(6.3)
        shelf.receive([(float("inf"), 3)])

    env.process(deliver())
    env.run(until=12.0)
    shelf.advance()
    series.close()
    table = pd.read_parquet(tmp_path / "ts.parquet")
    assert orders == [(2.5, 3)]
    assert list(table.t) == [float(h) for h in range(12)]
    assert list(table.on_hand) == [5, 5, 4, 2, 2, 2, 2, 5, 5, 5, 5, 5]
    assert list(table.record) == list(table.on_hand)

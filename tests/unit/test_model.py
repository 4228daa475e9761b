"""The assembled world on the tiny scenario: conservation, the twin under manual counts,
warm-up exclusion, and demand volume against its rate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.kpi import compute_kpis
from sim.model import Model
from sim.scenario import load_scenario_data


@pytest.fixture
def result(tiny: dict[str, Any], tmp_path: Path) -> Any:
    scenario = load_scenario_data(tiny)
    return Model(
        scenario,
        0,
        events_path=tmp_path / "events.parquet",
        record=True,
        timeseries_path=tmp_path / "timeseries.parquet",
    ).run()


def test_stock_is_conserved_exactly_per_location_and_sku(result: Any) -> None:
    f = result.flows
    inflow = f.total_initial + f.total_received
    outflow = f.total_sold + f.total_shrunk + f.total_spoiled + f.total_shipped + f.on_hand_end
    assert (inflow == outflow).all(), f[inflow != outflow]
    # the chain actually moved goods: every store received deliveries, the warehouse shipped
    assert (f[f.role == "store"].total_received > 0).all()
    assert f[f.role == "warehouse"].total_shipped.sum() > 0


def test_warehouse_shipments_reach_stores_or_are_accounted_for(result: Any) -> None:
    f = result.flows
    shipped = f[f.role == "warehouse"].total_shipped.sum()
    received = f[f.role == "store"].total_received.sum()
    # what left the warehouse is at a store, spoiled in transit, or still on the way
    assert received <= shipped
    assert shipped - received < 400  # at most a couple of truckloads are in the pipeline


def test_manual_records_drift_with_shrinkage_and_are_reset_by_counts(result: Any) -> None:
    ts = pd.read_parquet(result.timeseries)
    stores = ts[ts.location.str.startswith("S")]
    gap = stores.record - stores.on_hand
    # Only shrinkage separates record and truth, so the record is never below the truth ...
    assert (gap >= 0).all()
    # ... it drifts between counts (2 shrinkage events a day per store-SKU) ...
    before_count = stores[stores.t == 239.0]
    assert (before_count.record - before_count.on_hand).sum() > 0
    # ... and every count (every 5 days) sets it to the truth.
    for t in (120.0, 240.0, 360.0):
        at_count = stores[stores.t == t]
        assert len(at_count) == 3
        assert (at_count.record == at_count.on_hand).all()


def test_customers_after_warmup_match_the_demand_rate(tiny: dict[str, Any]) -> None:
    # 20 + 20 + 10 customers a day over the 18 measured days: Poisson with mean 900, sd 30.
    # Five replications' total has sd 30 * sqrt(5); we allow 5 sd.
    scenario = load_scenario_data(tiny)
    total = sum(Model(scenario, r, record=False).run().flows.customers.sum() for r in range(5))
    assert abs(total - 5 * 900) <= 5 * 30 * np.sqrt(5)


def test_kpis_cover_the_catalogue_and_are_plausible(result: Any, tiny: dict[str, Any]) -> None:
    kpis = compute_kpis(result, load_scenario_data(tiny))
    assert 0 < kpis["fill_rate"] <= 100
    assert kpis["km"] > 0 and kpis["truck_hours"] > 0
    assert kpis["sensor_messages"] > 0
    assert kpis["total_cost"] > kpis["transport_cost"] > 0
    assert kpis["backorders"] == 0  # lost-sales scenario


def test_event_log_has_both_times_and_positions(result: Any, tmp_path: Path) -> None:
    events = pd.read_parquet(tmp_path / "events.parquet")
    assert {"t_event", "t_received", "kind", "source", "entity", "sku", "value"} <= set(
        events.columns
    )
    gps = events[events.kind == "gps"]
    assert len(gps) > 0 and gps.x.notna().all()
    # readings can only arrive after they were taken
    delivered = events.t_received.notna()
    assert (events.t_received[delivered] >= events.t_event[delivered]).all()
    counts = events[events.kind == "count"]
    assert sorted(counts.t_event.unique()) == [120.0, 240.0, 360.0]


def with_online(tiny: dict[str, Any], promise: str) -> Any:
    tiny["online"] = {
        "warehouse": "W1",
        "zones": ["J1", "S2"],
        "orders_per_day": 12,
        "skus": {"A": 3, "C": 1},
        "quantity": {"kind": "uniform", "low": 1, "high": 4},
        "promise": promise,
    }
    tiny["sensors"]["order_tracking"] = {}
    tiny["fleet"][0]["wear"] = None  # no breakdowns: delivery times follow from the roads
    return load_scenario_data(tiny)


def test_online_orders_are_picked_shipped_and_delivered(
    tiny: dict[str, Any], tmp_path: Path
) -> None:
    scenario = with_online(tiny, "2d")
    result = Model(scenario, 0, events_path=tmp_path / "e.parquet").run()
    orders = result.online
    # 12 a day for 20 days: Poisson with mean 240, sd 15.5; allow 5 sd
    assert abs(len(orders) - 240) <= 5 * 15.5
    delivered = orders[orders.delivered_at.notna()]
    assert len(delivered) >= len(orders) - 10  # only the last hours' orders may be on the way
    # nobody gets an order faster than loading plus the free-flow drive to the zone
    fastest = 0.5 + min(5 / 60 + 8 / 50, 5 / 60)
    assert ((delivered.delivered_at - delivered.placed) >= fastest - 1e-9).all()
    kpis = compute_kpis(result, scenario)
    assert kpis["online_on_time"] == 100.0
    assert 0 < kpis["online_lead_time"] < 48
    events = pd.read_parquet(tmp_path / "e.parquet")
    lifecycle = events[events.kind.str.startswith("order_")].groupby("kind").size()
    # every order placed was picked, shipped and delivered (lines may split, never merge)
    assert lifecycle["order_placed"] >= len(orders)
    assert lifecycle["order_picked"] >= lifecycle["order_placed"] - 20


def test_an_impossible_promise_is_never_kept(tiny: dict[str, Any]) -> None:
    # loading alone takes 30 min: a 20-minute promise cannot be met
    scenario = with_online(tiny, "20min")
    result = Model(scenario, 0, record=False).run()
    kpis = compute_kpis(result, scenario)
    assert kpis["online_orders"] > 100
    assert kpis["online_on_time"] == 0.0


def test_shelf_sensors_keep_the_record_close_to_the_truth(tiny: dict[str, Any]) -> None:
    # Manual: shrinkage of about 2 units a day per store-SKU accumulates for 5 days between
    # counts, so the record is off by about 5 units on average. Hourly noiseless reads leave it
    # off by about 2/24 of a unit. Same customers and shrinkage in both (common random numbers).
    manual = load_scenario_data(tiny)
    tiny["visibility"] = {"kind": "realtime"}
    tiny["sensors"]["shelf"] = {"interval": "1h"}
    realtime = load_scenario_data(tiny)
    for replication in range(3):
        run_a = Model(manual, replication, record=False).run()
        run_b = Model(realtime, replication, record=False).run()
        # common random numbers: the same customers wanted the same units at every store
        # (what the warehouse is asked for depends on the policy, and may differ)
        stores_a = run_a.flows[run_a.flows.role == "store"]
        stores_b = run_b.flows[run_b.flows.role == "store"]
        pd.testing.assert_series_equal(stores_a.demand, stores_b.demand)
        pd.testing.assert_series_equal(stores_a.customers, stores_b.customers)
        a = compute_kpis(run_a, manual)
        b = compute_kpis(run_b, realtime)
        assert 2 < a["record_inaccuracy"] < 10
        assert b["record_inaccuracy"] < 0.5
        assert b["sensor_messages"] > a["sensor_messages"]


def test_backorders_are_owed_then_served(tiny: dict[str, Any]) -> None:
    tiny["demand"]["unmet"] = "backorder"
    tiny["inventory"][0]["policy"] = {"kind": "s_S", "s": 5, "S": 30}  # lean: stockouts happen
    scenario = load_scenario_data(tiny)
    result = Model(scenario, 0, record=False).run()
    f = result.flows
    stores = f[f.role == "store"]
    kpis = compute_kpis(result, scenario)
    assert kpis["lost_sales"] == 0 and kpis["backorders"] > 0
    # every unit wanted was sold, or is still owed at the end
    assert (stores.total_demand == stores.total_sold + stores.backlog_end).all()
    inflow = f.total_initial + f.total_received
    outflow = f.total_sold + f.total_shrunk + f.total_spoiled + f.total_shipped + f.on_hand_end
    assert (inflow == outflow).all()


@pytest.mark.parametrize("sensors", ["gps and engine health", "none"])
def test_road_use_adds_up_to_the_fleets_km_and_driving_hours(
    tiny: dict[str, Any], tmp_path: Path, sensors: str
) -> None:
    """roads.parquet (computed from the legs in batches) against the trucks' own counters,
    which add each leg as it is driven: the same roads, so equal up to rounding. Wear fast
    enough for a breakdown every few legs puts partly driven legs in the sum too."""
    tiny["fleet"][0]["wear"].update({"mean_per_1000km": 40.0, "sd_per_1000km": 10.0})
    if sensors == "none":
        tiny["sensors"] = {}
    scenario = load_scenario_data(tiny)
    model = Model(scenario, 0, record=True, fleet_path=tmp_path / "fleet.parquet")
    model.run()
    roads = pd.read_parquet(tmp_path / "roads.parquet")
    (truck,) = model.trucks
    assert truck.breakdowns >= 5  # wear 0.04 a km against a threshold of 1: every ~25 km
    road_km = {(r["from"], r["to"]): r["km"] for r in tiny["network"]["roads"]}
    road_km.update({(r["to"], r["from"]): r["km"] for r in tiny["network"]["roads"]})
    driven_km = sum(
        trips * road_km[(source, target)]
        for source, target, trips in zip(roads.source, roads.target, roads.trips, strict=True)
    )
    assert driven_km == pytest.approx(truck.km, rel=1e-12)
    assert roads.hours.sum() == pytest.approx(truck.driving_hours, rel=1e-12)

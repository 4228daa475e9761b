"""Quoted online promises: from what the twin knows of the trucks, with GPS or from the plan."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sim.iot.twin import TripPlan, TruckView
from sim.model import Model
from sim.scenario import load_scenario_data


def trip(departed: float = 10.0) -> TripPlan:
    # out 60 km east in 1 h planned, 0.25 h to unload, back the same way in 1 h
    out = np.array([[0.0, 0.0], [30.0, 0.0], [60.0, 0.0]])
    return TripPlan(departed, out, np.array([0.5, 0.5]), 0.25, out[::-1], np.array([0.5, 0.5]))


def test_a_truck_without_gps_is_free_when_its_plan_says() -> None:
    view = TruckView()
    assert view.expected_free(5.0) == 5.0  # at home
    view.trip = trip()
    assert view.expected_free(10.2) == pytest.approx(10.0 + 1.0 + 0.25 + 1.0)
    # late on the plan: it cannot be back before now + unloading + the drive back
    assert view.expected_free(11.5) == pytest.approx(11.5 + 0.25 + 1.0)
    view.trip.delivered_at = 12.0
    assert view.expected_free(12.1) == pytest.approx(13.0)


def test_with_gps_the_truck_is_free_when_its_position_says() -> None:
    view = TruckView()
    view.gps = True
    view.trip = trip()
    # a fix at 10.8 h (arrived at 10.81) shows the truck only 15 km out: stuck in traffic
    t = np.array([10.8])
    view.add_gps(t, t + 0.01, np.array([15.0]), np.array([0.0]))
    assert view.expected_free(10.9) == pytest.approx(10.8 + 0.75 + 0.25 + 1.0)
    # a fix taken before departure says nothing about this trip: the plan stands
    view.trip = trip(departed=11.0)
    assert view.expected_free(11.1) == pytest.approx(11.0 + 2.25)
    view.trip = None
    view.busy_until = 20.0  # in a service bay
    assert view.expected_free(18.0) == 20.0


def online_tiny(tiny: dict[str, Any], margin: str) -> dict[str, Any]:
    tiny["online"] = {
        "warehouse": "W1",
        "zones": ["S2"],
        "orders_per_day": 30,
        "skus": {"A": 1},
        "promise": "1d",
        "quote_margin": margin,
    }
    tiny["warehouses"] = {
        "picking_time": {"kind": "constant", "value": "30min"},
        "loading_time": {"kind": "constant", "value": "30min"},
    }
    return tiny


def test_quoted_promises_cover_picking_loading_and_the_drive(tiny: dict[str, Any]) -> None:
    scenario = load_scenario_data(online_tiny(tiny, "15min"))
    model = Model(scenario, 0, record=False)
    result = model.run()
    orders = result.online
    assert orders is not None and len(orders) > 300
    promise = orders.promised - orders.placed
    # W1 to S2: 13 km, free flow 5/60 + 8/50 h; unloading 15 min (the default); margin 15 min
    drive = 5 / 60 + 8 / 50
    least = 0.5 + 0.5 + drive + 0.25 + 0.25
    assert promise.min() == pytest.approx(least, abs=1e-9)
    # one truck for two stores and the orders: busy times quote longer promises
    assert promise.max() > least + 0.5
    # a quote changes no delivery: with a margin 45 minutes longer, the same deliveries, every
    # promise exactly 45 minutes later, and more of them kept
    wider = Model(load_scenario_data(online_tiny(tiny, "1h")), 0, record=False).run().online
    assert wider is not None
    assert np.array_equal(wider.delivered_at, orders.delivered_at, equal_nan=True)
    assert np.allclose(wider.promised - orders.promised, 0.75)
    kept = (orders.delivered_at <= orders.promised).mean()
    kept_wider = (wider.delivered_at <= wider.promised).mean()
    assert 0.5 < kept < kept_wider

"""IoT devices and their cost: counted where they produce readings, amortised over their life."""

from __future__ import annotations

from typing import Any

import pytest

from sim.kpi import compute_kpis
from sim.model import Model
from sim.scenario import load_scenario_data


def test_devices_and_their_amortised_cost(tiny: dict[str, Any]) -> None:
    tiny["run"] = {"horizon": "40d", "warmup": "10d", "replications": 1, "seed": 5}
    sensors = tiny["sensors"]
    sensors["gps"].update(unit_cost=120, life="2y", fee_per_device_month=3, cost_per_message=0.01)
    sensors["dock_door"].update(unit_cost=365, life="1y")
    sensors["engine_health"].update(unit_cost=0, fee_per_device_month=7.3)
    sensors["shelf"] = {"interval": "1h", "unit_cost": 1000}  # manual visibility: not installed
    tiny["costs"] = {"iot_platform_per_month": 73, "count_per_item": 2}
    scenario = load_scenario_data(tiny)
    result = Model(scenario, 0, record=False).run()
    # dock doors: 2 at the warehouse (the default) and one per store; one truck with GPS,
    # engine-health sensor and reefer thermometer; no shelf sensors under manual counts
    assert result.devices == {
        "shelf": 0,
        "dock_door": 4,
        "gps": 1,
        "engine_health": 1,
        "reefer_temperature": 1,
        "traffic": 0,
    }
    kpis = compute_kpis(result, scenario)
    hours = 30 * 24  # measured period
    months = hours / 730
    expected = (
        120 * hours / (2 * 8760)  # GPS unit amortised over 2 years
        + 3 * months  # GPS fee
        + 4 * 365 * hours / 8760  # dock readers over 1 year: 1 per day each
        + 7.3 * months  # engine sensor fee
        + 73 * months  # platform
        + 0.01 * result.messages["gps"]
    )
    assert kpis["iot_devices"] == 7
    assert kpis["iot_cost"] == pytest.approx(expected)
    assert kpis["message_cost"] == pytest.approx(0.01 * result.messages["gps"])
    # counts every 5 days of 3 store-SKUs, 6 of them in the measured 30 days (days 10..40)
    assert result.messages["count"] == 18
    assert kpis["count_cost"] == 36


def test_shelf_sensors_are_devices_under_realtime_visibility(tiny: dict[str, Any]) -> None:
    tiny["sensors"] = {"shelf": {"interval": "1h", "unit_cost": 10}}
    tiny["visibility"] = {"kind": "realtime"}
    scenario = load_scenario_data(tiny)
    result = Model(scenario, 0, record=False).run()
    assert result.devices["shelf"] == 3  # A at S1 and S2, C at S1
    assert sum(result.devices.values()) == 3

"""Maintenance policies on the tiny chain's truck: run to failure, by the clock, by the sensor.

The truck wears by a gamma process, 1.5 per 1000 km on average (sd 0.2 per 1000 km), and fails
at 1.0; the tiny chain drives it about 7,800 km in 200 days, 37 km per trip. That is some 12
failures run to failure, enough to tell the policies apart in one replication.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim.iot.twin import TruckView
from sim.kpi import compute_kpis
from sim.model import Model, ReplicationResult
from sim.policies import MAINTENANCE
from sim.scenario import load_scenario_data


def run(tiny: dict[str, Any], maintenance: dict[str, Any], path: Path | None = None) -> Any:
    tiny["run"] = {"horizon": "200d", "warmup": "0h", "replications": 1, "seed": 3}
    tiny["fleet"][0]["wear"].update(mean_per_1000km=1.5, sd_per_1000km=0.2)
    tiny["fleet"][0]["wear"].update(service_time={"kind": "constant", "value": "3h"})
    tiny["fleet"][0]["wear"].update(service_cost=100, repair_cost=1000, tow_cost=200)
    tiny["maintenance"] = maintenance
    scenario = load_scenario_data(tiny)
    result: ReplicationResult = Model(scenario, 0, events_path=path, record=path is not None).run()
    return result, compute_kpis(result, scenario)


def test_run_to_failure_fails_at_the_rate_the_wear_model_gives(tiny: dict[str, Any]) -> None:
    _, kpis = run(tiny, {"kind": "reactive"})
    km = kpis["km"]
    expected = km * 1.5 / 1000  # wear per km / threshold: failures per km, renewal at repair
    # the km to failure have a CV of sqrt(0.2**2 / 1000 * 667) = 0.16, so the count over ~12
    # renewals has a CV near 0.16 / sqrt(12) = 5%, plus one for the failure in progress at
    # the end: +-25% is beyond 4 standard deviations
    assert expected > 10
    assert abs(kpis["breakdowns"] - expected) < 0.25 * expected + 1
    assert kpis["services"] == 0 and kpis["service_hours"] == 0
    assert kpis["maintenance_cost"] == kpis["breakdowns"] * 1200


def test_preventive_services_after_the_set_driving_hours(
    tiny: dict[str, Any], tmp_path: Path
) -> None:
    # failures come every ~14 h of driving here, so service every 8 h
    result, kpis = run(tiny, {"kind": "preventive", "every": "8h"}, tmp_path / "e.parquet")
    truck = result.trucks.iloc[0]
    assert truck.services >= 10
    # a service comes at the first check at home after 8 h of driving since the last service
    # or repair: each cycle has at least 8 h, and at most 8 h plus one trip (under 1.5 h here)
    assert truck.services * 8 <= truck.driving_hours
    assert truck.driving_hours <= (truck.services + truck.breakdowns + 1) * (8 + 1.5)
    assert kpis["maintenance_cost"] == pytest.approx(100 * truck.services + 1200 * truck.breakdowns)
    assert kpis["service_hours"] >= 3 * truck.services
    events = pd.read_parquet(tmp_path / "e.parquet")
    assert (events.kind == "service").sum() == truck.services
    hours = 200 * 24
    out = truck.downtime_hours + truck.service_hours
    assert kpis["availability"] == pytest.approx(100 * (1 - out / hours))


def test_predictive_with_a_good_sensor_prevents_nearly_every_failure(tiny: dict[str, Any]) -> None:
    # wear grows 0.04 per 26-km trip (sd 0.03, a long right tail); the estimate carries the
    # last readings forward by the km since at the datasheet rate, so a service at an estimate
    # of 0.6 leaves a margin of some 10 trip standard deviations. Over 60 seeds: no failure
    # with the predictive policy, 9 to 13 run to failure; at most 2 allows a rare tail.
    _, reactive = run(tiny, {"kind": "reactive"})
    _, predictive = run(tiny, {"kind": "predictive", "threshold": 0.6})
    assert reactive["breakdowns"] >= 8
    assert predictive["breakdowns"] <= 2
    # one service per ~0.65 of wear instead of one repair per 1.0: about 1.5 times as many
    ratio = predictive["services"] / reactive["breakdowns"]
    assert 1.1 < ratio < 2.5
    assert predictive["maintenance_cost"] < reactive["maintenance_cost"]
    assert predictive["downtime"] == 0


def test_predictive_by_remaining_life(tiny: dict[str, Any]) -> None:
    # remaining life below 200 km at the datasheet's 1.5 per 1000 km: service at about 0.7.
    # Over 60 seeds: one failure in one run, none in the rest; 13 to 17 services
    _, kpis = run(tiny, {"kind": "predictive", "remaining_km": 200})
    assert kpis["breakdowns"] <= 2 and kpis["services"] >= 10


def test_predictive_acts_on_what_arrived_since_the_last_service() -> None:
    view = TruckView(wear_per_km=0.0015, failure_threshold=1.0)
    policy = MAINTENANCE.parse({"kind": "predictive", "threshold": 0.5, "window": 2})
    t = pd.Series([1.0, 2.0, 3.0]).to_numpy()
    view.add_health(t, t + 0.5, pd.Series([0.3, 0.55, 0.6]).to_numpy())
    assert not policy.needs_service(view, 2.4)  # only 0.3 and 0.55 arrived: mean 0.425
    assert policy.needs_service(view, 3.6)  # 0.55 and 0.6: mean 0.575
    view.serviced(3.7)
    assert view.health_estimate(10.0, 2) is None  # the old readings describe the old engine
    assert not policy.needs_service(view, 10.0)

"""scenarios/routing.yaml: what knowing the traffic is worth for on-time online deliveries.

Eight paired replications of 35 measured days, some 2,100 online orders each. The figures in
the comments are the file's own (seed 7); the standard errors of the paired differences are
0.3 to 0.6 points, so each assertion below holds with a margin of 5 or more standard errors.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.experiment import Experiment, run_experiment
from sim.regression import default_baseline_path
from sim.scenario import load_scenario, load_scenario_data
from sim.testing import assert_experiment_matches_baseline

FILE = Path(__file__).resolve().parents[2] / "scenarios" / "routing.yaml"


@pytest.fixture(scope="module")
def routing() -> Experiment:
    return run_experiment(load_scenario(FILE), None, progress=False)


def test_historical_beats_static_on_late_deliveries(routing: Experiment) -> None:
    # knowing the rush hours, trucks take the rural road at the peaks: +4.5 +- 1.4 points
    gain = routing.paired("historical", "static", "online_on_time")
    assert gain.significant and gain.difference > 2
    assert routing.paired("historical", "static", "km").difference > 0  # the longer road


def test_dynamic_beats_historical_when_incidents_happen(routing: Experiment) -> None:
    # GPS reports of slow and closed roads: +4.4 +- 0.7 points on top of the profile
    gain = routing.paired("dynamic", "historical", "online_on_time")
    assert gain.significant and gain.difference > 2
    assert routing.paired("dynamic", "historical", "online_lead_time").significant


def test_dynamic_gains_about_nothing_without_incidents(routing: Experiment) -> None:
    # with rush hours alone the profile already says it all: +0.04 +- 0.10 points, the whole
    # interval within one point of zero
    gain = routing.paired("dynamic_calm", "historical_calm", "online_on_time")
    assert abs(gain.difference) + gain.half_width < 1.0
    incidents = routing.paired("dynamic", "historical", "online_on_time")
    assert incidents.ci_low > gain.ci_high


def test_without_gps_dynamic_routing_falls_back_to_historical() -> None:
    data = yaml.safe_load(FILE.read_text())
    data["run"].update(replications=2, horizon="10d")
    data["sensors"] = {}  # no GPS: no road reports reach the twin
    data["reference"] = "historical"
    data["variants"] = {
        "historical": {"routing": {"kind": "historical"}},
        "dynamic": {"routing": {"kind": "dynamic"}},
    }
    blind = run_experiment(load_scenario_data(data), None, progress=False)
    kpis = blind.kpis.set_index(["variant", "replication"])
    historical, dynamic = kpis.loc["historical"], kpis.loc["dynamic"]
    # the same paths, so the same deliveries at the same times; km are counted when a leg
    # starts, and dynamic routing drives road by road, so only the legs under way at the end
    # of the warm-up and of the horizon differ: at most one leg (under 90 km) per truck at each
    by_km = ["km", "transport_cost", "co2", "total_cost"]
    pd.testing.assert_frame_equal(historical.drop(columns=by_km), dynamic.drop(columns=by_km))
    assert ((historical.km - dynamic.km).abs() < 12 * 2 * 90).all()


def test_gps_tells_customers_when_the_truck_will_really_arrive(routing: Experiment) -> None:
    # the same trucks on the same roads (static routing reads no GPS): deliveries identical,
    # but the arrival quoted an hour ahead is off by 0.12 h with GPS against 0.26 h from the
    # departure plan (paired: -0.13 +- 0.03)
    assert routing.paired("static_without_gps", "static", "online_on_time").difference == 0
    sharper = routing.paired("static", "static_without_gps", "online_eta_error")
    assert sharper.significant and sharper.ci_high < -0.05


def test_kpis_match_the_committed_baseline(routing: Experiment) -> None:
    """Every KPI of every variant against scenarios/baselines/routing.yaml (`sim check`): a
    change that moves one fails here; refresh the baseline on purpose with `sim baseline`."""
    assert_experiment_matches_baseline(routing, default_baseline_path(FILE))

"""scenarios/iot_value.yaml (what `make run` shows): each IoT investment against none.

Five paired replications of 80 measured days. Figures in the comments are the file's own
(seed 20261127); the standard errors of the paired net benefits are 4,000 to 6,000, so each
assertion keeps a margin of at least 5 of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.experiment import Experiment, run_experiment
from sim.regression import default_baseline_path
from sim.scenario import load_scenario
from sim.testing import assert_experiment_matches_baseline

FILE = Path(__file__).resolve().parents[2] / "scenarios" / "iot_value.yaml"


@pytest.fixture(scope="module")
def iot_value() -> Experiment:
    return run_experiment(load_scenario(FILE), None, progress=False)


def test_full_iot_pays_for_itself(iot_value: Experiment) -> None:
    # the headline: net benefit +536,000 +- 13,000 over 80 days, for 2,600 of IoT
    net = iot_value.paired("full_iot", "no_iot", "net_benefit")
    assert net.significant and net.ci_low > 300_000
    roi = iot_value.paired("full_iot", "no_iot", "iot_roi")
    assert roi.ci_low > 1_000  # per cent


def test_each_investment_moves_what_it_should(iot_value: Experiment) -> None:
    # shelf sensors: records exact, +9.0 points of fill rate
    shelf = iot_value.paired("shelf_sensors", "no_iot", "fill_rate")
    assert shelf.significant and shelf.ci_low > 5
    assert iot_value.paired("shelf_sensors", "no_iot", "record_inaccuracy").ci_high < -30
    # predictive maintenance: 180 breakdowns fewer, 450,000 saved
    maintenance = iot_value.paired("predictive_maintenance", "no_iot", "breakdowns")
    assert maintenance.ci_high < -100
    assert iot_value.paired("predictive_maintenance", "no_iot", "net_benefit").ci_low > 200_000
    # all together beat the best single investment
    together = iot_value.kpis.pivot_table(
        index="replication", columns="variant", values="total_cost"
    )
    assert (together.full_iot < together.predictive_maintenance).all()


def test_every_variant_pays_only_for_its_own_devices(iot_value: Experiment) -> None:
    devices = iot_value.summary.set_index(["variant", "kpi"])["mean"]
    # 100 shelves; 12 trucks with GPS; 12 with engine-health sensors
    assert devices[("no_iot", "iot_devices")] == 0
    assert devices[("shelf_sensors", "iot_devices")] == 100
    assert devices[("gps_routing", "iot_devices")] == 12
    assert devices[("predictive_maintenance", "iot_devices")] == 12
    assert devices[("full_iot", "iot_devices")] == 124


def test_kpis_match_the_committed_baseline(iot_value: Experiment) -> None:
    """Every KPI of every variant against scenarios/baselines/iot_value.yaml (`sim check`): a
    change that moves one fails here; refresh the baseline on purpose with `sim baseline`."""
    assert_experiment_matches_baseline(iot_value, default_baseline_path(FILE))

"""scenarios/visibility.yaml: what drifting stock records cost, and what fixes them.

Six paired replications of 180 measured days, 36 shelves each. The figures in the comments are
the file's own (seed 31); every assertion has a margin of many standard errors (the paired
fill-rate differences have standard errors of 0.1 to 0.2 points).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.experiment import Experiment, run_experiment
from sim.regression import default_baseline_path
from sim.scenario import load_scenario
from sim.stats import t_interval
from sim.testing import assert_experiment_matches_baseline

FILE = Path(__file__).resolve().parents[2] / "scenarios" / "visibility.yaml"


@pytest.fixture(scope="module")
def visibility() -> Experiment:
    return run_experiment(load_scenario(FILE), None, progress=False)


def mean(experiment: Experiment, variant: str, kpi: str) -> float:
    kpis = experiment.kpis
    return float(kpis[kpis.variant == variant][kpi].mean())


def test_drifting_records_lose_far_more_than_the_shrinkage_itself(visibility: Experiment) -> None:
    # counted every 60 days, the records drift by up to 90 units: lost sales are 6 times the
    # units shrunk (53,800 against 8,600), a fill rate of 90.4%
    lost = mean(visibility, "manual_60d", "lost_sales")
    shrunk = mean(visibility, "manual_60d", "shrinkage")
    assert lost > 3 * shrunk
    assert mean(visibility, "manual_60d", "record_inaccuracy") > 20


def recovered(experiment: Experiment, variant: str, lean: str = "") -> float:
    """Share of the fill rate lost to drift that a variant wins back."""
    worst = mean(experiment, f"{lean}manual_60d", "fill_rate")
    best = mean(experiment, f"{lean}no_shrinkage", "fill_rate")
    return (mean(experiment, variant, "fill_rate") - worst) / (best - worst)


def test_counts_recover_most_and_sensors_nearly_all(visibility: Experiment) -> None:
    # weekly counts win back 99.8% of the loss, hourly shelf sensors 99.99%
    assert recovered(visibility, "manual_7d") > 0.9
    assert recovered(visibility, "realtime") > 0.99
    assert recovered(visibility, "periodic") > 0.99
    sensors_over_counts = visibility.paired("realtime", "manual_7d", "fill_rate")
    assert sensors_over_counts.significant and sensors_over_counts.difference > 0
    gain = visibility.paired("realtime", "manual_60d", "fill_rate")
    assert gain.significant and gain.ci_low > 5  # +9.6 +- 0.4 points
    assert visibility.paired("realtime", "manual_60d", "net_benefit").ci_low > 0


def test_the_effect_is_larger_for_lean_stock(visibility: Experiment) -> None:
    # realtime over manual: +9.6 points at normal stock, +18.5 at lean stock; paired by
    # replication (the same customers and shrinkage in all four)
    kpis = visibility.kpis.pivot_table(index="replication", columns="variant", values="fill_rate")
    normal = kpis["realtime"] - kpis["manual_60d"]
    lean = kpis["lean_realtime"] - kpis["lean_manual_60d"]
    mean_gap, _, half = t_interval(np.asarray(lean - normal))
    assert mean_gap - half > 4


def test_kpis_match_the_committed_baseline(visibility: Experiment) -> None:
    """Every KPI of every variant against scenarios/baselines/visibility.yaml (`sim check`): a
    change that moves one fails here; refresh the baseline on purpose with `sim baseline`."""
    assert_experiment_matches_baseline(visibility, default_baseline_path(FILE))

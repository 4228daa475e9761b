"""Serial systems at base-stock (a store and one or two warehouses) against the exact
serial-system evaluation.

Each case passes when theory lies within t(1 - 0.0001/2, n - 1) standard errors of the mean
over the file's n replications: a correct model fails a case about once in ten thousand runs.
"""

from __future__ import annotations

import pandas as pd
import pytest
from cases import CASES, CLARK_SCARF, FILES, run_cases, stockpyl_serial

from sim.scenario import load_scenario


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return run_cases([c for c in CASES if c.file.startswith("serial_")])


def test_the_stages_match_the_exact_evaluation(table: pd.DataFrame) -> None:
    failing = table[~table.passes]
    assert failing.empty, failing[["case", "kpi", "expected", "simulated", "band"]].to_string()


def test_the_runs_tell_one_unit_of_stock(table: pd.DataFrame) -> None:
    assert (table.band < table.near_miss_gap).all(), table[["case", "kpi", "band"]]


@pytest.mark.parametrize("variant", list(CLARK_SCARF))
def test_the_clark_scarf_file_runs_stockpyls_optimal_levels(variant: str) -> None:
    """The file's local levels are stockpyl's optimal echelon levels, differenced, and the
    optimum is one (stockpyl's cost there is below its cost a unit away at any stage)."""
    instance = CLARK_SCARF[variant]
    echelon, cost = stockpyl_serial(instance)
    scenario = load_scenario(FILES / "serial_clark_scarf.yaml").variant(variant)
    local = [rule.policy["S"] for rule in scenario.inventory]  # S1, W2, W1: store first
    assert local == [echelon[0], echelon[1] - echelon[0], echelon[2] - echelon[1]]
    assert scenario.demand.streams[0].customers_per_day == instance.demand
    for stage in range(3):
        for step in (-1, 1):
            moved = list(echelon)
            moved[stage] += step
            assert stockpyl_serial(instance, tuple(moved))[1] > cost  # type: ignore[arg-type]

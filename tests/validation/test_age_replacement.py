"""Age replacement of an engine against the Barlow-Proschan renewal-reward cost rate.

The preventive rule is looked at between trips, so the replacement age is T or T + 30 min
(the file's header says why) and theory is the range of C over [T, T + 30 min]. A case passes
when the mean over the file's n replications lies within t(1 - 0.0001/2, n - 1) standard
errors of that range: a correct model fails a case at most about once in ten thousand runs.
"""

from __future__ import annotations

import pandas as pd
import pytest
from cases import AGE_COSTS, AGE_LIFE, CASES, FILES, run_cases

from sim import theory
from sim.scenario import load_scenario


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return run_cases([c for c in CASES if c.file == "age_replacement"])


def test_the_cost_rate_matches_renewal_reward(table: pd.DataFrame) -> None:
    failing = table[~table.passes]
    assert failing.empty, failing[["case", "expected", "expected_high", "simulated", "band"]]


def test_the_runs_tell_a_lifetime_ten_per_cent_off(table: pd.DataFrame) -> None:
    assert (table.band < table.near_miss_gap).all(), table[["case", "band", "near_miss_gap"]]


def test_the_ages_bracket_the_optimum() -> None:
    """T16 is within an hour of the optimal age; 12 h and 32 h cost more."""
    ages = [a / 4 for a in range(4, 200)]
    best = min(ages, key=lambda a: theory.age_replacement_cost_rate(a, AGE_LIFE, *AGE_COSTS))
    assert 15 <= best <= 17
    cost = {a: theory.age_replacement_cost_rate(a, AGE_LIFE, *AGE_COSTS) for a in (12, 16, 32)}
    assert cost[12] > 1.02 * cost[16] and cost[32] > 1.15 * cost[16]


def test_the_file_says_what_the_cases_assume() -> None:
    scenario = load_scenario(FILES / "age_replacement.yaml")
    wear = scenario.fleet[0].wear
    assert wear is not None
    assert (wear.repair_cost, wear.service_cost) == (AGE_COSTS[0], AGE_COSTS[2])
    assert scenario.variant("T32").maintenance == {"kind": "preventive", "every": "32h"}

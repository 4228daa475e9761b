"""Inbound dock doors against queueing theory: M/M/1 (light and heavy), M/M/3 and M/D/1.

Each case passes when theory lies within t(1 - 0.0001/2, n - 1) standard errors of the mean
over the file's n replications: a correct model fails a case about once in ten thousand runs.
"""

from __future__ import annotations

import pandas as pd
import pytest
from cases import CASES, FILES, run_cases

from sim.experiment import run_experiment
from sim.scenario import load_scenario


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return run_cases([c for c in CASES if c.file == "dock_queue"])


def test_every_queue_case_matches_theory(table: pd.DataFrame) -> None:
    failing = table[~table.passes]
    assert failing.empty, failing[["case", "kpi", "expected", "simulated", "band"]].to_string()


def test_the_runs_are_long_enough_to_catch_a_five_per_cent_error(table: pd.DataFrame) -> None:
    assert (table.band < table.near_miss_gap).all(), table[["case", "kpi", "band"]]


def test_littles_law_holds_on_the_records_of_each_replication() -> None:
    scenario = load_scenario(FILES / "dock_queue.yaml").with_overrides(
        {"run": {"replications": 2, "horizon": "60d"}}
    )
    kpis = run_experiment(scenario, None, progress=False).kpis
    hours = (60 - 20) * 24
    rate = kpis.inbound_deliveries / hours
    # time-average queue = arrival rate x mean wait, up to the trucks still waiting at the end
    # of the measured period (a handful of hours of queue in 960)
    little = rate * kpis.inbound_wait
    assert ((kpis.inbound_queue - little).abs() <= 0.02 * kpis.inbound_queue + 0.01).all()

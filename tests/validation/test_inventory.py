"""Single-stage inventory against theory: base-stock with lost sales and with backorders, (r, Q)
and (R, S) with backorders, with Poisson and with normal demand.

Each case passes when theory lies within t(1 - 0.0001/2, n - 1) standard errors of the mean
over the file's n replications (12, so 5.92 standard errors; 30 for normal demand, 4.51): a
correct model fails a case about once in ten thousand runs.
"""

from __future__ import annotations

import pandas as pd
import pytest
from cases import CASES, run_cases


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    inventory = ("base_stock", "reorder_point", "periodic_review")
    return run_cases([c for c in CASES if c.file.startswith(inventory)])


def test_every_case_matches_theory(table: pd.DataFrame) -> None:
    failing = table[~table.passes]
    assert failing.empty, failing[["case", "kpi", "expected", "simulated", "band"]].to_string()


def test_the_runs_are_long_enough_to_catch_an_off_by_one(table: pd.DataFrame) -> None:
    # a model that held a little more or less stock (one or two units; a third of a standard
    # deviation of demand under normal demand) would be off by at least this much: the band
    # must not let it pass
    assert (table.band < table.near_miss_gap).all(), table[["case", "kpi", "band"]]

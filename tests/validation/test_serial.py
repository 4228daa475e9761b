"""Serial systems at base-stock (a store and one or two warehouses) against the exact
serial-system evaluation.

Each case passes when theory lies within t(1 - 0.0001/2, n - 1) standard errors of the mean
over the file's n replications: a correct model fails a case about once in ten thousand runs.
"""

from __future__ import annotations

import pandas as pd
import pytest
from cases import CASES, run_cases


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return run_cases([c for c in CASES if c.file.startswith("serial_")])


def test_the_stages_match_the_exact_evaluation(table: pd.DataFrame) -> None:
    failing = table[~table.passes]
    assert failing.empty, failing[["case", "kpi", "expected", "simulated", "band"]].to_string()


def test_the_runs_tell_one_unit_of_stock(table: pd.DataFrame) -> None:
    assert (table.band < table.near_miss_gap).all(), table[["case", "kpi", "band"]]

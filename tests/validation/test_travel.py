"""Travel times: the mean time along a fixed path is the sum of its roads' mean times; between
two routes whose roads close independently, the known delay (a traffic feed) picks the better
and the delay is the expected minimum.

The case passes when theory lies within t(1 - 0.0001/2, n - 1) standard errors of the mean
over the file's n replications: a correct model fails it about once in ten thousand runs.
"""

from __future__ import annotations

from cases import CASES, run_cases


def test_mean_lead_time_is_the_sum_of_the_means() -> None:
    table = run_cases([c for c in CASES if c.file == "travel"])
    assert table.passes.all(), table[["case", "expected", "simulated", "band"]].to_string()
    assert (table.band < table.near_miss_gap).all()


def test_the_known_delay_gains_the_expected_minimum() -> None:
    table = run_cases([c for c in CASES if c.file == "two_routes"])
    assert table.passes.all(), table[["case", "kpi", "expected", "simulated", "band"]].to_string()
    # closures 20% shorter or longer would be caught
    assert (table.band < table.near_miss_gap).all(), table[["case", "band", "near_miss_gap"]]

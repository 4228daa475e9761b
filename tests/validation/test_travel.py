"""Travel times: the mean time along a fixed path is the sum of its roads' mean times.

The case passes when theory lies within t(1 - 0.0001/2, n - 1) standard errors of the mean
over the file's n replications: a correct model fails it about once in ten thousand runs.
"""

from __future__ import annotations

from cases import CASES, run_cases


def test_mean_lead_time_is_the_sum_of_the_means() -> None:
    table = run_cases([c for c in CASES if c.file == "travel"])
    assert table.passes.all(), table[["case", "expected", "simulated", "band"]].to_string()
    assert (table.band < table.near_miss_gap).all()

"""Intervals, paired differences, net benefit and ROI on hand-computed numbers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from sim.stats import compare, summarise, t_interval

T_975_2 = 4.302652729911275  # Student t, 97.5% quantile, 2 degrees of freedom


def frame(**columns: list[float]) -> pd.DataFrame:
    n = len(next(iter(columns.values()))) // 2
    return pd.DataFrame(
        {"variant": ["ref"] * n + ["new"] * n, "replication": list(range(n)) * 2, **columns}
    )


def test_t_interval_matches_the_textbook() -> None:
    mean, sd, half = t_interval(np.array([90.0, 92.0, 94.0]))
    assert (mean, sd) == (92.0, 2.0)
    assert half == pytest.approx(T_975_2 * 2 / math.sqrt(3))
    assert scipy_stats.t.ppf(0.975, 2) == pytest.approx(T_975_2)
    assert math.isnan(t_interval(np.array([1.0]))[2])


def test_summary_clips_percentages_and_keeps_variants_apart() -> None:
    kpis = frame(fill_rate=[99.0, 100.0, 100.0, 90.0, 92.0, 94.0])
    summary = summarise(kpis, [("fill_rate", "%")]).set_index("variant")
    assert summary.at["ref", "mean"] == pytest.approx(299 / 3)
    assert summary.at["ref", "ci_high"] == 100.0  # the t-interval would pass 100
    assert summary.at["new", "ci_low"] == pytest.approx(92 - T_975_2 * 2 / math.sqrt(3))


def test_pairing_finds_an_effect_that_the_levels_hide() -> None:
    # levels vary by 2 between replications, the variant adds 1 to 1.5 in each: paired, the
    # interval is 1.1667 +- 4.303 x 0.2887 / sqrt(3) = +-0.717 and excludes zero
    kpis = frame(fill_rate=[90.0, 92.0, 94.0, 91.0, 93.5, 95.0])
    row = compare(kpis, "ref", [("fill_rate", "%", "higher")]).iloc[0]
    assert row.difference == pytest.approx(7 / 6)
    assert row.half_width == pytest.approx(T_975_2 * np.std([1, 1.5, 1], ddof=1) / math.sqrt(3))
    assert row.significant and row.verdict == "better"
    # unpaired, the two means' intervals overlap widely
    ref_half = t_interval(np.array([90.0, 92.0, 94.0]))[2]
    assert ref_half > 2


def test_a_lower_is_better_kpi_that_rises_is_worse_and_identical_runs_are_no_change() -> None:
    kpis = frame(lost=[10.0, 20.0, 30.0, 12.0, 22.0, 32.0], km=[5.0, 6.0, 7.0, 5.0, 6.0, 7.0])
    table = compare(kpis, "ref", [("lost", "units", "lower"), ("km", "km", "lower")])
    lost, km = table.set_index("kpi").loc["lost"], table.set_index("kpi").loc["km"]
    assert lost.difference == 2.0 and lost.half_width == 0.0 and lost.verdict == "worse"
    assert km.difference == 0.0 and not km.significant and km.verdict == "no change"


def test_net_benefit_and_roi() -> None:
    kpis = frame(
        total_cost=[100.0, 110.0, 120.0, 90.0, 101.0, 107.0],
        iot_cost=[0.0, 0.0, 0.0, 5.0, 5.0, 5.0],
    )
    table = compare(kpis, "ref", [("total_cost", "money", "lower")]).set_index("kpi")
    # net benefit per replication: 10, 9, 13 -> mean 10.667; ROI 200%, 180%, 260% -> 213.3%
    assert table.at["net_benefit", "difference"] == pytest.approx(32 / 3)
    assert table.at["iot_roi", "difference"] == pytest.approx(640 / 3)
    assert table.at["iot_roi", "verdict"] == "better"


def test_roi_is_undefined_without_extra_iot_spend() -> None:
    kpis = frame(total_cost=[100.0, 110.0, 90.0, 100.0], iot_cost=[5.0, 5.0, 5.0, 5.0])
    roi = compare(kpis, "ref", []).set_index("kpi").loc["iot_roi"]
    assert math.isnan(roi.difference) and roi.n == 0 and not roi.significant

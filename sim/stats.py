"""Statistics over replications: t-intervals per variant, paired differences, net benefit, ROI.

Every variant runs the same replications on common random numbers (streams keyed by name and
replication), so replication r of a variant and replication r of the reference saw the same
customers, incidents and wear. Their difference is paired: its variance leaves out the noise
the two share, which is what makes small policy effects visible at a few replications.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95

# Compared with the reference only (not a KPI of one run): see docs/kpis.md.
COMPARISON_ONLY = (
    (
        "net_benefit",
        "money",
        "higher",
        "reference total cost - variant total cost (IoT cost included): what the variant saves",
    ),
    (
        "iot_roi",
        "%",
        "higher",
        "net benefit / (variant IoT cost - reference IoT cost) x 100; undefined unless the "
        "variant spends at least 1% more on IoT than the reference",
    ),
)


def t_interval(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean, standard deviation and the half-width of the Student-t interval of the mean.

    With one value the spread is unknown: ``nan`` for both.

    >>> mean, sd, half = t_interval(np.array([1.0, 2.0, 3.0]))
    >>> round(mean, 3), round(sd, 3), round(half, 3)
    (2.0, 1.0, 2.484)
    """
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    mean = float(values.mean()) if n else math.nan
    if n < 2:
        return mean, math.nan, math.nan
    sd = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n))
    return mean, sd, half


def summarise(kpis: pd.DataFrame, catalogue: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """Per variant and KPI: mean, sd, replications and the 95% t-interval.

    ``kpis`` has one row per (variant, replication); without a ``variant`` column it is one
    variant.
    """
    if "variant" not in kpis:
        kpis = kpis.assign(variant="base")
    rows = []
    for variant, group in kpis.groupby("variant", sort=False):
        for name, unit in catalogue:
            values = group[name].to_numpy(dtype=float)
            mean, sd, half = t_interval(values)
            low, high = mean - half, mean + half
            if unit == "%":  # a share cannot leave [0, 100]; clipping keeps the coverage
                low, high = max(low, 0.0), min(high, 100.0)
            rows.append(
                {
                    "variant": variant,
                    "kpi": name,
                    "unit": unit,
                    "mean": mean,
                    "sd": sd,
                    "n": int(np.count_nonzero(~np.isnan(values))),
                    "ci_low": low,
                    "ci_high": high,
                    "half_width": half,
                }
            )
    return pd.DataFrame(rows)


def _paired(
    variant: str, reference: str, kpi: str, unit: str, better: str, diffs: np.ndarray
) -> dict[str, object]:
    mean, sd, half = t_interval(diffs)
    if sd == 0:  # identical in every replication: no difference, and certainly so
        half = 0.0
    significant = bool(not math.isnan(half) and abs(mean) > half)
    if not significant:
        verdict = "no change"
    elif better == "none":
        verdict = "changed"
    else:
        improved = mean > 0 if better == "higher" else mean < 0
        verdict = "better" if improved else "worse"
    return {
        "variant": variant,
        "reference": reference,
        "kpi": kpi,
        "unit": unit,
        "difference": mean,
        "sd": sd,
        "n": int(np.count_nonzero(~np.isnan(diffs))),
        "ci_low": mean - half,
        "ci_high": mean + half,
        "half_width": half,
        "significant": significant,
        "verdict": verdict,
    }


def compare(
    kpis: pd.DataFrame,
    reference: str,
    catalogue: Sequence[tuple[str, str, str]],
) -> pd.DataFrame:
    """Each variant against the reference, KPI by KPI, paired by replication.

    ``catalogue`` lists (name, unit, better) with better one of "higher", "lower", "none".
    Adds the net benefit and the IoT ROI (``COMPARISON_ONLY``) when the KPIs have total and
    IoT cost. A difference is ``significant`` when its 95% interval excludes zero.
    """
    ref = kpis[kpis.variant == reference].set_index("replication").sort_index()
    rows: list[dict[str, object]] = []
    for variant, group in kpis.groupby("variant", sort=False):
        if variant == reference:
            continue
        this = group.set_index("replication").sort_index()
        if not this.index.equals(ref.index):
            raise ValueError(f"variant {variant!r} and {reference!r} ran different replications")
        for name, unit, better in catalogue:
            diffs = (this[name] - ref[name]).to_numpy(dtype=float)
            rows.append(_paired(str(variant), reference, name, unit, better, diffs))
        if "total_cost" in this and "iot_cost" in this:
            net = (ref["total_cost"] - this["total_cost"]).to_numpy(dtype=float)
            extra = (this["iot_cost"] - ref["iot_cost"]).to_numpy(dtype=float)
            # a few more messages are not an investment: the ratio would only measure noise
            material = extra > 0.01 * np.maximum(ref["iot_cost"].to_numpy(dtype=float), 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                roi = np.where(material, 100 * net / extra, math.nan)
            for (name, unit, better, _), values in zip(COMPARISON_ONLY, (net, roi), strict=True):
                rows.append(_paired(str(variant), reference, name, unit, better, values))
    return pd.DataFrame(rows)

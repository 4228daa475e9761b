"""The validation cases: a scenario file in scenarios/validation, a variant, a KPI and the value
theory gives. ``python tests/validation/cases.py`` (``make validate``) runs them all and writes
docs/validation.md; tests/validation asserts each.

The verdict: a case passes when theory lies within t(1 - 0.0001/2, n - 1) standard errors of
the simulated mean over n independent replications, so a correct model fails a case about once
in ten thousand runs; the table also shows the 95% interval.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim import theory
from sim.experiment import Experiment, run_experiment
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
FILES = ROOT / "scenarios" / "validation"
FALSE_ALARM = 1e-4

# lead time of the base-stock files: 15 min loading + 12 h on the road + 15 min unloading
LEAD_DAYS = 12.5 / 24
RATE = 16.0  # units a day


@dataclass(frozen=True)
class Case:
    file: str
    variant: str
    kpi: str
    theory: Callable[[], float]
    statement: str
    # what theory gives for a slightly wrong model (one unit of stock more or less): the run
    # must be long enough that the band excludes it
    near_miss: Callable[[], list[float]] = list
    # per-replication values when the case is not a KPI column: (experiment, variant) -> values
    measure: Callable[[Experiment, str], np.ndarray] | None = None
    # the measure reads the run's time series (the run is written to a temporary folder)
    reads_series: bool = False
    # where theory gives a range (a rule whose exact value lies between two known ones), its
    # upper end; ``theory`` is then the lower end
    theory_high: Callable[[], float] | None = None


def _lost(level: int) -> Case:
    def fill(s: int) -> float:
        return 100 * theory.base_stock_lost_sales_fill(s, RATE, LEAD_DAYS)

    return Case(
        "base_stock_lost_sales",
        f"S{level}",
        "fill_rate",
        lambda: fill(level),
        f"fill rate % = 100 (1 - ErlangB({level}, 8.33))",
        lambda: [fill(level - 1), fill(level + 1)],
    )


def _backorders(level: int, kpi: str, key: str, scale: float, text: str) -> Case:
    def value(s: int) -> float:
        return scale * theory.base_stock_backorders(s, RATE, LEAD_DAYS)[key]

    return Case(
        "base_stock_backorders",
        f"S{level}",
        kpi,
        lambda: value(level),
        text.format(S=level),
        lambda: [value(level - 1), value(level + 1)],
    )


def _reorder_point(reorder: int, batch: int, kpi: str, key: str, scale: float, text: str) -> Case:
    def value(r: int) -> float:
        return scale * theory.reorder_point_backorders(r, batch, RATE, LEAD_DAYS)[key]

    return Case(
        "reorder_point_backorders",
        f"r{reorder}_Q{batch}",
        kpi,
        lambda: value(reorder),
        text.format(r=reorder, Q=batch),
        lambda: [value(reorder - 1), value(reorder + 1)],
    )


ARRIVALS = 1.0  # supplier trucks an hour at the inbound docks (24 store orders a day)


def _queue(variant: str, doors: int, service: float, constant: bool = False) -> list[Case]:
    def wait(mean: float) -> float:
        if constant:
            return theory.md1_wait(ARRIVALS, mean)
        return theory.mmc_wait(doors, ARRIVALS, mean)

    model = "M/D/1" if constant else f"M/M/{doors}"
    rho = ARRIVALS * service / doors
    # a slightly wrong model: unloading 5% slower or faster
    off = [0.95 * service, 1.05 * service]
    return [
        Case(
            "dock_queue",
            variant,
            "inbound_wait",
            lambda: wait(service),
            f"{model} mean wait in queue, utilisation {rho:.2f}",
            lambda: [wait(m) for m in off],
        ),
        Case(
            "dock_queue",
            variant,
            "inbound_queue",
            lambda: ARRIVALS * wait(service),
            "Little: trucks waiting = arrival rate x mean wait",
            lambda: [ARRIVALS * wait(m) for m in off],
        ),
        Case(
            "dock_queue",
            variant,
            "inbound_utilisation",
            lambda: 100 * rho,
            "utilisation % = 100 lambda / (c mu)",
            lambda: [100 * ARRIVALS * m / doors for m in off],
        ),
    ]


def _availability(variant: str, mean_life: float, text: str) -> Case:
    def value(repair: float) -> float:
        return 100 * theory.availability(mean_life, repair)

    return Case(
        "availability",
        variant,
        "availability",
        lambda: value(10.0),
        text,
        lambda: [value(9.0), value(11.0)],  # repairs 10% shorter or longer
    )


WEIBULL_MEAN = 50 * math.gamma(1.5)  # shape 2, scale 50 h


def _periodic(level: int, kpi: str, key: str, scale: float, text: str) -> Case:
    def value(s: int) -> float:
        return scale * theory.periodic_review_backorders(s, 1.0, 30.0, LEAD_DAYS, 400)[key]

    return Case(
        "periodic_review_backorders",
        f"S{level}",
        kpi,
        lambda: value(level),
        text.format(S=level),
        lambda: [value(level - 2), value(level + 2)],  # two units more or less
    )


def period_end_state(experiment: Experiment, variant: str) -> pd.DataFrame:
    """The midnight samples of the run's time series after the warm-up (the end-of-period
    state of a day-long period), one row per (replication, t), columns (measure, location)."""
    assert experiment.folder is not None
    series = pd.read_parquet(experiment.folder / "timeseries.parquet")
    series = series[(series.variant == variant) & (series.t > experiment.scenario.run.warmup)]
    return series.pivot_table(
        index=["replication", "t"], columns="location", values=["on_hand", "backlog"]
    )


def _period_end(location: str, column: str) -> Callable[[Experiment, str], np.ndarray]:
    def measure(experiment: Experiment, variant: str) -> np.ndarray:
        values = period_end_state(experiment, variant)[column][location]
        return values.groupby(level="replication").mean().to_numpy(dtype=float)

    return measure


NORMAL_DAY = (100.0, 20.0)  # daily demand: mean, sd


def _normal_review(level: int, what: str) -> Case:
    mean, sd = NORMAL_DAY

    def loss(s: float, days: int) -> float:  # E[(D - s)+], D ~ N(days mean, days sd^2)
        sigma = sd * math.sqrt(days)
        z = (s - days * mean) / sigma
        return float(sigma * (stats.norm.pdf(z) - z * stats.norm.sf(z)))

    def value(s: float) -> float:
        if what == "fill_rate":
            return 100 * (1 - (loss(s, 2) - loss(s, 1)) / mean)
        if what == "on_hand":
            return s - 2 * mean + loss(s, 2)
        return loss(s, 2)

    texts = {
        "fill_rate": "fill % = 100 (1 - (sigma2 G(z2) - sigma1 G(z1)) / mu)",
        "on_hand": "end-of-day on hand = (S - 2 mu) + sigma2 G(z2)",
        "backlog": "end-of-day backlog = sigma2 G(z2)",
    }
    return Case(
        "periodic_review_normal",
        f"S{level}",
        "fill_rate" if what == "fill_rate" else f"end-of-day {what}",
        lambda: value(level),
        texts[what],
        lambda: [value(level - 10), value(level + 10)],  # S a third of a sd lower or higher
        measure=None if what == "fill_rate" else _period_end("S1", what),
        reads_series=what != "fill_rate",
    )


def _serial(store: int, warehouse: int, kpi: str, key: str, scale: float, text: str) -> Case:
    def value(s1: int, s2: int) -> float:
        stages = theory.serial_two_stage_backorders(s1, s2, RATE, LEAD_DAYS, 1.0)
        return scale * stages[key]

    if key == "warehouse_on_hand":
        near = [(store, warehouse - 1), (store, warehouse + 1)]
    else:
        near = [(store - 1, warehouse), (store + 1, warehouse)]
    return Case(
        "serial_two_stage",
        f"S{store}_{warehouse}",
        kpi,
        lambda: value(store, warehouse),
        text,
        lambda: [value(a, b) for a, b in near],
    )


THREE_LEADS = [LEAD_DAYS, 0.5, 1.0]  # W2 -> S1, W1 -> W2, supplier -> W1


def _three(levels: tuple[int, int, int], kpi: str, key: str, scale: float, text: str) -> Case:
    def value(lv: tuple[int, int, int]) -> float:
        stages = theory.serial_backorders(list(lv), RATE, THREE_LEADS)
        if key == "warehouses_on_hand":  # both warehouses: W2's, plus W1's E[(S3 - X3)+]
            top = theory.base_stock_backorders(lv[2], RATE, THREE_LEADS[2])["on_hand"]
            return stages["warehouse_on_hand"] + top
        return scale * stages[key]

    s1, s2, s3 = levels
    if key == "warehouses_on_hand":  # a unit more or less at the top warehouse, which holds most
        near = [(s1, s2, s3 - 1), (s1, s2, s3 + 1)]
    else:
        near = [(s1 - 1, s2, s3), (s1 + 1, s2, s3)]
    return Case(
        "serial_three_stage",
        f"S{s1}_{s2}_{s3}",
        kpi,
        lambda: value(levels),
        text,
        lambda: [value(lv) for lv in near],
    )


@dataclass(frozen=True)
class SerialInstance:
    """A three-stage serial instance in stockpyl's terms, stages listed store first."""

    demand: float  # Poisson mean per period (day)
    echelon_holding: tuple[float, float, float]  # h_j per unit per period
    stockout: float  # p per unit per period, at the store
    leads: tuple[int, int, int] = (1, 1, 2)  # L_j in periods

    @property
    def local_holding(self) -> list[float]:
        h = self.echelon_holding
        return [h[0] + h[1] + h[2], h[1] + h[2], h[2]]


CLARK_SCARF = {
    "a": SerialInstance(8, (3, 2, 2), 37.12),
    "b": SerialInstance(8, (1, 1, 1), 20),
    "c": SerialInstance(5, (3, 2, 2), 100),
}


def stockpyl_serial(
    instance: SerialInstance, echelon_levels: tuple[int, int, int] | None = None
) -> tuple[tuple[int, int, int], float]:
    """stockpyl's exact Chen-Zheng algorithm: the optimal echelon base-stock levels and their
    expected cost per period, or (``echelon_levels`` given) the expected cost of those levels."""
    import stockpyl.ssm_serial as ssm
    from stockpyl.demand_source import DemandSource

    # stockpyl 1.0.2 calls np.array(value, ndmin=1, copy=False) on scalars, which NumPy 2
    # refuses; hand it arrays (the same result under NumPy 1)
    if not getattr(ssm.find_nearest, "numpy2_safe", False):
        original = ssm.find_nearest

        def find_nearest(array, values, *args, **kwargs):  # type: ignore[no-untyped-def]
            if np.ndim(values) == 0:
                return int(original(array, np.array([values], float), *args, **kwargs)[0])
            return original(array, np.asarray(values, float), *args, **kwargs)

        find_nearest.numpy2_safe = True  # type: ignore[attr-defined]
        ssm.find_nearest = find_nearest

    h, leads = instance.echelon_holding, instance.leads
    levels = None if echelon_levels is None else dict(enumerate(echelon_levels, start=1))
    best, cost = ssm.optimize_base_stock_levels(
        num_nodes=3,
        echelon_holding_cost={1: h[0], 2: h[1], 3: h[2]},
        lead_time={1: leads[0], 2: leads[1], 3: leads[2]},
        stockout_cost=instance.stockout,
        demand_source=DemandSource(type="P", mean=instance.demand),
        S=levels,
    )
    return (int(best[1]), int(best[2]), int(best[3])), float(cost)


def period_end_cost(experiment: Experiment, variant: str) -> np.ndarray:
    """Cost per period in stockpyl's accounting, per replication, from the midnight samples of
    the time series (the end-of-period state): local holding on each stage's on hand, the
    stockout cost on the store's backorders, and in-transit holding at the shipping stage's
    rate. Units in transit to stage j average demand x L_j whatever the policy (Little's law),
    so that term is added as a constant."""
    instance = CLARK_SCARF[variant]
    state = period_end_state(experiment, variant)
    local = instance.local_holding
    cost = (
        local[0] * state["on_hand"]["S1"]
        + local[1] * state["on_hand"]["W2"]
        + local[2] * state["on_hand"]["W1"]
        + instance.stockout * state["backlog"]["S1"]
        + instance.demand * (local[1] * instance.leads[0] + local[2] * instance.leads[1])
    )
    return cost.groupby(level="replication").mean().to_numpy(dtype=float)


def _clark_scarf(variant: str) -> Case:
    instance = CLARK_SCARF[variant]

    def late_store() -> list[float]:
        # the classic slip: the store's order arriving a period later than stockpyl's model
        levels, _ = stockpyl_serial(instance)
        leads = (instance.leads[0] + 1, *instance.leads[1:])
        slower = SerialInstance(instance.demand, instance.echelon_holding, instance.stockout, leads)
        return [stockpyl_serial(slower, levels)[1]]

    return Case(
        "serial_clark_scarf",
        variant,
        "cost per period",
        lambda: stockpyl_serial(instance)[1],
        "stockpyl: expected cost per period at the optimal echelon levels",
        late_store,
        measure=period_end_cost,
        reads_series=True,
    )


AGE_LIFE = stats.weibull_min(2.0, scale=50.0)  # hours of driving
AGE_COSTS = (1000.0, 10.0, 100.0, 2.0)  # repair cost and hours, service cost and hours
AGE_STEP = 0.5  # a failure on the way out puts the ages at home half an hour off


def _age_cost(age: float, life: stats.rv_continuous = AGE_LIFE) -> float:
    return theory.age_replacement_cost_rate(age, life, *AGE_COSTS)


def maintenance_cost_per_hour(experiment: Experiment, variant: str) -> np.ndarray:
    run = experiment.scenario.run
    kpis = experiment.kpis
    costs = kpis[kpis.variant == variant].maintenance_cost.to_numpy(dtype=float)
    return costs / (run.horizon - run.warmup)


def _age_replacement(age: float) -> Case:
    ages = np.linspace(age, age + AGE_STEP, 11)

    def bounds(life: stats.rv_continuous = AGE_LIFE) -> list[float]:
        values = [_age_cost(a, life) for a in ages]
        return [min(values), max(values)]

    return Case(
        "age_replacement",
        f"T{age:g}",
        "maintenance cost per hour",
        lambda: bounds()[0],
        "C(T) = (c_f F + c_p R) / (int R + t_f F + t_p R), replaced at T or T + 30 min",
        # a lifetime 10% shorter or longer
        lambda: [
            *bounds(stats.weibull_min(2.0, scale=45.0)),
            *bounds(stats.weibull_min(2.0, scale=55.0)),
        ],
        measure=maintenance_cost_per_hour,
        theory_high=lambda: bounds()[1],
    )


ROUTE_BASE = 0.25 + 50 / 50 + 1 / 60 + 0.25  # loading, the two roads, unloading (hours)
CLEAR_MEAN = 2.0  # hours between closures on a 50 km road: 240 per 1000 km a day


def _closures(mean: float, fixed: bool) -> Any:
    return stats.rv_discrete(values=([mean], [1.0])) if fixed else stats.expon(scale=mean)


def _route_delays(fixed: bool, scale: float = 1.0) -> tuple[float, float]:
    return theory.closure_delays(CLEAR_MEAN, _closures(0.6 * scale, fixed))


def _two_routes(variant: str) -> Case:
    fixed = variant.endswith("_fixed")
    informed = variant.startswith("feed")

    def lead_time(scale: float = 1.0) -> float:
        one, best = _route_delays(fixed, scale)
        return ROUTE_BASE + (best if informed else one)

    closures = "fixed 36 min" if fixed else "exponential, mean 36 min"
    delay = "E[min(D_A, D_B)]" if informed else "E[D]"
    return Case(
        "two_routes",
        variant,
        "order_lead_time",
        lead_time,
        f"h = 1.517 + {delay}, closures {closures}",
        lambda: [lead_time(0.8), lead_time(1.2)],  # closures 20% shorter or longer
    )


def paired_lead_time_gain(experiment: Experiment, variant: str) -> np.ndarray:
    """The feed's lead time minus the static route's, replication by replication (the same
    closures and customers in both: common random numbers)."""
    kpis = experiment.kpis.set_index(["variant", "replication"]).order_lead_time
    return (kpis[variant] - kpis["static"]).to_numpy(dtype=float)


def _route_gain() -> Case:
    def gain(scale: float = 1.0) -> float:
        one, best = _route_delays(False, scale)
        return best - one

    return Case(
        "two_routes",
        "feed",
        "lead time gain (paired)",
        gain,
        "h = E[min(D_A, D_B)] - E[D]: the known delay picks the better route",
        lambda: [gain(0.8), gain(1.2)],
        measure=paired_lead_time_gain,
    )


def _bullwhip(periods: int, cover: int) -> Case:
    def value(p: int, c: float) -> float:
        return theory.bullwhip_moving_average(p, c)

    return Case(
        "bullwhip",
        f"p{periods}_L{cover}",
        "bullwhip",
        lambda: value(periods, cover),
        f"Var(q)/Var(D) = 1 + 2L/p + 2L^2/p^2, p = {periods}, L = {cover}",
        lambda: [value(periods + 1, cover), value(periods - 1, cover)],  # a period more or less
    )


CASES: list[Case] = [
    _lost(5),
    _lost(9),
    _lost(12),
    *(
        case
        for level in (6, 10, 14)
        for case in (
            _backorders(level, "fill_rate", "fill_rate", 100, "fill rate % = 100 P(D <= {S} - 1)"),
            _backorders(level, "store_on_hand", "on_hand", 1, "on hand = E[({S} - D)+]"),
            _backorders(level, "store_backlog", "backlog", 1, "backlog = E[(D - {S})+]"),
        )
    ),
    *(
        case
        for r, q in ((6, 5), (9, 10), (3, 16))
        for case in (
            _reorder_point(
                r, q, "fill_rate", "fill_rate", 100, "fill % = mean over y of P(D <= y - 1)"
            ),
            _reorder_point(r, q, "store_on_hand", "on_hand", 1, "on hand = mean of E[(y - D)+]"),
            _reorder_point(r, q, "store_backlog", "backlog", 1, "backlog = mean of E[(D - y)+]"),
        )
    ),
    *(
        case
        for level in (40, 50, 55)
        for case in (
            _periodic(
                level, "fill_rate", "fill_rate", 100, "fill % = mean over u of P(D(u) <= {S} - 1)"
            ),
            _periodic(level, "store_on_hand", "on_hand", 1, "on hand = mean of E[({S} - D(u))+]"),
            _periodic(level, "store_backlog", "backlog", 1, "backlog = mean of E[(D(u) - {S})+]"),
        )
    ),
    *(
        _normal_review(level, what)
        for level in (230, 200, 260)
        for what in ("fill_rate", "on_hand", "backlog")
    ),
    *(
        case
        for s1, s2 in ((10, 16), (12, 20), (8, 24))
        for case in (
            _serial(
                s1, s2, "fill_rate", "fill_rate", 100, "fill % = 100 P(S1 - X - (Y - S2)+ > 0)"
            ),
            _serial(s1, s2, "store_on_hand", "on_hand", 1, "store on hand = E[(S1 - X - B)+]"),
            _serial(s1, s2, "store_backlog", "backlog", 1, "store backlog = E[(X + B - S1)+]"),
            _serial(
                s1, s2, "warehouse_on_hand", "warehouse_on_hand", 1, "warehouse = E[(S2 - Y)+]"
            ),
        )
    ),
    *(
        case
        for levels in ((10, 8, 16), (12, 10, 20), (9, 6, 22))
        for case in (
            _three(levels, "fill_rate", "fill_rate", 100, "fill % = 100 P(S1 - X1 - B2 > 0)"),
            _three(levels, "store_on_hand", "on_hand", 1, "store on hand = E[(S1 - X1 - B2)+]"),
            _three(levels, "store_backlog", "backlog", 1, "store backlog = E[(X1 + B2 - S1)+]"),
            _three(
                levels,
                "warehouse_on_hand",
                "warehouses_on_hand",
                1,
                "warehouses = E[(S2 - X2 - B3)+] + E[(S3 - X3)+]",
            ),
        )
    ),
    *(_clark_scarf(variant) for variant in CLARK_SCARF),
    *_queue("mm1_light", 1, 0.5),
    *_queue("mm1_heavy", 1, 51 / 60),
    *_queue("mm3", 3, 2.4),
    *_queue("md1", 1, 0.8, constant=True),
    _availability("exponential", 50.0, "% = 100 MTBF / (MTBF + MTTR), exponential life"),
    _availability("weibull", WEIBULL_MEAN, "% = 100 MTBF / (MTBF + MTTR), Weibull life"),
    *(_age_replacement(age) for age in (12, 16, 32)),
    Case(
        "travel",
        "base",
        "order_lead_time",
        lambda: 0.25 + (40 / 80 + 30 / 60 + 20 / 40) + 0.25,
        "h = loading + sum of the roads' mean times + unloading",
        lambda: [2.0 * 0.95, 2.0 * 1.05],  # a road 5% slower or faster on average
    ),
    *(_two_routes(v) for v in ("static", "feed", "static_fixed", "feed_fixed")),
    _route_gain(),
    _bullwhip(4, 2),
    _bullwhip(10, 2),
    _bullwhip(2, 3),
]


def run_cases(cases: list[Case] = CASES) -> pd.DataFrame:
    """Run each file once (all its variants) and compare every case with its theory."""
    with tempfile.TemporaryDirectory() as folder:
        return _run_cases(cases, Path(folder))


def _run_cases(cases: list[Case], folder: Path) -> pd.DataFrame:
    experiments: dict[str, Experiment] = {}
    rows = []
    for case in cases:
        if case.file not in experiments:
            scenario = load_scenario(FILES / f"{case.file}.yaml")
            recorded = any(c.reads_series for c in cases if c.file == case.file)
            experiments[case.file] = run_experiment(
                scenario, folder if recorded else None, progress=False
            )
        experiment = experiments[case.file]
        if case.measure is not None:
            values = case.measure(experiment, case.variant)
        else:
            kpis = experiment.kpis
            values = kpis[kpis.variant == case.variant][case.kpi].to_numpy(dtype=float)
        n = len(values)
        mean = float(values.mean())
        se = float(values.std(ddof=1) / math.sqrt(n))
        half95 = float(stats.t.ppf(0.975, n - 1) * se)
        band = float(stats.t.ppf(1 - FALSE_ALARM / 2, n - 1) * se)
        expected = case.theory()
        high = expected if case.theory_high is None else case.theory_high()
        rows.append(
            {
                "case": f"{case.file} {case.variant}",
                "kpi": case.kpi,
                "theory": case.statement,
                "expected": expected,
                "expected_high": high,
                "simulated": mean,
                "ci_low": mean - half95,
                "ci_high": mean + half95,
                "band": band,
                "replications": n,
                "passes": bool(expected - band <= mean <= high + band),
                "near_miss_gap": min(
                    (_outside(other, expected, high) for other in case.near_miss()),
                    default=math.inf,
                ),
            }
        )
    return pd.DataFrame(rows)


def _outside(value: float, low: float, high: float) -> float:
    """How far ``value`` lies outside [low, high] (0 inside)."""
    return max(low - value, value - high, 0.0)


def markdown(table: pd.DataFrame) -> str:
    lines = [
        "| case | KPI | theory | expected | simulated | 95% interval | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        verdict = "pass" if row.passes else "FAIL"
        expected = f"{row.expected:.4g}"
        if row.expected_high != row.expected:
            expected += f" .. {row.expected_high:.4g}"
        lines.append(
            f"| {row.case} | `{row.kpi}` | {row.theory} | {expected} | "
            f"{row.simulated:.4g} | {row.ci_low:.4g} .. {row.ci_high:.4g} | {verdict} |"
        )
    return "\n".join(lines)


HEADER = """# Validation: the simulator against theory

Generated by `make validate` (`python tests/validation/cases.py`); `tests/validation` asserts
every row. A case passes when the theoretical value lies within t(1 - 0.0001/2, n - 1)
standard errors of the mean over n independent replications (a correct model fails a case
about once in ten thousand runs); the 95% interval is shown for reading. Where theory gives a
range (a rule whose exact value lies between two computable ones), the mean must lie within
that band of the range. The scenario files are in `scenarios/validation/`; each states its
theory in its header.

"""


def main() -> int:
    table = run_cases()
    text = HEADER + markdown(table) + "\n"
    target = ROOT / "docs" / "validation.md"
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
    print(markdown(table))
    failed = int((~table.passes).sum())
    print(f"\n{len(table) - failed} of {len(table)} cases pass; written to {target}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Replications, executors and statistics.

Each replication is independent: its random streams are keyed by (seed, replication, name), so
the numbers are the same whether replications run in this process or on a pool of workers.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.kpi import compute_kpis
from sim.model import Model
from sim.plan import resolve_plan
from sim.scenario import Scenario, load_scenario_data


@dataclass
class ReplicationSummary:
    """What a worker sends back: small, picklable."""

    replication: int
    kpis: dict[str, float]
    messages: dict[str, int]
    sim_events: int
    event_rows: int
    wall_seconds: float
    flows: pd.DataFrame


def run_replication(
    scenario_data: dict[str, Any], replication: int, folder: str | None, record: bool
) -> ReplicationSummary:
    """Run one replication; write its event and time-series parts into ``folder``."""
    scenario = load_scenario_data(scenario_data, "<resolved scenario>")
    events_path = Path(folder) / f"events-{replication:04d}.parquet" if folder and record else None
    series_path = (
        Path(folder) / f"timeseries-{replication:04d}.parquet" if folder and record else None
    )
    model = Model(
        scenario,
        replication,
        events_path=events_path,
        record=record and folder is not None,
        timeseries_path=series_path,
    )
    result = model.run()
    flows = result.flows.assign(replication=replication)
    return ReplicationSummary(
        replication=replication,
        kpis=compute_kpis(result, scenario),
        messages=result.messages,
        sim_events=result.sim_events,
        event_rows=result.event_rows,
        wall_seconds=result.wall_seconds,
        flows=flows,
    )


class InProcessExecutor(Executor):
    """Runs each task when submitted: the executor for one worker and for debugging."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller through the future
            future.set_exception(exc)
        return future


def make_executor(workers: int) -> Executor:
    if workers <= 1:
        return InProcessExecutor()
    # fork: workers start in milliseconds and inherit the imported modules
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def default_workers(replications: int) -> int:
    return max(1, min(replications, os.cpu_count() or 1))


def run_replications(
    scenario: Scenario,
    replications: int,
    folder: Path | None,
    workers: int,
    record: bool = True,
) -> Iterator[ReplicationSummary]:
    """Yield each replication's summary as it finishes (order of completion)."""
    resolve_plan(scenario)  # fail here, not in a worker, if the scenario cannot be built
    data = scenario.model_dump(mode="json", by_alias=True)
    with make_executor(workers) as executor:
        futures = [
            executor.submit(run_replication, data, r, str(folder) if folder else None, record)
            for r in range(replications)
        ]
        for future in as_completed(futures):
            yield future.result()


def t_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and the half-width of its Student-t confidence interval (``nan`` for one value)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    mean = float(values.mean()) if n else math.nan
    if n < 2:
        return mean, math.nan, math.nan
    sd = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n))
    return mean, sd, half


def summarise(kpis: pd.DataFrame, catalogue: list[tuple[str, str]]) -> pd.DataFrame:
    """Per KPI: mean, sd, replications, 95% t-interval."""
    rows = []
    for name, unit in catalogue:
        values = kpis[name].to_numpy(dtype=float)
        mean, sd, half = t_interval(values)
        low, high = mean - half, mean + half
        if unit == "%":  # a share cannot leave [0, 100]; clipping keeps the coverage
            low, high = max(low, 0.0), min(high, 100.0)
        rows.append(
            {
                "kpi": name,
                "unit": unit,
                "mean": mean,
                "sd": sd,
                "n": len(values),
                "ci_low": low,
                "ci_high": high,
                "half_width": half,
            }
        )
    return pd.DataFrame(rows)

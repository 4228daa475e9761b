"""Replications, executors and statistics.

Each replication is independent: its random streams are keyed by (seed, replication, name), so
the numbers are the same whether replications run in this process or on a pool of workers.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pandas as pd

from sim.kpi import BY_NAME, CATALOGUE, compute_kpis
from sim.model import Model
from sim.plan import resolve_plan
from sim.results import (
    discard,
    finish,
    merge_parquet,
    new_run_folder,
    write_csv,
    write_json,
    write_yaml,
)
from sim.scenario import BASE_VARIANT, Scenario, load_scenario_data
from sim.stats import compare, summarise
from sim.world.kernels import warm_up


@dataclass
class ReplicationSummary:
    """What a worker sends back: small, picklable."""

    variant: str
    replication: int
    point: int
    kpis: dict[str, float]
    messages: dict[str, int]
    sim_events: int
    event_rows: int
    wall_seconds: float
    flows: pd.DataFrame


def part_name(kind: str, variant_index: int, replication: int) -> str:
    """The file one replication of one variant writes before the parts are merged."""
    return f"{kind}-{variant_index:03d}-{replication:04d}.parquet"


def run_replication(
    scenario_data: dict[str, Any],
    replication: int,
    folder: str | None,
    record: bool,
    variant: str = BASE_VARIANT,
    variant_index: int = 0,
    point: int = 0,
) -> ReplicationSummary:
    """Run one replication of one variant; write its event and time-series parts to ``folder``."""
    scenario = load_scenario_data(scenario_data, "<resolved scenario>")
    events_path = series_path = fleet_path = None
    if record and folder is not None:
        events_path = Path(folder) / part_name("events", variant_index, replication)
        series_path = Path(folder) / part_name("timeseries", variant_index, replication)
        fleet_path = Path(folder) / part_name("fleet", variant_index, replication)
    model = Model(
        scenario,
        replication,
        events_path=events_path,
        record=events_path is not None,
        timeseries_path=series_path,
        fleet_path=fleet_path,
    )
    result = model.run()
    flows = result.flows.assign(variant=variant, replication=replication)
    return ReplicationSummary(
        variant=variant,
        replication=replication,
        point=point,
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
    warm_up()  # forked workers inherit the loaded kernels instead of loading them each
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def default_workers(replications: int) -> int:
    return max(1, min(replications, os.cpu_count() or 1))


def run_replications(
    scenario: Scenario,
    replications: int,
    folder: Path | None,
    workers: int,
    record: bool = True,
    executor: Executor | None = None,
) -> Iterator[ReplicationSummary]:
    """Every replication of every variant (at every sweep point), yielded as each finishes;
    on ``executor`` when given (left running for its owner), else on a pool of ``workers``."""
    tasks = []
    for point, (_, at_point) in enumerate(scenario.sweep_points()):
        for index, (name, variant) in enumerate(at_point.expand().items()):
            resolve_plan(variant)  # fail here, not in a worker, if a variant cannot be built
            tasks.append((point, name, index, variant.model_dump(mode="json", by_alias=True)))
    where = str(folder) if folder else None
    pool = contextlib.nullcontext(executor) if executor is not None else make_executor(workers)
    with pool as running:
        futures = [
            running.submit(run_replication, data, r, where, record, name, index, point)
            for r in range(replications)
            for point, name, index, data in tasks
        ]
        for future in as_completed(futures):
            yield future.result()


@dataclass
class Experiment:
    """A finished run: every variant's KPIs, the statistics and the run folder."""

    scenario: Scenario
    kpis: pd.DataFrame  # one row per (variant, replication) [and sweep point]
    summary: pd.DataFrame  # per variant and KPI: mean, sd, 95% interval
    comparison: pd.DataFrame  # per variant and KPI: paired difference against the reference
    folder: Path | None
    manifest: dict[str, Any]
    sweep: pd.DataFrame | None = None  # per point, variant and KPI: mean, interval, difference

    @property
    def reference(self) -> str:
        return self.scenario.reference_name

    @property
    def variants(self) -> list[str]:
        return list(self.kpis.variant.unique())

    def paired(self, variant: str, against: str, kpi: str) -> pd.Series:
        """The paired difference ``variant - against`` of one KPI over the replications, with
        its 95% interval and verdict (any two variants, not only against the reference)."""
        kpis = self.kpis[self.kpis.variant.isin([variant, against])]
        spec = BY_NAME.get(kpi)  # None for net_benefit and iot_roi, which compare adds itself
        table = compare(kpis, against, [(kpi, spec.unit, spec.better)] if spec else [])
        return cast(pd.Series, table.set_index("kpi").loc[kpi])


def run_experiment(
    scenario: Scenario,
    out_root: Path | None = Path("results"),
    workers: int | None = None,
    record: bool = True,
    progress: bool = True,
    report: bool = True,
    executor: Executor | None = None,
) -> Experiment:
    """Run every variant's replications; write ``<out_root>/<scenario>/<run-id>/`` (with
    ``report.html`` unless ``report`` is false).

    The folder is built as ``<run-id>.partial`` and renamed when complete; with ``out_root``
    None nothing is written (and nothing is recorded).
    """
    from tqdm import tqdm

    reps = scenario.run.replications
    points = scenario.sweep_points()
    names = points[0][1].variant_names
    tasks = reps * len(names) * len(points)
    workers = workers or default_workers(tasks)
    started = time.perf_counter()
    partial = final = None
    if out_root is not None:
        partial, final = new_run_folder(out_root, scenario.name, scenario.run.seed)
    # a sweep writes tables only: run one point as a scenario of its own for its event log
    record = record and partial is not None and scenario.sweep is None
    try:
        if partial is not None:
            data = scenario.model_dump(mode="json", by_alias=True)
            write_yaml(partial / "scenario.yaml", data)
        summaries: list[ReplicationSummary] = []
        with tqdm(
            total=tasks, desc=scenario.name, unit="run", file=sys.stderr, disable=not progress
        ) as bar:
            for summary in run_replications(scenario, reps, partial, workers, record, executor):
                summaries.append(summary)
                bar.update(1)
        order = {name: i for i, name in enumerate(names)}
        summaries.sort(key=lambda s: (s.point, order[s.variant], s.replication))
        kpis = pd.DataFrame(
            [
                {"point": s.point, "variant": s.variant, "replication": s.replication, **s.kpis}
                for s in summaries
            ]
        )
        reference = scenario.reference_name
        catalogue = [(k.name, k.unit, k.better) for k in CATALOGUE]
        at_point = [group.drop(columns="point") for _, group in kpis.groupby("point", sort=True)]
        summaries_by_point = [summarise(g, [(n, u) for n, u, _ in catalogue]) for g in at_point]
        comparisons_by_point = [compare(g, reference, catalogue) for g in at_point]
        sweep_table = None
        if scenario.sweep is None:
            kpis = kpis.drop(columns="point")
            summary_table, comparison = summaries_by_point[0], comparisons_by_point[0]
        else:
            values = pd.DataFrame([v for v, _ in points]).rename_axis("point").reset_index()
            kpis = values.merge(kpis, on="point")
            summary_table = pd.concat(
                [t.assign(point=i) for i, t in enumerate(summaries_by_point)], ignore_index=True
            )
            comparison = pd.concat(
                [t.assign(point=i) for i, t in enumerate(comparisons_by_point)],
                ignore_index=True,
            )
            sweep_table = _sweep_table(values, summary_table, comparison)
            summary_table = values.merge(summary_table, on="point")
            comparison = values.merge(comparison, on="point")
        manifest = _manifest(scenario, names, summaries, workers, started, len(points))
        if partial is not None and final is not None:
            write_csv(partial / "kpis.csv", kpis)
            write_csv(partial / "summary.csv", summary_table)
            write_csv(partial / "comparison.csv", comparison)
            if sweep_table is not None:
                write_csv(partial / "sweep.csv", sweep_table)
            flows = pd.concat([s.flows.assign(point=s.point) for s in summaries], ignore_index=True)
            if scenario.sweep is None:
                flows = flows.drop(columns="point")
            write_csv(partial / "flows.csv", flows)
            if record:
                manifest["event_log_rows"] = merge_parquet(
                    partial.glob("events-*.parquet"), partial / "events.parquet", names
                )
                merge_parquet(
                    partial.glob("timeseries-*.parquet"), partial / "timeseries.parquet", names
                )
                merge_parquet(partial.glob("fleet-*.parquet"), partial / "fleet.parquet", names)
                merge_parquet(partial.glob("roads-*.parquet"), partial / "roads.parquet", names)
            manifest["wall_seconds"] = round(time.perf_counter() - started, 3)
            write_json(partial / "manifest.json", manifest)
            if report:
                done = Experiment(
                    scenario, kpis, summary_table, comparison, partial, manifest, sweep=sweep_table
                )
                _write_report(done, partial / "report.html")
            final = finish(partial, final)
    except BaseException:
        if partial is not None:
            discard(partial)
        raise
    return Experiment(scenario, kpis, summary_table, comparison, final, manifest, sweep=sweep_table)


def _write_report(experiment: Experiment, path: Path) -> None:
    """The run's report page. A figure that cannot be drawn must not cost the run: the
    failure is said, and ``sim report`` can try again."""
    from sim.api import Results
    from sim.report import write_report

    try:
        write_report(Results(experiment), path)
    except Exception as exc:  # any plotting failure: the run itself is fine
        print(f"warning: report.html not written ({type(exc).__name__}: {exc})", file=sys.stderr)


def _sweep_table(
    values: pd.DataFrame, summary: pd.DataFrame, comparison: pd.DataFrame
) -> pd.DataFrame:
    """One tidy row per point, variant and KPI: the parameter values, the mean and interval,
    and the paired difference from the reference at the same point (none with one variant)."""
    table = summary[["point", "variant", "kpi", "unit", "mean", "ci_low", "ci_high", "n"]]
    if comparison.empty:
        return values.merge(table, on="point")
    difference = comparison[
        ["point", "variant", "kpi", "difference", "ci_low", "ci_high", "significant", "verdict"]
    ].rename(
        columns={
            "ci_low": "difference_ci_low",
            "ci_high": "difference_ci_high",
        }
    )
    table = table.merge(difference, on=["point", "variant", "kpi"], how="left")
    return values.merge(table, on="point")


def _manifest(
    scenario: Scenario,
    names: list[str],
    summaries: list[ReplicationSummary],
    workers: int,
    started: float,
    points: int = 1,
) -> dict[str, Any]:
    messages: dict[str, dict[str, int]] = {}
    for s in summaries:
        counts = messages.setdefault(s.variant, {})
        for kind, count in s.messages.items():
            counts[kind] = counts.get(kind, 0) + count
    return {
        "scenario": scenario.name,
        "seed": scenario.run.seed,
        "replications": scenario.run.replications,
        "variants": names,
        "reference": scenario.reference_name,
        "sweep_points": points,
        "workers": workers,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_seconds": round(time.perf_counter() - started, 3),
        "versions": versions(),
        "simpy_events": sum(s.sim_events for s in summaries),
        "event_log_rows": 0,
        "events_after_warmup": messages,
        "replication_wall_seconds": {
            name: [round(s.wall_seconds, 3) for s in summaries if s.variant == name]
            for name in names
        },
    }


def versions() -> dict[str, str]:
    import networkx
    import numpy
    import pyarrow
    import scipy
    import simpy

    from sim import __version__

    return {
        "sim": __version__,
        "python": platform.python_version(),
        "simpy": simpy.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "networkx": networkx.__version__,
        "pandas": pd.__version__,
        "pyarrow": pyarrow.__version__,
    }

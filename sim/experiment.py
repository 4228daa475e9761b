"""Replications, executors and statistics.

Each replication is independent: its random streams are keyed by (seed, replication, name), so
the numbers are the same whether replications run in this process or on a pool of workers.
"""

from __future__ import annotations

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


@dataclass
class ReplicationSummary:
    """What a worker sends back: small, picklable."""

    variant: str
    replication: int
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
) -> ReplicationSummary:
    """Run one replication of one variant; write its event and time-series parts to ``folder``."""
    scenario = load_scenario_data(scenario_data, "<resolved scenario>")
    events_path = series_path = None
    if record and folder is not None:
        events_path = Path(folder) / part_name("events", variant_index, replication)
        series_path = Path(folder) / part_name("timeseries", variant_index, replication)
    model = Model(
        scenario,
        replication,
        events_path=events_path,
        record=events_path is not None,
        timeseries_path=series_path,
    )
    result = model.run()
    flows = result.flows.assign(variant=variant, replication=replication)
    return ReplicationSummary(
        variant=variant,
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
    """Every replication of every variant, yielded as each finishes (order of completion)."""
    variants = scenario.expand()
    for variant in variants.values():
        resolve_plan(variant)  # fail here, not in a worker, if a variant cannot be built
    tasks = [
        (name, index, variant.model_dump(mode="json", by_alias=True))
        for index, (name, variant) in enumerate(variants.items())
    ]
    where = str(folder) if folder else None
    with make_executor(workers) as executor:
        futures = [
            executor.submit(run_replication, data, r, where, record, name, index)
            for r in range(replications)
            for name, index, data in tasks
        ]
        for future in as_completed(futures):
            yield future.result()


@dataclass
class Experiment:
    """A finished run: every variant's KPIs, the statistics and the run folder."""

    scenario: Scenario
    kpis: pd.DataFrame  # one row per (variant, replication)
    summary: pd.DataFrame  # per variant and KPI: mean, sd, 95% interval
    comparison: pd.DataFrame  # per variant and KPI: paired difference against the reference
    folder: Path | None
    manifest: dict[str, Any]

    @property
    def reference(self) -> str:
        return self.scenario.reference_name

    @property
    def variants(self) -> list[str]:
        return self.scenario.variant_names

    def paired(self, variant: str, against: str, kpi: str) -> pd.Series:
        """The paired difference ``variant - against`` of one KPI over the replications, with
        its 95% interval and verdict (any two variants, not only against the reference)."""
        spec = BY_NAME[kpi]
        kpis = self.kpis[self.kpis.variant.isin([variant, against])]
        table = compare(kpis, against, [(kpi, spec.unit, spec.better)])
        return cast(pd.Series, table.set_index("kpi").loc[kpi])


def run_experiment(
    scenario: Scenario,
    out_root: Path | None = Path("results"),
    workers: int | None = None,
    record: bool = True,
    progress: bool = True,
) -> Experiment:
    """Run every variant's replications; write ``<out_root>/<scenario>/<run-id>/``.

    The folder is built as ``<run-id>.partial`` and renamed when complete; with ``out_root``
    None nothing is written (and nothing is recorded).
    """
    from tqdm import tqdm

    reps = scenario.run.replications
    names = scenario.variant_names
    tasks = reps * len(names)
    workers = workers or default_workers(tasks)
    started = time.perf_counter()
    partial = final = None
    if out_root is not None:
        partial, final = new_run_folder(out_root, scenario.name, scenario.run.seed)
    record = record and partial is not None
    try:
        if partial is not None:
            data = scenario.model_dump(mode="json", by_alias=True)
            write_yaml(partial / "scenario.yaml", data)
        summaries: list[ReplicationSummary] = []
        with tqdm(
            total=tasks, desc=scenario.name, unit="run", file=sys.stderr, disable=not progress
        ) as bar:
            for summary in run_replications(scenario, reps, partial, workers, record):
                summaries.append(summary)
                bar.update(1)
        order = {name: i for i, name in enumerate(names)}
        summaries.sort(key=lambda s: (order[s.variant], s.replication))
        kpis = pd.DataFrame(
            [{"variant": s.variant, "replication": s.replication, **s.kpis} for s in summaries]
        )
        summary_table = summarise(kpis, [(k.name, k.unit) for k in CATALOGUE])
        comparison = compare(
            kpis, scenario.reference_name, [(k.name, k.unit, k.better) for k in CATALOGUE]
        )
        manifest = _manifest(scenario, summaries, workers, started)
        if partial is not None and final is not None:
            write_csv(partial / "kpis.csv", kpis)
            write_csv(partial / "summary.csv", summary_table)
            write_csv(partial / "comparison.csv", comparison)
            flows = pd.concat([s.flows for s in summaries], ignore_index=True)
            write_csv(partial / "flows.csv", flows)
            if record:
                manifest["event_log_rows"] = merge_parquet(
                    partial.glob("events-*.parquet"), partial / "events.parquet", names
                )
                merge_parquet(
                    partial.glob("timeseries-*.parquet"), partial / "timeseries.parquet", names
                )
            manifest["wall_seconds"] = round(time.perf_counter() - started, 3)
            write_json(partial / "manifest.json", manifest)
            final = finish(partial, final)
    except BaseException:
        if partial is not None:
            discard(partial)
        raise
    return Experiment(scenario, kpis, summary_table, comparison, final, manifest)


def _manifest(
    scenario: Scenario, summaries: list[ReplicationSummary], workers: int, started: float
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
        "variants": scenario.variant_names,
        "reference": scenario.reference_name,
        "workers": workers,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_seconds": round(time.perf_counter() - started, 3),
        "versions": versions(),
        "simpy_events": sum(s.sim_events for s in summaries),
        "event_log_rows": 0,
        "events_after_warmup": messages,
        "replication_wall_seconds": {
            name: [round(s.wall_seconds, 3) for s in summaries if s.variant == name]
            for name in scenario.variant_names
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

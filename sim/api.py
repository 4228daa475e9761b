"""The Python API: load a scenario, change it, run it, read and plot the results.

>>> import sim
>>> scenario = sim.load("scenarios/validation/travel.yaml")
>>> quick = scenario.with_overrides(run__horizon="20d", run__replications=2)
>>> results = sim.run(quick, workers=1, progress=False)
>>> results.summary.query("kpi == 'order_lead_time'")[["variant", "mean"]].round(1)
  variant  mean
5    base   2.0

Every figure is a matplotlib figure:

>>> fig = results.plot_kpis(["order_lead_time", "km"])
>>> [ax.get_title() for ax in fig.axes]
['order lead time', 'km']

A run written to a folder can be opened again later, the same way:

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     written = sim.run(quick, workers=1, out=folder, progress=False)
...     again = sim.open_run(written.folder)
...     bool((again.kpis.order_lead_time == written.kpis.order_lead_time).all())
True
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
from matplotlib.figure import Figure

from sim import plots
from sim.experiment import Experiment, run_experiment
from sim.scenario import Scenario, load_scenario, load_scenario_data

__all__ = ["Results", "load", "open_run", "run"]

DEFAULT_KPIS = ("fill_rate", "total_cost", "iot_cost")


def load(source: str | Path | Mapping[str, Any]) -> Scenario:
    """A scenario from a YAML file or from a dict (as the YAML would parse), validated; bad
    input raises ``ScenarioError`` with the key path of every problem."""
    if isinstance(source, Mapping):
        return load_scenario_data(dict(source))
    return load_scenario(source)


def run(
    scenario: Scenario | str | Path | Mapping[str, Any],
    *,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    out: str | Path | None = None,
    events: bool = True,
    progress: bool = True,
    executor: Executor | None = None,
) -> Results:
    """Run every variant (and sweep point) of ``scenario``; ``out`` is the folder that receives
    ``<scenario>/<run-id>/`` (nothing is written without it, and then there is no event log).
    ``workers`` processes run the replications (default: one per core); the numbers are the
    same whatever their count. Or hand over an ``executor`` of your own (a
    ``concurrent.futures`` pool, or a cluster's that speaks the same interface): the
    replications run on it and it is left running."""
    if not isinstance(scenario, Scenario):
        scenario = load(scenario)
    scenario = scenario.with_run(replications, seed)
    experiment = run_experiment(
        scenario,
        None if out is None else Path(out),
        workers,
        record=events,
        progress=progress,
        executor=executor,
    )
    return Results(experiment)


def open_run(folder: str | Path) -> Results:
    """A finished run folder (``results/<scenario>/<run-id>/``) as ``Results``."""
    path = Path(folder)
    if not (path / "manifest.json").exists():
        raise FileNotFoundError(f"{path}: not a finished run folder (no manifest.json)")
    scenario = load_scenario(path / "scenario.yaml")
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    experiment = Experiment(
        scenario,
        _table(path / "kpis.csv"),
        _table(path / "summary.csv"),
        _table(path / "comparison.csv"),
        path,
        manifest,
        sweep=_table(path / "sweep.csv") if (path / "sweep.csv").exists() else None,
    )
    return Results(experiment)


def _table(path: Path) -> pd.DataFrame:
    """A CSV of the run folder; an empty one (a run with one variant compares nothing)."""
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


class Results:
    """A finished run: its tables as pandas DataFrames, the event log and time series read
    from Parquet when first asked for, and plots."""

    def __init__(self, experiment: Experiment) -> None:
        self.experiment = experiment

    def __repr__(self) -> str:
        where = f", folder={str(self.folder)!r}" if self.folder else ""
        return (
            f"Results({self.scenario.name!r}, variants={self.variants}, "
            f"replications={self.scenario.run.replications}{where})"
        )

    # -- tables -----------------------------------------------------------------------------

    @property
    def scenario(self) -> Scenario:
        return self.experiment.scenario

    @property
    def folder(self) -> Path | None:
        return self.experiment.folder

    @property
    def manifest(self) -> dict[str, Any]:
        return self.experiment.manifest

    @property
    def variants(self) -> list[str]:
        return self.experiment.variants

    @property
    def reference(self) -> str:
        return self.experiment.reference

    @property
    def kpis(self) -> pd.DataFrame:
        """One row per variant and replication (and sweep point), one column per KPI."""
        return self.experiment.kpis

    @property
    def summary(self) -> pd.DataFrame:
        """Per variant and KPI: mean, sd, replications and the 95% interval."""
        return self.experiment.summary

    @property
    def comparison(self) -> pd.DataFrame:
        """Per variant and KPI: the paired difference from the reference, its interval and
        verdict, with net benefit and IoT ROI."""
        return self.experiment.comparison

    @property
    def sweep(self) -> pd.DataFrame | None:
        return self.experiment.sweep

    def paired(self, variant: str, against: str, kpi: str) -> pd.Series:
        """The paired difference ``variant - against`` of one KPI, with its interval."""
        return self.experiment.paired(variant, against, kpi)

    def _file(self, name: str) -> Path:
        if self.folder is None:
            raise FileNotFoundError(
                f"this run wrote no folder, so there is no {name}: run with out=... to keep one"
            )
        path = self.folder / name
        if not path.exists():
            raise FileNotFoundError(f"{path}: not written (a sweep, or a run without events)")
        return path

    @cached_property
    def flows(self) -> pd.DataFrame:
        """Per variant, replication, location and SKU: the stock flows after the warm-up."""
        return pd.read_csv(self._file("flows.csv"))

    @cached_property
    def events(self) -> pd.DataFrame:
        """The whole event log (``t_event``, ``t_received``, ``kind``, ``source``, ``entity``,
        ``sku``, ``value``, ``x``, ``y``, by ``variant`` and ``replication``). For a long run
        read a part with ``read_events``."""
        return pd.read_parquet(self._file("events.parquet"))

    def read_events(
        self,
        kinds: Sequence[str] | None = None,
        variant: str | None = None,
        replication: int | None = None,
        columns: Sequence[str] | None = None,
        entity: str | None = None,
        sku: str | None = None,
    ) -> pd.DataFrame:
        """Part of the event log, filtered as Parquet is read (only matching row groups)."""
        filters: list[tuple[str, str, Any]] = []
        if entity is not None:
            filters.append(("entity", "==", entity))
        if sku is not None:
            filters.append(("sku", "==", sku))
        if kinds is not None:
            filters.append(("kind", "in", list(kinds)))
        if variant is not None:
            filters.append(("variant", "==", variant))
        if replication is not None:
            filters.append(("replication", "==", replication))
        table = pq.read_table(
            self._file("events.parquet"),
            columns=None if columns is None else list(columns),
            filters=filters or None,
        )
        return table.to_pandas()

    def read_timeseries(
        self,
        variant: str | None = None,
        replication: int | None = None,
        location: str | None = None,
        sku: str | None = None,
    ) -> pd.DataFrame:
        """Part of the time series, filtered as Parquet is read (a large run's whole series
        need not fit in memory)."""
        filters: list[tuple[str, str, Any]] = []
        for column, value in (
            ("variant", variant),
            ("replication", replication),
            ("location", location),
            ("sku", sku),
        ):
            if value is not None:
                filters.append((column, "==", value))
        table = pq.read_table(self._file("timeseries.parquet"), filters=filters or None)
        return table.to_pandas()

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """True and recorded on hand and units owed per location and SKU, sampled every
        ``recording.timeseries_interval``."""
        return pd.read_parquet(self._file("timeseries.parquet"))

    def report(self, path: str | Path | None = None) -> Path:
        """Write ``report.html`` (by default into the run folder): one self-contained page."""
        from sim.report import write_report

        return write_report(self, None if path is None else Path(path))

    # -- plots ------------------------------------------------------------------------------

    def _at_point(self, table: pd.DataFrame, point: int) -> pd.DataFrame:
        """A sweep's table at one point (the first by default); other tables as they are."""
        return table[table.point == point] if "point" in table else table

    def plot_kpis(self, kpis: Sequence[str] = DEFAULT_KPIS, point: int = 0) -> Figure:
        """Each variant's mean of each KPI with its 95% interval (at one sweep point)."""
        summary = self._at_point(self.summary, point)
        return plots.kpi_comparison(summary, list(kpis), self.reference)

    def plot_differences(self, kpis: Sequence[str] = DEFAULT_KPIS, point: int = 0) -> Figure:
        """A forest plot of the paired differences from the reference (at one sweep point)."""
        comparison = self._at_point(self.comparison, point)
        return plots.forest(comparison, list(kpis), self.reference)

    def plot_stock(
        self,
        location: str,
        sku: str,
        variant: str | None = None,
        replication: int = 0,
        window: tuple[float, float] | None = None,
    ) -> Figure:
        """True and recorded stock at one location, counts and sensor reads marked;
        ``window`` is the first and last day shown."""
        variant = variant or self.reference
        series = self.read_timeseries(variant, replication, location, sku)
        events = None
        if self.folder is not None and (self.folder / "events.parquet").exists():
            events = self.read_events(
                kinds=["count", "shelf_read"],
                variant=variant,
                replication=replication,
                entity=location,
                sku=sku,
            )
        title = (
            f"Stock of {sku} at {location}: truth and record ({variant}, replication {replication})"
        )
        return plots.stock(series, events, location, sku, title, window)

    @cached_property
    def fleet(self) -> pd.DataFrame:
        """Every truck's (start, end, state) intervals, by variant and replication."""
        return pd.read_parquet(self._file("fleet.parquet"))

    def plot_fleet(
        self,
        variant: str | None = None,
        replication: int = 0,
        window: tuple[float, float] | None = None,
    ) -> Figure:
        """A fleet timeline: driving, loading, waiting at docks, broken down, in maintenance,
        per truck; ``window`` in days (default: the first week after the warm-up)."""
        variant = variant or self.reference
        fleet = self.fleet
        fleet = fleet[(fleet.variant == variant) & (fleet.replication == replication)]
        if window is None:
            first = self.scenario.run.warmup / 24
            window = (first, min(first + 7, self.scenario.run.horizon / 24))
        title = f"Fleet timeline ({variant}, replication {replication})"
        return plots.fleet_timeline(fleet, window, title)

    def plot_wear(
        self,
        variant: str | None = None,
        replication: int = 0,
        trucks: Sequence[str] | None = None,
    ) -> Figure:
        """Engine wear per truck from its health sensor, with the estimate, thresholds,
        services and failures (needs ``sensors.engine_health``)."""
        variant = variant or self.reference
        kinds = ["engine_health", "service", "repair", "breakdown"]
        events = self.read_events(kinds=kinds, variant=variant, replication=replication)
        readers = events[events.kind == "engine_health"].entity.astype(str)
        if readers.empty:
            raise ValueError(f"{variant}: no engine-health readings (sensors.engine_health)")
        chosen = list(trucks) if trucks is not None else sorted(readers.unique())[:3]
        groups = [g.wear for g in self.scenario.fleet if g.wear is not None]
        failure = groups[0].failure_threshold if groups else 1.0
        policy = self.scenario.variant(variant).maintenance  # "base" is the scenario itself
        threshold = policy.get("threshold") if policy.get("kind") == "predictive" else None
        window = int(policy.get("window", 3)) if policy.get("kind") == "predictive" else 3
        title = f"Engine wear ({variant}, replication {replication})"
        return plots.wear_paths(events, chosen, failure, threshold, window, title)

    @cached_property
    def roads(self) -> pd.DataFrame:
        """Per road, variant and replication: traversals, hours driven, free-flow hours of
        those traversals, and incidents over the run."""
        return pd.read_parquet(self._file("roads.parquet"))

    def plot_network(self, variant: str | None = None, replication: int = 0) -> Figure:
        """The network map: nodes by kind, roads by observed congestion and use, incidents."""
        from sim.plan import resolve_plan

        variant = variant or self.reference
        roads = self.roads
        roads = roads[(roads.variant == variant) & (roads.replication == replication)]
        plan, _ = resolve_plan(self.scenario.variant(variant))
        assert plan is not None
        network = plan.network
        nodes = pd.DataFrame(
            {
                "id": network.node_ids,
                "kind": network.kinds,
                "x": network.xy[:, 0],
                "y": network.xy[:, 1],
            }
        )
        title = f"Network ({variant}, replication {replication}): use, congestion, incidents"
        return plots.network_map(nodes, roads.astype({"source": str, "target": str}), title)

    def plot_sweep(self, kpi: str, variant: str | None = None) -> Figure:
        """A KPI over a two-parameter sweep as a heat map."""
        if self.sweep is None or self.scenario.sweep is None:
            raise ValueError("this run has no sweep")
        parameters = list(self.scenario.sweep.parameters)
        if len(parameters) != 2:
            raise ValueError(f"a heat map needs two swept parameters, not {len(parameters)}")
        x, y = parameters
        values = self.scenario.sweep.parameters
        return plots.sweep_heatmap(
            self.sweep, kpi, variant or self.reference, x, y, values[x], values[y]
        )

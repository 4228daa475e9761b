"""Figures for notebooks and the HTML report: matplotlib, one function per picture.

Each function takes the tables of a run (``Results`` hands them over) and returns a
``matplotlib.figure.Figure``; nothing is shown or saved here. Defaults aim at a report page:
titles, axis labels with units, legends outside the data, and sizes readable when printed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib
import matplotlib.cm
import matplotlib.colors
import matplotlib.patches

matplotlib.use("Agg", force=False)  # headless by default; a notebook's inline backend wins

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.kpi import BY_NAME

COLOURS = [f"C{i}" for i in range(10)]  # the default colour cycle
STYLE: Any = {  # rc parameters (typed Any: matplotlib types its keys as literals)
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
}


def _label(kpi: str) -> str:
    spec = BY_NAME.get(kpi)
    unit = spec.unit if spec is not None else ""
    name = kpi.replace("_", " ")
    return f"{name} ({unit})" if unit and unit != "none" else name


def _grid(count: int) -> tuple[int, int]:
    columns = 2 if count == 4 else min(3, max(count, 1))
    return math.ceil(count / columns), columns


def _compact(value: float, _position: object = None) -> str:
    """Tick labels that stay short: 2.5k, 1.2M."""
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:g}M"
    if size >= 1e4:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


def _value_axis(ax: Axes) -> None:
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.set_major_formatter(FuncFormatter(_compact))


def kpi_comparison(summary: pd.DataFrame, kpis: Sequence[str], reference: str) -> Figure:
    """One panel per KPI: each variant's mean with its 95% interval as a whisker."""
    rows, cols = _grid(len(kpis))
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            rows,
            cols,
            figsize=(4.6 * cols, 0.45 * summary.variant.nunique() * rows + 1.6 * rows),
            squeeze=False,
            constrained_layout=True,
        )
        variants = list(dict.fromkeys(summary.variant))
        y = np.arange(len(variants))
        for ax, kpi in zip(axes.flat, kpis, strict=False):
            part = summary[summary.kpi == kpi].set_index("variant").reindex(variants)
            mean = part["mean"].to_numpy(dtype=float)
            low = mean - part["ci_low"].to_numpy(dtype=float)
            high = part["ci_high"].to_numpy(dtype=float) - mean
            colours = [COLOURS[0] if v != reference else "0.35" for v in variants]
            ax.barh(y, mean, color=colours, alpha=0.35, height=0.6)
            ax.errorbar(mean, y, xerr=[low, high], fmt="o", color="0.1", capsize=3, ms=4)
            ax.set_yticks(y, variants)
            ax.invert_yaxis()
            ax.set_title(kpi.replace("_", " "))
            ax.set_xlabel(_label(kpi))
            ax.grid(axis="y", visible=False)
            _value_axis(ax)
        for ax in axes.flat[len(kpis) :]:
            ax.set_visible(False)
        fig.suptitle(f"KPIs by variant: mean and 95% interval (grey: the reference, {reference})")
    return fig


def forest(comparison: pd.DataFrame, kpis: Sequence[str], reference: str) -> Figure:
    """Paired differences from the reference with their 95% intervals, one panel per KPI;
    green where the change is an improvement, red where it is worse."""
    rows, cols = _grid(len(kpis))
    variants = list(dict.fromkeys(comparison.variant))
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            rows,
            cols,
            figsize=(4.6 * cols, 0.45 * len(variants) * rows + 1.6 * rows),
            squeeze=False,
            constrained_layout=True,
        )
        y = np.arange(len(variants))
        for ax, kpi in zip(axes.flat, kpis, strict=False):
            part = comparison[comparison.kpi == kpi].set_index("variant").reindex(variants)
            diff = part["difference"].to_numpy(dtype=float)
            low = diff - part["ci_low"].to_numpy(dtype=float)
            high = part["ci_high"].to_numpy(dtype=float) - diff
            verdicts = part["verdict"].fillna("").tolist()
            colours = [
                "tab:green" if v == "better" else "tab:red" if v == "worse" else "0.4"
                for v in verdicts
            ]
            ax.axvline(0, color="0.2", lw=1)
            for yi, d, lo, hi, c in zip(y, diff, low, high, colours, strict=True):
                ax.errorbar(d, yi, xerr=[[lo], [hi]], fmt="o", color=c, capsize=3, ms=5)
            ax.set_yticks(y, variants)
            ax.invert_yaxis()
            ax.set_title(f"{kpi.replace('_', ' ')}: difference")
            ax.set_xlabel(_label(kpi))
            ax.grid(axis="y", visible=False)
            _value_axis(ax)
        for ax in axes.flat[len(kpis) :]:
            ax.set_visible(False)
        fig.suptitle(
            f"Paired differences from {reference} with 95% intervals "
            "(green better, red worse, grey not significant)"
        )
    return fig


def stock(
    series: pd.DataFrame,
    events: pd.DataFrame | None,
    location: str,
    sku: str,
    title: str | None = None,
    window: tuple[float, float] | None = None,
) -> Figure:
    """True and recorded stock of one SKU at one location over time, with the physical counts
    and the sensor reads that reset the record marked: the picture of why visibility matters.
    ``window`` (first and last day) zooms in."""
    part = series[(series.location == location) & (series.sku == sku)].sort_values("t")
    if window is not None:
        part = part[(part.t >= window[0] * 24) & (part.t <= window[1] * 24)]
        if events is not None:
            events = events[(events.t_event >= window[0] * 24) & (events.t_event <= window[1] * 24)]
    days = part.t.to_numpy(dtype=float) / 24
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(10, 4.2), constrained_layout=True)
        ax.step(
            days,
            part.record,
            where="post",
            color=COLOURS[1],
            lw=1.0,
            alpha=0.9,
            label="recorded (what the twin believes)",
        )
        ax.step(
            days,
            part.on_hand,
            where="post",
            color=COLOURS[0],
            lw=1.2,
            zorder=3,
            label="true on hand",
        )
        if "backlog" in part and part.backlog.any():
            ax.step(
                days, -part.backlog, where="post", color="tab:red", lw=1, label="owed (backlog)"
            )
        if events is not None and len(events):
            here = events[(events.entity == location) & (events.sku == sku)]
            counts = here[here.kind == "count"]
            for i, t in enumerate(counts.t_event.to_numpy(dtype=float) / 24):
                ax.axvline(
                    t, color="0.3", lw=0.8, ls=":", label="physical count" if i == 0 else None
                )
            reads = here[here.kind == "shelf_read"]
            if len(reads):
                ax.plot(
                    reads.t_event.to_numpy(dtype=float) / 24,
                    reads.value,
                    ".",
                    ms=2.5,
                    color=COLOURS[2],
                    alpha=0.6,
                    label="shelf sensor reads",
                )
        ax.set_xlabel("time (days)")
        ax.set_ylabel("units")
        ax.set_title(title or f"Stock of {sku} at {location}: truth and record")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def _tick(value: object) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def sweep_heatmap(
    sweep: pd.DataFrame,
    kpi: str,
    variant: str,
    x: str,
    y: str,
    x_values: Sequence[object] | None = None,
    y_values: Sequence[object] | None = None,
) -> Figure:
    """A KPI's mean over a two-parameter sweep, one cell per point, the value written in it;
    rows and columns in the order the sweep lists its values."""
    part = sweep[(sweep.kpi == kpi) & (sweep.variant == variant)]
    grid = part.pivot_table(index=y, columns=x, values="mean")
    if x_values is not None:
        grid = grid.reindex(columns=[v for v in x_values if v in grid.columns])
    if y_values is not None:
        grid = grid.reindex(index=[v for v in y_values if v in grid.index])
    with plt.rc_context({**STYLE, "axes.grid": False}):
        fig, ax = plt.subplots(
            figsize=(1.3 * grid.shape[1] + 3, 0.8 * grid.shape[0] + 2), constrained_layout=True
        )
        image = ax.imshow(grid.to_numpy(dtype=float), cmap="viridis", aspect="auto", origin="lower")
        ax.set_xticks(range(grid.shape[1]), [_tick(v) for v in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [_tick(v) for v in grid.index])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        values = grid.to_numpy(dtype=float)
        middle = np.nanmean(values)
        for (i, j), value in np.ndenumerate(values):
            colour = "white" if value < middle else "black"
            ax.text(j, i, f"{value:,.4g}", ha="center", va="center", color=colour, fontsize=9)
        fig.colorbar(image, ax=ax, label=_label(kpi))
        ax.set_title(f"{kpi.replace('_', ' ')} of {variant} over the sweep")
    return fig


STATE_COLOURS = {
    "waiting at dock": "#f2c14e",
    "loading": "#f78154",
    "driving": "#4d9de0",
    "unloading": "#7768ae",
    "broken down": "#e15554",
    "waiting for a bay": "#b8b8b8",
    "in maintenance": "#3bb273",
}


def fleet_timeline(fleet: pd.DataFrame, window: tuple[float, float], title: str) -> Figure:
    """One row per truck: what it was doing when, over ``window`` (days); idle time is blank."""
    start, end = window[0] * 24, window[1] * 24
    part = fleet[(fleet.end > start) & (fleet.start < end)]
    trucks = sorted(fleet.truck.astype(str).unique())
    with plt.rc_context({**STYLE, "axes.grid": False}):
        fig, ax = plt.subplots(figsize=(11, 0.32 * len(trucks) + 1.8), constrained_layout=True)
        for row, truck in enumerate(trucks):
            mine = part[part.truck.astype(str) == truck]
            for state, spans in mine.groupby(mine.state.astype(str), observed=True):
                left = np.maximum(spans.start.to_numpy(dtype=float), start) / 24
                right = np.minimum(spans.end.to_numpy(dtype=float), end) / 24
                ax.broken_barh(
                    list(zip(left, right - left, strict=True)),
                    (row - 0.38, 0.76),
                    facecolors=STATE_COLOURS.get(str(state), "0.5"),
                )
        ax.set_yticks(range(len(trucks)), trucks)
        ax.invert_yaxis()
        ax.set_xlim(window)
        ax.set_xlabel("time (days)")
        ax.set_ylabel("truck")
        ax.set_title(title)
        handles = [
            matplotlib.patches.Patch(color=colour, label=state)
            for state, colour in STATE_COLOURS.items()
        ]
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            frameon=False,
            title="blank: idle at home",
        )
    return fig


def wear_paths(
    events: pd.DataFrame,
    trucks: Sequence[str],
    failure_threshold: float,
    service_threshold: float | None,
    window: int,
    title: str,
) -> Figure:
    """Engine wear per truck as its health sensor reported it (dots), the estimate a
    predictive policy acts on (the mean of the last ``window`` readings), the thresholds, and
    the services and failures."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            len(trucks),
            1,
            figsize=(10, 2.3 * len(trucks) + 0.8),
            squeeze=False,
            sharex=True,
            constrained_layout=True,
        )
        for ax, truck in zip(axes[:, 0], trucks, strict=True):
            mine = events[events.entity.astype(str) == truck].sort_values("t_event")
            readings = mine[mine.kind == "engine_health"]
            days = readings.t_event.to_numpy(dtype=float) / 24
            ax.plot(days, readings.value, ".", ms=2.5, color="0.55", label="health reading")
            # the estimate forgets everything before a service, as a predictive policy does
            renewals = mine[mine.kind.isin(["service", "repair"])].t_event.to_numpy(dtype=float)
            segment = np.searchsorted(renewals, readings.t_event.to_numpy(dtype=float))
            estimate = readings.value.groupby(segment).transform(
                lambda v: v.rolling(window, min_periods=1).mean()
            )
            for i, seg in enumerate(np.unique(segment)):
                here = segment == seg
                ax.plot(
                    days[here],
                    estimate[here],
                    color=COLOURS[0],
                    lw=1.2,
                    label=f"estimate (last {window})" if i == 0 else None,
                )
            ax.axhline(failure_threshold, color="tab:red", lw=1, ls="--", label="failure threshold")
            if service_threshold is not None:
                ax.axhline(
                    service_threshold, color="tab:green", lw=1, ls=":", label="service threshold"
                )
            services = mine[mine.kind == "service"].t_event.to_numpy(dtype=float) / 24
            for i, t in enumerate(services):
                ax.axvline(
                    t, color="tab:green", lw=0.9, alpha=0.7, label="service" if i == 0 else None
                )
            failures = mine[mine.kind == "breakdown"]
            ax.plot(
                failures.t_event.to_numpy(dtype=float) / 24,
                failures.value,
                "x",
                color="tab:red",
                ms=8,
                mew=2,
                label="breakdown",
            )
            ax.set_ylabel(f"{truck}: wear")
        axes[0, 0].set_title(title)
        axes[-1, 0].set_xlabel("time (days)")
        axes[0, 0].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


NODE_STYLE = {
    "supplier": ("s", "#7768ae", 70),
    "warehouse": ("D", "#f78154", 80),
    "store": ("o", "#4d9de0", 30),
    "junction": (".", "0.5", 12),
    "zone": ("^", "#3bb273", 30),
}


def network_map(nodes: pd.DataFrame, roads: pd.DataFrame, title: str) -> Figure:
    """The network: nodes by kind; roads coloured by observed congestion (hours driven over
    free-flow hours), drawn thicker the more trucks used them; roads with incidents marked."""
    where = {
        str(i): (float(x), float(y)) for i, x, y in zip(nodes.id, nodes.x, nodes.y, strict=True)
    }
    ends = [(where[str(a)], where[str(b)]) for a, b in zip(roads.source, roads.target, strict=True)]
    trips = roads.trips.to_numpy(dtype=float)
    hours = roads.hours.to_numpy(dtype=float)
    free = roads.free_hours.to_numpy(dtype=float)
    incidents = roads.incidents.to_numpy(dtype=float)
    used = trips > 0
    congestion = np.divide(hours, free, out=np.full(len(hours), np.nan), where=free > 0)
    with plt.rc_context({**STYLE, "axes.grid": False}):
        fig, ax = plt.subplots(figsize=(9, 7.5), constrained_layout=True)
        for a, b in ends:
            ax.plot([a[0], b[0]], [a[1], b[1]], color="0.85", lw=0.8, zorder=1)
        peak = float(np.nanmax(congestion)) if used.any() else 1.0
        norm = matplotlib.colors.Normalize(1.0, max(1.5, peak))
        cmap = plt.get_cmap("plasma_r")
        top = max(float(trips.max()) if len(trips) else 1.0, 1.0)
        for (a, b), n, factor in zip(ends, trips, congestion, strict=True):
            if n > 0:
                ax.plot(
                    [a[0], b[0]],
                    [a[1], b[1]],
                    color=cmap(norm(factor)),
                    lw=0.8 + 5 * n / top,
                    alpha=0.85,
                    solid_capstyle="round",
                    zorder=2,
                )
        hit = incidents > 0
        if hit.any():
            middle = np.array([((a[0] + b[0]) / 2, (a[1] + b[1]) / 2) for a, b in ends])[hit]
            ax.scatter(
                middle[:, 0],
                middle[:, 1],
                marker="X",
                s=12 + 6 * incidents[hit],
                color="tab:red",
                zorder=4,
                label="incidents (size: how many)",
            )
        for kind, (marker, colour, size) in NODE_STYLE.items():
            mine = nodes[nodes.kind == kind]
            if len(mine):
                ax.scatter(
                    mine.x,
                    mine.y,
                    marker=marker,
                    s=size,
                    color=colour,
                    zorder=5,
                    edgecolors="white",
                    linewidths=0.6,
                    label=f"{kind} ({len(mine)})",
                )
        fig.colorbar(
            matplotlib.cm.ScalarMappable(norm, cmap),
            ax=ax,
            shrink=0.7,
            label="observed congestion (hours / free-flow hours)",
        )
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xlabel("east (km)")
        ax.set_ylabel("north (km)")
        ax.set_title(title)
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.08), ncol=3, frameon=False)
    return fig

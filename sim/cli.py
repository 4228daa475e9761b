"""The ``sim`` command: a thin shell over the library."""

from __future__ import annotations

import json
import math
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any

import click
import pandas as pd

from sim import __version__
from sim.errors import ScenarioError
from sim.experiment import default_workers, run_replications, summarise
from sim.kpi import CATALOGUE, catalogue_markdown, catalogue_table
from sim.results import (
    discard,
    finish,
    merge_parquet,
    new_run_folder,
    write_csv,
    write_json,
    write_yaml,
)
from sim.scenario import Scenario, load_scenario
from sim.units import format_duration

EXIT_BAD_INPUT = 2


def _friendly(command: Callable[..., Any]) -> Callable[..., Any]:
    """Bad input exits 2 with the message, never a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ScenarioError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_BAD_INPUT)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sim")
def cli() -> None:
    """Simulate a supply chain and price what IoT changes in it."""


def _format(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    magnitude = abs(value)
    if magnitude >= 1e5:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:,.1f}"
    return f"{value:,.3g}" if magnitude < 1 else f"{value:,.2f}"


def kpi_table(summary: pd.DataFrame) -> str:
    header = ("KPI", "unit", "mean", "95% interval")
    rows: list[tuple[str, str, str, str]] = []
    for record in summary.to_dict("records"):
        half = float(record["half_width"])
        low, high = float(record["ci_low"]), float(record["ci_high"])
        interval = "-" if math.isnan(half) else f"{_format(low)} .. {_format(high)}"
        rows.append(
            (str(record["kpi"]), str(record["unit"]), _format(float(record["mean"])), interval)
        )
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
    align = ["<", "<", ">", ">"]
    lines = ["  ".join(f"{h:{a}{w}}" for h, a, w in zip(header, align, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(f"{c:{a}{w}}" for c, a, w in zip(r, align, widths, strict=True)) for r in rows
    ]
    return "\n".join(lines)


@cli.command()
@click.argument("scenario_file", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_root",
    type=click.Path(path_type=Path),
    default=Path("results"),
    show_default=True,
    help="folder that receives <scenario>/<run-id>/",
)
@click.option("--replications", "-n", type=click.IntRange(min=1), help="override run.replications")
@click.option("--seed", type=click.IntRange(min=0), help="override run.seed")
@click.option(
    "--workers", "-j", type=click.IntRange(min=1), help="worker processes (default: one per core)"
)
@click.option("--no-events", is_flag=True, help="do not write the event log and time series")
@_friendly
def run(
    scenario_file: Path,
    out_root: Path,
    replications: int | None,
    seed: int | None,
    workers: int | None,
    no_events: bool,
) -> None:
    """Run SCENARIO_FILE and print its KPIs with 95% intervals."""
    scenario = load_scenario(scenario_file)
    overrides: dict[str, Any] = {}
    if replications is not None:
        overrides["replications"] = replications
    if seed is not None:
        overrides["seed"] = seed
    if overrides:
        scenario = scenario.with_overrides({"run": overrides}, str(scenario_file))
    run_output = execute(scenario, out_root, workers, record=not no_events)
    spec = scenario.run
    click.echo("")
    click.echo(
        f"{scenario.name}: {spec.replications} replications of {format_duration(spec.horizon)}"
        f" (KPIs over the {format_duration(spec.horizon - spec.warmup)} after the warm-up),"
        f" seed {spec.seed}, {run_output['manifest']['wall_seconds']:.1f} s"
    )
    click.echo("")
    click.echo(kpi_table(run_output["summary"]))
    click.echo("")
    click.echo(f"results: {run_output['folder']}")


def execute(
    scenario: Scenario, out_root: Path, workers: int | None, record: bool = True
) -> dict[str, Any]:
    """Run every replication into a new run folder; return the summary and the folder."""
    from tqdm import tqdm

    reps = scenario.run.replications
    workers = workers or default_workers(reps)
    partial, final = new_run_folder(out_root, scenario.name, scenario.run.seed)
    started = time.perf_counter()
    summaries = []
    try:
        write_yaml(partial / "scenario.yaml", scenario.model_dump(mode="json", by_alias=True))
        with tqdm(total=reps, desc=f"{scenario.name}", unit="rep", file=sys.stderr) as bar:
            for summary in run_replications(scenario, reps, partial, workers, record):
                summaries.append(summary)
                bar.update(1)
        summaries.sort(key=lambda s: s.replication)
        kpis = pd.DataFrame([{"replication": s.replication, **s.kpis} for s in summaries])
        summary_table = summarise(kpis, [(k.name, k.unit) for k in CATALOGUE])
        write_csv(partial / "kpis.csv", kpis)
        write_csv(partial / "summary.csv", summary_table)
        write_csv(partial / "flows.csv", pd.concat([s.flows for s in summaries], ignore_index=True))
        event_rows = (
            merge_parquet(partial.glob("events-*.parquet"), partial / "events.parquet")
            if record
            else 0
        )
        if record:
            merge_parquet(partial.glob("timeseries-*.parquet"), partial / "timeseries.parquet")
        messages: dict[str, int] = {}
        for s in summaries:
            for kind, count in s.messages.items():
                messages[kind] = messages.get(kind, 0) + count
        manifest = {
            "scenario": scenario.name,
            "seed": scenario.run.seed,
            "replications": reps,
            "workers": workers,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "wall_seconds": round(time.perf_counter() - started, 3),
            "versions": _versions(),
            "simpy_events": sum(s.sim_events for s in summaries),
            "event_log_rows": event_rows,
            "events_after_warmup": messages,
            "replication_wall_seconds": [round(s.wall_seconds, 3) for s in summaries],
        }
        write_json(partial / "manifest.json", manifest)
        folder = finish(partial, final)
    except BaseException:
        discard(partial)
        raise
    return {"summary": summary_table, "kpis": kpis, "folder": folder, "manifest": manifest}


def _versions() -> dict[str, str]:
    import networkx
    import numpy
    import pyarrow
    import scipy
    import simpy

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


@cli.command()
@click.argument("scenario_file", type=click.Path(path_type=Path))
@_friendly
def validate(scenario_file: Path) -> None:
    """Check SCENARIO_FILE: schema, references and road paths."""
    scenario = load_scenario(scenario_file)
    click.echo(f"{scenario_file}: ok ({scenario.name}, {len(scenario.products)} SKUs)")


@cli.command()
def schema() -> None:
    """Print the scenario JSON Schema (for editors)."""
    click.echo(json.dumps(Scenario.model_json_schema(by_alias=True), indent=2))


@cli.command()
@click.option("--markdown", is_flag=True, help="print the Markdown table of docs/kpis.md")
def kpis(markdown: bool) -> None:
    """List the KPI catalogue."""
    if markdown:
        click.echo(catalogue_markdown())
        return
    table = catalogue_table()
    width = max(len(k) for k in table.kpi)
    unit_width = max(len(u) for u in table.unit)
    for record in table.to_dict("records"):
        click.echo(
            f"{record['kpi']:<{width}}  {record['unit']:<{unit_width}}  {record['definition']}"
        )


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)

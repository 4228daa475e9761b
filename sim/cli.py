"""The ``sim`` command: a thin shell over the library."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click
import pandas as pd

from sim import __version__
from sim.errors import ScenarioError
from sim.experiment import Experiment, run_experiment
from sim.kpi import catalogue_markdown, catalogue_table
from sim.regression import BaselineError, CheckReport, check_file, make_baseline
from sim.scenario import load_scenario, scenario_json_schema
from sim.units import format_duration, format_number

EXIT_REGRESSION = 1
EXIT_BAD_INPUT = 2


def _friendly(command: Callable[..., Any]) -> Callable[..., Any]:
    """Bad input exits 2 with the message, never a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (ScenarioError, BaselineError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_BAD_INPUT)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sim")
def cli() -> None:
    """Simulate a supply chain and price what IoT changes in it."""


def render_table(header: tuple[str, ...], rows: list[tuple[str, ...]], align: str) -> str:
    """Plain-text columns; ``align`` has one '<' or '>' per column."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(f"{h:{a}{w}}" for h, a, w in zip(header, align, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(f"{c:{a}{w}}" for c, a, w in zip(r, align, widths, strict=True)).rstrip()
        for r in rows
    ]
    return "\n".join(lines)


def kpi_table(summary: pd.DataFrame) -> str:
    """One variant: KPI, unit, mean and 95% interval."""
    rows: list[tuple[str, ...]] = []
    for record in summary.to_dict("records"):
        half = float(record["half_width"])
        low, high = float(record["ci_low"]), float(record["ci_high"])
        interval = "-" if math.isnan(half) else f"{format_number(low)} .. {format_number(high)}"
        rows.append(
            (
                str(record["kpi"]),
                str(record["unit"]),
                format_number(float(record["mean"])),
                interval,
            )
        )
    return render_table(("KPI", "unit", "mean", "95% interval"), rows, "<<>>")


def _plus_minus(mean: float, half: float, signed: bool = False) -> str:
    """``mean ±half`` to the precision the interval supports (two digits of the half), the mean
    to five significant digits at most.

    >>> _plus_minus(98.0623, 0.2291), _plus_minus(1283.72451, 0.00071), _plus_minus(-3.0, 1.5, True)
    ('98.06 ±0.23', '1,283.7 ±0.00071', '-3.0 ±1.5')
    """
    if math.isnan(mean) or math.isnan(half) or half <= 1e-9 * max(1.0, abs(mean)):
        text = format_number(mean)
        if signed and not math.isnan(mean) and mean > 0:
            text = "+" + text
        return text if math.isnan(half) else f"{text} ±0"
    decimals = min(6, max(0, 1 - math.floor(math.log10(half))))
    # the mean to five significant digits at most, however narrow its interval
    mean_decimals = decimals
    if mean != 0:
        mean_decimals = min(decimals, max(0, 4 - math.floor(math.log10(abs(mean)))))
    sign = "+" if signed else ""
    return f"{mean:{sign},.{mean_decimals}f} ±{half:,.{decimals}f}"


def variants_table(summary: pd.DataFrame, variants: list[str], reference: str) -> str:
    """Several variants: KPI rows, one column of mean ± half-width per variant."""
    header = ("KPI", "unit", *(f"{v} (ref)" if v == reference else v for v in variants))
    means = summary["mean"].to_numpy(dtype=float)
    halves = summary.half_width.to_numpy(dtype=float)
    cell = {
        (kpi, variant): _plus_minus(float(mean), float(half))
        for kpi, variant, mean, half in zip(
            summary.kpi, summary.variant, means, halves, strict=True
        )
    }
    rows: list[tuple[str, ...]] = []
    for kpi, unit in summary.drop_duplicates("kpi")[["kpi", "unit"]].itertuples(index=False):
        rows.append((str(kpi), str(unit), *(cell[(kpi, v)] for v in variants)))
    return render_table(header, rows, "<<" + ">" * len(variants))


def comparison_table(comparison: pd.DataFrame, variants: list[str]) -> str:
    """Paired difference of each variant against the reference, marked when significant."""
    table = comparison.set_index(["kpi", "variant"])
    rows: list[tuple[str, ...]] = []
    for kpi, unit in comparison.drop_duplicates("kpi")[["kpi", "unit"]].itertuples(index=False):
        cells = []
        for v in variants:
            row = table.loc[(kpi, v)]
            cell = _plus_minus(float(row["difference"]), float(row["half_width"]), signed=True)
            if row["verdict"] in ("better", "worse"):
                cell += f" {row['verdict']}"
            elif row["significant"]:
                cell += " *"
            cells.append(cell)
        rows.append((str(kpi), str(unit), *cells))
    return render_table(("KPI", "unit", *variants), rows, "<<" + ">" * len(variants))


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
@click.option("--dry", is_flag=True, help="print the KPIs, write no run folder")
@_friendly
def run(
    scenario_file: Path,
    out_root: Path,
    replications: int | None,
    seed: int | None,
    workers: int | None,
    no_events: bool,
    dry: bool,
) -> None:
    """Run every variant of SCENARIO_FILE; print KPIs and differences with 95% intervals."""
    scenario = load_scenario(scenario_file).with_run(replications, seed, str(scenario_file))
    experiment = run_experiment(scenario, None if dry else out_root, workers, record=not no_events)
    print_experiment(experiment)


def sweep_tables(experiment: Experiment) -> str:
    """Per KPI the sweep shows: a row per point, mean ± half-width per variant, and the
    difference from the reference where its interval excludes zero."""
    sweep = experiment.sweep
    spec = experiment.scenario.sweep
    assert sweep is not None and spec is not None
    params = list(spec.parameters)
    variants = experiment.variants
    blocks = []
    for kpi in spec.show:
        rows: list[tuple[str, ...]] = []
        table = sweep[sweep.kpi == kpi]
        unit = str(table.unit.iloc[0])
        for _, point in table.groupby("point", sort=True):
            first = point.iloc[0]
            cells = [str(first[p]) for p in params]
            for v in variants:
                row = point[point.variant == v].iloc[0]
                half = (float(row.ci_high) - float(row.ci_low)) / 2
                cell = _plus_minus(float(row["mean"]), half)
                if v != experiment.reference and bool(row.significant):
                    cell += f" ({_plus_minus(float(row.difference), math.nan, signed=True)})"
                cells.append(cell)
            rows.append(tuple(cells))
        header = (*params, *(f"{v} (ref)" if v == experiment.reference else v for v in variants))
        title = f"{kpi} ({unit}): mean ± half-width of the 95% interval"
        title += f"; (difference from {experiment.reference}) where significant"
        blocks.append(
            title + "\n" + render_table(header, rows, ">" * len(params) + ">" * len(variants))
        )
    return "\n\n".join(blocks)


def print_experiment(experiment: Experiment) -> None:
    spec = experiment.scenario.run
    variants = experiment.variants
    what = f"{len(variants)} variants x " if len(variants) > 1 else ""
    points = experiment.manifest.get("sweep_points", 1)
    if points > 1:
        what = f"{points} sweep points x {what}"
    click.echo("")
    click.echo(
        f"{experiment.scenario.name}: {what}{spec.replications} replications of"
        f" {format_duration(spec.horizon)} (KPIs over the"
        f" {format_duration(spec.horizon - spec.warmup)} after the warm-up), seed {spec.seed},"
        f" {experiment.manifest['wall_seconds']:.1f} s"
    )
    click.echo("")
    if experiment.sweep is not None:
        click.echo(sweep_tables(experiment))
    elif len(variants) == 1:
        click.echo(kpi_table(experiment.summary))
    else:
        click.echo("Mean ± half-width of the 95% interval, by variant")
        click.echo(variants_table(experiment.summary, variants, experiment.reference))
        click.echo("")
        others = [v for v in variants if v != experiment.reference]
        click.echo(
            f"Difference from {experiment.reference}, paired by replication (same random numbers)"
        )
        click.echo(
            "mean ± half-width of the 95% interval; better / worse (* where neither is better)"
            " when the interval excludes zero"
        )
        click.echo(comparison_table(experiment.comparison, others))
    if experiment.folder is not None:
        click.echo("")
        click.echo(f"results: {experiment.folder}")
        page = experiment.folder / "report.html"
        if page.exists():
            click.echo(f"report:  {page}")


@cli.command()
@click.argument("scenario_file", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="the baseline file (default: baselines/<scenario file name> beside the scenario)",
)
@click.option("--replications", "-n", type=click.IntRange(min=1), help="override run.replications")
@click.option("--seed", type=click.IntRange(min=0), help="override run.seed")
@click.option(
    "--workers", "-j", type=click.IntRange(min=1), help="worker processes (default: one per core)"
)
@_friendly
def baseline(
    scenario_file: Path,
    out: Path | None,
    replications: int | None,
    seed: int | None,
    workers: int | None,
) -> None:
    """Run SCENARIO_FILE and write its KPI baseline for `sim check`."""
    written, path = make_baseline(scenario_file, out, seed, replications, workers)
    kpis = len(next(iter(written.levels.values())))
    click.echo(
        f"baseline of {written.scenario!r}: {len(written.levels)} variant(s) x {kpis} KPIs, "
        f"{written.replications} replications, seed {written.seed}\nwritten to {path}"
    )


CHECK_ROWS_SHOWN = 60


def check_table(report: CheckReport, show_all: bool) -> str:
    rows = report.rows
    shown = rows if show_all or len(rows) <= CHECK_ROWS_SHOWN else rows[rows.verdict != "pass"]
    lines = []
    table_rows: list[tuple[str, ...]] = []
    for row in shown.to_dict("records"):
        delta, relative = float(row["change"]), float(row["relative"])
        change = "-"
        if not math.isnan(delta):
            change = ("+" if delta >= 0 else "") + format_number(delta)
            if not math.isnan(relative):
                change += f" ({100 * relative:+.1f}%)"
        p_adjusted = float(row["p_adjusted"])
        p = "-" if math.isnan(p_adjusted) else f"{p_adjusted:.2g}"
        kpi = str(row["kpi"])
        what = kpi if row["measure"] == "level" else f"{kpi} (vs reference)"
        table_rows.append(
            (
                str(row["group"]),
                what,
                format_number(float(row["base"])),
                format_number(float(row["now"])),
                change,
                p,
                str(row["verdict"]),
            )
        )
    if table_rows:
        header = ("variant", "KPI", "baseline", "now", "change", "p (Holm)", "verdict")
        lines.append(render_table(header, table_rows, "<<>>>><"))
    if len(shown) < len(rows):
        lines.append(f"({len(rows) - len(shown)} more passed; --all lists every one)")
    return "\n".join(lines)


@cli.command()
@click.argument("scenario_file", type=click.Path(path_type=Path))
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(path_type=Path),
    help="the baseline file (default: baselines/<scenario file name> beside the scenario)",
)
@click.option(
    "--junit", type=click.Path(path_type=Path), help="also write the verdicts as JUnit XML"
)
@click.option("--replications", "-n", type=click.IntRange(min=1), help="override run.replications")
@click.option("--seed", type=click.IntRange(min=0), help="override run.seed")
@click.option(
    "--workers", "-j", type=click.IntRange(min=1), help="worker processes (default: one per core)"
)
@click.option("--all", "show_all", is_flag=True, help="list every KPI, not only those that moved")
@_friendly
def check(
    scenario_file: Path,
    baseline_file: Path | None,
    junit: Path | None,
    replications: int | None,
    seed: int | None,
    workers: int | None,
    show_all: bool,
) -> None:
    """Run SCENARIO_FILE again and compare every KPI with its baseline.

    Exit 0: every KPI within noise or tolerance; 1: a KPI moved; 2: bad input."""
    report = check_file(scenario_file, baseline_file, seed, replications, workers)
    notice = report.notice()
    if notice:
        click.echo(notice + "\n")
    click.echo(check_table(report, show_all))
    failed = len(report.failed)
    tested = len(report.rows)
    click.echo(
        f"\n{report.scenario}: {tested - failed} of {tested} KPI checks pass against "
        f"{report.baseline_path} (significance {report.significance}, seed {report.seed}; "
        f"baseline seed {report.baseline_seed})"
    )
    if junit is not None:
        junit.parent.mkdir(parents=True, exist_ok=True)
        tmp = junit.with_name(junit.name + ".tmp")
        tmp.write_text(report.junit_xml(), encoding="utf-8")
        tmp.replace(junit)
    if failed:
        click.echo(f"REGRESSION: {failed} KPI check(s) moved", err=True)
        sys.exit(EXIT_REGRESSION)


@cli.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
def report(run_dir: Path) -> None:
    """Build RUN_DIR/report.html again from the run folder."""
    from sim.api import open_run

    try:
        results = open_run(run_dir)
    except (FileNotFoundError, ScenarioError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    click.echo(f"written: {results.report()}")


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
    click.echo(json.dumps(scenario_json_schema(), indent=2))


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

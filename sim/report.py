"""``report.html``: one self-contained page per run (figures embedded, no network needed).

``sim run`` writes it into the run folder; ``sim report RUN_DIR`` builds it again.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from sim.units import format_number

if TYPE_CHECKING:
    from sim.api import Results

HEADLINE_KPIS = ["fill_rate", "lost_sales", "order_lead_time", "total_cost", "iot_cost"]
COST_ROWS = ["iot_cost", "total_cost", "net_benefit", "iot_roi"]

CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2rem auto;
       max-width: 1150px; color: #222; line-height: 1.45; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
.sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; font-size: 0.88rem; margin: 0.6rem 0; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f6f6f6; position: sticky; top: 0; }
td.better { color: #1a7f37; } td.worse { color: #c62828; }
img { max-width: 100%; height: auto; margin: 0.5rem 0; }
pre { background: #f6f6f6; padding: 0.8rem; overflow-x: auto; font-size: 0.8rem; }
.note { color: #555; font-size: 0.9rem; }
"""


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


def _number(value: object) -> str:
    try:
        return format_number(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return html.escape(str(value))


def _table(header: list[str], rows: list[list[str]], classes: list[list[str]] | None = None) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cells = []
        for j, cell in enumerate(row):
            cls = classes[i][j] if classes else ""
            attr = f' class="{cls}"' if cls else ""
            cells.append(f"<td{attr}>{cell}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _scenario_summary(results: Results) -> str:
    scenario = results.scenario
    run = scenario.run
    network = scenario.network
    nodes = network.nodes or []
    kinds = pd.Series([n.kind for n in nodes]).value_counts().to_dict() if nodes else {}
    if network.generate is not None:
        g = network.generate
        kinds = {"supplier": g.suppliers, "warehouse": g.warehouses, "store": g.stores}
    rows = [
        ["description", html.escape(scenario.description or "-")],
        [
            "suppliers, warehouses, stores",
            ", ".join(str(kinds.get(k, 0)) for k in ("supplier", "warehouse", "store")),
        ],
        ["SKUs", ", ".join(html.escape(p.sku) for p in scenario.products)],
        ["trucks", str(sum(group.count for group in scenario.fleet))],
        ["horizon, warm-up", f"{run.horizon / 24:g} days, {run.warmup / 24:g} days"],
        ["replications, seed", f"{run.replications}, {run.seed}"],
        [
            "variants",
            ", ".join(html.escape(v) for v in results.variants)
            + f" (reference: {html.escape(results.reference)})",
        ],
    ]
    return _table(["", ""], rows)


def _kpi_table(results: Results) -> str:
    summary = results.summary
    if "point" in summary:
        summary = summary[summary.point == summary.point.min()]
    variants = results.variants
    rows = []
    for kpi, group in summary.groupby("kpi", sort=False):
        part = group.set_index("variant")
        unit = str(group.unit.iloc[0])
        cells = [f"{html.escape(str(kpi))} <span class='note'>({html.escape(unit)})</span>"]
        for variant in variants:
            if variant not in part.index:
                cells.append("-")
                continue
            row: Any = part.loc[variant]
            half = (float(row.ci_high) - float(row.ci_low)) / 2
            spread = "" if math.isnan(half) else f" ± {_number(half)}"
            cells.append(_number(row["mean"]) + spread)
        rows.append(cells)
    return _table(["KPI", *variants], rows)


def _comparison_table(results: Results, only: list[str] | None = None) -> str:
    comparison = results.comparison
    if comparison.empty:
        return "<p class='note'>One variant: nothing to compare.</p>"
    if "point" in comparison:
        comparison = comparison[comparison.point == comparison.point.min()]
    if only is not None:
        comparison = comparison[comparison.kpi.isin(only)]
    variants = [v for v in results.variants if v != results.reference]
    rows, classes = [], []
    for kpi, group in comparison.groupby("kpi", sort=False):
        part = group.set_index("variant")
        cells, kinds = [html.escape(str(kpi))], [""]
        for variant in variants:
            if variant not in part.index:
                cells.append("-")
                kinds.append("")
                continue
            row: Any = part.loc[variant]
            half = (float(row.ci_high) - float(row.ci_low)) / 2
            spread = "" if math.isnan(half) else f" ± {_number(half)}"
            sign = "+" if float(row.difference) > 0 else ""
            cells.append(sign + _number(row.difference) + spread)
            verdict = str(row.get("verdict", ""))
            kinds.append(verdict if verdict in ("better", "worse") else "")
        rows.append(cells)
        classes.append(kinds)
    return _table(["KPI", *variants], rows, classes)


def _figures(results: Results) -> list[tuple[str, str]]:
    figures: list[tuple[str, str]] = []
    kpis = [k for k in HEADLINE_KPIS if k in set(results.summary.kpi)]
    figures.append(("KPIs by variant", _png(results.plot_kpis(kpis))))
    if len(results.variants) > 1 and not results.comparison.empty:
        figures.append(
            ("Paired differences from the reference", _png(results.plot_differences(kpis)))
        )
    sweep = results.scenario.sweep
    if results.sweep is not None and sweep is not None and len(sweep.parameters) == 2:
        figures.append((f"Sweep: {sweep.show[0]}", _png(results.plot_sweep(sweep.show[0]))))
    folder = results.folder
    if folder is not None and (folder / "roads.parquet").exists():
        figures.append(("Network", _png(results.plot_network())))
    if folder is not None and (folder / "fleet.parquet").exists():
        figures.append(("Fleet timeline", _png(results.plot_fleet())))
    if folder is not None and (folder / "events.parquet").exists():
        for variant in results.variants:
            try:
                fig = results.plot_wear(variant=variant)
            except ValueError:
                continue  # no engine-health sensor in this variant
            figures.append((f"Engine wear, {variant}", _png(fig)))
            break
    if folder is not None and (folder / "timeseries.parquet").exists():
        shelf = _busiest_shelf(results)
        if shelf is not None:
            location, sku = shelf
            warmup = results.scenario.run.warmup / 24
            end = min(results.scenario.run.horizon / 24, warmup + 60)
            for variant in results.variants[:2]:
                fig = results.plot_stock(location, sku, variant=variant, window=(warmup, end))
                figures.append((f"Stock of {sku} at {location}, {variant}", _png(fig)))
    return figures


def _busiest_shelf(results: Results) -> tuple[str, str] | None:
    """The store shelf that sold the most in the reference's first replication."""
    folder = results.folder
    if folder is None or not (folder / "flows.csv").exists():
        return None
    flows = results.flows
    stores = flows[(flows.role == "store")] if "role" in flows else flows
    if "variant" in stores:
        stores = stores[stores.variant == results.reference]
    if stores.empty or "sold" not in stores:
        return None
    best: Any = stores.groupby(["location", "sku"]).sold.sum().idxmax()
    return str(best[0]), str(best[1])


def _run_id(results: Results) -> str:
    if results.folder is None:
        return "-"
    return results.folder.name.removesuffix(".partial")  # written before the folder's rename


def build_report(results: Results) -> str:
    """The page as a string."""
    scenario = results.scenario
    manifest = json.dumps(results.manifest, indent=2, default=str)
    sections = [
        f"<h1>{html.escape(scenario.name)}</h1>",
        f"<p class='sub'>run {html.escape(_run_id(results))}"
        f" · {results.scenario.run.replications} replications · seed {scenario.run.seed}</p>",
        "<h2>Scenario</h2>",
        _scenario_summary(results),
        "<h2>KPIs</h2><p class='note'>Mean ± half-width of the 95% t-interval over the "
        "replications; the warm-up is excluded.</p>",
        _kpi_table(results),
    ]
    if len(results.variants) > 1:
        sections += [
            "<h2>IoT cost and return</h2><p class='note'>Each variant against the reference, "
            "paired by replication (common random numbers): IoT cost, total cost, net benefit "
            "(what the variant saves, IoT included) and ROI.</p>",
            _comparison_table(results, COST_ROWS),
            "<h2>Comparison with the reference</h2><p class='note'>Paired difference ± half-width "
            "of its 95% interval; green is better, red worse (where the interval excludes "
            "zero).</p>",
            _comparison_table(results),
        ]
    sections.append("<h2>Figures</h2>")
    for title, image in _figures(results):
        sections.append(f"<h3>{html.escape(title)}</h3>{image}")
    sections += [
        "<h2>Manifest</h2><details><summary>seed, versions, wall time, event counts</summary>",
        f"<pre>{html.escape(manifest)}</pre></details>",
    ]
    body = "\n".join(sections)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(scenario.name)}: simulation report</title>"
        f"<style>{CSS}</style></head><body>{body}</body></html>\n"
    )


def write_report(results: Results, path: Path | None = None) -> Path:
    """Write ``report.html`` (by default into the run folder) under a temporary name first."""
    if path is None:
        if results.folder is None:
            raise ValueError("this run has no folder: give the report a path")
        path = results.folder / "report.html"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(build_report(results), encoding="utf-8")
    os.replace(tmp, path)
    return path

"""Sweeps: a grid of parameter values, every point run with the chosen variants."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.errors import ScenarioError
from sim.experiment import run_experiment
from sim.scenario import load_scenario_data


def swept(tiny: dict[str, Any]) -> dict[str, Any]:
    tiny["run"]["replications"] = 2
    tiny["variants"] = {"base": {}, "lean": {"inventory[0].policy.S": 40}, "other": {}}
    tiny["sweep"] = {
        "parameters": {"stores.shrinkage.events_per_day": [0.5, 4.0], "fleet[0].count": [1, 2]},
        "variants": ["lean"],
        "show": ["fill_rate", "km"],
    }
    return tiny


def test_a_sweep_runs_every_point_with_the_chosen_variants(tiny: dict[str, Any]) -> None:
    experiment = run_experiment(load_scenario_data(swept(tiny)), None, progress=False)
    kpis = experiment.kpis
    # 2 x 2 points, the reference and the chosen variant, 2 replications each
    assert len(kpis) == 4 * 2 * 2
    assert set(kpis.variant) == {"base", "lean"}
    points = kpis.drop_duplicates("point")
    pairs = zip(points["stores.shrinkage.events_per_day"], points["fleet[0].count"], strict=True)
    assert list(pairs) == [
        (0.5, 1),
        (0.5, 2),
        (4.0, 1),
        (4.0, 2),
    ]
    sweep = experiment.sweep
    assert sweep is not None
    assert {"point", "variant", "kpi", "mean", "difference", "significant"} <= set(sweep.columns)
    shrink = sweep[(sweep.kpi == "shrinkage") & (sweep.variant == "base")]
    # eight times the shrinkage events: far more units shrunk at the high points
    low, high = shrink.groupby("stores.shrinkage.events_per_day")["mean"].mean()
    assert high > 4 * low
    # the difference of a variant from the reference at its own point
    lean = sweep[(sweep.kpi == "avg_on_hand") & (sweep.variant == "lean")]
    assert (lean.difference < 0).all()


def test_the_cli_prints_the_shown_kpis_and_writes_sweep_csv(
    tiny: dict[str, Any], write_scenario: Any, tmp_path: Path
) -> None:
    out = tmp_path / "results"
    result = CliRunner().invoke(cli, ["run", str(write_scenario(swept(tiny))), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "4 sweep points x 2 variants x 2 replications" in result.output
    assert "fill_rate (%)" in result.output and "km (km)" in result.output
    (folder,) = list((out / "tiny").iterdir())
    names = {p.name for p in folder.iterdir()}
    assert "sweep.csv" in names and "events.parquet" not in names
    assert "report.html" in names and "warning" not in result.output
    page = (folder / "report.html").read_text()
    assert "Sweep: fill_rate" in page  # the heat map of the two swept parameters
    table = pd.read_csv(folder / "sweep.csv")
    assert len(table) == 4 * 2 * table.kpi.nunique()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"variants": ["nope"]}, ["sweep.variants[0]", "'nope' is not a variant"]),
        ({"show": ["fil_rate"]}, ["sweep.show[0]", "did you mean 'fill_rate'"]),
        ({"parameters": {"run.seed": [1, 2]}}, ["sweep.parameters.run.seed", "cannot change"]),
        (
            {"parameters": {"fleet[0].count": [1, -1]}},
            ["sweep (point 1: fleet[0].count=-1) fleet[0].count", "greater than 0"],
        ),
        ({"parameters": {"fleet[4].count": [1]}}, ["sweep.parameters.fleet[4].count"]),
    ],
)
def test_bad_sweeps_name_the_key(
    tiny: dict[str, Any], change: dict[str, Any], expected: list[str]
) -> None:
    data = swept(tiny)
    data["sweep"].update(change)
    with pytest.raises(ScenarioError) as caught:
        load_scenario_data(data, "file.yaml")
    for text in expected:
        assert text in str(caught.value)


def test_a_sweep_on_a_pool_equals_serial(tiny: dict[str, Any]) -> None:
    scenario = load_scenario_data(swept(tiny))
    serial = run_experiment(scenario, None, workers=1, progress=False)
    pooled = run_experiment(scenario, None, workers=2, progress=False)
    assert serial.sweep is not None and pooled.sweep is not None
    pd.testing.assert_frame_equal(serial.kpis, pooled.kpis)
    pd.testing.assert_frame_equal(serial.sweep, pooled.sweep)

"""The command line end to end: a run writes a complete results folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.kpi import CATALOGUE


def test_run_writes_a_complete_results_folder(
    tiny: dict[str, Any], write_scenario: Any, tmp_path: Path
) -> None:
    path = write_scenario(tiny)
    out = tmp_path / "results"
    result = CliRunner().invoke(
        cli, ["run", str(path), "--out", str(out), "-n", "3", "--seed", "9", "-j", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "fill_rate" in result.output and "95% interval" in result.output
    (folder,) = list((out / "tiny").iterdir())
    assert not folder.name.endswith(".partial") and "seed9" in folder.name
    names = {p.name for p in folder.iterdir()}
    assert names == {
        "scenario.yaml",
        "manifest.json",
        "kpis.csv",
        "summary.csv",
        "comparison.csv",
        "flows.csv",
        "events.parquet",
        "timeseries.parquet",
        "fleet.parquet",
        "roads.parquet",
        "report.html",
    }
    kpis = pd.read_csv(folder / "kpis.csv")
    assert list(kpis.replication) == [0, 1, 2]
    summary = pd.read_csv(folder / "summary.csv")
    assert list(summary.kpi) == [k.name for k in CATALOGUE]
    assert set(summary.variant) == {"base"}
    fill = summary.set_index("kpi").loc["fill_rate"]
    assert fill.n == 3 and fill.ci_low <= fill["mean"] <= fill.ci_high
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seed"] == 9 and manifest["replications"] == 3 and manifest["simpy_events"] > 0
    events = pd.read_parquet(folder / "events.parquet")
    assert sorted(events.replication.unique()) == [0, 1, 2]
    assert list(events.variant.unique()) == ["base"]
    assert manifest["event_log_rows"] == len(events)
    # the resolved scenario runs again as it is
    again = CliRunner().invoke(cli, ["validate", str(folder / "scenario.yaml")])
    assert again.exit_code == 0, again.output


def test_kpis_and_schema_commands() -> None:
    listing = CliRunner().invoke(cli, ["kpis"])
    assert listing.exit_code == 0
    for kpi in CATALOGUE:
        assert kpi.name in listing.output
    schema = CliRunner().invoke(cli, ["schema"])
    assert json.loads(schema.output)["title"] == "Scenario"


SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_is_valid(path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output

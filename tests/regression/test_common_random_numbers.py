"""Common random numbers: every variant sees the same world, so differences are the policy's.

Streams are keyed by name and replication, never by creation order, so adding a sensor, a
truck's extra draws or a different visibility policy cannot shift the customers another entity
sees.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from click.testing import CliRunner

from sim.cli import cli
from sim.experiment import run_experiment
from sim.kpi import CATALOGUE
from sim.scenario import load_scenario_data

MESSAGE_KPIS = {"sensor_messages", "message_cost", "iot_cost", "total_cost"}


def test_variants_with_identical_policies_give_identical_kpis(tiny: dict[str, Any]) -> None:
    # "tracked" adds order tracking: more messages (and their cost), and new streams of its own,
    # but no decision reads it, so every physical KPI must be exactly the same
    tiny["variants"] = {
        "plain": {},
        "same": {"visibility": {"kind": "manual", "count_interval": "5d"}},
        "tracked": {"sensors.order_tracking": {"cost_per_message": 0.01}},
    }
    experiment = run_experiment(load_scenario_data(tiny), None, workers=1, progress=False)
    kpis = experiment.kpis.set_index(["variant", "replication"])
    plain, same, tracked = (kpis.loc[name] for name in ("plain", "same", "tracked"))
    pd.testing.assert_frame_equal(plain, same)
    physical = [k.name for k in CATALOGUE if k.name not in MESSAGE_KPIS]
    pd.testing.assert_frame_equal(plain[physical], tracked[physical])
    assert (tracked.message_cost > plain.message_cost).all()
    table = experiment.comparison.set_index(["variant", "kpi"])
    assert (table.loc["same", "difference"].fillna(0) == 0).all()
    assert not table.loc["same", "significant"].any()


def test_a_policy_change_leaves_the_demand_stream_untouched(
    tiny: dict[str, Any], tmp_path: Path
) -> None:
    tiny["sensors"]["shelf"] = {"interval": "1h", "noise_sd": 0.5, "read_rate": 0.9}
    tiny["variants"] = {"manual": {}, "realtime": {"visibility": {"kind": "realtime"}}}
    scenario = load_scenario_data(tiny)
    experiment = run_experiment(scenario, tmp_path, workers=1, progress=False)
    assert experiment.folder is not None
    flows = pd.read_csv(experiment.folder / "flows.csv")
    stores = flows[flows.role == "store"].set_index(["replication", "location", "sku"])
    manual = stores[stores.variant == "manual"].sort_index()
    realtime = stores[stores.variant == "realtime"].sort_index()
    # the same customers wanted the same units, whatever the shelves held
    pd.testing.assert_series_equal(manual.total_customers, realtime.total_customers)
    pd.testing.assert_series_equal(manual.total_demand, realtime.total_demand)
    # and the policy did change what happened on the shelves
    assert not manual.total_received.equals(realtime.total_received)
    events = pd.read_parquet(experiment.folder / "events.parquet", columns=["variant", "kind"])
    kinds = events.groupby("variant", observed=True).kind.unique()
    assert "shelf_read" in set(kinds["realtime"]) and "shelf_read" not in set(kinds["manual"])


def test_variants_on_a_process_pool_equal_serial(tiny: dict[str, Any]) -> None:
    tiny["variants"] = {"a": {}, "b": {"inventory[0].policy.s": 10}}
    scenario = load_scenario_data(tiny)
    serial = run_experiment(scenario, None, workers=1, progress=False)
    pooled = run_experiment(scenario, None, workers=2, progress=False)
    pd.testing.assert_frame_equal(serial.kpis, pooled.kpis)
    pd.testing.assert_frame_equal(serial.comparison, pooled.comparison)


def test_run_prints_and_writes_the_comparison(
    tiny: dict[str, Any], write_scenario: Any, tmp_path: Path
) -> None:
    tiny["reference"] = "lean"
    tiny["variants"] = {"rich": {"inventory[0].policy.S": 150}, "lean": {}}
    out = tmp_path / "results"
    result = CliRunner().invoke(
        cli, ["run", str(write_scenario(tiny)), "--out", str(out), "-n", "5"]
    )
    assert result.exit_code == 0, result.output
    assert "lean (ref)" in result.output and "Difference from lean" in result.output
    (folder,) = list((out / "tiny").iterdir())
    comparison = pd.read_csv(folder / "comparison.csv")
    assert set(comparison.variant) == {"rich"} and set(comparison.reference) == {"lean"}
    assert list(comparison.kpi) == [k.name for k in CATALOGUE] + ["net_benefit", "iot_roi"]
    kpis = pd.read_csv(folder / "kpis.csv")
    assert list(kpis.variant.unique()) == ["lean", "rich"]  # the reference first
    # a bigger order-up-to level holds more stock, in every replication
    on_hand = comparison.set_index("kpi").loc["avg_on_hand"]
    assert on_hand.ci_low > 0 and on_hand.significant


def test_dry_run_writes_nothing(tiny: dict[str, Any], write_scenario: Any, tmp_path: Path) -> None:
    path = write_scenario(tiny)
    out = tmp_path / "results"
    result = CliRunner().invoke(cli, ["run", str(path), "--out", str(out), "--dry", "-n", "2"])
    assert result.exit_code == 0, result.output
    assert "fill_rate" in result.output and "results:" not in result.output
    assert not out.exists()

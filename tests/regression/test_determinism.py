"""Same scenario and seed give identical numbers: run twice, and serially or on a pool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.experiment import part_name, run_replications
from sim.model import Model
from sim.scenario import load_scenario_data


def test_identical_event_log_when_run_twice(tiny: dict[str, Any], tmp_path: Path) -> None:
    tiny["visibility"] = {"kind": "realtime"}
    tiny["sensors"]["shelf"] = {
        "interval": "1h",
        "noise_sd": 1.0,
        "read_rate": 0.95,
        "latency": {"kind": "exponential", "mean": "1min"},
        "loss": 0.02,
    }
    scenario = load_scenario_data(tiny)
    tables = []
    for name in ("a", "b"):
        Model(scenario, 1, events_path=tmp_path / f"{name}.parquet").run()
        tables.append(pq.read_table(tmp_path / f"{name}.parquet"))
    assert tables[0].num_rows > 1000
    pd.testing.assert_frame_equal(tables[0].to_pandas(), tables[1].to_pandas())


def test_process_pool_equals_serial(tiny: dict[str, Any], tmp_path: Path) -> None:
    scenario = load_scenario_data(tiny)
    runs = {}
    for workers in (1, 2):
        folder = tmp_path / f"w{workers}"
        folder.mkdir()
        summaries = sorted(
            run_replications(scenario, 3, folder, workers), key=lambda s: s.replication
        )
        runs[workers] = summaries
        assert [s.replication for s in summaries] == [0, 1, 2]
    for serial, pooled in zip(runs[1], runs[2], strict=True):
        assert pd.Series(serial.kpis).equals(pd.Series(pooled.kpis))  # NaN-aware
        pd.testing.assert_frame_equal(serial.flows, pooled.flows)
    for r in range(3):
        a = pd.read_parquet(tmp_path / "w1" / part_name("events", 0, r))
        b = pd.read_parquet(tmp_path / "w2" / part_name("events", 0, r))
        pd.testing.assert_frame_equal(a, b)


def test_replications_differ(tiny: dict[str, Any]) -> None:
    scenario = load_scenario_data(tiny)
    a = Model(scenario, 0, record=False).run().flows
    b = Model(scenario, 1, record=False).run().flows
    assert not a.customers.equals(b.customers)


@pytest.mark.slow
def test_default_scenario_pool_equals_serial(tmp_path: Path) -> None:
    from sim.scenario import load_scenario

    scenario = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml")
    runs = {}
    for workers in (1, 2):
        folder = tmp_path / f"w{workers}"
        folder.mkdir()
        runs[workers] = sorted(
            run_replications(scenario, 2, folder, workers), key=lambda s: s.replication
        )
    for serial, pooled in zip(runs[1], runs[2], strict=True):
        assert pd.Series(serial.kpis).equals(pd.Series(pooled.kpis))

"""scenarios/baseline.yaml, the regional chain of the quick start, against its committed KPI
baseline (scenarios/baselines/baseline.yaml): the project's own `sim check`."""

from __future__ import annotations

from pathlib import Path

from sim.regression import default_baseline_path
from sim.testing import assert_matches_baseline

FILE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"


def test_kpis_match_the_committed_baseline() -> None:
    report = assert_matches_baseline(FILE)
    assert report.baseline_path == default_baseline_path(FILE)
    assert not report.changed_sections, report.notice()

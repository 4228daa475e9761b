"""KPI baselines in a team's own pytest suite.

    from sim.testing import assert_matches_baseline

    def test_iot_value_kpis_hold():
        assert_matches_baseline("scenarios/iot_value.yaml")

The scenario runs again and every KPI of every variant is compared with the baseline
``sim baseline`` wrote (``scenarios/baselines/iot_value.yaml`` here); a KPI that moved beyond
noise and tolerance fails the test with a readable message. See docs/regression.md.
"""

from __future__ import annotations

from pathlib import Path

from sim.experiment import Experiment
from sim.regression import CheckReport, check_file, compare_with_baseline, read_baseline

__all__ = ["assert_experiment_matches_baseline", "assert_matches_baseline"]


def assert_matches_baseline(
    scenario_file: str | Path,
    baseline: str | Path | None = None,
    *,
    seed: int | None = None,
    replications: int | None = None,
    workers: int | None = None,
) -> CheckReport:
    """Run ``scenario_file`` and assert that no KPI moved from its baseline (default: the
    file of the same name in ``baselines/`` beside it). Returns the report when it passes."""
    report = check_file(
        Path(scenario_file),
        None if baseline is None else Path(baseline),
        seed=seed,
        replications=replications,
        workers=workers,
        progress=False,
    )
    if not report.passed:
        raise AssertionError(report.failure_message())
    return report


def assert_experiment_matches_baseline(experiment: Experiment, baseline: str | Path) -> CheckReport:
    """The same check on an experiment already run (a fixture shared with other tests, or a
    run in a notebook): no simulation is repeated."""
    path = Path(baseline)
    report = compare_with_baseline(experiment, read_baseline(path), path)
    if not report.passed:
        raise AssertionError(report.failure_message())
    return report

"""KPI baselines and `sim check`: real changes caught, noise let through, bad input refused."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from scipy import stats

from sim import testing
from sim.cli import cli
from sim.regression import (
    BaselineError,
    Stat,
    check_file,
    holm,
    make_baseline,
    read_baseline,
    welch_p,
)


def test_welch_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(10, 2, 8), rng.normal(11, 4, 6)
    expected = stats.ttest_ind(a, b, equal_var=False).pvalue
    assert welch_p(Stat.of(a), Stat.of(b)) == pytest.approx(expected, rel=1e-9)


def test_a_kpi_that_never_varies_either_changed_or_did_not() -> None:
    assert welch_p(Stat(3.0, 0.0, 5), Stat(3.0, 0.0, 5)) == 1.0
    assert welch_p(Stat(3.0, 0.0, 5), Stat(4.0, 0.0, 5)) == 0.0


def test_holm_adjusts_step_down() -> None:
    # sorted p 0.01, 0.02, 0.04 of m = 3: 0.03, max(0.03, 0.04), max(0.04, 0.04)
    assert holm([0.04, 0.01, 0.02]) == pytest.approx([0.04, 0.03, 0.04])


def small(tiny: dict[str, Any]) -> dict[str, Any]:
    """The tiny chain with two variants: a reference and one that counts more often."""
    tiny["run"] = {"horizon": "30d", "warmup": "5d", "replications": 5, "seed": 11}
    tiny["variants"] = {"monthly": {}, "weekly": {"visibility.count_interval": "7d"}}
    tiny["visibility"] = {"kind": "manual", "count_interval": "30d"}
    tiny["fleet"][0]["count"] = 2
    # a warehouse that is never short, and slow loading that keeps the trucks busy: the fleet's
    # size shows in the stores' lead times
    tiny["inventory"][1]["policy"] = {"kind": "base_stock", "level": 5000}
    tiny["warehouses"] = {"loading_time": {"kind": "constant", "value": "12h"}}
    return tiny


@pytest.fixture
def chain(tiny: dict[str, Any], write_scenario: Any) -> tuple[Path, Path]:
    """A scenario file and its baseline (written in ``baselines/`` beside it)."""
    path = write_scenario(small(tiny))
    _, baseline = make_baseline(path, workers=1, progress=False)
    return path, baseline


def run_check(*args: str) -> Any:
    return CliRunner().invoke(cli, ["check", *args, "-j", "1"])


def test_the_baseline_file_holds_every_variant_and_difference(chain: tuple[Path, Path]) -> None:
    path, written = chain
    assert written == path.parent / "baselines" / "scenario.yaml"
    baseline = read_baseline(written)
    assert set(baseline.levels) == {"monthly", "weekly"}
    assert set(baseline.differences) == {"weekly"}
    fill = baseline.levels["monthly"]["fill_rate"]
    assert fill.n == 5 and 0 < fill.mean <= 100 and fill.sd > 0
    data = yaml.safe_load(written.read_text())
    low, high = data["levels"]["monthly"]["fill_rate"]["ci95"]
    assert low < fill.mean < high
    assert data["seed"] == 11 and data["replications"] == 5 and len(data["scenario_hash"]) == 64
    # one line per KPI: a diff shows exactly which KPIs moved
    line = next(x for x in written.read_text().splitlines() if "fill_rate:" in x)
    assert line.strip().startswith("fill_rate: {mean:")


def test_the_same_model_passes_exactly(chain: tuple[Path, Path]) -> None:
    path, _ = chain
    result = run_check(str(path))
    assert result.exit_code == 0, result.output
    assert "KPI checks pass" in result.output and "MOVED" not in result.output
    report = check_file(path, workers=1, progress=False)
    rows = report.rows
    # same seed, same model: the very same numbers (the file keeps twelve significant digits)
    moved = rows[rows.change.abs() > 1e-11 * rows.base.abs()]
    assert moved.empty, moved


def edit(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.mark.parametrize(
    ("label", "change", "moved"),
    [
        (
            "a higher reorder point",
            lambda d: d["inventory"][0]["policy"].update(s=45),
            {"store_orders", "fill_rate"},
        ),
        ("the dock-door sensors removed", lambda d: d["sensors"].pop("dock_door"), {"iot_devices"}),
        (
            "half the trucks",
            lambda d: d["fleet"][0].update(count=1),
            {"order_lead_time", "iot_devices"},
        ),
    ],
)
def test_a_real_change_fails_the_check_and_names_the_kpis(
    chain: tuple[Path, Path], label: str, change: Any, moved: set[str]
) -> None:
    path, _ = chain
    edit(path, change)
    junit = path.parent / "check.xml"
    result = run_check(str(path), "--junit", str(junit))
    assert result.exit_code == 1, (label, result.output)
    assert "The scenario changed since the baseline" in result.output
    for kpi in moved:
        assert any(kpi in line and "MOVED" in line for line in result.output.splitlines()), (
            kpi,
            result.output,
        )
    suite = ET.parse(junit).getroot()
    failures = {
        case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None
    }
    assert moved <= failures and int(suite.get("failures", "0")) == len(
        [c for c in suite.iter("testcase") if c.find("failure") is not None]
    )


def test_a_tolerance_lets_a_small_change_pass(chain: tuple[Path, Path]) -> None:
    path, _ = chain
    edit(path, lambda d: d["inventory"][0]["policy"].update(s=45))
    assert run_check(str(path)).exit_code == 1
    loose = {"tolerance": {"rel": 10.0}}  # a tolerance wider than this change
    edit(path, lambda d: d.update(regression=loose))
    result = run_check(str(path))
    assert result.exit_code == 0, result.output


def test_the_helper_asserts_in_one_line(chain: tuple[Path, Path]) -> None:
    path, _ = chain
    report = testing.assert_matches_baseline(path, workers=1)
    assert report.passed
    edit(path, lambda d: d["fleet"][0].update(count=1))
    with pytest.raises(AssertionError, match=r"moved beyond the baseline:\n(.*\n)*.*lead_time"):
        testing.assert_matches_baseline(path, workers=1)


def test_bad_baselines_exit_2_with_a_message(chain: tuple[Path, Path], tmp_path: Path) -> None:
    path, written = chain
    missing = run_check(str(path), "--baseline", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2 and "no baseline here" in missing.output
    other = written.read_text().replace("scenario: tiny", "scenario: other_chain")
    (tmp_path / "other.yaml").write_text(other)
    wrong = run_check(str(path), "--baseline", str(tmp_path / "other.yaml"))
    assert wrong.exit_code == 2 and "baseline of scenario 'other_chain', not of 'tiny'" in (
        wrong.output
    )
    (tmp_path / "broken.yaml").write_text("format: 1\nlevels: {a: [\n")
    broken = run_check(str(path), "--baseline", str(tmp_path / "broken.yaml"))
    assert broken.exit_code == 2 and "the YAML is broken (line" in broken.output
    (tmp_path / "cut.yaml").write_text(written.read_text().split("levels:")[0])
    cut = run_check(str(path), "--baseline", str(tmp_path / "cut.yaml"))
    assert cut.exit_code == 2 and "missing or bad field" in cut.output
    for result in (missing, wrong, broken, cut):
        assert "Traceback" not in result.output
    with pytest.raises(BaselineError):
        read_baseline(tmp_path / "cut.yaml")


def test_an_unknown_kpi_in_the_regression_section_is_an_error(
    tiny: dict[str, Any], write_scenario: Any
) -> None:
    tiny["regression"] = {"kpis": {"fill_rte": {"abs": 1}}}
    result = CliRunner().invoke(cli, ["validate", str(write_scenario(tiny))])
    assert result.exit_code == 2
    assert "regression.kpis.fill_rte: no such KPI; did you mean 'fill_rate'?" in result.output


def test_twenty_other_seeds_raise_no_more_false_alarms_than_promised(
    chain: tuple[Path, Path],
) -> None:
    """The same model under 20 other seeds. Holm's adjustment promises that a check of an
    unchanged model fails with probability at most 0.01; four or more failures of 20 would
    then have probability below C(20, 4) 0.01^4 = 5e-5. The paired differences against the
    reference (common random numbers within each run) are checked too."""
    path, _ = chain
    failing = []
    for seed in range(1, 21):
        report = check_file(path, seed=seed, workers=1, progress=False)
        assert not report.changed_sections  # a seed is not a change of the model
        if not report.passed:
            failing.append((seed, sorted(set(report.failed.kpi))))
    assert len(failing) <= 3, failing


def test_a_kpi_the_catalogue_gained_or_lost_is_news_not_a_regression(
    chain: tuple[Path, Path],
) -> None:
    path, written = chain
    data = yaml.safe_load(written.read_text())
    for group in data["levels"].values():
        group.pop("fill_rate")  # as if the baseline were older than this KPI
        group["retired_kpi"] = {"mean": 1.0, "sd": 0.0, "n": 5, "ci95": [1.0, 1.0]}
    written.write_text(yaml.safe_dump(data, sort_keys=False))
    result = run_check(str(path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any("fill_rate" in line and line.rstrip().endswith("new") for line in lines)
    assert any("retired_kpi" in line and line.rstrip().endswith("gone") for line in lines)

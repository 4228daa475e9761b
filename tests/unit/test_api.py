"""The Python API, the figures and report.html, on the tiny chain."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from matplotlib.figure import Figure

import sim
from sim.cli import cli
from sim.errors import ScenarioError


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> sim.Results:
    from conftest import TINY

    data: dict[str, Any] = {**TINY, "run": {**TINY["run"], "replications": 2}}
    data["variants"] = {"counted": {}, "sensed": {"visibility": {"kind": "realtime"}}}
    data["sensors"] = {**TINY["sensors"], "shelf": {"interval": "2h"}}
    out = tmp_path_factory.mktemp("runs")
    return sim.run(sim.load(data), workers=1, out=out, progress=False)


def test_load_reports_bad_input_with_the_key_path() -> None:
    with pytest.raises(ScenarioError, match=r"run\.horizn: unknown key"):
        sim.load({"name": "x", "run": {"horizn": "1d"}})


def test_keyword_paths_override_like_dotted_keys(tiny: dict[str, Any]) -> None:
    scenario = sim.load(tiny)
    a = scenario.with_overrides(fleet__0__count=3, run__seed=9)
    b = scenario.with_overrides({"fleet[0].count": 3, "run.seed": 9})
    assert a == b and a.fleet[0].count == 3 and a.run.seed == 9


def test_results_are_dataframes_and_reopen_the_same(results: sim.Results) -> None:
    assert set(results.kpis.variant) == {"counted", "sensed"}
    assert len(results.kpis) == 4  # 2 variants x 2 replications
    assert {"mean", "ci_low", "ci_high"} <= set(results.summary.columns)
    assert set(results.comparison.variant) == {"sensed"}
    assert results.folder is not None
    again = sim.open_run(results.folder)
    assert again.kpis.fill_rate.tolist() == pytest.approx(results.kpis.fill_rate.tolist())
    assert again.variants == results.variants and again.reference == "counted"


def test_the_event_log_is_read_lazily_and_filtered(results: sim.Results) -> None:
    reads = results.read_events(kinds=["shelf_read"], variant="sensed", replication=1)
    assert len(reads) > 0
    assert set(reads.kind) == {"shelf_read"} and set(reads.replication) == {1}
    everything = results.events
    assert len(everything) > len(reads)
    # the twin's knowledge against the truth: under realtime sensing the record tracks truth
    series = results.timeseries
    sensed = series[series.variant == "sensed"]
    counted = series[series.variant == "counted"]
    assert (sensed.record - sensed.on_hand).abs().mean() < (
        counted.record - counted.on_hand
    ).abs().mean()


def labelled(figure: Figure) -> None:
    """Every visible panel has a title and both axis labels."""
    for ax in figure.axes:
        if not ax.get_visible() or ax.get_label() == "<colorbar>":
            continue
        assert ax.get_title(), ax
        assert ax.get_xlabel(), ax
        # a value axis is labelled; a category axis names its categories
        assert ax.get_ylabel() or any(t.get_text() for t in ax.get_yticklabels()), ax


def test_the_figures_are_labelled(results: sim.Results) -> None:
    labelled(results.plot_kpis(["fill_rate", "total_cost"]))
    forest = results.plot_differences(["fill_rate", "total_cost"])
    labelled(forest)
    stock = results.plot_stock("S1", "A", variant="counted", window=(2, 10))
    labelled(stock)
    lines = {line.get_label() for line in stock.axes[0].get_lines()}
    assert {"true on hand", "recorded (what the twin believes)"} <= lines


def test_the_report_is_one_self_contained_page(results: sim.Results) -> None:
    assert results.folder is not None
    page = (results.folder / "report.html").read_text()  # written by the run itself
    assert page.count("data:image/png;base64,") >= 3
    # nothing fetched from anywhere: no external source, stylesheet or script
    assert not re.search(r"(src|href)=[\"']https?:", page)
    for text in ("fill_rate", "net_benefit", "Manifest", "sensed"):
        assert text in page


def test_sim_report_rebuilds_the_page(results: sim.Results, tmp_path: Path) -> None:
    assert results.folder is not None
    page = results.folder / "report.html"
    page.unlink()
    done = CliRunner().invoke(cli, ["report", str(results.folder)])
    assert done.exit_code == 0, done.output
    assert page.exists()
    missing = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert missing.exit_code == 2 and "not a finished run folder" in missing.output


def test_only_keeps_the_named_variants(tiny: dict[str, Any]) -> None:
    tiny["variants"] = {"a": {}, "b": {"fleet[0].count": 2}, "c": {"fleet[0].count": 3}}
    scenario = sim.load(tiny)
    assert scenario.only("c", "b").variant_names == ["c", "b"]  # the first named leads
    assert scenario.only("b", "a").variant_names == ["a", "b"]  # the reference stays first
    with pytest.raises(KeyError, match="no such variant"):
        scenario.only("z")


def test_the_fleet_timeline_accounts_for_each_truck_once(results: sim.Results) -> None:
    fleet = results.fleet
    assert set(fleet.state.astype(str)) >= {"loading", "driving", "unloading"}
    horizon = results.scenario.run.horizon
    for _, mine in fleet.groupby(["variant", "replication", "truck"], observed=True):
        mine = mine.sort_values("start")
        assert (mine.end > mine.start).all() and mine.end.max() <= horizon
        # one thing at a time: each interval starts when or after the previous one ended
        assert (mine.start.to_numpy()[1:] >= mine.end.to_numpy()[:-1] - 1e-9).all()
    # every breakdown in the event log is a broken-down interval of the timeline
    failures = results.read_events(kinds=["breakdown"])
    broken = fleet[fleet.state.astype(str) == "broken down"]
    assert len(broken) == len(failures)


def test_roads_count_the_trips_that_used_them(results: sim.Results) -> None:
    roads = results.roads
    assert (roads.hours >= roads.free_hours - 1e-9).all()  # no road faster than free flow
    # every delivery leaves the warehouse over the one road out of it
    out = roads[(roads.source == "W1") & (roads.target == "J1")]
    assert (out.trips > 0).all()


def test_the_fleet_network_and_wear_figures_are_labelled(results: sim.Results) -> None:
    labelled(results.plot_fleet())
    labelled(results.plot_network())
    wear = results.plot_wear(variant="counted")
    assert wear.axes[0].get_title().startswith("Engine wear")
    assert wear.axes[-1].get_xlabel() == "time (days)"


def test_a_users_executor_gives_the_same_numbers(tiny: dict[str, Any]) -> None:
    from concurrent.futures import ProcessPoolExecutor

    scenario = sim.load(tiny)
    serial = sim.run(scenario, workers=1, progress=False)
    with ProcessPoolExecutor(2) as pool:
        pooled = sim.run(scenario, executor=pool, progress=False)
        assert pool.submit(abs, -1).result() == 1  # left running for its owner
    assert pooled.kpis.equals(serial.kpis)

"""Every bad input of the scenario language: exit code 2, the file, the key path, what was
expected, and no traceback."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sim.cli import cli


def validate(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", str(path)])
    return result.exit_code, result.output


def edit(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def apply(data: dict[str, Any]) -> dict[str, Any]:
        change(data)
        return data

    return apply


def online(warehouse: str, zones: list[str]) -> dict[str, Any]:
    return {
        "warehouse": warehouse,
        "zones": zones,
        "orders_per_day": 5,
        "skus": {"A": 1},
        "promise": "1d",
    }


CASES: list[tuple[str, Callable[[dict[str, Any]], Any], list[str]]] = [
    (
        "unknown key",
        edit(lambda d: d["run"].update(horizn="3d")),
        ["run.horizn", "did you mean 'horizon'"],
    ),
    (
        "wrong type",
        edit(lambda d: d["fleet"][0].update(count="many")),
        ["fleet[0].count", "integer", "'many'"],
    ),
    (
        "negative rate",
        edit(lambda d: d["demand"]["streams"][0].update(customers_per_day=-3)),
        ["demand.streams[0].customers_per_day", "greater than 0", "-3"],
    ),
    (
        "zero duration",
        edit(lambda d: d["run"].update(horizon="0d")),
        ["run.horizon", "greater than 0"],
    ),
    (
        "duration without unit",
        edit(lambda d: d["run"].update(horizon=20)),
        ["run.horizon", "duration string with a unit"],
    ),
    (
        "unparseable duration",
        edit(lambda d: d["run"].update(horizon="ten days")),
        ["run.horizon", "'ten days' is not a duration"],
    ),
    (
        "unknown distribution",
        edit(lambda d: d["suppliers"].update(lead_time={"kind": "gama", "shape": 2})),
        ["suppliers.lead_time", "unknown kind 'gama'", "'gamma'"],
    ),
    (
        "missing distribution parameter",
        edit(lambda d: d["suppliers"].update(lead_time={"kind": "gamma", "shape": 2})),
        ["suppliers.lead_time.scale", "required"],
    ),
    (
        "discrete distribution for a time",
        edit(lambda d: d["suppliers"].update(lead_time={"kind": "poisson", "mean": 2})),
        ["suppliers.lead_time", "unknown kind 'poisson'"],
    ),
    (
        "road to a missing node",
        edit(lambda d: d["network"]["roads"][0].update(to="W9")),
        ["network.roads[0].to", "no node 'W9'"],
    ),
    (
        "demand for a missing SKU",
        edit(lambda d: d["demand"]["streams"][1].update(sku="Z")),
        ["demand.streams[1].sku", "no product with SKU 'Z'"],
    ),
    (
        "store pattern matching nothing",
        edit(lambda d: d["demand"]["streams"][1].update(stores=["X*"])),
        ["demand.streams[1].stores", "matches no store"],
    ),
    (
        "store with no road path",
        edit(lambda d: d["network"]["roads"][3].update(two_way=False)),
        ["network", "store S2 has no road path"],
    ),
    (
        "supply by something that is not a warehouse",
        edit(lambda d: d.update(supply={"S1": "P1"})),
        ["supply.S1", "'P1' is not one"],
    ),
    (
        "no policy for a stocked SKU",
        edit(lambda d: d["inventory"][0].update(skus=["A"])),
        ["inventory", "no rule gives S1 a policy for SKU C"],
    ),
    (
        "realtime visibility without shelf sensors",
        edit(lambda d: d.update(visibility={"kind": "realtime"})),
        ["visibility", "needs sensors.shelf"],
    ),
    (
        "online orders from a store",
        edit(lambda d: d.update(online=online("S1", ["J1"]))),
        ["online.warehouse", "'S1' is not a warehouse"],
    ),
    (
        "online zones matching no node",
        edit(lambda d: d.update(online=online("W1", ["Z*"]))),
        ["online.zones", "matches no node"],
    ),
    (
        "a product too heavy for every truck",
        edit(lambda d: d["products"][0].update(weight_kg=900)),
        ["fleet", "no truck at W1 can carry one unit of A"],
    ),
    (
        "warm-up not shorter than the horizon",
        edit(lambda d: d["run"].update(warmup="30d")),
        ["run", "warmup must be shorter than the horizon"],
    ),
    (
        "uniform with low above high",
        edit(
            lambda d: d["suppliers"].update(
                lead_time={"kind": "uniform", "low": "3d", "high": "1d"}
            )
        ),
        ["suppliers.lead_time", "low <= high"],
    ),
    (
        "reference that is not a variant",
        edit(lambda d: d.update(reference="nope", variants={"a": {}})),
        ["reference", "'nope' is not a variant (a)"],
    ),
    (
        "unknown key inside a variant",
        edit(lambda d: d.update(variants={"a": {}, "b": {"visibility": {"cont_interval": "1d"}}})),
        ["variants.b.visibility.cont_interval", "did you mean 'count_interval'"],
    ),
    (
        "a parameter the policy of another kind has",
        edit(lambda d: d.update(maintenance={"kind": "reactive", "every": "1h"})),
        ["maintenance.every", "unknown key 'every'"],
    ),
    (
        "a demand stream that is both Poisson and a timetable",
        edit(lambda d: d["demand"]["streams"][0].update(every="1d")),
        ["demand.streams[0]", "customers_per_day (Poisson) or every (a timetable), not both"],
    ),
    (
        "a shop that never opens",
        edit(lambda d: d["demand"].update(daily_profile=[0] * 24)),
        ["demand.daily_profile", "at least one hour"],
    ),
    (
        "a variant that changes the run",
        edit(lambda d: d.update(variants={"a": {"run": {"seed": 3}}})),
        ["variants.a.run", "cannot change"],
    ),
    (
        "a dotted override into nothing",
        edit(lambda d: d.update(variants={"a": {"fleet[3].count": 2}})),
        ["variants.a.fleet[3].count", "no such place", "fleet[3]"],
    ),
    (
        "a variant whose overrides break a reference",
        edit(lambda d: d.update(variants={"a": {"supply": {"S1": "W9"}}})),
        ["variants.a.supply", "W9"],
    ),
    (
        "predictive maintenance without the sensor it needs",
        edit(
            lambda d: (
                d["sensors"].pop("engine_health"),
                d.update(maintenance={"kind": "predictive", "threshold": 0.7}),
            )
        ),
        ["maintenance", "predictive maintenance needs sensors.engine_health"],
    ),
    (
        "unknown maintenance policy",
        edit(lambda d: d.update(maintenance={"kind": "predictve"})),
        ["maintenance.kind", "did you mean 'predictive'"],
    ),
    (
        "a policy parameter of the wrong type",
        edit(lambda d: d.update(maintenance={"kind": "preventive", "every": 12})),
        ["maintenance.every", "duration"],
    ),
    (
        "a wear model that is both a gamma process and a lifetime",
        edit(
            lambda d: d["fleet"][0]["wear"].update(lifetime={"kind": "exponential", "mean": "50h"})
        ),
        ["fleet[0].wear", "not both"],
    ),
]


@pytest.mark.parametrize(("label", "change", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_scenario_is_reported_with_its_key_path(
    tiny: dict[str, Any], write_scenario: Any, label: str, change: Any, expected: list[str]
) -> None:
    path = write_scenario(change(tiny))
    code, output = validate(path)
    assert code == 2, output
    assert str(path) in output
    for fragment in expected:
        assert fragment in output, (fragment, output)
    assert "Traceback" not in output
    for unknown, hint in re.findall(r"unknown key '(\w+)'; did you mean '(\w+)'", output):
        assert unknown != hint, output  # a hint must name another key


def test_the_tiny_scenario_is_valid(tiny: dict[str, Any], write_scenario: Any) -> None:
    code, output = validate(write_scenario(tiny))
    assert code == 0, output


def test_yaml_syntax_error_names_the_line(write_scenario: Any) -> None:
    code, output = validate(write_scenario("name: x\nrun: {horizon: 2d\n"))
    assert code == 2
    assert "line 3" in output and "YAML syntax error" in output


def test_duplicate_key_is_an_error(write_scenario: Any) -> None:
    code, output = validate(write_scenario("name: a\nname: b\n"))
    assert code == 2
    assert "key 'name' appears twice" in output and "line 2" in output


def test_missing_file(tmp_path: Path) -> None:
    code, output = validate(tmp_path / "nope.yaml")
    assert code == 2
    assert "nope.yaml: no such file" in output


def test_empty_file(write_scenario: Any) -> None:
    code, output = validate(write_scenario(""))
    assert code == 2
    assert "expected a mapping" in output


def test_run_reports_bad_input_the_same_way(tiny: dict[str, Any], write_scenario: Any) -> None:
    tiny["run"]["horizn"] = "3d"
    result = CliRunner().invoke(cli, ["run", str(write_scenario(tiny))])
    assert result.exit_code == 2
    assert "run.horizn" in result.output

"""Every registered policy of every family, and a policy registered the way a notebook would."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from sim.cli import cli
from sim.errors import ScenarioError
from sim.kpi import compute_kpis
from sim.model import Model
from sim.policies import (
    FAMILIES,
    REPLENISHMENT,
    VISIBILITY,
    Policy,
    ReplenishmentPolicy,
    UnknownKind,
    register,
)
from sim.scenario import ShelfSensor, load_scenario_data

ALL = [(family, kind) for family in FAMILIES for kind in FAMILIES[family].kinds()]
SHELF = {"interval": "2h", "noise_sd": 0.5, "read_rate": 0.95}


@pytest.mark.parametrize(("family", "kind"), ALL)
def test_every_policy_round_trips_and_documents_itself(family: str, kind: str) -> None:
    registry = FAMILIES[family]
    cls = registry.get(kind)
    assert cls.__doc__ and cls.__doc__.strip(), f"{kind}: say what the policy does"
    policy = registry.parse({"kind": kind, **cls.example})
    assert isinstance(policy, Policy) and policy.kind == kind
    params = policy.get_params()
    assert params["kind"] == kind
    assert registry.parse(params) == policy  # what the results folder records runs again
    with pytest.raises(ValidationError):
        registry.parse({"kind": kind, **cls.example, "no_such_parameter": 1})


@pytest.mark.parametrize("kind", REPLENISHMENT.kinds())
def test_replenishment_policies_order_what_they_promise(kind: str) -> None:
    policy = REPLENISHMENT.parse({"kind": kind, **REPLENISHMENT.get(kind).example})
    assert policy.initial_stock() >= 0
    for position in range(-20, 60):
        assert policy.order_quantity(position) >= 0
    if policy.review_period is None:
        trigger = policy.trigger
        # continuous review: orders at the trigger, not above it, and lifts the position over it
        assert policy.order_quantity(trigger) > 0
        assert policy.order_quantity(trigger + 1) == 0
        for position in range(trigger - 20, trigger + 1):
            assert position + policy.order_quantity(position) > trigger
    else:
        assert policy.review_period > 0


@pytest.mark.parametrize("kind", VISIBILITY.kinds())
def test_visibility_policies_give_positive_periods(kind: str) -> None:
    policy = VISIBILITY.parse({"kind": kind, **VISIBILITY.get(kind).example})
    sensor = ShelfSensor.model_validate(SHELF)
    count = policy.count_period()
    read = policy.read_period(sensor)
    assert count is None or count > 0
    assert read is None or read > 0
    assert policy.reads_shelves == (read is not None)


def tiny_with(tiny: dict[str, Any], family: str, kind: str) -> dict[str, Any]:
    section = {"kind": kind, **FAMILIES[family].get(kind).example}
    tiny["sensors"]["shelf"] = SHELF
    if family == "replenishment":
        tiny["inventory"][0]["policy"] = section
    else:
        tiny[family] = section
    return tiny


@pytest.mark.parametrize(("family", "kind"), ALL)
def test_every_policy_runs_the_tiny_chain_and_conserves_stock(
    tiny: dict[str, Any], family: str, kind: str
) -> None:
    scenario = load_scenario_data(tiny_with(tiny, family, kind))
    result = Model(scenario, 0, record=False).run()
    f = result.flows
    # conservation, exactly, over the whole run: what came in is sold, held, lost or shipped
    inflow = f.total_initial + f.total_received
    outflow = f.total_sold + f.total_shrunk + f.total_spoiled + f.total_shipped
    assert (inflow - outflow == f.on_hand_end).all()
    kpis = compute_kpis(result, scenario)
    assert kpis["fill_rate"] > 50  # the tiny chain is well stocked whatever the policy


@pytest.fixture
def fixed_policy() -> Iterator[type[ReplenishmentPolicy]]:
    @register
    class FixedBatch(ReplenishmentPolicy):
        """Below ``level``, order one fixed ``batch``."""

        kind = "fixed_batch"
        example: ClassVar[dict[str, Any]] = {"level": 30, "batch": 40}
        level: int
        batch: int = 25

        @property
        def trigger(self) -> int:
            return self.level - 1

        def order_quantity(self, position: int) -> int:
            return self.batch if position < self.level else 0

        def initial_stock(self) -> int:
            return self.level + self.batch

    yield FixedBatch
    REPLENISHMENT.unregister("fixed_batch")


def test_a_policy_registered_in_a_few_lines_is_part_of_the_language(
    tiny: dict[str, Any], fixed_policy: type[ReplenishmentPolicy]
) -> None:
    tiny["inventory"][0]["policy"] = {"kind": "fixed_batch", "level": 30, "batch": 40}
    scenario = load_scenario_data(tiny)
    result = Model(scenario, 0, record=False).run()
    f = result.flows
    stores, warehouse = f[f.role == "store"], f[f.role == "warehouse"].set_index("sku")
    assert (stores.total_orders > 0).all()
    # every store order was one batch of 40: the warehouse was asked for 40 units per order
    ordered = stores.groupby("sku").total_orders.sum() * 40
    assert (warehouse.total_demand[ordered.index] == ordered).all()
    bad = tiny["inventory"][0] | {"policy": {"kind": "fixed_batch", "level": 30, "batch": "x"}}
    tiny["inventory"][0] = bad
    with pytest.raises(ScenarioError, match=r"inventory\[0\]\.policy\.batch"):
        load_scenario_data(tiny)


def test_an_unknown_kind_names_the_choices() -> None:
    with pytest.raises(UnknownKind, match=r"did you mean 'realtime'"):
        VISIBILITY.parse({"kind": "realtme"})


def test_schema_lists_every_registered_policy() -> None:
    import json

    schema = json.loads(CliRunner().invoke(cli, ["schema"]).output)
    options = schema["properties"]["visibility"]["oneOf"]
    assert [o["properties"]["kind"]["const"] for o in options] == VISIBILITY.kinds()


def test_periodic_visibility_reads_shelves_at_each_sync(
    tiny: dict[str, Any], tmp_path: Any
) -> None:
    import pandas as pd

    tiny["sensors"]["shelf"] = {"interval": "1h", "read_rate": 1.0}
    tiny["visibility"] = {"kind": "periodic", "sync_interval": "8h"}
    scenario = load_scenario_data(tiny)
    Model(scenario, 0, events_path=tmp_path / "e.parquet").run()
    events = pd.read_parquet(tmp_path / "e.parquet")
    reads = events[events.kind == "shelf_read"]
    # each shelf is read 8 h apart (from its own phase), never at the sensor's hourly interval:
    # 3 shelves x 3 syncs a day x 20 days
    gaps = reads.sort_values("t_event").groupby(["entity", "sku"], observed=True).t_event.diff()
    assert gaps.dropna().round(9).eq(8.0).all()
    assert len(reads) == 3 * 3 * 20


def test_a_variant_of_another_kind_replaces_the_section_whole(tiny: dict[str, Any]) -> None:
    """The old kind's parameters mean nothing to the new kind: a variant that changes a
    policy's (or a distribution's) kind replaces the section; one that keeps it merges."""
    tiny["maintenance"] = {"kind": "preventive", "every": "20h"}
    tiny["suppliers"]["lead_time"] = {"kind": "uniform", "low": "1d", "high": "3d"}
    tiny["variants"] = {
        "base": {},
        "reactive": {"maintenance": {"kind": "reactive"}},
        "sooner": {"maintenance": {"every": "10h"}},
        "fixed_lead": {"suppliers": {"lead_time": {"kind": "constant", "value": "2d"}}},
    }
    scenario = load_scenario_data(tiny)
    assert scenario.variant("reactive").maintenance == {"kind": "reactive"}
    assert scenario.variant("sooner").maintenance == {"kind": "preventive", "every": "10h"}
    assert scenario.variant("fixed_lead").suppliers.lead_time.build().mean == 48.0

"""A warehouse, a truck and a store on one road, with every time constant: the exact sequence
of an order's life, checked against times worked out by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import simpy

from sim.model import Model
from sim.scenario import load_scenario_data
from sim.world.warehouse import DockDoors

CONST = "constant"


def line_chain(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "line",
        "run": {"horizon": "1d", "replications": 1, "seed": 1},
        "network": {
            "nodes": [
                {"id": "P1", "kind": "supplier", "x": -10, "y": 0},
                {"id": "W1", "kind": "warehouse", "x": 0, "y": 0},
                {"id": "S1", "kind": "store", "x": 60, "y": 0},
            ],
            "roads": [
                {"from": "P1", "to": "W1", "km": 10, "speed_kmh": 60},
                {"from": "W1", "to": "S1", "km": 60, "speed_kmh": 60},
            ],
        },
        "products": [{"sku": "A", "unit_cost": 1, "price": 2, "weight_kg": 1}],
        # practically no customers: the store's only order is the one it starts with
        "demand": {"streams": [{"stores": ["S1"], "sku": "A", "customers_per_day": 1e-9}]},
        "inventory": [
            {
                "locations": ["S1"],
                "skus": ["A"],
                "policy": {"kind": "s_S", "s": 5, "S": 20},
                "initial": 0,
            },
            {"locations": ["W1"], "skus": ["A"], "policy": {"kind": "s_S", "s": 10, "S": 100}},
        ],
        "suppliers": {"lead_time": {"kind": CONST, "value": "2d"}},
        "warehouses": {
            "docks": 1,
            "picking_time": {"kind": CONST, "value": "30min"},
            "loading_time": {"kind": CONST, "value": "30min"},
        },
        "stores": {"unloading_time": {"kind": CONST, "value": "15min"}},
        "fleet": [{"home": ["W1"], "count": 1, "capacity_kg": 1000}],
        "sensors": {
            "dock_door": {},
            "order_tracking": {},
            "gps": {"interval": "20min"},
        },
        "visibility": {"kind": "manual", "count_interval": "30d"},
    }
    data.update(changes)
    return data


def test_the_life_of_one_order(tmp_path: Path) -> None:
    scenario = load_scenario_data(line_chain())
    result = Model(scenario, 0, events_path=tmp_path / "e.parquet").run()
    events = pd.read_parquet(tmp_path / "e.parquet").sort_values(["t_event", "kind"], kind="stable")
    business = events[events.kind != "gps"][["t_event", "kind", "value"]]
    # t=0 the store (0 on hand, s=5) orders 20; picked by 0.5; loaded 0.5-1.0 at the only dock;
    # 60 km at 60 km/h: at the store at 2.0; unloaded by 2.25 (order placed at 0: lead time 2.25)
    assert list(business.itertuples(index=False, name=None)) == [
        (0.0, "order_placed", 20.0),
        (0.5, "order_picked", 20.0),
        (1.0, "dock_scan", 1.0),
        (1.0, "order_shipped", 20.0),
        (2.25, "dock_scan", 1.0),
        (2.25, "order_delivered", 20.0),
    ]
    # GPS every 20 minutes while driving: out 1.0-2.0, back 2.25-3.25, on the 20-minute grid
    gps = events[events.kind == "gps"]
    assert list(gps.t_event.round(6)) == pytest.approx([1.0, 4 / 3, 5 / 3, 7 / 3, 8 / 3, 3.0])
    # positions interpolate along the road: at 1h20 the truck is 20 km out
    assert gps.x.iloc[1] == pytest.approx(20.0)
    store = result.flows.set_index("location").loc["S1"]
    assert store.received == 20 and store.on_hand_end == 20
    assert store.lead_time_unit_hours == pytest.approx(20 * 2.25)
    warehouse = result.flows.set_index("location").loc["W1"]
    assert warehouse.shipped == 20 and warehouse.on_hand_end == 80
    truck = result.trucks.iloc[0]
    # from the dock request at 0.5 to the return home at 3.25
    assert truck.trips == 1 and truck.km == 120 and truck.hours == pytest.approx(2.75)


def test_the_fleet_timeline_of_one_trip(tmp_path: Path) -> None:
    scenario = load_scenario_data(line_chain())
    Model(scenario, 0, fleet_path=tmp_path / "fleet.parquet").run()
    fleet = pd.read_parquet(tmp_path / "fleet.parquet")
    steps = [
        (state, round(start, 9), round(end, 9))
        for state, start, end in zip(fleet.state, fleet.start, fleet.end, strict=True)
    ]
    # the same times as the order's life above: the door is free (no wait), the drive to the
    # store and its unloading are one wait but two steps
    assert steps == [
        ("loading", 0.5, 1.0),
        ("driving", 1.0, 2.0),
        ("unloading", 2.0, 2.25),
        ("driving", 2.25, 3.25),
    ]


def test_dock_doors_queue_as_a_simpy_resource() -> None:
    env = simpy.Environment()
    doors = DockDoors(env, capacity=1)
    granted: list[tuple[str, float]] = []

    def user(name: str, arrive: float, hold: float, fast: bool) -> Any:
        yield env.timeout(arrive)
        door = None if fast and doors.take_free() else doors.request()
        if door is not None:
            yield door
        granted.append((name, env.now))
        yield env.timeout(hold)
        doors.hand_back(door)

    env.process(user("a", 0, 2, fast=True))  # takes the free door without a request
    env.process(user("b", 1, 1, fast=False))  # queues behind it
    env.process(user("c", 1.5, 1, fast=True))  # someone waits: no shortcut, queues too
    env.run()
    assert granted == [("a", 0.0), ("b", 2.0), ("c", 3.0)]
    assert doors.count == 0 and not doors.queue


def test_one_dock_makes_the_second_truck_wait(tmp_path: Path) -> None:
    data = line_chain()
    data["network"]["nodes"].append({"id": "S2", "kind": "store", "x": 0, "y": 30})
    data["network"]["roads"].append({"from": "W1", "to": "S2", "km": 30, "speed_kmh": 60})
    data["demand"]["streams"][0]["stores"] = ["S*"]
    data["inventory"][0]["locations"] = ["S*"]
    data["fleet"][0]["count"] = 2
    scenario = load_scenario_data(data)
    Model(scenario, 0, events_path=tmp_path / "e.parquet").run()
    events = pd.read_parquet(tmp_path / "e.parquet")
    shipped = sorted(events[events.kind == "order_shipped"].t_event)
    # both orders are picked at 0.5; the first truck loads 0.5-1.0, the second 1.0-1.5
    assert shipped == [1.0, 1.5]


def test_skus_ordered_together_are_picked_and_shipped_together(tmp_path: Path) -> None:
    data = line_chain()
    data["products"].append({"sku": "B", "unit_cost": 1, "price": 2, "weight_kg": 1})
    data["demand"]["streams"].append({"stores": ["S1"], "sku": "B", "customers_per_day": 1e-9})
    data["inventory"][0]["skus"] = ["*"]
    data["inventory"][1]["skus"] = ["*"]
    scenario = load_scenario_data(data)
    result = Model(scenario, 0, events_path=tmp_path / "e.parquet").run()
    events = pd.read_parquet(tmp_path / "e.parquet")
    # A and B both start empty and order at 0: one pick list, ready at 0.5, one trip
    assert list(events[events.kind == "order_picked"].t_event) == [0.5, 0.5]
    assert list(events[events.kind == "order_shipped"].t_event) == [1.0, 1.0]
    assert result.trucks.iloc[0].trips == 1 and result.trucks.iloc[0].km == 120


def test_wear_breaks_a_truck_down_every_threshold_of_wear(tmp_path: Path) -> None:
    # Wear of 0.5 per 1000 km: 0.03 on each 60 km road, so the wear reaches the threshold of
    # 1.0 on the 34th road driven since the last repair (0.99 after 33, 1.02 after 34). The
    # spread (sd 0.001 per 1000 km, so about 0.0014 over 34 roads) is far too small to move it.
    data = line_chain()
    data["run"]["horizon"] = "60d"
    data["demand"]["streams"][0]["customers_per_day"] = 30
    data["inventory"][0]["policy"] = {"kind": "s_S", "s": 20, "S": 50}
    data["inventory"][0]["initial"] = 50
    data["inventory"][1]["policy"] = {"kind": "r_Q", "r": 400, "Q": 800}
    data["suppliers"]["lead_time"] = {"kind": CONST, "value": "1d"}
    data["fleet"][0]["wear"] = {
        "mean_per_1000km": 0.5,
        "sd_per_1000km": 0.001,
        "repair_time": {"kind": CONST, "value": "6h"},
        "repair_cost": 100,
    }
    scenario = load_scenario_data(data)
    result = Model(scenario, 0, record=False).run()
    truck = result.trucks.iloc[0]
    edges = truck.km / 60
    assert edges > 100  # the truck was busy enough to break down a few times
    assert truck.breakdowns == edges // 34
    assert truck.downtime_hours == 6 * truck.breakdowns
    assert truck.repair_cost == 100 * truck.breakdowns


def cold_chain(failures_per_day: float) -> dict[str, Any]:
    data = line_chain()
    data["products"][0].update(temperature={"min": 1, "max": 7, "tolerance": "30min"})
    data["fleet"][0].update(
        refrigerated=True,
        reefer={
            "setpoint": 4,
            "warming_per_hour": 4,
            "failures_per_day": failures_per_day,
            "failure_duration": {"kind": CONST, "value": "3h"},
        },
    )
    data["sensors"]["reefer_temperature"] = {"interval": "5min"}
    return data


def test_a_reefer_failure_spoils_the_cold_load(tmp_path: Path) -> None:
    # 2,400 failures a day: on a one-hour drive the reefer fails almost at once, and from 4 C
    # at 4 C an hour the load passes 7 C after 45 minutes, then stays above it for more than
    # the 30 minutes it tolerates
    scenario = load_scenario_data(cold_chain(2400))
    result = Model(scenario, 0, events_path=tmp_path / "e.parquet").run()
    truck = result.trucks.iloc[0]
    store = result.flows.set_index("location").loc["S1"]
    # every delivery spoils; the store's record learns each time that the units will not
    # come, and it orders again
    assert truck.trips >= 2
    assert truck.spoiled_units == 20 * truck.trips and store.received == 0
    # spoiled in transit at the product's unit cost (1)
    assert truck.spoiled_value == 20 * truck.trips * 1.0
    assert store.orders >= truck.trips
    events = pd.read_parquet(tmp_path / "e.parquet")
    assert (events.kind == "spoiled_in_transit").sum() == truck.trips
    assert events[events.kind == "reefer_temperature"].value.max() > 7


def test_a_working_reefer_keeps_the_load(tmp_path: Path) -> None:
    scenario = load_scenario_data(cold_chain(0))
    result = Model(scenario, 0, events_path=tmp_path / "e.parquet").run()
    assert result.trucks.iloc[0].spoiled_units == 0
    temps = pd.read_parquet(tmp_path / "e.parquet").query("kind == 'reefer_temperature'").value
    # from departure (1.0) to the end of unloading (2.25), a reading every 5 minutes
    assert len(temps) == 15 and (temps == 4).all()


def test_the_twin_knows_a_truck_only_from_gps_that_has_arrived() -> None:
    data = line_chain()
    data["sensors"]["gps"] = {"interval": "20min", "latency": {"kind": CONST, "value": "2min"}}
    model = Model(load_scenario_data(data), 0, record=False)
    model.start()
    view = model.twin.trucks["T01"]
    model.env.run(until=1.2)
    # the fix taken at departure (1.0, x=0) arrived at 1.0333
    assert view.position(1.2) == pytest.approx((1.0, 0.0, 0.0))
    model.env.run(until=1.34)
    # the fix at 1h20 (x=20 km) is still on the bus until 1.3667
    assert view.position(1.34) == pytest.approx((1.0, 0.0, 0.0))
    model.env.run(until=1.37)
    assert view.position(1.37) == pytest.approx((4 / 3, 20.0, 0.0))


def test_a_warehouse_can_be_supplied_by_another_but_not_in_a_cycle(tmp_path: Path) -> None:
    from sim.errors import ScenarioError

    data = line_chain()
    data["network"]["nodes"].append({"id": "W2", "kind": "warehouse", "x": 30, "y": 0})
    data["network"]["roads"].append({"from": "W1", "to": "W2", "km": 30, "speed_kmh": 60})
    data["network"]["roads"].append({"from": "W2", "to": "S1", "km": 30, "speed_kmh": 60})
    data["supply"] = {"S1": "W2", "W2": "W1"}
    data["inventory"].append(
        {"locations": ["W2"], "skus": ["A"], "policy": {"kind": "base_stock", "level": 20}}
    )
    data["fleet"][0]["home"] = ["W*"]
    data["run"]["horizon"] = "2d"
    result = Model(load_scenario_data(data), 0, events_path=tmp_path / "e.parquet").run()
    flows = result.flows.set_index("location")
    # S1 orders 20 from W2 at 0; W2 (base stock 20) ships them and orders 20 from W1, which
    # ships them on its own truck over the 30 km between the two
    assert flows.loc["S1"].received == 20
    assert flows.loc["W2"].shipped == 20 and flows.loc["W1"].shipped == 20
    assert flows.loc["W2"].received == 20
    data["supply"] = {"S1": "W2", "W2": "W1", "W1": "W2"}
    with pytest.raises(ScenarioError, match=r"in a cycle: W\d -> W\d -> W\d"):
        load_scenario_data(data)
    data["supply"] = {"W1": "W1"}
    with pytest.raises(ScenarioError, match="supplied by a supplier or another warehouse"):
        load_scenario_data(data)


def test_the_dispatcher_sends_idle_trucks_in_order_and_wakes_only_those_it_sends() -> None:
    """Idle trucks are offered the ready lines in the order they came to wait: a dry truck
    takes the first dry store's lines, a reefer the cold lines first; a truck left without
    work is not woken and keeps its place; one due for service is woken with no trip."""
    from types import SimpleNamespace

    import numpy as np
    import simpy

    from sim.distributions import Constant, Sampler
    from sim.records import EventLog
    from sim.world.warehouse import Line, Warehouse

    env = simpy.Environment()
    rng = np.random.default_rng(0)
    hour = Sampler(Constant(1.0), rng)
    warehouse = Warehouse(env, "W1", 2, hour, hour, EventLog(None, 0), None)

    def truck(name: str, refrigerated: bool, due: bool = False) -> SimpleNamespace:
        group = SimpleNamespace(capacity_kg=1000.0)
        return SimpleNamespace(
            name=name,
            refrigerated=refrigerated,
            group=group,
            may_service=due,
            due_for_service=lambda: due,
        )

    def line(store: str, cold: bool) -> Line:
        dest = SimpleNamespace(location=store, sku="A", _entity=0, _sku_code=0)
        return Line(dest, 10, [(np.inf, 10)], 0.0, cold, 1.0)  # type: ignore[arg-type]

    dry, reefer, idle, serviced = (
        truck("dry", False), truck("reefer", True), truck("idle", False), truck("due", False, True)
    )  # fmt: skip
    waits = {t.name: warehouse.wait_for_work(t) for t in (serviced, dry, reefer, idle)}  # type: ignore[arg-type]
    to_s1, cold_to_s2, to_s2 = line("S1", False), line("S2", True), line("S2", False)
    warehouse._picked([to_s1, cold_to_s2, to_s2])
    env.run()
    assert waits["due"].value is None  # woken to go for service, with no trip
    assert waits["dry"].value == [to_s1]
    assert waits["reefer"].value == [cold_to_s2, to_s2]  # cold lines first, then that store's
    assert not waits["idle"].triggered
    assert [t.name for t, _ in warehouse._idle] == ["idle"]

    # no truck that may be serviced: once the lines are gone the rest wait on, in order
    env = simpy.Environment()
    warehouse = Warehouse(env, "W1", 2, hour, hour, EventLog(None, 0), None)
    first, second, third = truck("first", False), truck("second", False), truck("third", False)
    waits = {t.name: warehouse.wait_for_work(t) for t in (first, second, third)}  # type: ignore[arg-type]
    warehouse._picked([line("S1", False)])
    env.run()
    assert waits["first"].triggered and not waits["second"].triggered
    assert [t.name for t, _ in warehouse._idle] == ["second", "third"]

"""The road network: generation, paths, and travel times against their means."""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pytest
from pydantic import TypeAdapter

from sim.distributions import Sampler
from sim.network import Traffic, build_network
from sim.rng import Streams
from sim.scenario import Incidents, NetworkSpec, RealDist


def generated(seed: int = 3) -> Any:
    return NetworkSpec.model_validate(
        {"generate": {"seed": seed, "suppliers": 2, "warehouses": 3, "stores": 30, "junctions": 20}}
    )


def test_generated_network_is_seeded_connected_and_has_detours() -> None:
    a = build_network(generated())
    b = build_network(generated())
    assert a.node_ids == b.node_ids and np.array_equal(a.edge_km, b.edge_km)
    assert len(a.nodes_of_kind("store")) == 30 and len(a.nodes_of_kind("warehouse")) == 3
    assert nx.is_strongly_connected(a.graph)
    straight = np.hypot(*(a.xy[a.edge_src] - a.xy[a.edge_dst]).T)
    ratio = a.edge_km / straight
    assert ratio.min() >= 1.15 - 1e-9 and ratio.max() <= 1.45 + 1e-9
    assert not np.array_equal(build_network(generated(4)).edge_km, a.edge_km)


def test_path_is_the_free_flow_fastest(tiny: dict[str, Any]) -> None:
    net = build_network(NetworkSpec.model_validate(tiny["network"]))
    edges = net.path("W1", "S2")
    assert edges is not None
    assert [net.edge_name(e) for e in edges] == ["W1-J1", "J1-S2"]
    assert net.free_time("W1", "S2") == pytest.approx(5 / 60 + 8 / 50)
    nx_time = nx.shortest_path_length(
        net.graph, "S1", "P1", weight=lambda u, v, d: d["km"] / d["speed_kmh"]
    )
    assert net.free_time("S1", "P1") == pytest.approx(nx_time)


@pytest.mark.parametrize("congestion", [1.0, 1.6])
def test_travel_time_on_a_fixed_path_averages_to_the_sum_of_edge_means(
    tiny: dict[str, Any], congestion: float
) -> None:
    net = build_network(NetworkSpec.model_validate(tiny["network"]))
    noise = (
        TypeAdapter(RealDist).validate_python({"kind": "lognormal", "mean": 1.0, "sd": 0.2}).build()
    )
    traffic = Traffic(net, [congestion] * 24, noise, None, Streams(1, 0), 1e6)
    path = net.path("P1", "S1")
    assert path is not None
    sampler = Sampler(noise, np.random.default_rng(4), batch=4096)
    n = 20_000
    totals = np.array([traffic.traverse(path, 0.0, sampler)[-1] for _ in range(n)])
    free = net.edge_free_h[path]
    expected = congestion * free.sum()
    # edges draw independent noise: sd of the sum is congestion * 0.2 * sqrt(sum free^2)
    se = congestion * 0.2 * np.sqrt((free**2).sum()) / np.sqrt(n)
    assert abs(totals.mean() - expected) <= 5 * se


def test_a_closed_road_holds_traffic_until_it_reopens(tiny: dict[str, Any]) -> None:
    net = build_network(NetworkSpec.model_validate(tiny["network"]))
    noise = TypeAdapter(RealDist).validate_python({"kind": "constant", "value": 1.0}).build()
    spec = Incidents.model_validate(
        {
            "per_1000km_per_day": 50,
            "duration": {"kind": "constant", "value": "3h"},
            "closure_probability": 1.0,
        }
    )
    traffic = Traffic(net, [1.0] * 24, noise, spec, Streams(1, 0), 2000.0)
    edge = net.path("W1", "J1")[0]  # type: ignore[index]
    incident = traffic.incidents_on(edge)
    assert incident.starts, "50 per 1000 km a day over 2000 h on 5 km gives about 20 incidents"
    start, end = incident.starts[0], incident.ends[0]
    assert end - start == pytest.approx(3.0)
    exit_time = traffic.traverse([edge], start + 1.0, Sampler(noise, np.random.default_rng(0)))[0]
    assert exit_time == pytest.approx(end + net.edge_free_h[edge])
    # incidents on a road are the same whatever else was drawn before (common random numbers)
    again = Traffic(net, [1.0] * 24, noise, spec, Streams(1, 0), 2000.0)
    again.incidents_on(0)
    assert again.incidents_on(edge).starts == incident.starts


def test_route_under_any_weights_matches_networkx() -> None:
    net = build_network(generated())
    rng = np.random.default_rng(1)
    for trial in range(5):
        weights = net.edge_free_h * rng.uniform(0.5, 3.0, len(net.edge_km))
        graph = nx.DiGraph()
        for e, (u, v) in enumerate(zip(net.edge_src, net.edge_dst, strict=True)):
            graph.add_edge(int(u), int(v), w=float(weights[e]))
        for source, target in rng.integers(0, len(net.node_ids), (10, 2)):
            if source == target:
                continue
            edges = net.route(int(source), int(target), ("trial", trial), weights)
            best = nx.shortest_path_length(graph, int(source), int(target), weight="w")
            assert weights[edges].sum() == pytest.approx(best)
            nodes = [int(net.edge_src[edges[0]]), *(int(net.edge_dst[e]) for e in edges)]
            assert nodes[0] == source and nodes[-1] == target


def test_historical_routing_leaves_the_motorway_at_the_peak_only() -> None:
    from pathlib import Path

    from sim.iot.twin import RoadView
    from sim.policies import ROUTING
    from sim.scenario import load_scenario

    scenario = load_scenario(Path(__file__).parents[2] / "scenarios" / "routing.yaml")
    net = build_network(scenario.network)
    roads = RoadView(net.edge_free_h, net.edge_congestion, scenario.network.congestion.hourly)
    w1, h = net.index["W1"], net.index["H"]

    def via(kind: str, hour: float) -> list[str]:
        policy = ROUTING.parse({"kind": kind})
        key, hours = policy.road_hours(roads, hour, hour)
        return [net.node_ids[net.edge_dst[e]] for e in net.route(w1, h, key, hours)]

    # motorway 60 km at 100 km/h: 36 min free, 36 x 2.2 = 79 min at 17:00; rural 74 km at 80
    assert via("static", 17.5) == ["M1", "M2", "H"]
    assert via("historical", 3.5) == ["M1", "M2", "H"]
    assert via("historical", 17.5) == ["R1", "R2", "H"]
    # at 06:00 the profile says 1.3: x1.6 with the motorway's share of 2, 57.6 min, against
    # 55.5 min on the rural road; at 05:00 it says 1.05: 39.6 min
    assert via("historical", 6.5) == ["R1", "R2", "H"]
    assert via("historical", 5.5) == ["M1", "M2", "H"]


def test_remaining_hours_from_a_fix_on_the_planned_path() -> None:
    from sim.iot.twin import remaining_hours

    # an L-shaped path: 10 km east (planned 1 h), then 20 km north (planned 0.5 h)
    nodes = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 20.0]])
    hours = np.array([1.0, 0.5])
    assert remaining_hours(nodes, hours, 0.0, 0.0) == pytest.approx(1.5)
    assert remaining_hours(nodes, hours, 4.0, 0.3) == pytest.approx(0.6 + 0.5)  # 6 km to go
    assert remaining_hours(nodes, hours, 10.2, 15.0) == pytest.approx(0.125)  # 5 of 20 km
    assert remaining_hours(nodes, hours, 10.0, 25.0) == pytest.approx(0.0)  # past the end

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

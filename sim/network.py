"""The road network: building the graph, path queries, travel times and incidents.

Paths come from ``scipy.sparse.csgraph.dijkstra`` run once per source and memoised: a graph
search inside the event loop would cost as much as thousands of SimPy events.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import Delaunay

from sim.distributions import Distribution, Sampler

if TYPE_CHECKING:
    from sim.rng import Streams
    from sim.scenario import GeneratedNetwork, Incidents, NetworkSpec

PREFIX = {"supplier": "P", "warehouse": "W", "store": "S", "depot": "D", "junction": "J"}


@dataclass
class Network:
    """An indexed, read-only view of the road graph."""

    graph: nx.DiGraph
    node_ids: list[str]
    kinds: list[str]
    xy: np.ndarray
    edge_src: np.ndarray
    edge_dst: np.ndarray
    edge_km: np.ndarray
    edge_speed: np.ndarray
    edge_congestion: np.ndarray  # share of the hourly congestion excess each road takes
    # each road's incident rate over the network's rate per km (1 unless the scenario says)
    edge_incidents: np.ndarray | None = None
    index: dict[str, int] = field(init=False)
    edge_index: dict[tuple[int, int], int] = field(init=False)
    edge_free_h: np.ndarray = field(init=False)
    # the same as plain lists, for loops over a few roads (indexing numpy per item is slow)
    edge_km_list: list[float] = field(init=False)
    edge_src_list: list[int] = field(init=False)
    edge_dst_list: list[int] = field(init=False)
    _matrix: sparse.csr_matrix = field(init=False)
    _reverse: sparse.csr_matrix = field(init=False)
    _reverse_order: np.ndarray = field(init=False)
    _trees: dict[int, tuple[np.ndarray, np.ndarray]] = field(init=False, default_factory=dict)
    _paths: dict[tuple[int, int], list[int] | None] = field(init=False, default_factory=dict)
    _toward: dict[tuple[object, int], np.ndarray] = field(init=False, default_factory=dict)
    _routes: dict[tuple[object, int, int], list[int]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.index = {node: i for i, node in enumerate(self.node_ids)}
        self.edge_index = {
            (int(u), int(v)): e
            for e, (u, v) in enumerate(zip(self.edge_src, self.edge_dst, strict=True))
        }
        self.edge_free_h = self.edge_km / self.edge_speed
        self.edge_km_list = self.edge_km.tolist()
        self.edge_src_list = self.edge_src.tolist()
        self.edge_dst_list = self.edge_dst.tolist()
        if self.edge_incidents is None:
            self.edge_incidents = np.ones(len(self.edge_km))
        n = len(self.node_ids)
        self._matrix = sparse.csr_matrix(
            (self.edge_free_h, (self.edge_src, self.edge_dst)), shape=(n, n)
        )
        # the reversed graph's structure, built once: a search under new weights only reorders
        # them into it (building a sparse matrix costs more than searching a small one)
        ids = np.arange(1, len(self.edge_km) + 1, dtype=float)
        self._reverse = sparse.csr_matrix((ids, (self.edge_dst, self.edge_src)), shape=(n, n))
        self._reverse_order = self._reverse.data.astype(np.int64) - 1

    def nodes_of_kind(self, kind: str) -> list[str]:
        return [node for node, k in zip(self.node_ids, self.kinds, strict=True) if k == kind]

    def _tree(self, source: int) -> tuple[np.ndarray, np.ndarray]:
        tree = self._trees.get(source)
        if tree is None:
            dist, pred = dijkstra(self._matrix, indices=source, return_predecessors=True)
            tree = (dist, pred)
            self._trees[source] = tree
        return tree

    def free_time(self, source: str, target: str) -> float:
        """Free-flow hours on the fastest path, ``inf`` when there is none."""
        return float(self._tree(self.index[source])[0][self.index[target]])

    def path(self, source: str, target: str) -> list[int] | None:
        """Edge ids of the free-flow fastest path, ``None`` when the target is unreachable."""
        key = (self.index[source], self.index[target])
        if key in self._paths:
            return self._paths[key]
        dist, pred = self._tree(key[0])
        edges: list[int] | None
        if not math.isfinite(dist[key[1]]):
            edges = None
        else:
            edges = []
            node = key[1]
            while node != key[0]:
                parent = int(pred[node])
                edges.append(self.edge_index[(parent, node)])
                node = parent
            edges.reverse()
        self._paths[key] = edges
        return edges

    def next_hops(self, target: int, key: object, weights: np.ndarray) -> np.ndarray:
        """For every node, the next node on the fastest path to ``target`` under ``weights``
        (hours per edge), -9999 where there is none. Memoised by ``key``, which must change
        whenever the weights do."""
        found = self._toward.get((key, target))
        if found is None:
            if len(self._toward) > 4096:
                self._toward.clear()
            # Dijkstra from the target over reversed roads: its predecessors are next hops
            reverse = self._reverse
            reverse.data = weights[self._reverse_order]
            found = dijkstra(reverse, indices=target, return_predecessors=True)[1]
            self._toward[(key, target)] = found
        return found

    def route(self, source: int, target: int, key: object, weights: np.ndarray) -> list[int]:
        """Edge ids of the fastest path under ``weights``; empty when none exists (memoised by
        ``key`` like ``next_hops``: trucks ask for the same few routes again and again). The
        list is shared: read it, do not change it."""
        found = self._routes.get((key, source, target))
        if found is not None:
            return found
        hops = self.next_hops(target, key, weights)
        edges: list[int] = []
        node = source
        while node != target:
            nxt = int(hops[node])
            if nxt < 0:
                edges = []
                break
            edges.append(self.edge_index[(node, nxt)])
            node = nxt
        if len(self._routes) > 65536:
            self._routes.clear()
        self._routes[(key, source, target)] = edges
        return edges

    def edge_name(self, edge: int) -> str:
        return f"{self.node_ids[self.edge_src[edge]]}-{self.node_ids[self.edge_dst[edge]]}"


def _from_graph(graph: nx.DiGraph) -> Network:
    node_ids = list(graph.nodes)
    index = {node: i for i, node in enumerate(node_ids)}
    edges = list(graph.edges(data=True))
    return Network(
        graph=graph,
        node_ids=node_ids,
        kinds=[graph.nodes[n]["kind"] for n in node_ids],
        xy=np.array([[graph.nodes[n]["x"], graph.nodes[n]["y"]] for n in node_ids], dtype=float),
        edge_src=np.array([index[u] for u, _, _ in edges], dtype=np.int64),
        edge_dst=np.array([index[v] for _, v, _ in edges], dtype=np.int64),
        edge_km=np.array([data["km"] for _, _, data in edges], dtype=float),
        edge_speed=np.array([data["speed_kmh"] for _, _, data in edges], dtype=float),
        edge_congestion=np.array(
            [data.get("congestion", 1.0) for _, _, data in edges], dtype=float
        ),
        edge_incidents=np.array([data.get("incidents", 1.0) for _, _, data in edges], dtype=float),
    )


def generate_graph(spec: GeneratedNetwork) -> nx.DiGraph:
    """A seeded random regional network: roads on the Delaunay triangulation of the sites."""
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 0x6E6574]))
    counts = [
        ("supplier", spec.suppliers),
        ("warehouse", spec.warehouses),
        ("store", spec.stores),
        ("junction", spec.junctions),
    ]
    graph = nx.DiGraph()
    for kind, count in counts:
        width = max(2, len(str(count)))
        for i in range(count):
            x, y = rng.uniform(0, spec.region_km, 2)
            graph.add_node(f"{PREFIX[kind]}{i + 1:0{width}d}", kind=kind, x=float(x), y=float(y))
    nodes = list(graph.nodes)
    points = np.array([[graph.nodes[n]["x"], graph.nodes[n]["y"]] for n in nodes])
    pairs: set[tuple[int, int]] = set()
    if len(nodes) >= 3:
        for simplex in Delaunay(points).simplices:
            for a, b in ((0, 1), (1, 2), (0, 2)):
                u, v = sorted((int(simplex[a]), int(simplex[b])))
                pairs.add((u, v))
    else:
        pairs = {(0, 1)} if len(nodes) == 2 else set()
    ordered = sorted(pairs)
    detour = spec.detour.build().sample(rng, len(ordered))
    speed = spec.speed_kmh.build().sample(rng, len(ordered))
    congestion = _sample_congestion(spec, len(ordered))
    for (u, v), factor, kmh, jam in zip(ordered, detour, speed, congestion, strict=True):
        km = float(np.hypot(*(points[u] - points[v])) * max(1.0, factor))
        for a, b in ((u, v), (v, u)):
            graph.add_edge(
                nodes[a],
                nodes[b],
                km=max(km, 0.1),
                speed_kmh=float(max(kmh, 5.0)),
                congestion=float(max(jam, 0.0)),
            )
    return graph


def _sample_congestion(spec: GeneratedNetwork, count: int) -> np.ndarray:
    # its own stream, so that networks generated before roads had a congestion share keep
    # their layout, km and speeds
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 0x6A616D]))
    return spec.congestion.build().sample(rng, count)


def explicit_graph(spec: NetworkSpec) -> nx.DiGraph:
    """The graph of an explicit network; the references check has already vetted the names."""
    graph = nx.DiGraph()
    for node in spec.nodes or []:
        graph.add_node(node.id, kind=node.kind, x=node.x, y=node.y)
    for road in spec.roads or []:
        data = {
            "km": road.km,
            "speed_kmh": road.speed_kmh,
            "congestion": road.congestion,
            "incidents": road.incidents,
        }
        graph.add_edge(road.source, road.target, **data)
        if road.two_way:
            graph.add_edge(road.target, road.source, **data)
    return graph


def build_network(spec: NetworkSpec) -> Network:
    graph = generate_graph(spec.generate) if spec.generate is not None else explicit_graph(spec)
    return _from_graph(graph)


class Incident:
    """Alternating clear and incident periods on one road, drawn lazily on first use."""

    __slots__ = ("closed", "ends", "starts")

    def __init__(self, starts: list[float], ends: list[float], closed: list[bool]) -> None:
        self.starts = starts
        self.ends = ends
        self.closed = closed


class Traffic:
    """Travel times: free-flow x hour-of-day congestion x noise, plus incidents per road."""

    def __init__(
        self,
        network: Network,
        hourly: list[float],
        noise: Distribution,
        incidents: Incidents | None,
        streams: Streams,
        horizon: float,
    ) -> None:
        self.network = network
        self.hourly = list(hourly)
        self.noise = noise
        self.incident_spec = incidents
        self.streams = streams
        self.horizon = horizon
        self._incidents: dict[int, Incident] = {}
        # per road, when the run is recorded: traversals and hours driven (the network map)
        self.road_trips: np.ndarray | None = None
        self.road_hours: np.ndarray | None = None
        self._jam: list[float] = network.edge_congestion.tolist()
        # per road and hour of the day, the expected time without an incident: one lookup
        # per road driven (the same arithmetic as ``congestion_factor``, done once)
        self._expected_h: list[list[float]] = [
            [free * (1.0 + jam * (factor - 1.0)) for factor in self.hourly]
            for free, jam in zip(network.edge_free_h.tolist(), self._jam, strict=True)
        ]

    def incidents_on(self, edge: int) -> Incident:
        found = self._incidents.get(edge)
        if found is not None:
            return found
        starts: list[float] = []
        ends: list[float] = []
        closed: list[bool] = []
        spec = self.incident_spec
        share = self.network.edge_incidents
        assert share is not None
        if spec is not None and share[edge] > 0:
            # Keyed by the road's name, so every variant sees the same incidents on it.
            rng = self.streams.generator(f"incidents/edge/{self.network.edge_name(edge)}")
            km = float(self.network.edge_km[edge])
            rate = spec.per_1000km_per_day * km * float(share[edge]) / 1000 / 24
            duration = spec.duration.build()
            t = 0.0
            while True:
                t += float(rng.exponential(1 / rate))
                if t >= self.horizon:
                    break
                length = float(duration.sample(rng, 1)[0])
                starts.append(t)
                ends.append(t + length)
                closed.append(bool(rng.random() < spec.closure_probability))
                t += length
        found = Incident(starts, ends, closed)
        self._incidents[edge] = found
        return found

    def congestion_factor(self, edge: int, t: float) -> float:
        """Expected travel time over free-flow time on ``edge`` at time ``t``, no incident."""
        return 1.0 + self._jam[edge] * (self.hourly[int(t) % 24] - 1.0)

    def closed_until(self, edge: int, t: float) -> float | None:
        """When the closure ``edge`` is under at ``t`` ends; None when it is open."""
        if self.incident_spec is None:
            return None
        incident = self.incidents_on(edge)
        k = bisect_right(incident.starts, t) - 1
        if k >= 0 and incident.ends[k] > t and incident.closed[k]:
            return incident.ends[k]
        return None

    def traverse(self, edges: list[int], start: float, noise: Sampler) -> list[float]:
        """The time the vehicle leaves each edge when it enters the first at ``start``."""
        exits: list[float] = []
        t = start
        expected = self._expected_h
        slowdown = self.incident_spec.slowdown if self.incident_spec else 1.0
        with_incidents = self.incident_spec is not None
        known = self._incidents
        for edge, draw in zip(edges, noise.take(len(edges)), strict=True):
            factor = 1.0
            if with_incidents:
                incident = known.get(edge) or self.incidents_on(edge)
                starts = incident.starts
                if starts:
                    k = bisect_right(starts, t) - 1
                    if k >= 0 and incident.ends[k] > t:
                        if incident.closed[k]:
                            t = incident.ends[k]  # wait at the closure until the road reopens
                        else:
                            factor = slowdown
            t += expected[edge][int(t) % 24] * draw * factor
            exits.append(t)
        return exits

"""Trucks: one long-lived process each. Load at a dock, drive, unload, return.

A leg is one timeout: its edge times (congestion, noise, incidents), its wear increments and the
GPS, engine-health and reefer readings along it are computed when it starts, in one vectorised
step. Only a breakdown splits a leg, because it changes what happens next.
"""

from __future__ import annotations

import math
import struct
from array import array
from bisect import bisect_left
from collections.abc import Generator
from itertools import accumulate
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.distributions import Sampler, Uniform
from sim.iot.bus import Link
from sim.iot.twin import TripPlan, TruckView, remaining_hours
from sim.policies.maintenance import MaintenancePolicy
from sim.records import KIND, EventLog, consecutive_runs

if TYPE_CHECKING:
    from sim.iot.twin import RoadView
    from sim.network import Network, Traffic
    from sim.policies.routing import RoutingPolicy
    from sim.scenario import Product, Sensors, TruckGroup
    from sim.world.warehouse import Line, Warehouse

GPS = KIND["gps"]
HEALTH = KIND["engine_health"]
REEFER = KIND["reefer_temperature"]
DOCK = KIND["dock_scan"]
SHIPPED = KIND["order_shipped"]
DELIVERED = KIND["order_delivered"]
BREAKDOWN = KIND["breakdown"]
# what a truck is doing, for the fleet timeline (fleet.parquet)
TRUCK_STATES = (
    "waiting at dock",
    "loading",
    "driving",
    "unloading",
    "broken down",
    "waiting for a bay",
    "in maintenance",
)
(
    WAITING_AT_DOCK,
    LOADING,
    DRIVING,
    UNLOADING,
    BROKEN_DOWN,
    WAITING_FOR_BAY,
    IN_MAINTENANCE,
) = range(len(TRUCK_STATES))
REPAIR = KIND["repair"]
SPAN = struct.Struct("3d")  # a fleet-timeline interval as bytes (start, end, state)
SPOILED = KIND["spoiled_in_transit"]
SERVICE = KIND["service"]

TRUCK_FIELDS = (
    "trips",
    "km",
    "hours",
    "driving_hours",
    "breakdowns",
    "downtime_hours",
    "repair_cost",
    "tow_cost",
    "delivered_units",
    "spoiled_units",
    "spoiled_value",
    "services",
    "service_hours",
    "service_cost",
)


class _Legs:
    """Legs driven whose readings and road use are not computed yet, as flat columns: every
    leg's roads, and the time, wear and odometer at each of its nodes (a leg of n roads has
    n + 1 nodes, ``sizes`` holds each leg's count). Appending to a few lists per leg is all
    the driving costs; the flush works on whole columns."""

    __slots__ = ("edges", "odometer", "sizes", "times", "wear")

    def __init__(self) -> None:
        self.edges: list[int] = []
        self.times: list[float] = []
        self.wear: list[float] = []
        self.odometer: list[float] = []
        self.sizes: list[int] = []


class Channel:
    """One sensor kind on one truck: interval, noise, read rate, bus latency and loss."""

    def __init__(self, spec: Any, rng: np.random.Generator) -> None:
        self.interval: float = getattr(spec, "interval", 0.0)
        self.noise_sd: float = getattr(spec, "noise_sd", 0.0)
        self.read_rate: float = spec.read_rate
        self.link = Link(spec.latency.build(), spec.loss, rng)
        self.rng = rng
        self._uniform = Sampler(Uniform(0.0, 1.0), rng)

    def read(self) -> bool:
        """Whether one reading is taken (the read rate), from uniforms drawn in batches."""
        return self.read_rate >= 1 or self._uniform() < self.read_rate

    def times(self, start: float, end: float) -> np.ndarray:
        """Reading times in [start, end) on the channel's grid, thinned by the read rate."""
        # one window: the same times as ``grid`` makes, in a third of the numpy calls
        first = math.ceil(start / self.interval)
        last = math.ceil(end / self.interval)
        times = self.interval * np.arange(first, max(first, last), dtype=float)
        if self.read_rate < 1:
            times = times[self.rng.random(len(times)) < self.read_rate]
        return times

    def grid(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Reading times on the channel's grid in each [start, end), thinned by the read rate;
        the windows are disjoint and in time order."""
        first = np.ceil(starts / self.interval).astype(np.int64)
        last = np.ceil(ends / self.interval).astype(np.int64)
        counts = np.maximum(last - first, 0)
        times = self.interval * consecutive_runs(first, counts).astype(float)
        if self.read_rate < 1:
            times = times[self.rng.random(len(times)) < self.read_rate]
        return times

    def received(self, times: np.ndarray) -> np.ndarray:
        """Arrival times over the bus; NaN for the messages it loses."""
        return self.link.arrivals(times)


class Router:
    """Paths as the routing policy believes the roads are, from the twin's ``RoadView``."""

    def __init__(self, policy: RoutingPolicy, network: Network, roads: RoadView) -> None:
        self.policy = policy
        self.network = network
        self.roads = roads
        # a re-planning policy reads GPS travel-time reports; only then are they worth making
        self.replans = policy.replans

    def path(self, source: int, target: int, now: float, departed: float) -> list[int]:
        key, hours = self.policy.road_hours(self.roads, now, departed)
        return self.network.route(source, target, key, hours)


class Truck:
    def __init__(
        self,
        env: simpy.Environment,
        name: str,
        home: Warehouse,
        group: TruckGroup,
        network: Network,
        traffic: Traffic,
        streams: Any,
        log: EventLog,
        sensors: Sensors,
        products: dict[str, Product],
        unloading: Sampler,
        view: TruckView | None = None,
        maintenance: MaintenancePolicy | None = None,
        router: Router | None = None,
    ) -> None:
        self.env = env
        self.name = name
        self.home = home
        self.group = group
        self.network = network
        self.traffic = traffic
        self.log = log
        self.products = products
        self.unloading = unloading
        self.refrigerated = group.refrigerated
        self.view = view if view is not None else TruckView()  # what the twin hears of it
        self.router = router
        self._home_node = network.index[home.name]
        # (start, end, state) intervals for the fleet timeline, three doubles each (a typed
        # array: a few bytes an interval, nothing for the garbage collector to walk); None
        # when nothing is recorded
        self.states: array[float] | None = None
        # trip plans for the twin, when the warehouse quotes promises from them
        self.publishes_plans = False

        self.noise = Sampler(traffic.noise, streams.generator(f"travel/{name}"))
        self.wear = 0.0
        self._wear_rng = streams.generator(f"wear/{name}")
        self._reefer_rng = streams.generator(f"reefer/{name}")
        self._reefer_failure = group.reefer.failure_duration.build() if group.reefer else None
        wear = group.wear
        self._lifetime: Sampler | None = None
        self._life_left = math.inf  # hours of driving to failure (lifetime model)
        if wear is not None and wear.lifetime is not None:
            self._lifetime = Sampler(wear.lifetime.build(), streams.generator(f"lifetime/{name}"))
            self._life_left = self._lifetime()
        elif wear is not None:
            assert wear.mean_per_1000km is not None and wear.sd_per_1000km is not None
            # Gamma process: over d km the increment is Gamma(alpha * d, beta).
            per_km_mean = wear.mean_per_1000km / 1000
            per_km_var = wear.sd_per_1000km**2 / 1000
            self._beta = per_km_var / per_km_mean
            self._alpha = per_km_mean / self._beta
        if wear is not None:
            self._repair = Sampler(wear.repair_time.build(), streams.generator(f"repair/{name}"))
            self._service_time = Sampler(
                wear.service_time.build(), streams.generator(f"service/{name}")
            )
        # only a truck whose wear is modelled can be serviced
        self.maintenance = maintenance if wear is not None else None
        # a policy that keeps the base class's answer (never) need not be asked
        self.may_service = self.maintenance is not None and (
            type(self.maintenance).needs_service is not MaintenancePolicy.needs_service
        )
        self.gps = Channel(sensors.gps, streams.generator(f"gps/{name}")) if sensors.gps else None
        self.view.gps = self.gps is not None
        self.health = (
            Channel(sensors.engine_health, streams.generator(f"health/{name}"))
            if sensors.engine_health and wear is not None
            else None
        )
        self.thermo = (
            Channel(sensors.reefer_temperature, streams.generator(f"thermo/{name}"))
            if sensors.reefer_temperature and self.refrigerated
            else None
        )
        self.dock = (
            Channel(sensors.dock_door, streams.generator(f"dock/{name}"))
            if sensors.dock_door
            else None
        )
        tracking = sensors.order_tracking
        self.tracking = (
            Link(tracking.latency.build(), tracking.loss, streams.generator(f"tracking/{name}"))
            if tracking is not None
            else None
        )
        self._code = log.code(name)
        self._off: list[tuple[float, float]] = []  # reefer off (stranded) during the current leg
        # legs whose GPS and engine-health readings and road use are not computed yet
        self._pending = _Legs()
        self.view.flush = self.flush  # the twin asks before it answers about this truck
        self.trips = 0
        self.km = 0.0
        self.hours = 0.0
        self.driving_hours = 0.0
        self.breakdowns = 0
        self.downtime_hours = 0.0
        self.repair_cost = 0.0
        self.tow_cost = 0.0
        self.delivered_units = 0
        self.spoiled_units = 0
        self.spoiled_value = 0.0  # units spoiled in transit at their unit cost
        self.services = 0
        self.service_hours = 0.0  # from asking for a bay to leaving it
        self.service_cost = 0.0

    def counters(self) -> dict[str, float]:
        return {field: getattr(self, field) for field in TRUCK_FIELDS}

    # -- the process -------------------------------------------------------------------------

    def run(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        home = self.home
        capacity = self.group.capacity_kg
        while True:
            if self.due_for_service():
                yield from self._service()
            trip = home.take_trip(self.refrigerated, capacity)
            if not trip:
                trip = yield home.wait_for_work(self)  # the warehouse sends it with a trip
                if not trip:
                    continue  # woken to look again
            start = env.now
            docks = home.docks
            door = None if docks.take_free() else docks.request()
            if door is not None:
                yield door
            docked = env.now
            self._state(WAITING_AT_DOCK, start, docked)
            yield env.timeout(home.loading())
            self._state(LOADING, docked, env.now)
            docks.hand_back(door)
            store = self.network.index[trip[0].dest.location]
            self._scan(trip, home._code)
            if self.tracking is not None:
                for line in trip:
                    self._log_line(SHIPPED, line, self.tracking.arrival(env.now))
            depart = env.now
            self._off = []
            tracked = [line.dest for line in trip if getattr(line.dest, "tracked", False)]
            plan = self._plan(self._home_node, store) if tracked or self.publishes_plans else None
            if self.publishes_plans:
                assert plan is not None
                back_xy, back_hours = self._plan(store, self._home_node)
                self.view.trip = TripPlan(
                    depart, plan[0], plan[1], self.unloading.mean, back_xy, back_hours
                )
            # the drive and the unloading after it are one wait (the store's receipt is
            # booked when the unloading ends)
            arrived = yield from self.go(self._home_node, store, dwell=self.unloading())
            self._state(UNLOADING, arrived, env.now)
            if tracked:
                assert plan is not None
                error = abs(self._quoted_arrival(plan, depart, arrived) - arrived)
                for order in tracked:
                    order.eta_error = error  # type: ignore[attr-defined]
            spoiled = self._cold_chain(trip, depart, env.now)
            self._scan(trip, trip[0].dest._entity)
            for line in trip:
                if line in spoiled:
                    self.spoiled_units += line.qty
                    self.spoiled_value += line.qty * self.products[line.dest.sku].unit_cost
                    self._log_line(SPOILED, line, env.now)
                    line.dest.cancel_inbound(line.qty)
                else:
                    self.delivered_units += line.qty
                    if self.tracking is not None:
                        self._log_line(DELIVERED, line, self.tracking.arrival(env.now))
                    line.dest.receive(line.lots, line.ordered_at)
            self._off = []
            if self.view.trip is not None:
                self.view.trip.delivered_at = env.now  # the store booked the receipt
            yield from self.go(store, self._home_node)
            self.view.trip = None
            self.trips += 1
            self.hours += env.now - start

    def due_for_service(self) -> bool:
        """Whether the maintenance policy sends the truck, free at home now, for service."""
        return self.may_service and self.maintenance.needs_service(  # type: ignore[union-attr]
            self.view, self.env.now
        )

    def _service(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        wear_spec = self.group.wear
        assert wear_spec is not None
        start = env.now
        self.view.busy_until = start + self._service_time.mean  # the workshop's plan
        with self.home.bays.request() as bay:
            yield bay
            in_bay = env.now
            self._state(WAITING_FOR_BAY, start, in_bay)
            yield env.timeout(self._service_time())
            self._state(IN_MAINTENANCE, in_bay, env.now)
        self.view.busy_until = None
        self.log.add(SERVICE, env.now, env.now, self._code, self._code, 0, self.wear)
        self.wear = 0.0
        self._renew()
        self.services += 1
        self.service_hours += env.now - start
        self.service_cost += wear_spec.service_cost
        self.view.serviced(env.now)

    def _state(self, state: int, since: float, until: float) -> None:
        """What the truck did from ``since`` to ``until``, for the fleet timeline (when
        recorded)."""
        if self.states is not None and until > since:
            self.states.frombytes(SPAN.pack(since, until, state))

    def _renew(self) -> None:
        """A repaired or serviced engine starts a new life (lifetime model)."""
        if self._lifetime is not None:
            self._life_left = self._lifetime()

    def _log_line(self, kind: int, line: Line, received: float) -> None:
        """An event about one shipment line, happening now, sent by this truck."""
        now = self.env.now
        dest = line.dest
        self.log.add(kind, now, received, self._code, dest._entity, dest._sku_code, float(line.qty))

    def _scan(self, trip: list[Line], entity: int) -> None:
        dock = self.dock
        if dock is None:
            return
        now = self.env.now
        lines = float(len(trip))
        for _ in trip:  # one scan per shipment line; a trip has a few: no arrays
            if dock.read():
                self.log.add(DOCK, now, dock.link.arrival(now), self._code, entity, 0, lines)

    # -- tracking ----------------------------------------------------------------------------

    QUOTE_AHEAD = 1.0  # hours before arrival at which the customer's ETA is measured

    def _plan(self, source: int, target: int) -> tuple[np.ndarray, np.ndarray]:
        """The path the dispatcher expects at departure: node positions, planned hours."""
        now = self.env.now
        if self.router is None:
            path = self.network.path(self.network.node_ids[source], self.network.node_ids[target])
            assert path is not None
            hours = self.network.edge_free_h[path]
        else:
            path = self.router.path(source, target, now, now)
            hours = self.router.roads.historical(int(now))[path]
        network = self.network
        nodes = np.concatenate([[network.edge_src[path[0]]], network.edge_dst[path]])
        return network.xy[nodes], hours

    def _quoted_arrival(
        self, plan: tuple[np.ndarray, np.ndarray], departed: float, arrived: float
    ) -> float:
        """The arrival time the twin would quote an hour before the truck arrived: from the
        latest GPS fix received by then and the planned hours left from there; from the plan
        made at departure when no fix of this trip has arrived (or there is no GPS)."""
        nodes_xy, hours = plan
        asked = max(departed, arrived - self.QUOTE_AHEAD)
        fix = self.view.position(asked)
        if fix is None or fix[0] < departed:
            return departed + float(hours.sum())
        t_fix, x, y = fix
        return t_fix + remaining_hours(nodes_xy, hours, x, y)

    # -- driving -----------------------------------------------------------------------------

    def go(
        self, source: int, target: int, dwell: float = 0.0
    ) -> Generator[simpy.Event, Any, float]:
        """Drive from node ``source`` to ``target`` the way the routing policy chooses, then
        stay ``dwell`` hours; return the arrival time."""
        router = self.router
        if router is None:
            path = self.network.path(self.network.node_ids[source], self.network.node_ids[target])
            assert path is not None  # checked when the scenario loaded
            return (yield from self.drive(path, dwell))
        departed = self.env.now
        if not router.replans:
            return (yield from self.drive(router.path(source, target, departed, departed), dwell))
        node = source
        arrived = departed
        while node != target:
            now = self.env.now
            edge = router.path(node, target, now, departed)[0]
            if self.gps is not None and self.traffic.closed_until(edge, now) is not None:
                # held at a closure: the GPS shows the truck stopped, the twin learns of it
                arrival = float(self.gps.received(np.array([now]))[0])
                router.roads.report(edge, now, arrival, router.roads.BLOCKED)
                if arrival <= now:
                    edge = router.path(node, target, now, departed)[0]
            node = int(self.network.edge_dst[edge])
            arrived = yield from self.drive([edge], dwell if node == target else 0.0)
        return arrived

    def drive(self, edges: list[int], dwell: float = 0.0) -> Generator[simpy.Event, Any, float]:
        """Drive the roads ``edges``, then stay ``dwell`` hours; return the arrival time."""
        env = self.env
        network = self.network
        edge_km = network.edge_km_list
        remaining = edges
        wear_spec = self.group.wear
        # a leg has a few roads: plain lists and scalar draws, since numpy's cost per call
        # would be most of the leg's
        while remaining:
            start = env.now
            exits = self.traffic.traverse(remaining, start, self.noise)
            km = list(map(edge_km.__getitem__, remaining))
            failed = False
            n = len(remaining)
            wear0 = self.wear
            if self._lifetime is not None:
                # the wear is the age in hours of driving; failure when the lifetime is used up
                k = bisect_left([t - start for t in exits], self._life_left)
                failed = k < n
                if failed:  # it fails inside road k, at the exact end of its life
                    n = k + 1
                    exits = [*exits[:k], start + self._life_left]
                path_wear = [wear0 + t - start for t in exits[:n]]
            elif wear_spec is not None:
                # the gamma process's increment over each road (the same draws as one
                # vectorised gamma(alpha * km, beta))
                draw = self._wear_rng.standard_gamma
                alpha, beta = self._alpha, self._beta
                path_wear = []
                total = 0.0
                for d in km:
                    total += draw(alpha * d) * beta
                    path_wear.append(wear0 + total)
                k = bisect_left(path_wear, wear_spec.failure_threshold)
                failed = k < n
                if failed:
                    n = k + 1
            else:
                path_wear = [0.0] * n
            leg = remaining[:n]
            times = [start, *exits[:n]]
            hours_driven = times[-1] - start
            if self._lifetime is not None:
                self._life_left -= hours_driven
            if self.gps is not None and self.router is not None and self.router.replans:
                self._report_roads(leg, np.array(times))
            km = km[:n]
            self._readings(leg, times, [wear0, *path_wear[:n]], km)
            leg_km = sum(km)
            self.km += leg_km
            self.driving_hours += hours_driven
            self.view.add_driving(hours_driven, leg_km)
            if failed:
                yield env.timeout(hours_driven)
            else:
                # (hours_driven + 0.0 is hours_driven: without a dwell, the same times)
                yield env.timeout(hours_driven + dwell)
            arrived = start + hours_driven  # what env.now was (or would be) when it arrived
            self._state(DRIVING, start, arrived)
            if not failed:
                if wear_spec is not None:
                    self.wear = path_wear[-1]
                return arrived
            assert wear_spec is not None
            now = env.now
            x, y = network.xy[network.edge_dst[leg[-1]]]
            self.log.add(
                BREAKDOWN,
                now,
                now,
                self._code,
                self._code,
                0,
                path_wear[n - 1],
                float(x),
                float(y),
            )
            repair = self._repair()
            self.breakdowns += 1
            self.downtime_hours += repair
            self.repair_cost += wear_spec.repair_cost
            self.tow_cost += wear_spec.tow_cost
            self._off.append((now, now + repair))
            yield env.timeout(repair)
            self._state(BROKEN_DOWN, now, env.now)
            self.wear = 0.0
            self._renew()
            self.view.serviced(env.now)
            self.log.add(REPAIR, env.now, env.now, self._code, self._code, 0, repair)
            remaining = remaining[n:]
        # broken down on the last road: it arrives when repaired
        arrived = env.now
        if dwell:
            yield env.timeout(dwell)
        return arrived

    def _report_roads(self, leg: list[int], times: np.ndarray) -> None:
        """Each road's observed time over the time the profile expected, to the twin when the
        GPS fix at the road's end arrives."""
        assert self.gps is not None and self.router is not None
        roads = self.router.roads
        exits = times[1:]
        arrivals = self.gps.received(exits)
        for edge, t_in, t_out, arrival in zip(leg, times[:-1], exits, arrivals, strict=True):
            factor = (t_out - t_in) / roads.expected_hours(edge, t_in)
            roads.report(edge, float(t_out), float(arrival), float(factor))

    PENDING_LEGS = 32  # legs whose readings are computed together

    def _readings(
        self, leg: list[int], times: list[float], wear: list[float], km: list[float]
    ) -> None:
        """Keep a leg (its roads, the time and wear at each node, the km of each road) for
        its GPS and engine-health readings and the road use, computed (not simulated) for many
        legs at once: when enough are pending, or when the twin is asked about the truck
        (``flush``)."""
        if self.gps is None and self.health is None and self.traffic.road_trips is None:
            return
        pending = self._pending
        pending.edges += leg
        pending.times += times
        pending.sizes.append(len(times))
        if self.health is not None:
            pending.wear += wear
            start = self.km  # the odometer at the leg's start
            pending.odometer += map(start.__add__, accumulate(km, initial=0.0))
        if len(pending.sizes) >= self.PENDING_LEGS:
            self.flush()

    def flush(self) -> None:
        """The readings along every pending leg, in one vectorised step per sensor."""
        pending = self._pending
        if not pending.sizes:
            return
        self._pending = _Legs()
        times = np.array(pending.times)
        edges = np.array(pending.edges, dtype=np.int64)
        sizes = np.array(pending.sizes, dtype=np.int64)
        last = np.cumsum(sizes) - 1  # each leg's last node
        first = last + 1 - sizes
        starts, ends = times[first], times[last]
        if self.traffic.road_trips is not None:
            self._road_use(edges, times, last)
        if self.gps is not None:
            at = self.gps.grid(starts, ends)
            network = self.network
            # a leg's nodes: its first road's start, then every road's end
            first_road = first - np.arange(len(sizes))
            nodes = np.insert(
                network.edge_dst[edges], first_road, network.edge_src[edges[first_road]]
            )
            xy = network.xy[nodes]
            xs = np.interp(at, times, xy[:, 0])
            ys = np.interp(at, times, xy[:, 1])
            received = self.gps.received(at)
            self.view.add_gps(at, received, xs, ys)
            self.log.add_many(
                GPS, at, received, self._code, self._code, 0, np.zeros(len(at)), xs, ys
            )
        if self.health is not None:
            at = self.health.grid(starts, ends)
            true = np.interp(at, times, np.array(pending.wear))
            noisy = (
                true + self.health.rng.normal(0.0, self.health.noise_sd, len(at))
                if self.health.noise_sd
                else true
            )
            received = self.health.received(at)
            odometer = np.interp(at, times, np.array(pending.odometer))
            self.view.add_health(at, received, noisy, odometer)
            self.log.add_many(HEALTH, at, received, self._code, self._code, 0, noisy)

    def _road_use(self, edges: np.ndarray, times: np.ndarray, last: np.ndarray) -> None:
        """Add the pending legs' traversals and hours to each road's (the network map)."""
        trips, hours = self.traffic.road_trips, self.traffic.road_hours
        assert trips is not None and hours is not None
        # a leg of n roads has n + 1 times: drop the gap between one leg's end and the next
        driven = np.delete(np.diff(times), last[:-1])
        # (unbuffered adds touch only the roads driven, not every road of the network)
        np.add.at(trips, edges, 1)
        np.add.at(hours, edges, driven)

    # -- cold chain --------------------------------------------------------------------------

    def _cold_chain(self, trip: list[Line], start: float, end: float) -> set[Line]:
        """Reefer failures and breakdowns warm the trailer; cold lines too long too warm spoil."""
        if not self.refrigerated or not any(line.cold for line in trip):
            return set()
        reefer = self.group.reefer
        setpoint = reefer.setpoint if reefer else 4.0
        warming = reefer.warming_per_hour if reefer else 4.0
        off = list(self._off)
        if reefer is not None and reefer.failures_per_day > 0:
            rng = self._reefer_rng
            count = rng.poisson(reefer.failures_per_day / 24 * (end - start))
            if count:  # seldom on one trip; drawing nothing would draw nothing
                starts = start + (end - start) * rng.random(count)
                assert self._reefer_failure is not None
                lengths = self._reefer_failure.sample(rng, count)
                off += [
                    (float(s), float(min(end, s + length)))
                    for s, length in zip(starts, lengths, strict=True)
                ]
        if self.thermo is not None:
            at = self.thermo.times(start, end)
            temp = np.full(len(at), setpoint)
            for s, e in off:
                inside = (at >= s) & (at < e)
                temp[inside] = setpoint + warming * (at[inside] - s)
            if self.thermo.noise_sd:
                temp = temp + self.thermo.rng.normal(0, self.thermo.noise_sd, len(at))
            self.log.add_many(REEFER, at, self.thermo.received(at), self._code, self._code, 0, temp)
        spoiled: set[Line] = set()
        for line in trip:
            if not line.cold:
                continue
            product = self.products[line.dest.sku]
            assert product.temperature is not None
            limit = product.temperature.max
            reach = max(0.0, (limit - setpoint) / warming)  # hours of warming to reach the limit
            above = sum(max(0.0, (e - s) - reach) for s, e in off)
            if above > product.temperature.tolerance:
                spoiled.add(line)
        return spoiled

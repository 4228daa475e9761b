"""The one wiring point: scenario and plan in, a ready SimPy world out, then run and harvest."""

from __future__ import annotations

import gc
import math
import time
from array import array
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import simpy

from sim.distributions import Sampler
from sim.iot.bus import Link
from sim.iot.twin import RoadView, Twin
from sim.network import Traffic
from sim.plan import Plan, resolve_plan
from sim.policies import MAINTENANCE, REPLENISHMENT, ROUTING, VISIBILITY
from sim.records import KIND, EventLog, TimeSeries
from sim.rng import Streams
from sim.scenario import Scenario, hourly_rate_profile, match
from sim.world.demand import CustomerStream, ScheduledCustomers
from sim.world.kernels import warm_up
from sim.world.online import OnlineDemand, Quoter
from sim.world.stock import FLOW_FIELDS, StockPoint
from sim.world.store import ReadSource, Shelf, ShrinkSource, call_at
from sim.world.truck import TRUCK_FIELDS, TRUCK_STATES, Router, Truck
from sim.world.warehouse import DockStats, Warehouse, WarehouseStock

# Sensor kinds that are physical devices (order tracking is software: priced per message only).
TRAFFIC_ALERT = KIND["traffic_alert"]
SENSOR_DEVICE_KINDS = (
    "shelf",
    "dock_door",
    "gps",
    "engine_health",
    "reefer_temperature",
    "traffic",
)


@dataclass
class ReplicationResult:
    """What one replication leaves behind: flow and fleet tables after the warm-up."""

    replication: int
    flows: pd.DataFrame
    trucks: pd.DataFrame
    messages: dict[str, int]
    sim_events: int
    event_rows: int
    wall_seconds: float
    timeseries: Path | None = None
    online: pd.DataFrame | None = None
    devices: dict[str, int] = field(default_factory=dict)
    docks: pd.DataFrame | None = None  # inbound dock counters per warehouse
    # periodic-review shelves: (location, sku, units ordered, units demanded) per review period
    periods: list[tuple[str, str, list[int], list[int]]] = field(default_factory=list)


class Model:
    def __init__(
        self,
        scenario: Scenario,
        replication: int,
        plan: Plan | None = None,
        events_path: Path | None = None,
        record: bool = True,
        timeseries_path: Path | None = None,
        fleet_path: Path | None = None,
    ) -> None:
        if plan is None:
            plan, problems = resolve_plan(scenario)
            assert plan is not None, problems
        warm_up()  # the shelves' compiled kernels: loaded once per process, not mid-run
        self.scenario = scenario
        self.plan = plan
        self._fleet_path = fleet_path
        self.replication = replication
        run = scenario.run
        self.horizon = run.horizon
        self.warmup = run.warmup
        self.env = env = simpy.Environment()
        self.streams = streams = Streams(run.seed, replication)
        self.log = log = EventLog(
            events_path, replication, enabled=record and scenario.recording.events
        )
        self.timeseries = TimeSeries(
            timeseries_path, replication, record, scenario.recording.timeseries_interval
        )
        self.twin = twin = Twin()
        congestion = scenario.network.congestion
        self.traffic = Traffic(
            plan.network,
            congestion.hourly,
            congestion.noise.build(),
            scenario.network.incidents,
            streams,
            self.horizon,
        )
        products = {p.sku: p for p in scenario.products}
        self.visibility = visibility = VISIBILITY.parse(scenario.visibility)
        sensors = scenario.sensors

        # Warehouses and their supply.
        self.warehouses: dict[str, Warehouse] = {}
        wh_spec = scenario.warehouses
        for name, skus in plan.warehouse_skus.items():
            warehouse = Warehouse(
                env,
                name,
                wh_spec.docks,
                Sampler(wh_spec.picking_time.build(), streams.generator(f"picking/{name}")),
                Sampler(wh_spec.loading_time.build(), streams.generator(f"loading/{name}")),
                log,
                tracking=Link(
                    sensors.order_tracking.latency.build(),
                    sensors.order_tracking.loss,
                    streams.generator(f"tracking/{name}"),
                )
                if sensors.order_tracking is not None
                else None,
                service_bays=wh_spec.service_bays,
                inbound=(
                    wh_spec.inbound_docks,
                    Sampler(
                        scenario.suppliers.unloading_time.build(),
                        streams.generator(f"inbound/{name}"),
                    ),
                )
                if scenario.suppliers.unloading_time is not None
                else None,
            )
            for sku in skus:
                spec, initial = plan.policies[(name, sku)]
                policy = REPLENISHMENT.parse(spec)
                start = policy.initial_stock() if initial is None else initial
                stock = WarehouseStock(
                    name,
                    sku,
                    start,
                    twin.record(name, sku, start),
                    products[sku].shelf_life,
                    self.timeseries,
                    policy=policy,
                    lead_time=Sampler(
                        scenario.suppliers.lead_time.build(),
                        streams.generator(f"leadtime/{name}/{sku}"),
                    ),
                )
                warehouse.add_stock(stock, products[sku].cold_chain, products[sku].weight_kg)
            self.warehouses[name] = warehouse
        for name, upstream in plan.warehouse_upstream.items():
            for stock in self.warehouses[name].stock.values():
                stock.upstream = self.warehouses[upstream]

        # Store shelves.
        profile = hourly_rate_profile(scenario.demand)
        backorder = scenario.demand.unmet == "backorder"
        shrink = scenario.stores.shrinkage
        read_period = visibility.read_period(sensors.shelf)
        shelf_sensor = sensors.shelf if read_period is not None else None
        self.shelves: list[Shelf] = []
        for store, skus in plan.store_skus.items():
            warehouse = self.warehouses[plan.store_warehouse[store]]
            for sku in skus:
                stream = next(
                    s
                    for s in reversed(scenario.demand.streams)
                    if s.sku == sku and match(s.stores, [store])
                )
                promotions = [
                    (p.start, p.end, p.uplift)
                    for p in scenario.demand.promotions
                    if p.sku == sku and match(p.stores, [store])
                ]
                spec, initial = plan.policies[(store, sku)]
                policy = REPLENISHMENT.parse(spec)
                start = policy.initial_stock() if initial is None else initial
                key = f"{store}/{sku}"
                shelf = Shelf(
                    env,
                    store,
                    sku,
                    start,
                    twin.record(store, sku, start),
                    products[sku].shelf_life,
                    self.timeseries,
                    policy,
                    CustomerStream(
                        stream.customers_per_day,
                        profile,
                        promotions,
                        stream.quantity.build(),
                        streams.generator(f"demand/{key}"),
                    )
                    if stream.customers_per_day is not None
                    else ScheduledCustomers(
                        stream.every or 0.0,
                        stream.first_at,
                        stream.quantity.build(),
                        streams.generator(f"demand/{key}"),
                    ),
                    ShrinkSource(
                        shrink.events_per_day / 24,
                        shrink.quantity.build(),
                        streams.generator(f"shrink/{key}"),
                    )
                    if shrink
                    else None,
                    ReadSource(
                        read_period,
                        shelf_sensor.read_rate,
                        shelf_sensor.noise_sd,
                        Link(
                            shelf_sensor.latency.build(),
                            shelf_sensor.loss,
                            streams.generator(f"shelfbus/{key}"),
                        ),
                        streams.generator(f"shelfread/{key}"),
                        log.code(f"shelf:{key}"),
                    )
                    if shelf_sensor and read_period
                    else None,
                    log,
                    backorder,
                    self.horizon,
                )
                shelf.order_fn = warehouse.receive_order
                self.shelves.append(shelf)

        # Fleet.
        unloading = scenario.stores.unloading_time.build()
        self.maintenance = MAINTENANCE.parse(scenario.maintenance)
        network = plan.network
        twin.roads = RoadView(network.edge_free_h, network.edge_congestion, congestion.hourly)
        self.router = Router(ROUTING.parse(scenario.routing), network, twin.roads)
        self._traffic_feed: Link | None = None
        if sensors.traffic is not None and scenario.network.incidents is not None:
            self._traffic_feed = Link(
                sensors.traffic.latency.build(),
                sensors.traffic.loss,
                streams.generator("traffic_feed"),
            )
        self.trucks: list[Truck] = []
        width = max(2, len(str(len(plan.trucks))))
        for number, (home, group_index) in enumerate(plan.trucks, start=1):
            if home not in self.warehouses:
                continue  # a warehouse that supplies no store keeps its trucks parked
            name = f"T{number:0{width}d}"
            group = scenario.fleet[group_index]
            view = twin.truck(name)
            if group.wear is not None and group.wear.mean_per_1000km is not None:
                # the datasheet, not the truck's true state
                view.wear_per_km = group.wear.mean_per_1000km / 1000
                view.failure_threshold = group.wear.failure_threshold
            truck = Truck(
                env,
                name,
                self.warehouses[home],
                scenario.fleet[group_index],
                plan.network,
                self.traffic,
                streams,
                log,
                sensors,
                products,
                Sampler(unloading, streams.generator(f"unloading/{name}")),
                view,
                self.maintenance,
                self.router,
            )
            if fleet_path is not None:
                truck.states = array("d")
            self.trucks.append(truck)
        if fleet_path is not None:
            self.traffic.road_trips = np.zeros(len(network.edge_km), dtype=np.int64)
            self.traffic.road_hours = np.zeros(len(network.edge_km))

        # Online orders (after the fleet: promises may be quoted from the trucks' plans).
        self.online: OnlineDemand | None = None
        if scenario.online is not None:
            online = scenario.online
            hub = self.warehouses[online.warehouse]
            quoter = None
            if online.quote_margin is not None:
                own = [truck for truck in self.trucks if truck.home is hub]
                for truck in own:
                    truck.publishes_plans = True
                quoter = Quoter(
                    hub,
                    [truck.view for truck in own],
                    self._drive_hours(online.warehouse),
                    unloading.mean,
                    online.quote_margin,
                )
            self.online = OnlineDemand(
                env,
                online,
                hub,
                plan.online_zones,
                profile,
                streams.generator(f"online/{online.warehouse}"),
                log,
                quoter,
            )

        self._snapshot: dict[str, Any] | None = None
        self._started = False

    def _drive_hours(self, home: str) -> Callable[[str, float], float]:
        """Planned hours from ``home`` to a node, leaving at a time, as the routing plans it."""
        network = self.plan.network
        router = self.router
        source = network.index[home]

        def hours(target: str, at: float) -> float:
            path = router.path(source, network.index[target], at, at)
            return float(router.roads.historical(int(at))[path].sum())

        return hours

    # -- phases ----------------------------------------------------------------------------

    def _stock_points(self) -> list[tuple[str, StockPoint]]:
        points: list[tuple[str, StockPoint]] = [("store", shelf) for shelf in self.shelves]
        for warehouse in self.warehouses.values():
            points += [("warehouse", stock) for stock in warehouse.stock.values()]
        return points

    def _advance_all(self) -> None:
        for shelf in self.shelves:
            shelf.advance()
        for warehouse in self.warehouses.values():
            warehouse.advance_all()

    def _flush_trucks(self) -> None:
        for truck in self.trucks:
            truck.flush()

    def _take_snapshot(self) -> None:
        self._advance_all()
        self._flush_trucks()  # their readings so far count before the warm-up ends
        self.log.gather()  # and the shelf reads the shelves hold
        self._snapshot = {
            "flows": [point.flows() for _, point in self._stock_points()],
            "trucks": [truck.counters() for truck in self.trucks],
            "messages": list(self.log.counts),
            "docks": [w.dock.counters(self.env.now) for w in self.warehouses.values()],
            "periods": [len(shelf.period_orders) for shelf in self.shelves],
        }

    def _counts(self) -> None:
        interval = self.visibility.count_period()
        if interval is None:
            return
        source = self.log.code("count")

        def count_all() -> None:
            for shelf in self.shelves:
                shelf.count(source)
            call_at(self.env, self.env.now + interval, count_all)

        call_at(self.env, interval, count_all)

    def start(self) -> None:
        """Start every process; ``run`` calls it, tests may step the environment themselves."""
        env = self.env
        self._started = True
        for warehouse in self.warehouses.values():
            warehouse.start()
        for shelf in self.shelves:
            shelf.start()
        for truck in self.trucks:
            env.process(truck.run())
        if self.online is not None:
            env.process(self.online.run())
        if self._traffic_feed is not None:
            env.process(self._announce_incidents(self._traffic_feed))
        self._counts()
        if self.warmup > 0:
            call_at(env, self.warmup, self._take_snapshot)

    def _announce_incidents(self, feed: Link) -> Generator[simpy.Event, Any, None]:
        """The traffic feed: each road incident announced when it starts, with when it ends and
        whether the road is closed; the twin hears of it after the feed's latency."""
        env = self.env
        network = self.plan.network
        roads = self.twin.roads
        assert roads is not None
        source = self.log.code("traffic_feed")
        incidents = self.scenario.network.incidents
        assert incidents is not None
        slowdown = incidents.slowdown
        alerts: list[tuple[float, int, float, bool]] = []
        for edge in range(len(network.edge_km)):
            incident = self.traffic.incidents_on(edge)
            alerts.extend(
                zip(
                    incident.starts,
                    [edge] * len(incident.starts),
                    incident.ends,
                    incident.closed,
                    strict=True,
                )
            )
        alerts.sort()
        received = feed.arrivals(np.array([a[0] for a in alerts], dtype=float))
        for (start, edge, end, closed), heard in zip(alerts, received.tolist(), strict=True):
            if start > env.now:
                yield env.timeout(start - env.now)
            x, y = (network.xy[network.edge_src[edge]] + network.xy[network.edge_dst[edge]]) / 2
            entity = self.log.code(network.edge_name(edge))
            self.log.add(TRAFFIC_ALERT, start, heard, source, entity, 0, end - start, x, y)
            if not math.isnan(heard):
                factor = math.inf if closed else slowdown
                call_at(env, heard, lambda e=edge, t=end, f=factor: roads.announce(e, t, f))  # type: ignore[misc]

    def run(self) -> ReplicationResult:
        started = time.perf_counter()
        if not self._started:
            self.start()
        # The garbage collector cost a tenth of a recorded run: its full passes walked the
        # network and the scenario, which live through the run, and its young passes came
        # every 700 containers (the records keep many). Exempt what exists now (``freeze``)
        # and collect young objects every 50,000; both are undone at the end, so an
        # interactive session is left as it was.
        threshold = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(max(threshold[0], 50_000), *threshold[1:])
        try:
            self.env.run(until=self.horizon)
        finally:
            gc.set_threshold(*threshold)
            gc.unfreeze()
        self._advance_all()
        self._flush_trucks()
        if self._snapshot is None:
            self._take_snapshot_zero()
        self.log.close()
        self.timeseries.close()
        if self._fleet_path is not None:
            self._write_fleet(self._fleet_path)
            self._write_roads(
                self._fleet_path.with_name(self._fleet_path.name.replace("fleet", "roads"))
            )
        return self._harvest(time.perf_counter() - started)

    def _write_roads(self, path: Path) -> None:
        """Per road: traversals, hours driven against free-flow hours (observed congestion),
        and incidents over the run: the network map."""
        network = self.plan.network
        trips = self.traffic.road_trips
        hours = self.traffic.road_hours
        assert trips is not None and hours is not None
        edges = range(len(network.edge_km))
        incidents = [
            len(self.traffic._incidents[e].starts) if e in self.traffic._incidents else 0
            for e in edges
        ]
        table = pa.table(
            {
                "replication": pa.array([self.replication] * len(edges), pa.int32()),
                "source": [network.node_ids[network.edge_src[e]] for e in edges],
                "target": [network.node_ids[network.edge_dst[e]] for e in edges],
                "trips": pa.array(trips, pa.int64()),
                "hours": pa.array(hours, pa.float64()),
                "free_hours": pa.array(np.array(trips) * network.edge_free_h, pa.float64()),
                "incidents": pa.array(incidents, pa.int64()),
            }
        )
        pq.write_table(table, path, compression="zstd")

    def _write_fleet(self, path: Path) -> None:
        """Every truck's (start, end, state) intervals: the fleet timeline. A truck records a
        step when it ends; a drive to a store ends with the unloading after it (one wait), so
        a step still going at the horizon, that drive included, is left out."""
        names = [t.name for t in self.trucks]
        spans = [
            np.frombuffer(t.states or array("d"), dtype=float).reshape(-1, 3) for t in self.trucks
        ]
        owner = np.repeat(np.arange(len(names), dtype=np.int32), [len(s) for s in spans])
        every = np.concatenate(spans) if spans else np.empty((0, 3))
        truck = pa.DictionaryArray.from_arrays(pa.array(owner), pa.array(names, pa.string()))
        state = pa.DictionaryArray.from_arrays(
            pa.array(every[:, 2].astype(np.int32)), pa.array(TRUCK_STATES, pa.string())
        )
        table = pa.table(
            {
                "replication": pa.array(np.full(len(every), self.replication, dtype=np.int32)),
                "truck": truck,
                "state": state,
                "start": pa.array(every[:, 0]),
                "end": pa.array(every[:, 1]),
            }
        )
        pq.write_table(table, path, compression="zstd")

    def devices(self) -> dict[str, int]:
        """IoT devices installed, by sensor kind: only those that produce readings here."""
        sensors = self.scenario.sensors
        devices = dict.fromkeys(SENSOR_DEVICE_KINDS, 0)
        if sensors.shelf is not None and self.visibility.reads_shelves:
            devices["shelf"] = len(self.shelves)  # one per shelf (store and SKU)
        if sensors.dock_door is not None:
            # a reader at every warehouse dock door and at every store's receiving door
            devices["dock_door"] = self.scenario.warehouses.docks * len(self.warehouses) + len(
                self.plan.store_skus
            )
        for truck in self.trucks:
            devices["gps"] += truck.gps is not None
            devices["engine_health"] += truck.health is not None
            devices["reefer_temperature"] += truck.thermo is not None
        # one subscription, worth paying for only where roads have incidents to announce
        devices["traffic"] = int(self._traffic_feed is not None)
        return devices

    def _take_snapshot_zero(self) -> None:
        self._snapshot = {
            "flows": [dict.fromkeys(FLOW_FIELDS, 0.0) for _ in self._stock_points()],
            "trucks": [dict.fromkeys(TRUCK_FIELDS, 0.0) for _ in self.trucks],
            "messages": [0] * len(self.log.counts),
            "docks": [dict.fromkeys(DockStats.FIELDS, 0.0) for _ in self.warehouses],
            "periods": [0] * len(self.shelves),
        }

    def _harvest(self, wall: float) -> ReplicationResult:
        assert self._snapshot is not None
        rows = []
        for (role, point), before in zip(
            self._stock_points(), self._snapshot["flows"], strict=True
        ):
            after = point.flows()
            row: dict[str, Any] = {"location": point.location, "sku": point.sku, "role": role}
            for name in FLOW_FIELDS:
                row[name] = after[name] - before[name] if name != "initial" else after[name]
                row[f"total_{name}"] = after[name]
            row["on_hand_end"] = point.on_hand
            row["record_end"] = point.record.on_hand
            row["backlog_end"] = point.backlog
            rows.append(row)
        flows = pd.DataFrame(rows)
        truck_rows = []
        for truck, before in zip(self.trucks, self._snapshot["trucks"], strict=True):
            after = truck.counters()
            group = truck.group
            row = {"truck": truck.name, "home": truck.home.name, "refrigerated": truck.refrigerated}
            row.update({name: after[name] - before[name] for name in TRUCK_FIELDS})
            row["cost_per_km"] = group.cost_per_km
            row["cost_per_hour"] = group.cost_per_hour
            row["co2_kg_per_km"] = group.co2_kg_per_km
            truck_rows.append(row)
        trucks = pd.DataFrame(truck_rows)
        counts = self.log.message_counts()
        messages = {
            kind: counts[kind] - before
            for kind, before in zip(counts, self._snapshot["messages"], strict=True)
        }
        dock_rows = []
        for warehouse, before in zip(
            self.warehouses.values(), self._snapshot["docks"], strict=True
        ):
            after = warehouse.dock.counters(self.env.now)
            row = {"warehouse": warehouse.name, "doors": warehouse.inbound_doors}
            row.update({name: after[name] - before[name] for name in DockStats.FIELDS})
            dock_rows.append(row)
        periods = [
            (shelf.location, shelf.sku, shelf.period_orders[k:], shelf.period_demand[k:])
            for shelf, k in zip(self.shelves, self._snapshot["periods"], strict=True)
            if shelf.period_orders
        ]
        sim_events = next(self.env._eid)  # SimPy's own event counter (a diagnostic)
        return ReplicationResult(
            replication=self.replication,
            flows=flows,
            trucks=trucks,
            messages=messages,
            sim_events=sim_events,
            event_rows=self.log.rows_written,
            wall_seconds=wall,
            timeseries=self.timeseries.path if self.timeseries.enabled else None,
            online=pd.DataFrame(self.online.table()) if self.online is not None else None,
            devices=self.devices(),
            docks=pd.DataFrame(dock_rows),
            periods=periods,
        )

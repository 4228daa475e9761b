"""The KPI catalogue and the pure functions that compute KPIs from a replication's records.

Every KPI covers the measured period only: from the end of the warm-up to the horizon. Money is
in the scenario's currency unit; totals are over the measured period.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model import ReplicationResult
from sim.records import SENSOR_KINDS
from sim.scenario import Scenario, SensorSpec

HOURS_PER_YEAR = 8760.0
HOURS_PER_MONTH = HOURS_PER_YEAR / 12


@dataclass(frozen=True)
class Kpi:
    name: str
    unit: str
    definition: str
    compute: Callable[[ReplicationResult, Scenario], float]
    better: str = "higher"  # or "lower"; "none" where neither is better

    def __call__(self, result: ReplicationResult, scenario: Scenario) -> float:
        return float(self.compute(result, scenario))


def _stores(result: ReplicationResult) -> pd.DataFrame:
    return result.flows[result.flows.role == "store"]


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def _unit_costs(scenario: Scenario, skus: pd.Series) -> pd.Series:
    cost = {p.sku: p.unit_cost for p in scenario.products}
    return skus.map(cost)


def _measured_hours(scenario: Scenario) -> float:
    return scenario.run.horizon - scenario.run.warmup


def fill_rate(r: ReplicationResult, s: Scenario) -> float:
    f = _stores(r)
    return 100 * (1 - _ratio(f.lost.sum() + f.backordered.sum(), f.demand.sum()))


def order_fill_rate(r: ReplicationResult, s: Scenario) -> float:
    f = _stores(r)
    return 100 * _ratio(f.customers_served.sum(), f.customers.sum())


def order_lead_time(r: ReplicationResult, s: Scenario) -> float:
    f = _stores(r)
    return _ratio(f.lead_time_unit_hours.sum(), f.received.sum())


def _online_measured(r: ReplicationResult, s: Scenario) -> pd.DataFrame:
    """Online orders placed after the warm-up whose promise falls before the horizon."""
    if r.online is None or r.online.empty:
        return pd.DataFrame(columns=["placed", "promised", "delivered_at", "eta_error", "spoiled"])
    o = r.online
    return o[(o.placed >= s.run.warmup) & (o.promised <= s.run.horizon)]


def online_on_time(r: ReplicationResult, s: Scenario) -> float:
    o = _online_measured(r, s)
    on_time = (o.delivered_at <= o.promised) & (o.spoiled == 0)
    return 100 * _ratio(float(on_time.sum()), len(o))


def online_promise(r: ReplicationResult, s: Scenario) -> float:
    o = _online_measured(r, s)
    return float((o.promised - o.placed).mean())


def online_eta_error(r: ReplicationResult, s: Scenario) -> float:
    o = _online_measured(r, s)
    if "eta_error" not in o:
        return float("nan")
    return float(o.eta_error.mean())


def online_lead_time(r: ReplicationResult, s: Scenario) -> float:
    o = _online_measured(r, s)
    done = o[o.delivered_at.notna()]
    return float((done.delivered_at - done.placed).mean()) if len(done) else float("nan")


def _docks(r: ReplicationResult) -> pd.DataFrame:
    if r.docks is None or r.docks.empty:
        return pd.DataFrame(
            columns=["doors", "arrivals", "served", "wait_hours", "queue_area", "busy_area"]
        )
    return r.docks[r.docks.doors > 0]


def inbound_wait(r: ReplicationResult, s: Scenario) -> float:
    d = _docks(r)
    return _ratio(float(d.wait_hours.sum()), float(d.served.sum()))


def inbound_utilisation(r: ReplicationResult, s: Scenario) -> float:
    d = _docks(r)
    return 100 * _ratio(float(d.busy_area.sum()), float(d.doors.sum()) * _measured_hours(s))


def bullwhip(r: ReplicationResult, s: Scenario) -> float:
    ratios = []
    for _, _, orders, demand in r.periods:
        if len(demand) > 2 and np.var(demand, ddof=1) > 0:
            ratios.append(float(np.var(orders, ddof=1) / np.var(demand, ddof=1)))
    return float(np.mean(ratios)) if ratios else float("nan")


def holding_cost(r: ReplicationResult, s: Scenario) -> float:
    f = r.flows
    rate = f.sku.map({p.sku: p.holding_rate_per_year * p.unit_cost for p in s.products})
    return float((f.on_hand_hours * rate).sum() / HOURS_PER_YEAR)


def transport_cost(r: ReplicationResult, s: Scenario) -> float:
    t = r.trucks
    return float((t.km * t.cost_per_km + t.hours * t.cost_per_hour).sum())


def maintenance_cost(r: ReplicationResult, s: Scenario) -> float:
    t = r.trucks
    return float(t.repair_cost.sum() + t.tow_cost.sum() + t.service_cost.sum())


def availability(r: ReplicationResult, s: Scenario) -> float:
    t = r.trucks
    out = t.downtime_hours.sum() + t.service_hours.sum()
    return 100 * (1 - _ratio(float(out), len(t) * _measured_hours(s)))


def spoiled_units(r: ReplicationResult, s: Scenario) -> float:
    return float(r.flows.spoiled.sum() + r.trucks.spoiled_units.sum())


def spoilage_cost(r: ReplicationResult, s: Scenario) -> float:
    f = r.flows
    in_stock = (f.spoiled * _unit_costs(s, f.sku)).sum()
    return float(in_stock + r.trucks.spoiled_value.sum())


def lost_sales_cost(r: ReplicationResult, s: Scenario) -> float:
    f = _stores(r)
    margin = f.sku.map({p.sku: p.price - p.unit_cost for p in s.products})
    return float((f.lost * (margin + s.costs.lost_sale_per_unit)).sum())


def ordering_cost(r: ReplicationResult, s: Scenario) -> float:
    f = r.flows
    per_order = f.role.map({"store": s.costs.store_order, "warehouse": s.costs.warehouse_order})
    return float((f.orders * per_order).sum())


def message_cost(r: ReplicationResult, s: Scenario) -> float:
    prices = {
        "shelf_read": s.sensors.shelf,
        "dock_scan": s.sensors.dock_door,
        "gps": s.sensors.gps,
        "reefer_temperature": s.sensors.reefer_temperature,
        "engine_health": s.sensors.engine_health,
        "traffic_alert": s.sensors.traffic,
    }
    total = sum(r.messages[k] * spec.cost_per_message for k, spec in prices.items() if spec)
    tracking = s.sensors.order_tracking
    if tracking:
        lifecycle = ("order_placed", "order_shipped", "order_delivered")
        total += sum(r.messages[k] for k in lifecycle) * tracking.cost_per_message
    return float(total)


def _device_specs(s: Scenario) -> dict[str, SensorSpec | None]:
    sensors = s.sensors
    return {
        "shelf": sensors.shelf,
        "dock_door": sensors.dock_door,
        "gps": sensors.gps,
        "engine_health": sensors.engine_health,
        "reefer_temperature": sensors.reefer_temperature,
        "traffic": sensors.traffic,
    }


def iot_device_cost(r: ReplicationResult, s: Scenario) -> float:
    """Devices in use: unit cost amortised linearly over their life, plus monthly fees."""
    hours = _measured_hours(s)
    total = 0.0
    for kind, spec in _device_specs(s).items():
        count = r.devices.get(kind, 0)
        if spec is None or not count:
            continue
        total += count * spec.unit_cost * hours / spec.life
        total += count * spec.fee_per_device_month * hours / HOURS_PER_MONTH
    return total


def iot_platform_cost(r: ReplicationResult, s: Scenario) -> float:
    in_use = any(r.devices.values()) or s.sensors.order_tracking is not None
    return s.costs.iot_platform_per_month * _measured_hours(s) / HOURS_PER_MONTH if in_use else 0.0


def iot_cost(r: ReplicationResult, s: Scenario) -> float:
    return iot_device_cost(r, s) + iot_platform_cost(r, s) + message_cost(r, s)


def count_cost(r: ReplicationResult, s: Scenario) -> float:
    return r.messages["count"] * s.costs.count_per_item


def total_cost(r: ReplicationResult, s: Scenario) -> float:
    backorder = _stores(r).backorder_hours.sum() / 24 * s.costs.backorder_per_unit_day
    downtime = r.trucks.downtime_hours.sum() * s.costs.downtime_per_hour
    return float(
        holding_cost(r, s)
        + transport_cost(r, s)
        + maintenance_cost(r, s)
        + downtime
        + spoilage_cost(r, s)
        + lost_sales_cost(r, s)
        + backorder
        + ordering_cost(r, s)
        + count_cost(r, s)
        + iot_cost(r, s)
    )


CATALOGUE: tuple[Kpi, ...] = (
    Kpi("fill_rate", "%", "store units sold on demand / store units demanded", fill_rate),
    Kpi(
        "order_fill_rate",
        "%",
        "store customers served in full on arrival / store customers",
        order_fill_rate,
    ),
    Kpi(
        "lost_sales",
        "units",
        "store units demanded and not sold (lost-sales mode)",
        lambda r, s: _stores(r).lost.sum(),
        "lower",
    ),
    Kpi(
        "backorders",
        "units",
        "store units demanded when out of stock and owed (backorder mode)",
        lambda r, s: _stores(r).backordered.sum(),
        "lower",
    ),
    Kpi(
        "shrinkage",
        "units",
        "store units lost to theft, damage and misplacement (no transaction records them)",
        lambda r, s: _stores(r).shrunk.sum(),
        "lower",
    ),
    Kpi(
        "order_lead_time",
        "h",
        "store replenishment: hours from order to delivery, weighted by units received",
        order_lead_time,
        "lower",
    ),
    Kpi(
        "online_orders",
        "orders",
        "online orders placed after the warm-up with their promise before the horizon",
        lambda r, s: len(_online_measured(r, s)),
        "none",
    ),
    Kpi(
        "online_on_time",
        "%",
        "of those online orders, the share delivered complete and unspoiled by the promise",
        online_on_time,
    ),
    Kpi(
        "online_lead_time",
        "h",
        "of those online orders delivered, mean hours from order to delivery",
        online_lead_time,
        "lower",
    ),
    Kpi(
        "online_promise",
        "h",
        "of those online orders, the mean hours from order to promised delivery",
        online_promise,
        "lower",
    ),
    Kpi(
        "online_eta_error",
        "h",
        "of those online orders delivered, mean |quoted - actual| truck arrival, the quote made "
        "an hour before arrival from the latest GPS fix (from the departure plan without GPS)",
        online_eta_error,
        "lower",
    ),
    Kpi(
        "bullwhip",
        "ratio",
        "periodic-review shelves: variance of units ordered per review over variance of units "
        "demanded per review, mean over store-SKUs",
        bullwhip,
        "lower",
    ),
    Kpi(
        "stockout_hours",
        "h",
        "mean over store-SKUs of the hours with nothing on the shelf",
        lambda r, s: _stores(r).stockout_hours.mean(),
        "lower",
    ),
    Kpi(
        "avg_on_hand",
        "units",
        "time-average units on hand, summed over stores and warehouses",
        lambda r, s: r.flows.on_hand_hours.sum() / _measured_hours(s),
        "none",
    ),
    Kpi(
        "store_on_hand",
        "units",
        "time-average units on hand at stores, summed over store-SKUs",
        lambda r, s: _stores(r).on_hand_hours.sum() / _measured_hours(s),
        "none",
    ),
    Kpi(
        "warehouse_on_hand",
        "units",
        "time-average units on hand at warehouses, summed over warehouse-SKUs",
        lambda r, s: r.flows[r.flows.role == "warehouse"].on_hand_hours.sum() / _measured_hours(s),
        "none",
    ),
    Kpi(
        "store_backlog",
        "units",
        "time-average units owed to store customers (backorder mode), summed over store-SKUs",
        lambda r, s: _stores(r).backorder_hours.sum() / _measured_hours(s),
        "lower",
    ),
    Kpi(
        "holding_cost",
        "money",
        "sum of on-hand unit-hours x unit cost x holding rate per year / 8760",
        holding_cost,
        "lower",
    ),
    Kpi(
        "record_inaccuracy",
        "units",
        "time-average |recorded - true on hand|, mean over store-SKUs",
        lambda r, s: _stores(r).record_error_hours.mean() / _measured_hours(s),
        "lower",
    ),
    Kpi(
        "store_orders",
        "orders",
        "replenishment orders placed by stores",
        lambda r, s: _stores(r).orders.sum(),
        "none",
    ),
    Kpi(
        "inbound_deliveries",
        "count",
        "supplier deliveries arrived at inbound dock doors (with suppliers.unloading_time)",
        lambda r, s: _docks(r).arrivals.sum(),
        "none",
    ),
    Kpi(
        "inbound_wait",
        "h",
        "mean hours a supplier delivery waited for an inbound dock door (not unloading)",
        inbound_wait,
        "lower",
    ),
    Kpi(
        "inbound_queue",
        "trucks",
        "time-average supplier trucks waiting for an inbound dock door",
        lambda r, s: _docks(r).queue_area.sum() / _measured_hours(s),
        "lower",
    ),
    Kpi(
        "inbound_utilisation",
        "%",
        "door-hours spent unloading / (inbound doors x measured hours)",
        inbound_utilisation,
        "none",
    ),
    Kpi("km", "km", "km driven by the fleet", lambda r, s: r.trucks.km.sum(), "lower"),
    Kpi(
        "truck_hours",
        "h",
        "truck hours from dock request to return home, summed over trucks",
        lambda r, s: r.trucks.hours.sum(),
        "lower",
    ),
    Kpi(
        "transport_cost",
        "money",
        "km x cost per km + truck hours x cost per hour",
        transport_cost,
        "lower",
    ),
    Kpi(
        "co2",
        "kg",
        "km x CO2 per km of each truck",
        lambda r, s: (r.trucks.km * r.trucks.co2_kg_per_km).sum(),
        "lower",
    ),
    Kpi(
        "breakdowns",
        "count",
        "truck failures on the road",
        lambda r, s: r.trucks.breakdowns.sum(),
        "lower",
    ),
    Kpi(
        "downtime",
        "h",
        "hours trucks stood broken down awaiting and under repair",
        lambda r, s: r.trucks.downtime_hours.sum(),
        "lower",
    ),
    Kpi(
        "services",
        "count",
        "planned services of trucks (maintenance policy)",
        lambda r, s: r.trucks.services.sum(),
        "none",
    ),
    Kpi(
        "service_hours",
        "h",
        "hours trucks spent waiting for and in a service bay",
        lambda r, s: r.trucks.service_hours.sum(),
        "lower",
    ),
    Kpi(
        "availability",
        "%",
        "100 x (1 - (downtime + service hours) / (trucks x measured hours))",
        availability,
    ),
    Kpi(
        "maintenance_cost",
        "money",
        "repair and towing cost of breakdowns plus the cost of planned services",
        maintenance_cost,
        "lower",
    ),
    Kpi(
        "downtime_maintenance_cost",
        "money",
        "maintenance cost + breakdown downtime x costs.downtime_per_hour",
        lambda r, s: (
            maintenance_cost(r, s) + r.trucks.downtime_hours.sum() * s.costs.downtime_per_hour
        ),
        "lower",
    ),
    Kpi(
        "spoiled_units",
        "units",
        "units expired on shelves and in warehouses plus cold-chain units spoiled in transit",
        spoiled_units,
        "lower",
    ),
    Kpi(
        "sensor_messages",
        "count",
        "messages emitted by shelf, dock-door, GPS, reefer and engine sensors and the traffic feed",
        lambda r, s: sum(r.messages[k] for k in SENSOR_KINDS),
        "none",
    ),
    Kpi(
        "message_cost",
        "money",
        "sensor and order-tracking messages x cost per message",
        message_cost,
        "lower",
    ),
    Kpi(
        "count_cost",
        "money",
        "physical counts of one SKU at one store x cost per count",
        count_cost,
        "lower",
    ),
    Kpi(
        "iot_devices",
        "count",
        "sensor devices in use: shelf, dock-door, GPS, engine-health and reefer sensors, "
        "and a traffic-feed subscription",
        lambda r, s: sum(r.devices.values()),
        "none",
    ),
    Kpi(
        "iot_cost",
        "money",
        "devices x unit cost x measured hours / life + devices x monthly fee + platform fee "
        "(when any sensor is in use) + message cost, over the measured period",
        iot_cost,
        "lower",
    ),
    Kpi(
        "total_cost",
        "money",
        "holding + transport + maintenance + downtime + spoilage (at unit cost) + lost margin "
        "and goodwill + backorder + ordering + count cost + IoT cost",
        total_cost,
        "lower",
    ),
)
BY_NAME = {kpi.name: kpi for kpi in CATALOGUE}


def compute_kpis(result: ReplicationResult, scenario: Scenario) -> dict[str, float]:
    return {kpi.name: kpi(result, scenario) for kpi in CATALOGUE}


def catalogue_markdown() -> str:
    """The catalogue as the Markdown tables in docs/kpis.md: per run, then against the reference."""
    from sim.stats import COMPARISON_ONLY

    lines = ["| KPI | unit | better | definition |", "|---|---|---|---|"]
    lines += [f"| `{k.name}` | {k.unit} | {k.better} | {k.definition} |" for k in CATALOGUE]
    lines += ["", "Against the reference variant (in `comparison.csv` only):", ""]
    lines += ["| measure | unit | better | definition |", "|---|---|---|---|"]
    lines += [
        f"| `{name}` | {unit} | {better} | {text} |" for name, unit, better, text in COMPARISON_ONLY
    ]
    return "\n".join(lines)


def catalogue_table() -> pd.DataFrame:
    """Every KPI, then the measures that exist only against the reference (``comparison``)."""
    from sim.stats import COMPARISON_ONLY

    rows = [
        {"kpi": k.name, "unit": k.unit, "better": k.better, "definition": k.definition}
        for k in CATALOGUE
    ]
    rows += [
        {"kpi": name, "unit": unit, "better": better, "definition": f"(comparison) {text}"}
        for name, unit, better, text in COMPARISON_ONLY
    ]
    return pd.DataFrame(rows)

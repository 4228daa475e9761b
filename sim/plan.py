"""Who supplies whom, which policy runs where: resolved once from a validated scenario.

``resolve_plan`` also finds every reference that does not hold (a node or SKU that does not
exist, a store with no road to its warehouse, a (store, SKU) with demand and no policy, ...), so
the loader can report them all with their key paths before anything is simulated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sim.network import Network, build_network
from sim.policies import FAMILIES
from sim.scenario import InventoryRule, Scenario, match

Problems = list[tuple[str, str]]


@dataclass
class Plan:
    network: Network
    stores: list[str]
    warehouses: list[str]
    suppliers: list[str]
    store_warehouse: dict[str, str] = field(default_factory=dict)
    warehouse_supplier: dict[str, str] = field(default_factory=dict)
    # a warehouse supplied by another warehouse (multi-echelon), by name
    warehouse_upstream: dict[str, str] = field(default_factory=dict)
    # (location, sku) -> (policy, initial stock); the locations that stock each SKU
    policies: dict[tuple[str, str], tuple[dict[str, Any], int | None]] = field(default_factory=dict)
    store_skus: dict[str, list[str]] = field(default_factory=dict)
    warehouse_skus: dict[str, list[str]] = field(default_factory=dict)
    trucks: list[tuple[str, int]] = field(default_factory=list)  # (home, fleet group index)
    online_zones: list[str] = field(default_factory=list)


def _listing(names: list[str]) -> str:
    return ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")


def _check_explicit_network(scenario: Scenario) -> Problems:
    problems: Problems = []
    spec = scenario.network
    seen: set[str] = set()
    for i, node in enumerate(spec.nodes or []):
        if node.id in seen:
            problems.append((f"network.nodes[{i}].id", f"node {node.id!r} is defined twice"))
        seen.add(node.id)
    for i, road in enumerate(spec.roads or []):
        for key, name in (("from", road.source), ("to", road.target)):
            if name not in seen:
                problems.append(
                    (
                        f"network.roads[{i}].{key}",
                        f"no node {name!r}; nodes are {_listing(sorted(seen))}",
                    )
                )
    return problems


def _nearest(network: Network, source: str, candidates: list[str], to_source: bool) -> str | None:
    """The candidate with the shortest free-flow round trip, or None if none is reachable."""
    best, best_time = None, math.inf
    for candidate in candidates:
        there = network.free_time(candidate, source) if to_source else 0.0
        back = network.free_time(source, candidate)
        total = there + back
        if total < best_time:
            best, best_time = candidate, total
    return best


def resolve_plan(scenario: Scenario) -> tuple[Plan | None, Problems]:
    problems = _check_explicit_network(scenario) if scenario.network.generate is None else []
    if problems:
        return None, problems
    network = build_network(scenario.network)
    plan = Plan(
        network=network,
        stores=network.nodes_of_kind("store"),
        warehouses=network.nodes_of_kind("warehouse"),
        suppliers=network.nodes_of_kind("supplier"),
    )
    if not plan.stores:
        problems.append(("network", "the network has no store"))
    if not plan.warehouses:
        problems.append(("network", "the network has no warehouse"))
    if not plan.suppliers:
        problems.append(("network", "the network has no supplier"))
    if problems:
        return None, problems

    skus = [p.sku for p in scenario.products]
    for i, sku in enumerate(skus):
        if skus.index(sku) != i:
            problems.append((f"products[{i}].sku", f"SKU {sku!r} is defined twice"))

    def check_sku(path: str, sku: str) -> bool:
        if sku not in skus:
            problems.append((path, f"no product with SKU {sku!r}; SKUs are {_listing(skus)}"))
            return False
        return True

    def check_stores(path: str, patterns: list[str]) -> list[str]:
        found = match(patterns, plan.stores)
        if not found:
            problems.append(
                (path, f"{patterns} matches no store; stores are {_listing(plan.stores)}")
            )
        return found

    store_skus: dict[str, list[str]] = {store: [] for store in plan.stores}
    for i, stream in enumerate(scenario.demand.streams):
        ok = check_sku(f"demand.streams[{i}].sku", stream.sku)
        for store in check_stores(f"demand.streams[{i}].stores", stream.stores):
            if ok and stream.sku not in store_skus[store]:
                store_skus[store].append(stream.sku)
    for i, promo in enumerate(scenario.demand.promotions):
        check_sku(f"demand.promotions[{i}].sku", promo.sku)
        check_stores(f"demand.promotions[{i}].stores", promo.stores)
        if promo.start >= scenario.run.horizon:
            problems.append((f"demand.promotions[{i}].start", "starts after the horizon"))
    plan.store_skus = {s: sorted(k, key=skus.index) for s, k in store_skus.items() if k}

    # Supply: explicit where given, otherwise the nearest by free-flow round trip.
    for key, target in scenario.supply.items():
        path = f"supply.{key}"
        if key in plan.stores:
            if target not in plan.warehouses:
                problems.append(
                    (path, f"a store is supplied by a warehouse; {target!r} is not one")
                )
        elif key in plan.warehouses:
            if target == key or (target not in plan.suppliers and target not in plan.warehouses):
                problems.append(
                    (
                        path,
                        "a warehouse is supplied by a supplier or another warehouse; "
                        f"{target!r} is neither",
                    )
                )
        else:
            problems.append((path, f"{key!r} is neither a store nor a warehouse of the network"))
    if problems:
        return None, problems
    for store in plan.store_skus:
        explicit = scenario.supply.get(store)
        if explicit is not None:
            if not math.isfinite(network.free_time(explicit, store)) or not math.isfinite(
                network.free_time(store, explicit)
            ):
                problems.append((f"supply.{store}", f"no road path between {explicit} and {store}"))
                continue
            plan.store_warehouse[store] = explicit
        else:
            nearest = _nearest(network, store, plan.warehouses, to_source=True)
            if nearest is None:
                problems.append(
                    ("network", f"store {store} has no road path to and from any warehouse")
                )
                continue
            plan.store_warehouse[store] = nearest
    online = scenario.online
    if online is not None:
        if online.warehouse not in plan.warehouses:
            problems.append(
                (
                    "online.warehouse",
                    f"{online.warehouse!r} is not a warehouse; warehouses are "
                    f"{_listing(plan.warehouses)}",
                )
            )
        for sku in online.skus:
            check_sku(f"online.skus.{sku}", sku)
        plan.online_zones = match(online.zones, network.node_ids)
        if not plan.online_zones:
            problems.append(("online.zones", f"{online.zones} matches no node of the network"))
        elif online.warehouse in plan.warehouses:
            for zone in plan.online_zones:
                there = network.free_time(online.warehouse, zone)
                back = network.free_time(zone, online.warehouse)
                if not (math.isfinite(there) and math.isfinite(back)):
                    problems.append(
                        ("online.zones", f"no road path between {online.warehouse} and zone {zone}")
                    )
                    break
    if problems:
        return None, problems
    serving_set = set(plan.store_warehouse.values())
    if online is not None:
        serving_set.add(online.warehouse)
    # Warehouses supplied by warehouses: follow each chain up, refusing cycles.
    wanted: dict[str, set[str]] = {}
    for warehouse in serving_set:
        wanted[warehouse] = {
            sku
            for s, w in plan.store_warehouse.items()
            if w == warehouse
            for sku in plan.store_skus[s]
        }
        if online is not None and online.warehouse == warehouse:
            wanted[warehouse] |= set(online.skus)
    for start in sorted(serving_set, key=plan.warehouses.index):
        chain = [start]
        node = start
        while scenario.supply.get(node) in plan.warehouses:
            upstream = scenario.supply[node]
            if upstream in chain:
                cycle = " -> ".join([*chain, upstream])
                problems.append(
                    (f"supply.{node}", f"warehouses supply each other in a cycle: {cycle}")
                )
                break
            there = network.free_time(upstream, node)
            back = network.free_time(node, upstream)
            if not (math.isfinite(there) and math.isfinite(back)):
                problems.append((f"supply.{node}", f"no road path between {upstream} and {node}"))
                break
            plan.warehouse_upstream[node] = upstream
            wanted.setdefault(upstream, set()).update(wanted[node])
            chain.append(upstream)
            node = upstream
    if problems:
        return None, problems
    serving = sorted(wanted, key=plan.warehouses.index)
    for warehouse in serving:
        explicit = scenario.supply.get(warehouse)
        if explicit in plan.warehouses:
            plan.warehouse_supplier[warehouse] = explicit
        else:
            plan.warehouse_supplier[warehouse] = explicit or (
                _nearest(network, warehouse, plan.suppliers, to_source=False) or plan.suppliers[0]
            )
        plan.warehouse_skus[warehouse] = [sku for sku in skus if sku in wanted[warehouse]]

    # Policies: later rules override earlier ones.
    rules: list[InventoryRule] = list(scenario.inventory)
    locations = plan.stores + plan.warehouses
    for i, rule in enumerate(rules):
        if not match(rule.locations, locations):
            problems.append(
                (f"inventory[{i}].locations", f"{rule.locations} matches no store or warehouse")
            )
        if not match(rule.skus, skus):
            problems.append(
                (f"inventory[{i}].skus", f"{rule.skus} matches no SKU; SKUs are {_listing(skus)}")
            )
        for location in match(rule.locations, locations):
            for sku in match(rule.skus, skus):
                plan.policies[(location, sku)] = (rule.policy, rule.initial)
    needed = [(s, k) for s, ks in plan.store_skus.items() for k in ks]
    needed += [(w, k) for w, ks in plan.warehouse_skus.items() for k in ks]
    for location, sku in needed:
        if (location, sku) not in plan.policies:
            problems.append(("inventory", f"no rule gives {location} a policy for SKU {sku}"))

    # Fleet: every serving warehouse needs trucks, and a refrigerated one for cold SKUs.
    for g, group in enumerate(scenario.fleet):
        homes = match(group.home, plan.warehouses)
        if not homes:
            problems.append((f"fleet[{g}].home", f"{group.home} matches no warehouse"))
        plan.trucks += [(home, g) for home in homes for _ in range(group.count)]
    cold = {p.sku for p in scenario.products if p.cold_chain}
    for warehouse in serving:
        groups = [scenario.fleet[g] for home, g in plan.trucks if home == warehouse]
        if not groups:
            problems.append(("fleet", f"warehouse {warehouse} ships orders but has no truck"))
        elif cold & set(plan.warehouse_skus[warehouse]) and not any(t.refrigerated for t in groups):
            problems.append(
                (
                    "fleet",
                    f"warehouse {warehouse} ships cold-chain SKUs but has no refrigerated truck",
                )
            )
        else:
            for sku in plan.warehouse_skus[warehouse]:
                product = scenario.product(sku)
                able = [t for t in groups if t.refrigerated or not product.cold_chain]
                if all(t.capacity_kg < product.weight_kg for t in able):
                    problems.append(
                        (
                            "fleet",
                            f"no truck at {warehouse} can carry one unit of {sku} "
                            f"({product.weight_kg} kg)",
                        )
                    )
    for family in ("visibility", "maintenance", "routing"):
        policy = FAMILIES[family].parse(getattr(scenario, family))
        for sensor in policy.requires_sensors:
            if getattr(scenario.sensors, sensor) is None:
                problems.append((family, f"{policy.kind} {family} needs sensors.{sensor}"))
    return (None, problems) if problems else (plan, [])


def check_references(scenario: Scenario) -> Problems:
    return resolve_plan(scenario)[1]

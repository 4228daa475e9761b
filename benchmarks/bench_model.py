"""Model cost against bare SimPy, measured in one process.

Runs a large generated scenario (300 stores, 15 warehouses, 150 trucks, 180 days, the default
sensors plus hourly shelf reads, and online orders) with the event log on and off, and a bare
SimPy loop (100 processes, ``yield env.timeout(random)``) beside it. Prints, as median
[min, max] over the runs:

- wall time per simulated store-day in bare-event equivalents (the headline: the whole cost,
  however the model is organised; target <= 300 with the event log on);
- the model's SimPy events per store-day, and its events per second over bare SimPy's;
- the wall-time ratio of recording on over off (target <= 1.5);
- peak resident memory of each run (each run in a fresh forked process).

Usage: python benchmarks/bench_model.py [--runs 5] [--stores 300] [--days 180]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import simpy

from sim.model import Model
from sim.scenario import Scenario, load_scenario
from sim.units import parse_duration

ROOT = Path(__file__).resolve().parent.parent


def big_scenario(stores: int, days: int, shelf_reads: bool = True) -> Scenario:
    base = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    warehouses = max(1, stores // 20)
    # about one truck per two stores, three in ten refrigerated (only they carry the milk)
    trucks_per_warehouse = max(2, round(stores / 2 / warehouses))
    reefers = max(1, round(0.3 * trucks_per_warehouse))
    data = base.model_dump(mode="json", by_alias=True)
    fleet = data["fleet"]
    # warehouses serve stores / warehouses stores instead of the baseline's 20 / 3: scale their
    # stock policies so the chain is as well supplied as the baseline
    scale = (stores / warehouses) / (20 / 3)
    inventory = data["inventory"]
    for rule in inventory:
        if rule["locations"] == ["W*"]:
            rule["policy"]["r"] = round(rule["policy"]["r"] * scale)
            rule["policy"]["Q"] = round(rule["policy"]["Q"] * scale)
    fleet[0]["count"] = trucks_per_warehouse - reefers
    fleet[1]["count"] = reefers
    # a short run (--days) keeps only the promotions that start within it
    demand = data["demand"]
    demand["promotions"] = [
        p for p in demand["promotions"] if parse_duration(str(p["start"])) < days * 24
    ]
    return base.with_overrides(
        {
            "name": "bench",
            "run": {"horizon": f"{days}d", "warmup": "14d", "replications": 1},
            "network": {
                "generate": {
                    "seed": 3,
                    "region_km": 220 * (stores / 20) ** 0.5,
                    "suppliers": 4,
                    "warehouses": warehouses,
                    "stores": stores,
                    "junctions": stores,
                }
            },
            "fleet": fleet,
            "inventory": inventory,
            "demand": demand,
            # the first few junctions (generated names are zero-padded to the count's width)
            "online": {"zones": [f"J{i:0{max(2, len(str(stores)))}d}" for i in range(1, 10)]},
            **(
                {
                    "sensors": {
                        "shelf": {
                            "interval": "1h",
                            "noise_sd": 0.5,
                            "read_rate": 0.98,
                            "latency": {"kind": "exponential", "mean": "30s"},
                            "loss": 0.01,
                        }
                    },
                    "visibility": {"kind": "realtime", "count_interval": "30d"},
                }
                if shelf_reads
                else {}
            ),
        }
    )


def bare_simpy_seconds_per_event(events: int = 400_000) -> float:
    env = simpy.Environment()
    rng = np.random.default_rng(0)
    delays = rng.random(events + 1000).tolist()
    counter = iter(range(len(delays)))

    def proc() -> Any:
        while True:
            yield env.timeout(delays[next(counter)])

    for _ in range(100):
        env.process(proc())
    start = time.perf_counter()
    done = 0
    while done < events:
        env.step()
        done += 1
    return (time.perf_counter() - start) / events


def _child(scenario_data: dict[str, Any], record: bool, queue: Any) -> None:
    from sim.scenario import load_scenario_data

    scenario = load_scenario_data(scenario_data)
    with tempfile.TemporaryDirectory() as tmp:
        events = Path(tmp) / "events.parquet" if record else None
        series = Path(tmp) / "timeseries.parquet" if record else None
        fleet = Path(tmp) / "fleet.parquet" if record else None  # and roads.parquet beside it
        model = Model(
            scenario,
            0,
            events_path=events,
            record=record,
            timeseries_path=series,
            fleet_path=fleet,
        )
        start = time.perf_counter()
        result = model.run()
        wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((wall, result.sim_events, result.event_rows, peak_mb))


def run_model(scenario: Scenario, record: bool) -> tuple[float, int, int, float]:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(
        target=_child, args=(scenario.model_dump(mode="json", by_alias=True), record, queue)
    )
    process.start()
    outcome = queue.get()
    process.join()
    return outcome  # type: ignore[no-any-return]


def spread(values: list[float], digits: int = 1) -> str:
    return (
        f"{statistics.median(values):.{digits}f} "
        f"[{min(values):.{digits}f}, {max(values):.{digits}f}]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stores", type=int, default=300)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument(
        "--no-shelf-reads",
        action="store_true",
        help="the default scenario's sensors only (manual visibility, no hourly shelf reads)",
    )
    args = parser.parse_args()
    scenario = big_scenario(args.stores, args.days, shelf_reads=not args.no_shelf_reads)
    store_days = args.stores * args.days
    rows: dict[str, list[float]] = {
        k: []
        for k in ("equiv_on", "equiv_off", "events", "rate", "ratio", "mem_on", "mem_off", "rows")
    }
    for run in range(args.runs):
        bare = bare_simpy_seconds_per_event()
        wall_on, events, event_rows, mem_on = run_model(scenario, record=True)
        wall_off, _, _, mem_off = run_model(scenario, record=False)
        bare_after = bare_simpy_seconds_per_event()
        bare = (bare + bare_after) / 2  # the machine's speed around the model runs
        rows["equiv_on"].append(wall_on / store_days / bare)
        rows["equiv_off"].append(wall_off / store_days / bare)
        rows["events"].append(events / store_days)
        rows["rate"].append((events / wall_on) / (1 / bare))
        rows["ratio"].append(wall_on / wall_off)
        rows["mem_on"].append(mem_on)
        rows["mem_off"].append(mem_off)
        rows["rows"].append(event_rows)
        print(
            f"run {run + 1}: bare event {bare * 1e6:.2f} us, model {wall_on:.1f} s on / "
            f"{wall_off:.1f} s off, {events:,} SimPy events, {event_rows:,} log rows",
            flush=True,
        )
    print()
    print(f"scenario: {args.stores} stores, {args.days} days, {store_days:,} store-days")
    print(
        f"bare-event equivalents per store-day, log on : {spread(rows['equiv_on'])}",
        "(target <= 300)",
    )
    print(f"bare-event equivalents per store-day, log off: {spread(rows['equiv_off'])}")
    print(f"model SimPy events per store-day             : {spread(rows['events'])}")
    print(f"model events/s over bare SimPy events/s      : {spread(rows['rate'], 3)}")
    print(
        f"wall time, recording on / off                : {spread(rows['ratio'], 2)}",
        "(target <= 1.5)",
    )
    print(f"peak memory MB, recording on                 : {spread(rows['mem_on'], 0)}")
    print(f"peak memory MB, recording off                : {spread(rows['mem_off'], 0)}")
    print(f"event log rows                               : {spread(rows['rows'], 0)}")


if __name__ == "__main__":
    main()

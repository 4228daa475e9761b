"""Machine instructions per simulated store-day, counted by valgrind: a comparison of two
versions that the host's load cannot blur.

``bench_model.py`` reports wall time, and on a shared 2-core machine that moves by 10 to 15%
from one hour to the next, more than most single changes gain. An instruction count does not
move: this runs the benchmark chain (``bench_model.big_scenario``) under valgrind's
cachegrind for two run lengths, with the hash seed fixed, and divides the difference in
instructions by the difference in store-days, so that imports, building the model and
compiling the kernels cancel out. Runs of the same code agree within 0.5%.

Instructions are not time: cache misses, the GIL and the writer thread's overlap are not in
them, and numba's dispatcher counts some 23,000 instructions a call under valgrind though it
takes 1.5 us natively (the compiled passes' calls are some 5% of the count, a few times what
they cost). Use it to compare versions of the Python code (run it from each version's checkout: it
measures the ``sim`` beside it), and ``bench_model.py`` for the headline. Needs valgrind (not
a Python package: ``apt install valgrind``); under a minute for the defaults, two runs at a
time.

Usage: python benchmarks/bench_instructions.py [--stores 100] [--days 20 40] [--shelf-reads]
       [--record off]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import sys, tempfile
from pathlib import Path
sys.path.insert(0, {bench!r})
from bench_model import big_scenario
from sim.model import Model
scenario = big_scenario({stores}, {days}, shelf_reads={shelf})
with tempfile.TemporaryDirectory() as tmp:
    folder = Path(tmp)
    paths = dict(
        events_path=folder / "events.parquet",
        timeseries_path=folder / "timeseries.parquet",
        fleet_path=folder / "fleet.parquet",
    ) if {record} else {{}}
    Model(scenario, 0, record={record}, **paths).run()
"""


def instructions(python: str, stores: int, days: int, shelf: bool, record: bool) -> int:
    """Instructions executed by one run of ``days`` days (everything: imports included)."""
    code = CHILD.format(
        bench=str(ROOT / "benchmarks"), stores=stores, days=days, shelf=shelf, record=record
    )
    done = subprocess.run(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            python,
            "-c",
            code,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(ROOT)},
        check=False,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode != 0 or found is None:
        tail = "\n".join(done.stderr.splitlines()[-15:])
        raise SystemExit(f"error: the run of {days} days failed under valgrind:\n{tail}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument(
        "--days",
        type=int,
        nargs=2,
        default=(20, 40),
        metavar=("SHORT", "LONG"),
        help="the two run lengths (each longer than the 14-day warm-up)",
    )
    parser.add_argument("--shelf-reads", action="store_true", help="hourly shelf reads too")
    parser.add_argument("--record", choices=("on", "off"), default="on")
    parser.add_argument("--python", default=sys.executable, help="the interpreter to measure")
    args = parser.parse_args()
    short, long = args.days
    if not 14 < short < long:
        parser.error("--days: two lengths, the first longer than the 14-day warm-up")
    if shutil.which("valgrind") is None:
        print("error: valgrind is not installed (apt install valgrind)", file=sys.stderr)
        raise SystemExit(2)
    record = args.record == "on"
    with ThreadPoolExecutor(2) as pool:
        counts = list(
            pool.map(
                lambda days: instructions(args.python, args.stores, days, args.shelf_reads, record),
                (short, long),
            )
        )
    store_days = args.stores * (long - short)
    per_store_day = (counts[1] - counts[0]) / store_days
    print(
        f"scenario: {args.stores} stores, days {short} to {long} "
        f"({'with' if args.shelf_reads else 'without'} shelf reads, recording {args.record})"
    )
    print(f"instructions per store-day: {per_store_day / 1e6:.4f} million")


if __name__ == "__main__":
    main()

"""Compiled inner loops of the shelf: one pass over drawn events, in machine code.

A shelf applies its customers, shrinkage and shelf reads between two decisions in one call.
Written as array operations that pass cost some 40 numpy calls (about 70 us) whatever its
length, which made shelves half of a large run's wall time; as a plain loop compiled by numba
it costs a few microseconds. The loop is the event-by-event definition itself, so it is also
the easier one to read against ``tests/unit/test_shelf.py``'s reference.

The functions take and return plain numbers and arrays (numba compiles no Python objects);
``cache=True`` keeps the machine code beside this file, so only the first run on a machine
compiles (about a second). Set ``NUMBA_DISABLE_JIT=1`` to run them as Python, for a debugger.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

# a shelf's event codes; at equal times events apply in this order
CUSTOMER, SHRINK, CAPTURE, RECEIPT = 0, 1, 2, 3


@njit(cache=True)
def shelf_segment(
    t: np.ndarray,
    code: np.ndarray,
    q: np.ndarray,
    begin: int,
    stop: float,
    read_t: np.ndarray,
    read_recv: np.ndarray,
    read_noise: np.ndarray,
    read_value: np.ndarray,
    read_tx: np.ndarray,
    read_base: int,
    on: int,
    r: int,
    tx: int,
    r_sync: float,
    r_back: int,
    backlog: int,
    on_order: int,
    has_trigger: bool,
    trigger: float,
    backorder: bool,
    last_t: float,
    series: bool,
    sample_index: int,
    interval: float,
    samples: np.ndarray,
    fill: int,
    reads: np.ndarray,
    read_fill: int,
) -> tuple[Any, ...]:
    """Apply the events from index ``begin`` with times up to ``stop``, stopping right after
    the first one that brings the recorded position to the trigger.

    A customer takes what is left if there is too little (the shortfall is lost or
    backordered); shrinkage takes units with no transaction; a capture fixes its reading (the
    true level plus rounded noise, at least 0) and the transactions recorded so far; a receipt
    resets the record to its reading brought forward by the transactions since, unless a newer
    reading was applied already. Each level holds from the previous event to this one for the
    time integrals. Reads' values are written into ``read_value`` and ``read_tx``.

    When ``series``, the time-series samples on the way are taken too: the sample at
    ``k * interval`` is the state after every event at or before it, so it is taken before the
    first event after it, from ``sample_index`` on. They are written into ``samples`` (rows:
    times, on hand, record, backlog) from column ``fill`` on. The reads captured go the same
    way into ``reads`` (rows: time taken, time received, value) from column ``read_fill`` on,
    for the event log. When a buffer is full, the pass stops before the event that needs
    room (``full``): the caller widens the buffer and calls again from there. (Returning the
    buffers instead cost two calls back into Python per pass, to box them.)

    Returns the index after the last event applied, the decision time (``inf``: none), the new
    levels, the time integrals and flows of the segment, the next sample's index, the new
    fills of the sample and read buffers, and whether one of them is full.
    """
    n_events = len(t)
    next_sample = sample_index * interval
    on_hand_h = 0.0
    error_h = 0.0
    stockout_h = 0.0
    backorder_h = 0.0
    customers = 0
    wanted = 0
    sold = 0
    taken = 0
    served = 0
    decision = math.inf
    full = False
    i = begin
    while i < n_events:
        ti = t[i]
        if ti > stop:
            break
        if code[i] == CAPTURE and read_fill == reads.shape[1]:
            full = True
            break
        if series:
            while next_sample < ti:
                if fill == samples.shape[1]:
                    full = True
                    break
                samples[0, fill] = next_sample
                samples[1, fill] = on
                samples[2, fill] = r
                samples[3, fill] = backlog
                fill += 1
                sample_index += 1
                next_sample = sample_index * interval
            if full:
                break
        dt = ti - last_t
        on_hand_h += on * dt
        error_h += abs(r - on) * dt
        if on <= 0:
            stockout_h += dt
        if backorder:
            backorder_h += backlog * dt
        last_t = ti
        c = code[i]
        if c <= SHRINK:
            take = min(q[i], on)  # what a customer wants, or what shrinkage takes
            on -= take
            taken += take
            d = q[i] if c == CUSTOMER else 0
            if d > 0:
                customers += 1
                wanted += d
                sale = take  # a customer's event takes only what it wants
                sold += sale
                tx -= sale
                r -= sale
                short = d - sale
                if short == 0:
                    served += 1
                elif backorder:
                    backlog += short
                    r_back += short
        elif c == CAPTURE:
            k = q[i] - read_base
            read_value[k] = max(on + np.int64(np.rint(read_noise[k])), 0)
            read_tx[k] = tx
            reads[0, read_fill] = read_t[k]
            reads[1, read_fill] = read_recv[k]
            reads[2, read_fill] = read_value[k]
            read_fill += 1
        else:
            k = q[i] - read_base
            if read_t[k] > r_sync:
                r_sync = read_t[k]
                r = read_value[k] - read_tx[k] + tx
        i += 1
        if has_trigger and r + on_order - r_back <= trigger:
            decision = ti
            break
    return (
        i,
        decision,
        on,
        r,
        tx,
        r_sync,
        r_back,
        backlog,
        last_t,
        on_hand_h,
        error_h,
        stockout_h,
        backorder_h,
        customers,
        wanted,
        sold,
        taken,
        served,
        sample_index,
        fill,
        read_fill,
        full,
    )


@njit(cache=True)
def earliest_decision(
    t: np.ndarray,
    code: np.ndarray,
    q: np.ndarray,
    pos: int,
    read_t: np.ndarray,
    read_noise: np.ndarray,
    read_value: np.ndarray,
    read_tx: np.ndarray,
    read_base: int,
    has_reads: bool,
    on_hand: int,
    record: int,
    tx: int,
    on_order: int,
    backorders: int,
    trigger: float,
    last_t: float,
) -> float:
    """The time of the first drawn event before which the recorded position cannot reach the
    trigger; ``-inf`` if it may already, ``inf`` if not within the events drawn.

    Every way the position can fall is bounded by the units that leave the shelf (sales and
    shortfalls by what customers want, a reading by the true level, which falls by customers
    and shrinkage, less the most negative noise drawn), so it cannot reach the trigger before
    the cumulative outflow covers the margin.
    """
    lowest = min(record, on_hand)
    n_events = len(t)
    if has_reads:
        worst_noise = 0.0
        for i in range(pos, n_events):
            if code[i] >= CAPTURE:
                k = q[i] - read_base
                worst_noise = min(worst_noise, np.rint(read_noise[k]))
                if read_t[k] < last_t:  # taken already, perhaps not yet received
                    lowest = min(lowest, int(read_value[k] - read_tx[k] + tx))
        lowest = min(lowest, on_hand + int(worst_noise))
    margin = lowest + on_order - backorders - trigger
    if margin <= 0:
        return -math.inf
    outflow = 0
    for i in range(pos, n_events):
        if code[i] <= SHRINK:
            outflow += q[i]
        if outflow >= margin:
            return t[i]
    return math.inf


_loaded = False


def warm_up() -> None:
    """Load the kernels now (compiling them if this machine has no cached copy). The first
    call in a process takes about 0.2 s, numba setting up its code generator: better spent
    when a model is built, or once in a parent before it forks workers, than inside a run."""
    global _loaded
    if _loaded:
        return
    times = np.zeros(1)
    codes = np.zeros(1, dtype=np.int8)
    ints = np.zeros(1, dtype=np.int64)
    shelf_segment(
        times, codes, ints, 0, 0.0, times, times, times, ints, ints, 0,
        1, 1, 0, 0.0, 0, 0, 0, True, 0.0, False, 0.0, True, 0, 1.0, np.empty((4, 1)), 0,
        np.empty((3, 1)), 0,
    )  # fmt: skip
    earliest_decision(
        times, codes, ints, 0, times, times, ints, ints, 0, True, 1, 1, 0, 0, 0, 0.0, 0.0
    )
    _loaded = True

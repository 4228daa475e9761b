"""Columnar record buffers: the sensor event log and the sampled stock time series.

No object per record: one list per column, flushed to a zstd Parquet file in chunks so that
memory does not grow with the log. Message counts per kind are kept even when recording is off,
because the KPIs need them.
"""

from __future__ import annotations

import math
import struct
from array import array
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

EVENT_KINDS = (
    "shelf_read",
    "count",
    "dock_scan",
    "gps",
    "reefer_temperature",
    "engine_health",
    "order_placed",
    "order_picked",
    "order_shipped",
    "order_delivered",
    "supplier_order",
    "supplier_receipt",
    "breakdown",
    "repair",
    "spoiled_in_transit",
    "service",
    "traffic_alert",
)
KIND = {name: code for code, name in enumerate(EVENT_KINDS)}
# The kinds that are sensor messages (priced per message); the rest are business transactions.
SENSOR_KINDS = (
    "shelf_read",
    "dock_scan",
    "gps",
    "reefer_temperature",
    "engine_health",
    "traffic_alert",
)

# Names are dictionary-encoded: written as codes plus a dictionary, read back as categoricals.
NAME = pa.dictionary(pa.int32(), pa.string())
EVENT_SCHEMA = pa.schema(
    [
        ("replication", pa.int32()),
        ("t_event", pa.float64()),
        ("t_received", pa.float64()),
        ("kind", NAME),
        ("source", NAME),
        ("entity", NAME),
        ("sku", NAME),
        ("value", pa.float64()),
        ("x", pa.float64()),
        ("y", pa.float64()),
    ]
)
NAN = math.nan


# one row of ``_scalar_rows`` as bytes: packing them and appending the bytes costs 0.1 us, a
# typed array's ``extend`` 0.24 us (it parses every item on its own)
ROW = struct.Struct("7d")


def _scalar_rows() -> array[float]:
    """Single events, row by row: t_event, t_received, value, then the codes of kind, source,
    entity and SKU, all as doubles (codes are small integers, exact as doubles), so that a
    row is appended as one packed ``ROW``. A typed array, not a list: it holds no Python
    objects, so the garbage collector need not walk it (walking long lists of floats cost a
    tenth of a recorded run)."""
    return array("d")


def consecutive_runs(first: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``first[i], first[i] + 1, ...`` (``counts[i]`` of them) for each ``i``, concatenated,
    without a Python loop."""
    starts = np.repeat(first, counts)
    return starts + (np.arange(len(starts)) - np.repeat(np.cumsum(counts) - counts, counts))


class _Holders:
    """Records that others keep for a while before adding them (a shelf's reads and samples):
    ``gather`` has every holder add what it holds."""

    def __init__(self) -> None:
        self._holders: list[Callable[[], None]] = []

    def held_by(self, hand_over: Callable[[], None]) -> None:
        """``hand_over`` adds the records its caller holds; called by ``gather``."""
        self._holders.append(hand_over)

    def gather(self) -> None:
        for hand_over in self._holders:
            hand_over()


def parquet_options(schema: pa.Schema) -> dict[str, Any]:
    """Writer options for a record table: Parquet's dictionary pages only for the columns of
    names and the replication (a float column's values are nearly all distinct, and trying a
    dictionary on it cost a third of the write), byte-stream-split floats (they compress
    better), zstd; column statistics (what lets a reader skip row groups) for every column
    but the names of places, sources, SKUs and kinds: every chunk holds nearly all of them,
    so their minimum and maximum skip nothing, and computing them cost a fifth of the write.
    (A variant's chunks are its own, so its statistics stay.)"""
    names = [f.name for f in schema if pa.types.is_dictionary(f.type)]
    floats = [f.name for f in schema if pa.types.is_float64(f.type)]
    return {
        "compression": "zstd",
        "use_dictionary": [*names, "replication"],
        "column_encoding": dict.fromkeys(floats, "BYTE_STREAM_SPLIT"),
        "write_statistics": [f.name for f in schema if f.name not in names or f.name == "variant"],
    }


class ParquetSink:
    """A Parquet file written a chunk at a time; an empty table if nothing came.

    Chunks are encoded and compressed on a writer thread (pyarrow releases the GIL while it
    does), so the simulation goes on meanwhile: that work was some 8% of a recorded run. At
    most ``IN_FLIGHT`` chunks wait for it, so memory stays bounded; chunks are written in the
    order they came, and a failed write is raised by the next ``write`` or by ``close``.
    """

    IN_FLIGHT = 1

    def __init__(self, path: Path | None, schema: pa.Schema) -> None:
        self.path = path
        self.schema = schema
        self._writer: pq.ParquetWriter | None = None
        self._thread: ThreadPoolExecutor | None = None
        self._in_flight: deque[Future[None]] = deque()

    def write(self, table: pa.Table) -> None:
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="parquet-writer")
        while len(self._in_flight) >= self.IN_FLIGHT:
            self._in_flight.popleft().result()
        self._in_flight.append(self._thread.submit(self._write, table))

    def _write(self, table: pa.Table) -> None:
        """On the writer thread."""
        if self._writer is None:
            assert self.path is not None
            self._writer = pq.ParquetWriter(self.path, self.schema, **parquet_options(self.schema))
        self._writer.write_table(table)

    def close(self) -> None:
        try:
            while self._in_flight:
                self._in_flight.popleft().result()
        finally:
            self._in_flight.clear()
            if self._thread is not None:
                self._thread.shutdown(wait=True)
                self._thread = None
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        elif self.path is not None:
            pq.write_table(self.schema.empty_table(), self.path, compression="zstd")


class EventLog(_Holders):
    """The event log of one replication. ``add`` for single events, ``add_many`` for vectors."""

    def __init__(
        self, path: Path | None, replication: int, enabled: bool = True, chunk_rows: int = 200_000
    ) -> None:
        self.path = path
        self.replication = replication
        self.enabled = enabled and path is not None
        self.chunk_rows = chunk_rows
        self.counts = [0] * len(EVENT_KINDS)
        self._names: dict[str, int] = {"": 0}
        self._scalar = _scalar_rows()
        self._vectors: list[tuple[Any, ...]] = []
        self._pending = 0
        self._sink = ParquetSink(path if self.enabled else None, EVENT_SCHEMA)
        self.rows_written = 0
        super().__init__()  # gathered before message counts are read, and at the close

    def code(self, name: str) -> int:
        """The integer code of an entity, source or SKU name (interned once)."""
        found = self._names.get(name)
        if found is None:
            found = self._names[name] = len(self._names)
        return found

    def add(
        self,
        kind: int,
        t_event: float,
        t_received: float,
        source: int,
        entity: int,
        sku: int,
        value: float,
        x: float = NAN,
        y: float = NAN,
    ) -> None:
        self.counts[kind] += 1
        if not self.enabled:
            return
        if x == x:  # single events with a position are rare (breakdowns): keep them aside
            self._vectors.append(
                (
                    np.array([t_event]),
                    np.array([t_received]),
                    kind,
                    source,
                    entity,
                    sku,
                    np.array([value]),
                    np.array([x]),
                    np.array([y]),
                )
            )
        else:
            self._scalar.frombytes(ROW.pack(t_event, t_received, value, kind, source, entity, sku))
        self._pending += 1
        if self._pending >= self.chunk_rows:
            self.flush()

    def add_many(
        self,
        kind: int,
        t_event: np.ndarray,
        t_received: np.ndarray,
        source: int,
        entity: int,
        sku: int,
        value: np.ndarray,
        x: np.ndarray | None = None,
        y: np.ndarray | None = None,
    ) -> None:
        n = len(t_event)
        self.counts[kind] += n
        if not self.enabled or n == 0:
            return
        # the codes are repeated and the missing positions filled when the chunk is flushed
        self._vectors.append((t_event, t_received, kind, source, entity, sku, value, x, y))
        self._pending += n
        if self._pending >= self.chunk_rows:
            self.flush()

    def flush(self) -> None:
        if not self.enabled or self._pending == 0:
            return
        scalar = np.frombuffer(self._scalar, dtype=float).reshape(-1, 7)
        scalar_floats = scalar[:, :3]
        scalar_codes = scalar[:, 3:].astype(np.int64)
        n = len(scalar_floats)
        vectors = self._vectors
        lengths = np.array([len(v[0]) for v in vectors], dtype=np.int64)

        def codes(i: int) -> np.ndarray:
            repeated = np.repeat(np.array([v[i] for v in vectors], dtype=np.int64), lengths)
            return np.concatenate([scalar_codes[:, i - 2], repeated])

        def floats(i: int, column: int) -> np.ndarray:
            return np.concatenate([scalar_floats[:, column], *(v[i] for v in vectors)])

        def positions(i: int) -> np.ndarray:
            # most vectors (all but GPS) have no position: fill NaN once, copy the rest in
            out = np.full(n + int(lengths.sum()), NAN)
            offset = n
            for v, length in zip(vectors, lengths.tolist(), strict=True):
                if v[i] is not None:
                    out[offset : offset + length] = v[i]
                offset += length
            return out

        merged = [
            floats(0, 0),
            floats(1, 1),
            codes(2),
            codes(3),
            codes(4),
            codes(5),
            floats(6, 2),
            positions(7),
            positions(8),
        ]
        names = pa.array(list(self._names))
        kinds = pa.array(list(EVENT_KINDS))

        def decode(codes: np.ndarray, dictionary: pa.Array) -> pa.Array:
            return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), dictionary)

        rows = len(merged[0])
        table = pa.Table.from_arrays(
            [
                pa.array(np.full(rows, self.replication, dtype=np.int32)),
                pa.array(merged[0]),
                pa.array(merged[1]),
                decode(merged[2], kinds),
                decode(merged[3], names),
                decode(merged[4], names),
                decode(merged[5], names),
                pa.array(merged[6]),
                pa.array(merged[7]),
                pa.array(merged[8]),
            ],
            schema=EVENT_SCHEMA,
        )
        self._sink.write(table)
        self.rows_written += rows
        self._scalar = _scalar_rows()
        self._vectors = []
        self._pending = 0

    def close(self) -> None:
        self.gather()
        self.flush()
        self._sink.close()

    def message_counts(self) -> dict[str, int]:
        return dict(zip(EVENT_KINDS, self.counts, strict=True))


TIMESERIES_SCHEMA = pa.schema(
    [
        ("replication", pa.int32()),
        ("t", pa.float64()),
        ("location", NAME),
        ("sku", NAME),
        ("on_hand", pa.float64()),
        ("record", pa.float64()),
        ("backlog", pa.float64()),
    ]
)


def _run_columns() -> list[array[Any]]:
    """Runs of equal samples: first index, count, series, on hand, record, backlog."""
    return [array("q"), array("q"), array("q"), array("d"), array("d"), array("d")]


class TimeSeries(_Holders):
    """True and recorded stock per (location, SKU), and the units owed (customer backorders at
    a store, orders not yet shipped at a warehouse), sampled every ``interval`` hours.

    Samples are kept as array chunks and flushed to Parquet like the event log.
    """

    def __init__(
        self,
        path: Path | None,
        replication: int,
        enabled: bool,
        interval: float,
        chunk_rows: int = 200_000,
    ) -> None:
        self.path = path
        self.replication = replication
        self.enabled = enabled and path is not None
        self.interval = interval
        self.chunk_rows = chunk_rows
        self.names: list[tuple[str, str]] = []
        # blocks of samples (rows: times, on hand, record, backlog) are copied in side by side,
        # with each block's series and length: the flush then reads four rows, where joining
        # a list of some 1,500 small blocks cost 1.5% of a recorded run
        self._blocks = np.empty((4, chunk_rows if self.enabled else 0))
        self._filled = 0
        self._block_series = array("q")
        self._block_lengths = array("q")
        self._runs = _run_columns()
        self._pending = 0
        self._sink = ParquetSink(path if self.enabled else None, TIMESERIES_SCHEMA)
        super().__init__()  # gathered at the close

    def register(self, location: str, sku: str) -> int:
        self.names.append((location, sku))
        return len(self.names) - 1

    def add_block(self, block: np.ndarray, series: int) -> None:
        """Samples of one series as a (4, n) array: rows of times, on hand, record, backlog
        (copied: the caller may reuse it)."""
        n = block.shape[1]
        if self._filled + n > self._blocks.shape[1]:
            self.flush()
            if n > self._blocks.shape[1]:
                self._blocks = np.empty((4, n))
        self._blocks[:, self._filled : self._filled + n] = block
        self._filled += n
        self._block_series.append(series)  # repeated at the flush
        self._block_lengths.append(n)
        self._pending += n
        if self._pending >= self.chunk_rows:
            self.flush()

    def add_run(
        self, first: int, count: int, series: int, on_hand: float, record: float, backlog: float
    ) -> None:
        """``count`` samples from the ``first``-th (at ``first * interval``) on, all of the
        same levels (stock that did not change): kept as one row until the flush."""
        runs = self._runs
        runs[0].append(first)
        runs[1].append(count)
        runs[2].append(series)
        runs[3].append(on_hand)
        runs[4].append(record)
        runs[5].append(backlog)
        self._pending += count
        if self._pending >= self.chunk_rows:
            self.flush()

    def _expand_runs(self) -> tuple[np.ndarray, ...]:
        first, count, series, on_hand, record, backlog = (
            np.frombuffer(column, dtype=column.typecode) for column in self._runs
        )
        t = consecutive_runs(first, count) * self.interval
        return (
            t,
            np.repeat(series.astype(np.int32), count),
            np.repeat(on_hand, count),
            np.repeat(record, count),
            np.repeat(backlog, count),
        )

    def flush(self) -> None:
        if not self.enabled or not (self._filled or self._runs[0]):
            return
        run_t, run_series, run_on, run_record, run_backlog = self._expand_runs()
        lengths = np.frombuffer(self._block_lengths, dtype=np.int64)
        block_series = np.repeat(np.frombuffer(self._block_series, dtype=np.int64), lengths)
        blocks = self._blocks[:, : self._filled]  # (the columns below are copies)
        t = np.concatenate([blocks[0], run_t])
        series = np.concatenate([block_series.astype(np.int32), run_series])
        on_hand = np.concatenate([blocks[1], run_on])
        record = np.concatenate([blocks[2], run_record])
        backlog = np.concatenate([blocks[3], run_backlog])
        index = pa.array(series, pa.int32())
        locations = pa.array([n[0] for n in self.names], pa.string())
        skus = pa.array([n[1] for n in self.names], pa.string())
        table = pa.Table.from_arrays(
            [
                pa.array(np.full(len(t), self.replication, dtype=np.int32)),
                pa.array(t),
                pa.DictionaryArray.from_arrays(index, locations),
                pa.DictionaryArray.from_arrays(index, skus),
                pa.array(on_hand),
                pa.array(record),
                pa.array(backlog),
            ],
            schema=TIMESERIES_SCHEMA,
        )
        self._sink.write(table)
        self._filled = 0
        self._block_series = array("q")
        self._block_lengths = array("q")
        self._runs = _run_columns()
        self._pending = 0

    def close(self) -> None:
        self.gather()
        self.flush()
        self._sink.close()

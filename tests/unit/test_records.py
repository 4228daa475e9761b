"""Record sinks: Parquet chunks written on the writer thread, in order, failures surfaced;
the range helper that the time series and the trucks' reading grids share."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.records import ParquetSink, consecutive_runs

SCHEMA = pa.schema([("chunk", pa.int64()), ("value", pa.float64())])


def chunk(k: int, rows: int = 1000) -> pa.Table:
    return pa.table(
        {
            "chunk": pa.array([k] * rows, pa.int64()),
            "value": pa.array([k + i / rows for i in range(rows)]),
        },
        schema=SCHEMA,
    )


def test_chunks_land_in_the_order_written(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path / "x.parquet", SCHEMA)
    for k in range(7):  # more than the chunks allowed in flight
        sink.write(chunk(k))
    sink.close()
    table = pq.read_table(tmp_path / "x.parquet")
    assert table.num_rows == 7000
    assert table.column("chunk").to_pylist() == [k for k in range(7) for _ in range(1000)]
    assert table.equals(pa.concat_tables([chunk(k) for k in range(7)]))


def test_a_sink_that_got_nothing_writes_an_empty_table(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path / "x.parquet", SCHEMA)
    sink.close()
    table = pq.read_table(tmp_path / "x.parquet")
    assert table.num_rows == 0 and table.schema.equals(SCHEMA)


def test_a_failed_write_is_raised_in_the_simulating_thread(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path / "no such folder" / "x.parquet", SCHEMA)
    sink.write(chunk(0))  # fails on the writer thread
    with pytest.raises(OSError):
        for k in range(1, 4):  # raised by a later write, once the failed one is waited for
            sink.write(chunk(k))
        sink.close()


def test_consecutive_runs_concatenate_each_range_in_order() -> None:
    runs = consecutive_runs(np.array([5, 9, 2]), np.array([2, 0, 3]))
    assert runs.tolist() == [5, 6, 2, 3, 4]  # nothing from the empty range

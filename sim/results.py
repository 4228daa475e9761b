"""The results folder: ``results/<scenario>/<run-id>/``.

A run is written into ``<run-id>.partial/`` and renamed when every file is complete, so an
interrupted run never leaves a folder that looks finished. Each file is itself written under a
temporary name and renamed.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sim.records import NAME, parquet_options


def new_run_folder(root: Path, scenario_name: str, seed: int) -> tuple[Path, Path]:
    """(partial folder to write into, final folder name)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    base = root / scenario_name
    base.mkdir(parents=True, exist_ok=True)
    run_id = f"{stamp}-seed{seed}"
    suffix = 1
    while (base / run_id).exists() or (base / f"{run_id}.partial").exists():
        suffix += 1
        run_id = f"{stamp}-seed{seed}-{suffix}"
    partial = base / f"{run_id}.partial"
    partial.mkdir()
    return partial, base / run_id


def _atomic_write(path: Path, write: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def write_text(path: Path, text: str) -> None:
    _atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def write_yaml(path: Path, data: Any) -> None:
    write_text(path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    _atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))


def merge_parquet(
    parts: Iterable[Path], target: Path, variants: Sequence[str] | None = None
) -> int:
    """Concatenate part files into one Parquet file, a row group at a time; remove the parts.

    With ``variants``, parts are named ``<kind>-<variant index>-<replication>.parquet`` and a
    ``variant`` column (dictionary-encoded) is put first.
    """
    parts = sorted(parts)
    rows = 0
    if not parts:
        return 0
    tmp = target.with_name(target.name + ".tmp")
    writer: pq.ParquetWriter | None = None
    try:
        for part in parts:
            file = pq.ParquetFile(part)
            variant = variants[int(part.stem.split("-")[1])] if variants is not None else None
            for group in range(file.num_row_groups):
                table = file.read_row_group(group)
                if variant is not None:
                    column = pa.DictionaryArray.from_arrays(
                        pa.array(np.zeros(table.num_rows, dtype=np.int32)), pa.array([variant])
                    )
                    table = table.add_column(0, pa.field("variant", NAME), column)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema, **parquet_options(table.schema))
                rows += table.num_rows
                writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    if writer is None:  # every part was empty: an empty file with their columns
        schema = pq.ParquetFile(parts[0]).schema_arrow
        if variants is not None:
            schema = schema.insert(0, pa.field("variant", NAME))
        pq.write_table(schema.empty_table(), tmp, compression="zstd")
    os.replace(tmp, target)
    for part in parts:
        part.unlink()
    return rows


def finish(partial: Path, final: Path) -> Path:
    os.replace(partial, final)
    return final


def discard(partial: Path) -> None:
    shutil.rmtree(partial, ignore_errors=True)

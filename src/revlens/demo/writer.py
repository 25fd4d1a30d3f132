"""Render generated columns to CSV with pyarrow: one header line, then batches of rows.

Generators hand over plain numpy / pandas columns in the encodings listed in
:mod:`revlens.demo.schema`; this module turns them into Arrow arrays whose CSV rendering is
exactly the contract's: ``2026-01-05 10:00:00`` timestamps, ``2026-01-05`` dates, money with two
decimals, ``true``/``false``. Strings are always quoted by Arrow, which every CSV reader accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from revlens.demo.schema import ENTITY_COLUMNS

_WRITE_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="needed")


def format_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded ``numbers`` (1-based by convention), e.g. ``A0000042``."""
    digits = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()),
                          width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def lookup(values: pa.Array | list[str], codes: np.ndarray) -> pa.Array:
    """``values[codes]`` as an Arrow string array; a negative code gives a missing value."""
    table = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    codes = np.asarray(codes)
    index = pa.array(codes.astype(np.int64), mask=codes < 0)
    return table.take(index)


def cents_to_decimal(cents: np.ndarray, scale: int = 2) -> pa.Array:
    """Exact decimal array from integer minor units (NaN = missing); no float rounding."""
    values = np.asarray(cents, dtype=np.float64)
    missing = np.isnan(values)
    units = np.where(missing, 0, np.round(values)).astype(np.int64)
    words = np.empty((len(units), 2), dtype=np.int64)
    words[:, 0] = units
    words[:, 1] = np.where(units < 0, -1, 0)
    arr = pa.Array.from_buffers(pa.decimal128(18, scale), len(units),
                                [None, pa.py_buffer(words)])
    if missing.any():
        arr = pc.if_else(pa.array(~missing), arr, pa.scalar(None, arr.type))
    return arr


def _as_numpy(values: Any, dtype: Any) -> np.ndarray:
    if isinstance(values, pd.Series):
        return values.to_numpy(dtype=dtype, na_value=np.nan if dtype == np.float64 else -1)
    return np.asarray(values, dtype=dtype)


def to_arrow(kind: str, values: Any) -> pa.Array:
    """Convert one generated column of ``kind`` (see :mod:`revlens.demo.schema`) to Arrow."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array) and kind == "str":
        return values
    if kind == "str":
        return pa.array(values, pa.string(), from_pandas=True)
    if kind in ("ts", "date"):
        raw = _as_numpy(values, np.int64)
        unit = pa.timestamp("s") if kind == "ts" else pa.date32()
        width = np.int64 if kind == "ts" else np.int32
        return pa.array(raw.astype(width), unit, mask=raw < 0)
    if kind == "money":
        return cents_to_decimal(_as_numpy(values, np.float64))
    if kind == "rate":
        return cents_to_decimal(_as_numpy(values, np.float64) * 10_000, scale=4)
    if kind == "int":
        raw = _as_numpy(values, np.float64)
        return pa.array(np.nan_to_num(raw).astype(np.int64), mask=np.isnan(raw))
    if kind == "bool":
        if isinstance(values, np.ndarray) and values.dtype == bool:
            return pa.array(values)
        return pa.array(np.asarray(values, dtype=object), pa.bool_(), from_pandas=True)
    raise ValueError(f"unknown column kind {kind!r}")


def build_table(entity: str, columns: Mapping[str, Any]) -> pa.Table:
    """Arrow table of ``entity`` in contract column order; every column must be present."""
    layout = ENTITY_COLUMNS[entity]
    missing = [name for name, _ in layout if name not in columns]
    if missing:
        raise KeyError(f"{entity}: generator did not produce columns {missing}")
    arrays = [to_arrow(kind, columns[name]) for name, kind in layout]
    return pa.table(arrays, names=[name for name, _ in layout])


class CsvSink:
    """An open ``<entity>.csv``: header written on open, Arrow tables appended in batches."""

    def __init__(self, path: Path, entity: str) -> None:
        self.path = path
        self.entity = entity
        self.rows = 0
        self._file = path.open("wb")
        header = ",".join(name for name, _ in ENTITY_COLUMNS[entity]) + "\n"
        self._file.write(header.encode("utf-8"))

    def write(self, columns: Mapping[str, Any] | pa.Table) -> None:
        table = columns if isinstance(columns, pa.Table) else build_table(self.entity, columns)
        if table.num_rows:
            pacsv.write_csv(table, self._file, _WRITE_OPTIONS)
        self.rows += table.num_rows

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> CsvSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_entity(out_dir: Path, entity: str, columns: Mapping[str, Any]) -> tuple[Path, int]:
    """Write a whole entity to ``out_dir/<entity>.csv``; returns (path, rows)."""
    path = out_dir / f"{entity}.csv"
    with CsvSink(path, entity) as sink:
        sink.write(columns)
        return path, sink.rows

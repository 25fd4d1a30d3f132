"""The warehouse's version: a cheap value that changes whenever its data may have changed, so
that results computed from it (`revlens.metrics.cache`) can be kept until then.

A DuckDB file has one writer at a time, and a writer excludes every reader (another process's
by the file lock, this process's by DuckDB's one-configuration rule). Whatever writes — an
import, a sync, `revlens refresh`, the tracking flusher, tags and segments, a migration —
commits through the file's write-ahead log and checkpoints into the file when it closes, so
the size and modification time of the file and of its `.wal` change with every commit. A
reader that samples them while it holds a connection sees the version of exactly the data
that connection reads: no write can slip between the two.

Two stat() calls, no connection and no query: cheaper than reading the newest batch id or
refresh time, and it also covers writes that log no batch (identity links the flusher adds,
forecast snapshots, privacy erasures). The inode tells a file replaced by a copy (a restored
backup) from the one before.

Another backend supplies its own version here (None: not known, results are not kept).
"""

from __future__ import annotations

import os
from collections.abc import Hashable

from revlens.errors import UnsupportedWarehouse

WAL_SUFFIX = ".wal"


def warehouse_version(url: str) -> Hashable | None:
    """The version of the warehouse at `url`, or None when it cannot be told (an in-memory
    DuckDB, a backend without a version yet): then nothing computed from it is kept."""
    from revlens.warehouse.connection import duckdb_path

    try:
        path = duckdb_path(url)
    except UnsupportedWarehouse:
        return None
    if path == ":memory:":
        return None
    return (_stamp(path), _stamp(path + WAL_SUFFIX))


def _stamp(path: str) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns

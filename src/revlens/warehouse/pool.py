"""Read-only warehouse connections for the requests of a served app: opened at the first query
(a request answered from `revlens.metrics.cache` opens none) and, in `revlens serve`, taken
from a small pool per warehouse file and given back when the request ends.

Opening a DuckDB file costs tens of milliseconds (the database, its catalog, the Ibis backend)
and a dashboard page asks for twenty tiles at once, each its own request. Kept connections also
keep DuckDB's buffers, each connection's table lookups and its `memo` (what cannot change
while a connection is open) warm.

How the pool keeps the writer rules of `revlens.warehouse.connection`:
- A connection, lent or idle, holds the file's read lock: no other process writes meanwhile.
  An idle connection is closed `idle_seconds` after its last use, so the tracking flusher and
  the command line get the file as soon as the app is quiet, as they did between requests.
- A writer of this process (`in_process_writer`) makes the pool close its idle connections at
  once and those lent as they come back, waits (up to `IN_PROCESS_WAIT_SECONDS`) until none is
  left open, and the pool lends none while the writer works: a request waits for the writer,
  as every read-only open does.
- A connection is used by one thread at a time (lent to one request); temporary tables a
  request leaves behind are dropped when it is given back.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field

import ibis

from revlens.config import Settings
from revlens.errors import WorkspaceBusy
from revlens.warehouse import connection
from revlens.warehouse.connection import Warehouse, duckdb_path

log = logging.getLogger(__name__)

DEFAULT_IDLE_SECONDS = 1.0
DEFAULT_MAX_IDLE = 8
_REUSE = {"idle_seconds": 0.0, "max_idle": DEFAULT_MAX_IDLE}
_POOLS: dict[tuple, ReaderPool] = {}
_POOLS_LOCK = threading.Lock()


def reuse_connections(idle_seconds: float = DEFAULT_IDLE_SECONDS,
                      max_idle: int = DEFAULT_MAX_IDLE) -> None:
    """Keep this process's read-only connections (`reader`) open up to `idle_seconds` after
    their last use, at most `max_idle` per file; 0 seconds: close each after its request (the
    default). `revlens serve` turns this on."""
    _REUSE["idle_seconds"], _REUSE["max_idle"] = idle_seconds, max_idle
    if idle_seconds <= 0:
        with _POOLS_LOCK:
            pools = list(_POOLS.values())
        for pool in pools:
            pool.close_idle()


def reader(settings: Settings) -> Warehouse:
    """A read-only warehouse that connects at its first query (from the pool when connections
    are reused); `close()` gives the connection back. Other engines than a DuckDB file open as
    usual."""
    path = _file_of(settings)
    if path is None:
        return Warehouse(settings, read_only=True)
    return Reader(settings, path)


def release_readers(path: str, timeout: float) -> None:
    """A writer of this process needs `path`: the pool closes its idle connections, then waits
    up to `timeout` seconds for the lent ones (closed as they come back)."""
    with _POOLS_LOCK:
        pools = [p for p in _POOLS.values() if p.path == path]
    deadline = time.monotonic() + timeout
    for pool in pools:
        pool.close_idle()
        pool.wait_until_empty(deadline)


def _file_of(settings: Settings) -> str | None:
    url = settings.warehouse_url
    if not url.startswith("duckdb://"):
        return None
    path = duckdb_path(url)
    return None if path == ":memory:" else path


def _pool_for(settings: Settings, path: str) -> ReaderPool:
    key = (path, settings.duckdb_memory_limit, settings.duckdb_threads)
    with _POOLS_LOCK:
        if key not in _POOLS:
            _POOLS[key] = ReaderPool(path)
        return _POOLS[key]


def _writer_waiting(path: str) -> bool:
    return bool(connection._WRITERS.get(path))


@dataclass(eq=False)
class _Idle:
    warehouse: Warehouse
    since: float = field(default_factory=time.monotonic)


class ReaderPool:
    """Idle read-only connections to one DuckDB file (see the module docstring)."""

    def __init__(self, path: str, clock=time.monotonic):
        self.path = path
        self.clock = clock
        self.idle: list[_Idle] = []
        self.lent = 0
        self.opened = 0                  # connections opened over the pool's life
        self._changed = threading.Condition()
        self._reaping = False            # a reaper thread runs (set and cleared in the lock)

    def take(self, settings: Settings) -> Warehouse:
        """An open read-only connection: the one used last, else a new one."""
        with self._changed:
            if _writer_waiting(self.path):
                self._wait_for_writer()
            self.lent += 1
            if self.idle:
                kept = self.idle.pop().warehouse
                kept.settings = settings
                return kept
        try:
            opened = Warehouse(settings, read_only=True)
        except BaseException:
            with self._changed:
                self.lent -= 1
                self._changed.notify_all()
            raise
        with self._changed:
            self.opened += 1
        return opened

    def give_back(self, warehouse: Warehouse, keep: bool = True) -> None:
        """Keep `warehouse` for the next request, unless a writer waits, the pool is full,
        connections are not reused or `keep` is false: then close it."""
        keep = keep and _REUSE["idle_seconds"] > 0 and not _writer_waiting(self.path)
        with self._changed:
            self.lent -= 1
            if keep and len(self.idle) < _REUSE["max_idle"]:
                self.idle.append(_Idle(warehouse, self.clock()))
                self._start_reaper()
                warehouse = None
            self._changed.notify_all()
        if warehouse is not None:
            warehouse.close()

    def close_idle(self, older_than: float | None = None) -> int:
        """Close the idle connections (those idle at least `older_than` seconds); how many."""
        with self._changed:
            now = self.clock()
            going = [i for i in self.idle
                     if older_than is None or now - i.since >= older_than]
            self.idle = [i for i in self.idle if i not in going]
            self._changed.notify_all()
        for item in going:
            item.warehouse.close()
        return len(going)

    def wait_until_empty(self, deadline: float) -> bool:
        """Wait (until the monotonic `deadline`) for every lent connection to come back."""
        with self._changed:
            return self._changed.wait_for(lambda: self.lent == 0 and not self.idle,
                                          timeout=max(0.0, deadline - time.monotonic()))

    def _wait_for_writer(self) -> None:
        """Called holding the pool's lock: wait for this process's writer of the file."""
        self._changed.release()
        try:
            with connection._WRITERS_CHANGED:
                done = connection._WRITERS_CHANGED.wait_for(
                    lambda: not _writer_waiting(self.path),
                    timeout=connection.IN_PROCESS_WAIT_SECONDS)
        finally:
            self._changed.acquire()
        if not done:
            raise WorkspaceBusy(self.path, "this process is writing to it; try again in a "
                                           "moment")

    def _start_reaper(self) -> None:
        """Called holding the pool's lock."""
        if not self._reaping:
            self._reaping = True
            threading.Thread(target=self._reap, name="revlens-reader-pool", daemon=True).start()

    def _reap(self) -> None:
        """Close connections idle for `idle_seconds`, until none is idle."""
        while True:
            with self._changed:
                if not self.idle:
                    self._reaping = False
                    return
                oldest = min(i.since for i in self.idle)
                wait = oldest + _REUSE["idle_seconds"] - self.clock()
                if wait > 0:
                    self._changed.wait(timeout=wait)
                    continue
            self.close_idle(older_than=_REUSE["idle_seconds"])


class Reader(Warehouse):
    """A read-only `Warehouse` that connects at its first use (a pooled connection when the
    process reuses them) and gives it back on `close()`."""

    def __new__(cls, settings: Settings, path: str) -> Reader:
        return object.__new__(cls)

    def __init__(self, settings: Settings, path: str):  # noqa: D107 - no connection yet
        self.settings = settings
        self.url = settings.warehouse_url
        self.path = path
        self.read_only = True
        self._in_transaction = False
        self._scratch: list[str] = []
        self._temps: set[str] = set()
        self._pool = _pool_for(settings, path) if _REUSE["idle_seconds"] > 0 else None
        self._open: Warehouse | None = None

    # the connection and what is kept per connection, from the connection in use
    @property
    def con(self) -> ibis.BaseBackend:  # type: ignore[override]
        return self.connection().con

    @property
    def _tables(self) -> dict:  # type: ignore[override]
        return self.connection()._tables

    @property
    def _memo(self) -> dict:  # type: ignore[override]
        return self.connection()._memo

    @property
    def _prepared(self) -> dict:  # type: ignore[override]
        return self.connection()._prepared

    @property
    def connected(self) -> bool:
        return self._open is not None

    def connection(self) -> Warehouse:
        """The open connection, opened (or taken from the pool) now if need be."""
        if self._open is None:
            self._open = self._pool.take(self.settings) if self._pool is not None \
                else Warehouse(self.settings, read_only=True)
        return self._open

    def create_temp(self, name: str, data) -> ibis.Table:
        table = super().create_temp(name, data)
        self._temps.add(name)
        return table

    def drop_temp(self, name: str) -> None:
        super().drop_temp(name)
        self._temps.discard(name)

    def close(self) -> None:
        opened, self._open = self._open, None
        if opened is None:
            return
        left = [*self._scratch, *self._temps]
        self._scratch, self._temps = [], set()
        for name in left:
            with contextlib.suppress(Exception):
                opened.drop_temp(name)
        if self._pool is not None:
            self._pool.give_back(opened, keep=not self._in_transaction)
        else:
            opened.close()

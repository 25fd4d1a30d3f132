"""The one place that opens the warehouse. Everything else asks a `Warehouse` for Ibis tables.

The default engine is DuckDB in a file of the workspace (`duckdb:///path/warehouse.duckdb`);
`duckdb://:memory:` gives a throw-away warehouse. Writes run inside `transaction()`, so an
import either commits whole or leaves the warehouse as it was, even if the process is killed.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import ibis
import pyarrow as pa
import sqlglot.expressions as sge

from revlens.config import Settings
from revlens.contract.entities import ENTITIES
from revlens.errors import UnsupportedWarehouse, WorkspaceBusy
from revlens.warehouse.schema import MIGRATIONS, MIGRATIONS_SCHEMA, MIGRATIONS_TABLE

log = logging.getLogger(__name__)

RefreshStep = Callable[["Warehouse"], None]
REFRESH_STEPS: list[tuple[str, RefreshStep]] = []


def refresh_step(name: str) -> Callable[[RefreshStep], RefreshStep]:
    """Register a step of `revlens refresh` (identity, attribution, ... add theirs here)."""

    def register(fn: RefreshStep) -> RefreshStep:
        REFRESH_STEPS.append((name, fn))
        return fn

    return register


def duckdb_path(url: str) -> str:
    """The file (or `:memory:`) that a `duckdb://` warehouse URL names."""
    prefix = "duckdb://"
    if not url.startswith(prefix):
        raise UnsupportedWarehouse(url)
    rest = url[len(prefix):]
    if rest in ("", ":memory:", "/:memory:"):
        return ":memory:"
    return rest[1:] if rest.startswith("//") else rest


def writer_key(url: str) -> str:
    """What `in_process_writer` marks for a warehouse URL: a DuckDB file's path, else the URL."""
    return duckdb_path(url) if url.startswith("duckdb://") else url


def quoted(name: str) -> str:
    """A safely quoted DuckDB identifier (names come from the contract, never from input)."""
    return sge.to_identifier(name, quoted=True).sql("duckdb")


# DuckDB refuses, within one process, a read-only and a read-write connection to one file at
# the same time. A process that writes in the background (the tracking flusher in `revlens
# serve`) holds `in_process_writer(path)`; a read-only open waits for it (briefly) instead of
# failing, and the read-only connections `revlens serve` keeps between requests
# (`revlens.warehouse.pool`) are closed first.
_WRITERS: dict[str, int] = {}
_WRITERS_CHANGED = threading.Condition()
IN_PROCESS_WAIT_SECONDS = 10.0


@contextlib.contextmanager
def in_process_writer(path: str) -> Iterator[None]:
    """Mark `path` as being written by this process for the duration of the block; the
    process's kept read-only connections of it are closed (those in use when they come back,
    waiting up to IN_PROCESS_WAIT_SECONDS for them)."""
    from revlens.warehouse.pool import release_readers

    with _WRITERS_CHANGED:
        _WRITERS[path] = _WRITERS.get(path, 0) + 1
    try:
        release_readers(path, IN_PROCESS_WAIT_SECONDS)
        yield
    finally:
        with _WRITERS_CHANGED:
            _WRITERS[path] -= 1
            _WRITERS_CHANGED.notify_all()


# How long an open waits for ANOTHER process's lock to go (0: it fails at once, with
# WorkspaceBusy). `revlens serve` waits a little: its tracking flusher, a child process, holds
# the warehouse for a moment every second.
_LOCK_WAIT = {"seconds": 0.0}
LOCK_POLL_SECONDS = 0.05
PREPARED_MOST = 256
"""Prepared statements kept per connection (the least recently used is deallocated)."""


def wait_for_locks(seconds: float) -> None:
    """Let this process's opens wait up to `seconds` for another process's lock."""
    _LOCK_WAIT["seconds"] = seconds


def _connect(path: str, read_only: bool, config: dict) -> ibis.BaseBackend:
    deadline = time.monotonic() + IN_PROCESS_WAIT_SECONDS
    lock_deadline = time.monotonic() + _LOCK_WAIT["seconds"]
    with contextlib.ExitStack() as writing:
        while True:
            try:
                return ibis.duckdb.connect(path, read_only=read_only, **config)
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise
                if time.monotonic() + LOCK_POLL_SECONDS > lock_deadline:
                    raise WorkspaceBusy(path) from None
                time.sleep(LOCK_POLL_SECONDS)
            except duckdb.ConnectionException as exc:
                if "different configuration" not in str(exc):
                    raise
                if not read_only and not _WRITERS.get(path):
                    # a write open without in_process_writer: the kept read-only
                    # connections of this process go first, then it tries once more
                    writing.enter_context(in_process_writer(path))
                    continue
                with _WRITERS_CHANGED:
                    left = deadline - time.monotonic()
                    if not read_only or not _WRITERS.get(path) or left <= 0:
                        raise WorkspaceBusy(path, "another connection of this process holds "
                                                  "it; try again in a moment") from None
                    _WRITERS_CHANGED.wait_for(lambda: not _WRITERS.get(path), timeout=left)


class Warehouse:
    """A connection to the warehouse. Use as a context manager, or call `close()`."""

    def __new__(cls, settings: Settings, read_only: bool = False) -> Warehouse:
        if cls is Warehouse and settings.warehouse_url.startswith("spark://"):
            from revlens.warehouse.spark import SparkWarehouse

            return super().__new__(SparkWarehouse)
        return super().__new__(cls)

    def __init__(self, settings: Settings, read_only: bool = False):
        self.settings = settings
        self.url = settings.warehouse_url
        self.path = duckdb_path(self.url)
        config = {"memory_limit": settings.duckdb_memory_limit}
        if settings.duckdb_threads:
            config["threads"] = settings.duckdb_threads
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            config["temp_directory"] = str(Path(self.path).parent / ".duckdb_tmp")
        self.con = _connect(self.path, read_only, config)
        self.con.raw_sql("SET TimeZone = 'UTC'")
        self._in_transaction = False
        self._scratch: list[str] = []
        self.read_only = read_only
        self._tables: dict[str, ibis.Table] = {}
        self._memo: dict[str, object] = {}
        self._prepared: OrderedDict[str, str] = OrderedDict()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.con.disconnect()

    # -- reading ---------------------------------------------------------------------------
    def table(self, name: str) -> ibis.Table:
        """The table `name`. A read-only connection cannot change a schema, so it looks each
        table up once."""
        if not self.read_only:
            return self.con.table(name)
        if name not in self._tables:
            self._tables[name] = self.con.table(name)
        return self._tables[name]

    def memo(self, key: str, compute: Callable[[], object]) -> object:
        """`compute()` once per connection (for what cannot change while it is open)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def tables(self) -> list[str]:
        return self.con.list_tables()

    def execute(self, expr: ibis.Expr):
        return self.con.execute(expr)

    def compile(self, expr: ibis.Expr) -> str:
        """The SQL of an Ibis expression, to run later with `fetch_compiled`."""
        return str(self.con.compile(expr))

    def fetch_compiled(self, statement: str | ibis.Expr) -> tuple[list[str], list[tuple]]:
        """The column names and rows (Python values) of a statement `compile` produced, or of
        an expression that could not be compiled ahead (it holds an in-memory table)."""
        if not isinstance(statement, str):
            return arrow_rows(self.to_arrow(statement))
        cursor = self._execute_prepared(statement)
        return [c[0] for c in cursor.description], cursor.fetchall()

    def _execute_prepared(self, statement: str) -> duckdb.DuckDBPyConnection:
        """Run a compiled statement as a prepared statement of this connection, prepared at
        its first run: DuckDB then skips parsing and planning, which on a dashboard's small
        aggregates cost more than running them. The text prepared is the compiler's own
        output (its literals quoted by the compiler). A statement that fails is prepared
        again once (its tables may have been replaced since)."""
        raw = self.con.con
        try:
            return raw.execute(f"EXECUTE {self._prepare(statement)}")
        except duckdb.Error:
            self._deallocate(self._prepared.pop(statement))
            return raw.execute(f"EXECUTE {self._prepare(statement)}")

    def _prepare(self, statement: str) -> str:
        """The name of `statement`'s prepared statement, preparing it if needed; the least
        recently used beyond `PREPARED_MOST` is deallocated."""
        name = self._prepared.get(statement)
        if name is not None:
            self._prepared.move_to_end(statement)
            return name
        name = f"revlens_statement_{uuid.uuid4().hex[:16]}"
        self.con.con.execute(f"PREPARE {name} AS {statement}")
        self._prepared[statement] = name
        if len(self._prepared) > PREPARED_MOST:
            self._deallocate(self._prepared.popitem(last=False)[1])
        return name

    def _deallocate(self, name: str) -> None:
        with contextlib.suppress(duckdb.Error):
            self.con.con.execute(f"DEALLOCATE {name}")

    def to_arrow(self, expr: ibis.Expr) -> pa.Table:
        return self.con.to_pyarrow(expr)

    def row_counts(self) -> dict[str, int]:
        """Rows per contract entity, in contract order (0 for a table not created yet)."""
        present = set(self.tables())
        return {name: int(self.table(name).count().execute()) if name in present else 0
                for name in ENTITIES}

    # -- writing ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Warehouse]:
        """All writes inside commit together or not at all."""
        if self._in_transaction:
            yield self
            return
        self.con.raw_sql("BEGIN TRANSACTION")
        self._in_transaction = True
        try:
            yield self
        except BaseException:
            self.con.raw_sql("ROLLBACK")
            raise
        else:
            self.con.raw_sql("COMMIT")
        finally:
            self._in_transaction = False

    def append(self, name: str, data: pa.Table | ibis.Table) -> None:
        self.con.insert(name, data)

    def create_temp(self, name: str, data: pa.Table | ibis.Table) -> ibis.Table:
        return self.con.create_table(name, data, temp=True, overwrite=True)

    def drop_temp(self, name: str) -> None:
        self.con.drop_table(name, force=True)

    def scratch(self, expr: ibis.Table) -> ibis.Table:
        """`expr` computed now into a temporary table, kept until the enclosing
        `scratch_scope()` ends (or the connection closes). A plan that joins a union of joins
        and then filters on a range can be planned badly; reading such an intermediate from a
        table gives the optimiser exact sizes and a simple plan."""
        name = f"_scratch_{uuid.uuid4().hex[:12]}"
        table = self.create_temp(name, expr)
        self._scratch.append(name)
        return table

    @contextlib.contextmanager
    def scratch_scope(self) -> Iterator[None]:
        """Drop the `scratch` tables created inside this block when it ends."""
        mark = len(self._scratch)
        try:
            yield
        finally:
            while len(self._scratch) > mark:
                with contextlib.suppress(Exception):
                    self.drop_temp(self._scratch.pop())

    def run_statement(self, statement: sge.Expression) -> None:
        """Run one DML statement built with sqlglot (never from strings of input)."""
        self.con.raw_sql(statement.sql(self.dialect))

    @property
    def dialect(self) -> str:
        """The SQL dialect of the engine (for the few statements built with sqlglot)."""
        return self.con.compiler.dialect

    # -- schema ----------------------------------------------------------------------------
    def schema_version(self) -> int:
        if MIGRATIONS_TABLE not in self.tables():
            return 0
        version = self.table(MIGRATIONS_TABLE).version.max().execute()
        return int(version) if version is not None else 0

    def migrate(self) -> list[int]:
        """Apply the migrations not applied yet; returns their versions. Idempotent."""
        with self.transaction():
            if MIGRATIONS_TABLE not in self.tables():
                self.con.create_table(MIGRATIONS_TABLE, schema=MIGRATIONS_SCHEMA)
            done = set(self.to_arrow(self.table(MIGRATIONS_TABLE).version)
                       .to_pylist())  # a set, not the maximum: migrations may land out of order
            applied = []
            for migration in sorted(MIGRATIONS, key=lambda m: m.version):
                if migration.version in done:
                    continue
                migration.apply(self.con)
                self.append(MIGRATIONS_TABLE, pa.table({
                    "version": [migration.version], "description": [migration.description],
                    "applied_at": pa.array([datetime.now(UTC)], pa.timestamp("us", tz="UTC")),
                }))
                applied.append(migration.version)
            self._add_missing_columns()
        return applied

    def _add_missing_columns(self) -> None:
        """Columns the contract gained after a table was created are added (nullable)."""
        from revlens.warehouse.schema import entity_schema

        for ent in ENTITIES.values():
            have = set(self.table(ent.name).columns)
            for name, dtype in entity_schema(ent).items():
                if name not in have:
                    self.run_statement(sge.Alter(
                        this=sge.to_table(ent.name, quoted=True), kind="TABLE",
                        actions=[sge.ColumnDef(this=sge.to_identifier(name, quoted=True),
                                               kind=self.con.compiler.type_mapper
                                               .from_ibis(dtype))],
                    ))

    # -- refresh ---------------------------------------------------------------------------
    def refresh(self, progress: Callable[[str], None] | None = None,
                order: Sequence[str] = ()) -> list[str]:
        """Run every registered refresh step (derived tables), each in its own transaction:
        steps of the modules in `order` first, in that order (a step may read the tables of
        the steps before it), then any other in the order they registered."""
        rank = {module: i for i, module in enumerate(order)}
        steps = sorted(REFRESH_STEPS, key=lambda s: rank.get(s[1].__module__, len(rank)))
        done = []
        for name, step in steps:
            if progress:
                progress(name)
            with self.transaction():
                step(self)
            done.append(name)
        return done


def arrow_rows(table: pa.Table) -> tuple[list[str], list[tuple]]:
    """The column names and rows of an Arrow table, as Python values."""
    return table.column_names, list(zip(*(c.to_pylist() for c in table.columns), strict=True))
